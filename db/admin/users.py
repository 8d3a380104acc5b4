"""User administration (系统管理 › 用户) and changing one's own password.

Every admin service is refused in db for anyone but an administrator (``PermissionDenied``), takes the write lock
first, edits the user row with its version checked (``StaleEdit`` if someone changed it since the form was opened),
and writes one audit row with the changed fields' old and new values in the same transaction. A password or its
hash never reaches the audit log: a reset is recorded as ``password: 已重置``. Users are never deleted (records and
the audit log point at them): ``deactivate_user`` ends their sessions and refuses every further login.

Run each service in ``session_scope(engine, write=True)`` (or through ``db.write.run_write``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from db import auth, clock, vocab
from db.auth import (
    CurrentUser,
    as_current_user,
    hash_password,
    password_problem,
    scope_problem,
    verify_password,
)
from db.errors import NotFound, PermissionDenied, ValidationFailed
from db.inputs import typed_inputs
from db.models import AppUser, Community, Organization, Street
from db.write import (
    begin_write,
    claim_submission,
    finish_submission,
    record_audit,
    require_admin,
    update_versioned,
)

_MISSING = "该用户不存在。"
PASSWORD_RESET_MARK = "已重置"


# ------------------------------------------------------------------------------------------ services


@typed_inputs
def create_user(*, session: Session, actor: CurrentUser, username: str, password: str, role: str,
                scope_type: str = "all", scope_id: int | None = None, display_name: str = "",
                idempotency_key: str | None = None) -> int:
    """A new leader, staff or admin account with an initial password the user must change at the first login."""
    require_admin(actor)
    if idempotency_key:
        begin_write(session)
        earlier = claim_submission(session, idempotency_key, "appuser", actor)
        if earlier is not None:
            return earlier.record_id or 0
    user_id = auth.create_user(session=session, actor=actor, username=username, password=password, role=role,
                           scope_type=scope_type, scope_id=scope_id, display_name=(display_name or "").strip(),
                           must_change_password=True)
    if idempotency_key:
        finish_submission(session, idempotency_key, user_id)
    return user_id


def _target(session: Session, actor: CurrentUser, user_id: int) -> AppUser:
    """Write lock, admin check, then the user row to change."""
    begin_write(session)
    require_admin(actor)
    row = session.get(AppUser, user_id)
    if row is None:
        raise NotFound(_MISSING)
    return row


def _not_self(actor: CurrentUser, row: AppUser, what: str) -> None:
    if row.id == actor.id:
        raise PermissionDenied(f"不能{what}自己的账户：请由另一名管理员操作。")


def _edit(session: Session, actor: CurrentUser, row: AppUser, expected_version: int, values: dict[str, Any],
          action: str, shown: dict[str, Any] | None = None) -> None:
    """Apply ``values`` with the version checked and audit the fields that change (``shown`` overrides what the
    audit records for a field, e.g. a password)."""
    old = {k: _plain(getattr(row, k)) for k in values if k != "password_hash"}
    new = {k: _plain(v) for k, v in values.items() if k != "password_hash"}
    if "password_hash" in values:
        old["password"], new["password"] = "", PASSWORD_RESET_MARK
    if shown:
        new.update(shown)
    assert row.id is not None
    update_versioned(session, AppUser, row.id, expected_version, values, "用户")
    record_audit(session, actor, action, "appuser", row.id, old, new)


def _plain(value: Any) -> Any:
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value


@typed_inputs
def reset_password(*, session: Session, actor: CurrentUser, user_id: int, new_password: str,
                   expected_version: int) -> None:
    """Set a new password the user must change at the next login; their open sessions end."""
    row = _target(session, actor, user_id)
    problem = password_problem(row.username, new_password, vocab.USER_FIELD_LABELS["new_password"])
    if problem:
        raise ValidationFailed({"new_password": problem})
    _edit(session, actor, row, expected_version, {
        "password_hash": hash_password(new_password), "must_change_password": True,
        "session_epoch": row.session_epoch + 1, "failed_logins": 0, "locked_until": None, "lock_count": 0,
    }, "password_reset")


@typed_inputs
def lock_user(*, session: Session, actor: CurrentUser, user_id: int, expected_version: int) -> None:
    """Lock an account until an admin unlocks it; its open sessions end at their next run."""
    row = _target(session, actor, user_id)
    _not_self(actor, row, "锁定")
    _edit(session, actor, row, expected_version, {"is_locked": True, "session_epoch": row.session_epoch + 1},
          "lock")


@typed_inputs
def unlock_user(*, session: Session, actor: CurrentUser, user_id: int, expected_version: int) -> None:
    """Lift an admin's lock and an automatic lock after failed logins (the failure count starts again)."""
    row = _target(session, actor, user_id)
    _edit(session, actor, row, expected_version,
          {"is_locked": False, "locked_until": None, "failed_logins": 0, "lock_count": 0}, "unlock")


