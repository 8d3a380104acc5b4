"""Kiosk links (DESIGN.md §10): a long random token that opens the big screen (大屏) of one street or community with
no login, read-only, aggregates only.

An admin creates a link (the token is returned once and never stored: the table keeps its SHA-256), lists the links
and revokes one; each of these is admin-only, checked here, and audited in the same transaction. Opening the link
gives a ``KioskViewer``: a principal of its own, not a ``CurrentUser`` — it has no role that can write, its scope is
the link's, and the page guard lets it open the big screen alone (components/nav.py).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import or_, select, update
from sqlmodel import Session

from db import clock
from db.auth import CurrentUser
from db.errors import NotFound
from db.fields import Fields
from db.inputs import typed_inputs
from db.models import AppUser, Community, KioskLink, Street
from db.scope import Scope
from db.write import begin_write, claim_submission, finish_submission, record_audit, require_admin, snapshot

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per link
KIOSK_ROLE = "kiosk"
NAME_MAX = 60
FIELD_LABELS = {"name": "链接名称", "street_id": "街道", "community_id": "社区"}
LINK_COLUMNS = {"id": "编号", "name": "名称", "scope": "范围", "created_by": "创建人", "created_at": "创建时间",
                "last_used_at": "最近使用", "status": "状态"}


@dataclass(frozen=True)
class KioskViewer:
    """Who is looking at a kiosk link: read-only, one street or community, the big screen only.

    Deliberately not a ``CurrentUser``: it carries no user id and no role that any write service accepts
    (every role predicate is False and ``role`` is ``kiosk``, so ``require_writer`` and ``require_admin`` refuse
    it)."""

    link_id: int
    name: str
    street_id: int
    community_id: int | None
    role: str = KIOSK_ROLE
    # The role predicates of CurrentUser, all False: a kiosk may do nothing but look.
    is_admin: bool = False
    may_write: bool = False
    may_approve: bool = False
    may_certify: bool = False
    may_manage_users: bool = False
    may_manage_reference: bool = False
    may_read_audit: bool = False
    must_change_password: bool = False
    used_at: datetime | None = field(default=None, compare=False)  # last_used_at when the token was checked

    @property
    def scope(self) -> Scope:
        # The same scope a leader of that street or community has (db.scope.user_scope).
        if self.community_id is not None:
            return Scope(community_id=self.community_id)
        return Scope(street_id=self.street_id)


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@typed_inputs
def create_kiosk_link(*, session: Session, actor: CurrentUser | None, name: str, street_id: int | None,
                      community_id: int | None = None, idempotency_key: str) -> tuple[int, str | None]:
    """Create a link for a street (``community_id`` None) or one of its communities; returns (id, token).

    The token is returned this once and never stored. A retried submission (same ``idempotency_key``) returns the
    first link's id and None: its token cannot be shown again (revoke it and create another if it was lost)."""
    begin_write(session)
    require_admin(actor)
    assert actor is not None
    earlier = claim_submission(session, idempotency_key, "kiosk_link", actor)
    if earlier is not None:
        return earlier.record_id or 0, None
    fields = Fields(FIELD_LABELS)
    clean = fields.text("name", name, NAME_MAX, required=True)
    street = session.get(Street, street_id) if street_id is not None else None
    if street is None:
        fields.fail("street_id", "请选择一个街道")
    if community_id is not None:
        community = session.get(Community, community_id)
        if community is None or (street is not None and community.street_id != street.id):
            fields.fail("community_id", "所选社区不属于该街道")
    fields.raise_if_any()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = KioskLink(name=clean, token_hash=token_hash(token), street_id=street_id, community_id=community_id,
                     created_by=actor.id or None, created_at=clock.now())
    session.add(link)
    session.flush()
    assert link.id is not None
    finish_submission(session, idempotency_key, link.id)
    audited = snapshot(link)
    audited.pop("token_hash")  # the audit trail needs neither the token nor its hash
    record_audit(session, actor, "create", "kiosklink", link.id, None, audited)
    return link.id, token


