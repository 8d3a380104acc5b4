"""Corrections of 慈善资源 records (issue 10): edit and delete a donation, approve or reject several 待审核 needs at
once, and the reads those forms need (donations of a scope found by date and donor; a donation's form values).

Each service is on the write frame of ``db.write`` like those of ``db.charity.writes``: the write lock and data
version first, the role, the scope of the record as saved (and of the place it is moved to), the version it was
shown at (``StaleEdit`` if anyone changed it since), an audit row in the same transaction. Nothing is written when
anything is refused. (A module of its own: ``db/charity/writes.py`` is at its length limit.)
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from db import clock
from db.auth import CurrentUser
from db.charity.writes import DonationInput, _fields, _need_for_write, validate_donation
from db.inputs import typed_inputs
from db.models import CharityNeed, Community, Donation, Street
from db.scope import Scope
from db.write import (
    begin_write,
    delete_versioned,
    load_for_write,
    load_in_scope,
    record_audit,
    require_reviewer,
    snapshot,
    update_record,
    update_versioned,
)

DONATION_MISSING = "该捐赠记录不存在或已被删除。"
PAGE_SIZE = 50


@typed_inputs
def update_donation(*, session: Session, user: CurrentUser, donation_id: int, expected_version: int,
                    data: DonationInput, today: date | None = None) -> None:
    """修改捐赠: every field checked as when it was recorded; the donation as saved and the place it is moved to
    must both lie in the user's scope; refused if anyone changed it since ``expected_version``."""
    begin_write(session)
    donation = load_for_write(session, user, Donation, donation_id, DONATION_MISSING)
    old = snapshot(donation)
    values = validate_donation(session, user, data, today or clock.today())
    update_record(session, user, Donation, donation_id, expected_version, values, old, label="捐赠")


@typed_inputs
def delete_donation(*, session: Session, user: CurrentUser, donation_id: int, expected_version: int) -> None:
    """删除捐赠: refused outside the user's scope, for a leader, and if it changed since ``expected_version``."""
    begin_write(session)
    donation = load_for_write(session, user, Donation, donation_id, DONATION_MISSING)
    old = snapshot(donation)
    delete_versioned(session, Donation, donation_id, expected_version, label="捐赠")
    record_audit(session, user, "delete", "donation", donation_id, old, None)


@typed_inputs
def review_needs(*, session: Session, user: CurrentUser, needs: dict[int, int], approve: bool,
                 reason: str | None = "") -> int:
    """审核 several 待审核 needs at once ({need id: version as shown}): 待对接 (approve) or 已拒绝 with a reason.
    All or nothing: a need outside the scope, no longer 待审核 or changed since shown refuses the lot. Returns how
    many were reviewed."""
    begin_write(session)
    require_reviewer(user)
    f = _fields()
    if not needs:
        f.fail("need_id", "请至少选择一条待审核的需求")
    text = f.text("reject_reason", reason, 200, required=not approve)
    f.raise_if_any()
    to = "approved" if approve else "rejected"
    rows = {need_id: _need_for_write(session, user, need_id, to) for need_id in sorted(needs)}
    for need_id, version in sorted(needs.items()):
        old = snapshot(rows[need_id])
        update_versioned(session, CharityNeed, need_id, version,
                         {"status": to, "reject_reason": "" if approve else text}, label="需求")
        session.flush()
        session.expire_all()
        record_audit(session, user, "update", "charityneed", need_id, old,
                     snapshot(session.get(CharityNeed, need_id)))  # type: ignore[arg-type]
    return len(needs)


def find_donations(session: Session, scope: Scope, start: date, end: date, text: str = "", page: int = 0
                   ) -> tuple[pd.DataFrame, int]:
    """Donations of ``scope`` dated ``start``–``end`` whose donor, items or recipient contain ``text``, newest first,
    ``PAGE_SIZE`` a page: (the page, how many there are in all)."""
    clauses = [Donation.donated_on >= start, Donation.donated_on <= end, *scope.where(Donation)]
    needle = (text or "").strip()
    if needle:
        like = f"%{needle}%"
        clauses.append(Donation.donor_name.like(like) | Donation.items.like(like) | Donation.recipient.like(like))
    total = int(session.execute(select(func.count()).select_from(Donation).where(*clauses)).scalar_one())
    query = (select(Donation.id, Donation.donated_on, Donation.donor_name, Donation.donor_type, Donation.is_money,
                    Donation.amount_yuan, Donation.items, Donation.version, Street.name.label("street"),
                    Community.name.label("community"))
             .join(Street, Street.id == Donation.street_id)
             .outerjoin(Community, Community.id == Donation.community_id)
             .where(*clauses).order_by(Donation.donated_on.desc(), Donation.id.desc())
             .offset(max(page, 0) * PAGE_SIZE).limit(PAGE_SIZE))
    return pd.read_sql(query, session.connection()), total


def donation_for_edit(session: Session, user: CurrentUser, donation_id: int) -> tuple[DonationInput, int]:
    """The form values of a donation in the user's scope, and its version."""
    d = load_in_scope(session, user, Donation, donation_id, DONATION_MISSING)
    data = DonationInput(donor_name=d.donor_name, donor_type=d.donor_type, is_money=d.is_money,
                         amount_yuan=d.amount_yuan, donated_on=d.donated_on, community_id=d.community_id,
                         street_id=d.street_id, project_id=d.project_id, recipient=d.recipient, items=d.items,
                         quantity=d.quantity, channel=d.channel)
    return data, d.version


def pending_needs(session: Session, scope: Scope) -> pd.DataFrame:
    """待审核 needs of ``scope``, oldest first: need_id, version, filed_on, title, community, category, amount, unit,
    urgency."""
    query = (select(CharityNeed.id.label("need_id"), CharityNeed.version, CharityNeed.filed_on, CharityNeed.title,
                    Community.name.label("community"), CharityNeed.category, CharityNeed.amount, CharityNeed.unit,
                    CharityNeed.urgency)
             .outerjoin(Community, Community.id == CharityNeed.community_id)
             .where(CharityNeed.status == "pending", *scope.where(CharityNeed))
             .order_by(CharityNeed.filed_on, CharityNeed.id))
    return pd.read_sql(query, session.connection())


__all__ = ["PAGE_SIZE", "delete_donation", "donation_for_edit", "find_donations", "pending_needs",
           "review_needs", "update_donation"]