def unlock_by_name(*, session: Session, username: str) -> bool:
    """``python -m db.cli unlock``: the operator's way in when no administrator can log in. False if unknown."""
    begin_write(session)
    row = session.exec(select(AppUser).where(AppUser.username == (username or "").strip())).first()
    if row is None:
        return False
    old = {"is_locked": row.is_locked, "locked_until": _plain(row.locked_until), "failed_logins": row.failed_logins,
           "lock_count": row.lock_count}
    new = {"is_locked": False, "locked_until": None, "failed_logins": 0, "lock_count": 0}
    assert row.id is not None
    update_versioned(session, AppUser, row.id, row.version, new, "用户")
    record_audit(session, None, "unlock", "appuser", row.id, old, {**new, "reason": "命令行解锁"},
                 username="cli")
    return True


@typed_inputs
def change_role_scope(*, session: Session, actor: CurrentUser, user_id: int, role: str, scope_type: str,
                      scope_id: int | None, expected_version: int) -> None:
    """A new role and data scope; the user's open sessions see them at their next run."""
    row = _target(session, actor, user_id)
    errors: dict[str, str] = {}
    if role not in vocab.ROLES:
        errors["role"] = "「角色」须为 领导、工作人员 或 管理员"
    problem = scope_problem(session, scope_type, scope_id)
    if problem:
        errors["scope"] = problem
    if errors:
        raise ValidationFailed(errors)
    if row.id == actor.id and (role != row.role):
        raise PermissionDenied("不能更改自己的角色：请由另一名管理员操作。")
    values = {"role": role, "scope_type": scope_type, "scope_id": scope_id if scope_type != "all" else None}
    _edit(session, actor, row, expected_version, values, "role_scope")


@typed_inputs
def deactivate_user(*, session: Session, actor: CurrentUser, user_id: int, expected_version: int) -> None:
    """Deactivate (never delete): no further login, open sessions end at their next run."""
    row = _target(session, actor, user_id)
    _not_self(actor, row, "停用")
    _edit(session, actor, row, expected_version, {"is_active": False, "session_epoch": row.session_epoch + 1},
          "deactivate")


@typed_inputs
def reactivate_user(*, session: Session, actor: CurrentUser, user_id: int, expected_version: int) -> None:
    row = _target(session, actor, user_id)
    _edit(session, actor, row, expected_version, {"is_active": True}, "reactivate")