@typed_inputs
def revoke_kiosk_link(*, session: Session, actor: CurrentUser | None, link_id: int) -> None:
    """Revoke a link: from the next run on, a screen opened with it shows a refusal and nothing else."""
    begin_write(session)
    require_admin(actor)
    link = session.get(KioskLink, link_id)
    if link is None:
        raise NotFound("该大屏链接不存在或已被删除。")
    if link.revoked_at is not None:
        return  # revoking twice changes nothing
    now = clock.now()
    session.execute(update(KioskLink).where(KioskLink.id == link_id).values(revoked_at=now))
    record_audit(session, actor, "revoke", "kiosklink", link_id, {"revoked_at": None},
                 {"revoked_at": now.isoformat()})


def list_kiosk_links(session: Session, actor: CurrentUser | None) -> pd.DataFrame:
    """Every link with its scope, creator, created, last used and status (newest first); admin-only."""
    require_admin(actor)
    query = (
        select(KioskLink.id, KioskLink.name, Street.name.label("street"), Community.name.label("community"),
               AppUser.display_name.label("created_by"), KioskLink.created_at, KioskLink.last_used_at,
               KioskLink.revoked_at)
        .join(Street, Street.id == KioskLink.street_id)
        .outerjoin(Community, Community.id == KioskLink.community_id)
        .outerjoin(AppUser, AppUser.id == KioskLink.created_by)
        .order_by(KioskLink.id.desc())
    )
    df = pd.DataFrame(session.execute(query).all(),
                      columns=["id", "name", "street", "community", "created_by", "created_at", "last_used_at",
                               "revoked_at"])
    df["scope"] = [f"{s} · {c}" if isinstance(c, str) else f"{s}（整个街道）"
                   for s, c in zip(df["street"], df["community"], strict=True)]
    df["status"] = ["已撤销" if pd.notna(r) else "有效" for r in df["revoked_at"]]
    df["created_by"] = df["created_by"].fillna("—")
    return df


def viewer_for_token(session: Session, token: str | None, *, now: datetime | None = None,
                     touch: bool = True) -> KioskViewer | None:
    """The viewer of a valid link, or None for an unknown, revoked or malformed token.

    With ``touch`` (the session must then be a write session) the use is recorded here (``record_use``); a caller
    that reads first passes ``touch=False`` and records the use in a write transaction only when ``use_is_due``."""
    if not token or len(token) > 200:
        return None
    link = session.execute(select(KioskLink).where(KioskLink.token_hash == token_hash(token))).scalar_one_or_none()
    if link is None or link.revoked_at is not None:
        return None
    now = now or clock.now()
    if touch and use_is_due(link.last_used_at, now):
        record_use(session, link.id or 0, now=now)
    return KioskViewer(link_id=link.id or 0, name=link.name, street_id=link.street_id,
                       community_id=link.community_id, used_at=link.last_used_at)


def use_is_due(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use must be recorded: last_used_at is written at most once a minute."""
    return last_used_at is None or last_used_at <= now - TOUCH_EVERY


def record_use(session: Session, link_id: int, *, now: datetime | None = None) -> None:
    """Set last_used_at, unless another screen or server did within the minute (a conditional UPDATE). It does not
    bump the data version: it changes no figure, and must not empty every cache each minute."""
    now = now or clock.now()
    session.execute(
        update(KioskLink)
        .where(KioskLink.id == link_id,
               or_(KioskLink.last_used_at.is_(None), KioskLink.last_used_at <= now - TOUCH_EVERY))
        .values(last_used_at=now))


def link_is_valid(session: Session, link_id: int) -> bool:
    """Whether the link is still valid (not revoked, not deleted): the big screen re-checks on every refresh."""
    link = session.get(KioskLink, link_id)
    return link is not None and link.revoked_at is None