@typed_inputs
def change_own_password(*, session: Session, user: CurrentUser, old_password: str, new_password: str,
                        confirm_password: str | None = None) -> CurrentUser:
    """Any user changes their own password. Returns the user for the session to keep: every other session of
    this user ends (the session epoch moves on), this one continues with the returned value.

    Two Argon2id computations run under the write lock (≈ 0.2–0.4 s); password changes are rare."""
    begin_write(session)
    row = session.get(AppUser, user.id)
    if row is None or not row.is_active or row.is_locked or row.session_epoch != user.session_epoch:
        raise PermissionDenied("登录已失效，请重新登录。")
    labels = vocab.USER_FIELD_LABELS
    errors: dict[str, str] = {}
    if not verify_password(row.password_hash, old_password):
        errors["old_password"] = f"「{labels['old_password']}」不正确"
    problem = password_problem(row.username, new_password, labels["new_password"])
    if problem:
        errors["new_password"] = problem
    elif new_password == old_password:
        errors["new_password"] = f"「{labels['new_password']}」不能与原密码相同"
    if confirm_password is not None and confirm_password != new_password:
        errors["confirm_password"] = f"「{labels['confirm_password']}」与新密码不一致"
    if errors:
        raise ValidationFailed(errors)
    values = {"password_hash": hash_password(new_password), "must_change_password": False,
              "session_epoch": row.session_epoch + 1}
    assert row.id is not None
    update_versioned(session, AppUser, row.id, row.version, values, "用户")
    record_audit(session, user, "password_change", "appuser", row.id,
                 {"must_change_password": row.must_change_password},
                 {"must_change_password": False, "password": "已修改"})
    session.refresh(row)
    return as_current_user(row, user.expires_at)


# ------------------------------------------------------------------------------------------ reads


def user_status(row: AppUser, now: datetime | None = None) -> str:
    """正常 / 已锁定（管理员）/ 暂时锁定 / 已停用."""
    now = now or clock.now()
    if not row.is_active:
        return vocab.USER_STATUSES["inactive"]
    if row.is_locked:
        return vocab.USER_STATUSES["locked"]
    if row.locked_until is not None and row.locked_until > now:
        return vocab.USER_STATUSES["temp_locked"]
    return vocab.USER_STATUSES["active"]


def scope_label(session: Session, scope_type: str, scope_id: int | None) -> str:
    if scope_type == "all" or scope_id is None:
        return vocab.SCOPE_TYPES["all"]
    model = {"street": Street, "community": Community, "organization": Organization}.get(scope_type)
    place = session.get(model, scope_id) if model is not None else None
    return f"{vocab.SCOPE_TYPES.get(scope_type, scope_type)} · {place.name if place else scope_id}"


def user_table(session: Session, actor: CurrentUser, *, now: datetime | None = None) -> pd.DataFrame:
    """Every user for the admin page: id and version (for the edit forms) and Chinese columns to show."""
    require_admin(actor)
    rows = session.exec(select(AppUser).order_by(AppUser.username)).all()
    return pd.DataFrame([{
        "id": r.id, "version": r.version,
        "用户名": r.username, "姓名": r.display_name,
        "角色": vocab.ROLES.get(r.role, r.role),
        "数据范围": scope_label(session, r.scope_type, r.scope_id),
        "状态": user_status(r, now),
        "须修改密码": "是" if r.must_change_password else "否",
        "最近登录": r.last_login_at,
    } for r in rows], columns=["id", "version", "用户名", "姓名", "角色", "数据范围", "状态", "须修改密码", "最近登录"])


@dataclass(frozen=True)
class UserForEdit:
    """One user as the admin's edit forms open it: codes (not labels) and the version the edit must match."""

    id: int
    version: int
    username: str
    display_name: str
    role: str
    scope_type: str
    scope_id: int | None
    status: str  # user_status's words
    is_locked: bool  # by an admin, or for now after failed logins
    is_active: bool


def user_for_edit(session: Session, actor: CurrentUser, user_id: int, *, now: datetime | None = None) -> UserForEdit:
    require_admin(actor)
    row = session.get(AppUser, user_id)
    if row is None:
        raise NotFound(_MISSING)
    now = now or clock.now()
    assert row.id is not None
    return UserForEdit(id=row.id, version=row.version, username=row.username, display_name=row.display_name,
                       role=row.role, scope_type=row.scope_type, scope_id=row.scope_id,
                       status=user_status(row, now),
                       is_locked=row.is_locked or (row.locked_until is not None and row.locked_until > now),
                       is_active=row.is_active)
