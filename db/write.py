"""The write machinery every form uses: data-version bump, scope checks, idempotency, versions, audit.

A write service follows one pattern, inside one transaction (``session_scope(write=True)``):

    begin_write(session)                      # first statement: takes the write lock, bumps the data version
    existing = claim_submission(...)          # idempotency: a retried submission returns the first result
    require_writer(user); check_scope(...)    # role and scope, checked here and not only in the UI
    ...validate, write rows...
    record_audit(...)                         # append-only audit row in the same transaction

Audit rows form a hash chain (each row's ``row_hash`` covers its fields and the row before's hash), so appends must
be serial: ``record_audit`` takes the write lock itself (``lock_writes``) before it reads the chain's head. A row
that records an event rather than a data change (a login, an export) uses ``audit_event`` in a write session and
does not bump the data version (no cache is made stale by a login).

``create_record`` is that frame for a service that adds one row; ``submit`` / ``run_write`` run a service in its
own transaction and turn a racing duplicate submission into the first record's id.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time as _time
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import DateTime, Engine, bindparam, delete, event, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, SQLModel, select

from db import clock, guard, summaries  # noqa: F401  (summaries: its session events keep the monthly summaries)
from db.engine import session_scope
from db.errors import NotFound, PermissionDenied, StaleEdit
from db.fields import MAX_ID, is_id
from db.models import AuditLog, DataVersion, Submission
from db.scope import Scope

if TYPE_CHECKING:
    from db.auth import CurrentUser

T = TypeVar("T")
_log = logging.getLogger(__name__)


_BUMP = update(DataVersion).where(DataVersion.id == 1).values(version=DataVersion.version + 1,
                                                              changed_at=bindparam("at", type_=DateTime))


def begin_write(session: Session) -> None:
    """Bump the data version; call first in every write so the write lock is taken before any read."""
    # On the session's connection, not through the ORM: no row of this session holds the version, and the ORM's
    # bulk-update path costs twice the statement.
    result = session.connection().execute(_BUMP, {"at": clock.now()})
    if result.rowcount == 0:
        session.add(DataVersion(id=1, version=1))
        session.flush()


def data_version(session: Session) -> int:
    """The current data version: a cheap single-row read that tells every server when caches are stale."""
    row = session.get(DataVersion, 1)
    return row.version if row else 0


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def snapshot(obj: SQLModel) -> dict[str, Any]:
    """The column values of a row as JSON-safe data (for the audit trail)."""
    return {k: _jsonable(v) for k, v in obj.model_dump().items()}


def lock_writes(session: Session) -> None:
    """Take the write lock without bumping the data version (for rows that change no figure: logins, exports).

    SQLite: a write session (``session_scope(write=True)``) holds it from BEGIN IMMEDIATE. PostgreSQL: the data
    version row, locked FOR UPDATE until the transaction ends; ``begin_write`` takes the same row lock by updating
    it, so every writer queues on one lock, always taken first.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(DataVersion.id).where(DataVersion.id == 1).with_for_update())


# The fields of an audit row its hash covers (with ``prev_hash``); the id is not hashed (it is assigned on insert),
# the order is kept by each row naming the hash of the row before it.
AUDIT_HASHED = ("at", "user_id", "username", "action", "table_name", "record_id", "old_values", "new_values")
AUDIT_GENESIS = ""  # prev_hash of the first row


def audit_fields(row: AuditLog) -> dict[str, Any]:
    """The hashed fields of an audit row as JSON-safe values (``at`` as ISO text)."""
    values = {name: getattr(row, name) for name in AUDIT_HASHED}
    values["at"] = values["at"].isoformat() if isinstance(values["at"], datetime) else str(values["at"])
    return values


def audit_hash(fields: dict[str, Any], prev_hash: str) -> str:
    """sha256 over the canonical JSON of the row's fields and the previous row's hash (hex)."""
    payload = {**{name: fields[name] for name in AUDIT_HASHED}, "prev_hash": prev_hash}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _json_values(values: dict[str, Any] | None) -> dict[str, Any] | None:
    # The values exactly as they come back from a JSON column, so the hash is computed over what is stored.
    return json.loads(json.dumps(values, default=str)) if values is not None else None


def record_audit(session: Session, user: CurrentUser | None, action: str, table: str, record_id: int | None,
                 old: dict[str, Any] | None, new: dict[str, Any] | None, *, username: str | None = None) -> AuditLog:
    """Append one audit row, chained to the row before it, in the caller's (write) transaction."""
    if not action or len(action) > 20 or not table or len(table) > 40:
        raise ValueError("audit action must be 1–20 characters and table 1–40 (see vocab.AUDIT_ACTIONS)")
    lock_writes(session)
    row = AuditLog(
        user_id=user.id if user else None,
        username=(username if username is not None else (user.username if user else "system"))[:40],
        action=action, table_name=table, record_id=record_id,
        old_values=_json_values(old), new_values=_json_values(new),
    )
    # Under the write lock, so no other transaction can append between this read and the insert below.
    head = session.execute(select(AuditLog.row_hash).order_by(AuditLog.id.desc()).limit(1)).scalar()
    row.prev_hash = head if head is not None else AUDIT_GENESIS
    row.row_hash = audit_hash(audit_fields(row), row.prev_hash)
    session.add(row)
    session.flush()
    return row


def audit_event(session: Session, user: CurrentUser | None, action: str, table: str, record_id: int | None,
                detail: dict[str, Any] | None = None) -> AuditLog:
    """Record an event that changes no record (an export, an import's summary, a certificate, a login).

    Call it in a write session (``session_scope(write=True)``), usually the one doing the work; it takes the
    write lock but does not bump the data version. ``detail`` goes to the row's new values; never put a password
    or personal data in it that the audit page should not show.
    """
    return record_audit(session, user, action, table, record_id, None, detail)


_PENDING = "claimed_submissions"  # session.info: {key: Submission} claimed, not yet added


def claim_submission(session: Session, key: str, kind: str, user: CurrentUser | None) -> Submission | None:
    """Register an idempotency key. Returns the earlier submission if this key was already used.

    The key is the table's primary key, so even two racing transactions cannot both insert it: the loser
    fails at flush or commit with an IntegrityError, which ``run_write`` turns into a lookup.
    """
    if not key or len(key) > 64:
        raise ValueError("idempotency key must be 1–64 characters")
    earlier = session.get(Submission, key)
    if earlier is not None:
        if earlier.user_id != (user.id if user else None):
            # A key is a random per-form token: another user's key is never a retry of this user's form.
            raise PermissionDenied("该提交编号属于其他用户，本次提交未写入。请刷新页面后重新填写。")
        return earlier
    # Added to the session once the record's id is known (``finish_submission``): one insert, no update.
    session.info.setdefault(_PENDING, {})[key] = Submission(key=key, kind=kind, user_id=user.id if user else None)
    return None


def finish_submission(session: Session, key: str, record_id: int | None) -> None:
    """Store the claimed key with the id of the record its submission made (inserted at the next flush)."""
    pending = session.info.get(_PENDING, {}).pop(key, None)
    if pending is None:  # claimed in an earlier flush of this session's work (not expected): set the id
        session.execute(update(Submission).where(Submission.key == key).values(record_id=record_id))
        return
    pending.record_id = record_id
    session.add(pending)


@event.listens_for(OrmSession, "before_commit")
def _add_unfinished(session: Session) -> None:
    """A claimed key whose service did not finish it is still stored (without a record id), so that a retry of the
    same submission is recognised rather than written twice."""
    for pending in session.info.pop(_PENDING, {}).values():
        session.add(pending)


@event.listens_for(OrmSession, "after_rollback")
def _forget_unfinished(session: Session) -> None:
    session.info.pop(_PENDING, None)


def submission_record(session: Session, key: str) -> int | None:
    """The record an accepted submission created (None if the key is unknown)."""
    row = session.exec(select(Submission.record_id).where(Submission.key == key)).first()
    return row


def require_password_changed(user: CurrentUser) -> None:
    """A user whose password was set or reset by an admin changes it before any write."""
    if user.must_change_password:
        raise PermissionDenied("请先修改密码：管理员设置或重置的密码须在首次登录后修改。本次操作未写入。")


def require_writer(user: CurrentUser | None) -> None:
    if user is None or not user.may_write:
        raise PermissionDenied("您的角色只能查看数据，不能录入或修改。")
    require_password_changed(user)


def require_reviewer(user: CurrentUser | None) -> None:
    """Approving or rejecting records and needs (a role that may review: ``CurrentUser.may_approve``)."""
    if user is None or not user.may_approve:
        raise PermissionDenied("您的角色不能审核记录。")
    require_password_changed(user)


def require_admin(user: CurrentUser | None) -> None:
    if user is None or not user.is_admin:
        raise PermissionDenied("只有管理员可以进行此操作。")
    require_password_changed(user)


def check_scope(user: CurrentUser, *, street_id: int | None, community_id: int | None,
                organization_id: int | None) -> None:
    """Refuse a write outside the user's street, community or organisation."""
    base: Scope = user.scope
    if base.street_id is not None and street_id != base.street_id:
        raise PermissionDenied("您只能录入或修改本街道的数据。")
    if base.community_id is not None and community_id != base.community_id:
        raise PermissionDenied("您只能录入或修改本社区的数据。")
    if base.organization_id is not None and organization_id != base.organization_id:
        raise PermissionDenied("您只能录入或修改本机构的数据。")


def _key(model: type[SQLModel]) -> Any:
    """The primary-key column of a table with a single-column key (``id``, or e.g. ``street_id``)."""
    return model.__table__.primary_key.columns[0]  # type: ignore[attr-defined]


def update_versioned(session: Session, model: type[SQLModel], record_id: int, expected_version: int,
                     values: dict[str, Any], label: str = "记录") -> None:
    """UPDATE ... WHERE key = :id AND version = :expected; refuses a stale edit instead of overwriting."""
    table = model.__table__  # type: ignore[attr-defined]
    if not is_id(record_id) or not isinstance(expected_version, int) or isinstance(expected_version, bool) \
            or not 0 <= expected_version <= MAX_ID:
        raise StaleEdit(label)  # no such row and version: what a form shows is never of another type
    guard.check_row(table, values)  # a core UPDATE is not a flush: the same check as every flushed row
    result = session.execute(
        update(model).where(_key(model) == record_id, table.c.version == expected_version)
        .values(**values, version=table.c.version + 1)
    )
    if result.rowcount != 1:
        raise StaleEdit(label)


def update_record(session: Session, user: CurrentUser, model: type[SQLModel], record_id: int,
                  expected_version: int, values: dict[str, Any], old: dict[str, Any], label: str = "记录") -> None:
    """The versioned UPDATE of an edit service and its audit row (``old`` and the row's new values)."""
    update_versioned(session, model, record_id, expected_version, values, label=label)
    session.flush()
    session.expire_all()
    record_audit(session, user, "update", model.__tablename__, record_id, old,  # type: ignore[attr-defined]
                 snapshot(session.get(model, record_id)))  # type: ignore[arg-type]


def delete_versioned(session: Session, model: type[SQLModel], record_id: int, expected_version: int,
                     label: str = "记录") -> None:
    """DELETE ... WHERE key = :id AND version = :expected; refuses to delete a row changed since it was shown."""
    table = model.__table__  # type: ignore[attr-defined]
    result = session.execute(delete(model).where(_key(model) == record_id, table.c.version == expected_version))
    if result.rowcount != 1:
        raise StaleEdit(label)


def load_in_scope(session: Session, user: CurrentUser, model: type[SQLModel], record_id: int, missing: str) -> Any:
    """The row to change: ``NotFound(missing)`` if it is gone, ``PermissionDenied`` if outside the user's scope."""
    if not is_id(record_id):
        raise NotFound(missing)
    row = session.get(model, record_id)
    if row is None:
        raise NotFound(missing)
    check_scope(user, street_id=row.street_id, community_id=row.community_id,  # type: ignore[attr-defined]
                organization_id=getattr(row, "organization_id", None))
    return row


def load_for_write(session: Session, user: CurrentUser, model: type[SQLModel], record_id: int, missing: str) -> Any:
    """``load_in_scope`` for a user allowed to write (leaders are refused first)."""
    require_writer(user)
    return load_in_scope(session, user, model, record_id, missing)


def begin_submission(session: Session, user: CurrentUser, key: str, kind: str) -> int | None:
    """Write lock, role, idempotency key: the id of the earlier submission's record (0 if none) for a retry,
    None for a new submission."""
    begin_write(session)
    require_writer(user)
    earlier = claim_submission(session, key, kind, user)
    return None if earlier is None else earlier.record_id or 0


def create_record(session: Session, user: CurrentUser, key: str, kind: str, build: Callable[[], SQLModel],
                  then: Callable[[Any], dict[str, Any]] | None = None) -> int:
    """The frame of a create service: lock, role, idempotency, then ``build()`` (validate, check scope, return the
    new row), the row, and its audit row. ``then(row)`` may add what hangs off the row and returns the audited
    values (default: the row's)."""
    earlier = begin_submission(session, user, key, kind)
    if earlier is not None:
        return earlier
    row = build()
    session.add(row)
    session.flush()
    record_id = row.id  # type: ignore[attr-defined]
    assert record_id is not None
    new = then(row) if then is not None else snapshot(row)
    finish_submission(session, key, record_id)
    record_audit(session, user, "create", row.__tablename__, record_id, None, new)  # type: ignore[attr-defined]
    return record_id


def create_checked(session: Session, user: CurrentUser, key: str, kind: str, model: type[SQLModel],
                   validate: Callable[[], dict[str, Any]]) -> int:
    """``create_record`` of ``model(**validate())``, a row whose street, community and organisation (if it has
    one) must be in the user's scope."""
    def build() -> SQLModel:
        values = validate()
        check_scope(user, street_id=values["street_id"], community_id=values["community_id"],
                    organization_id=values.get("organization_id"))
        return model(**values)

    return create_record(session, user, key, kind, build)


# How long run_write keeps trying a write that failed only because another transaction held the lock.
RETRY_SECONDS = 60.0
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
_PG_RETRY = ("40001", "40P01", "55P03")


def is_retryable(exc: BaseException) -> bool:
    """True if ``exc`` means the transaction lost a race for a lock and was rolled back whole, so running it again
    is safe: SQLite "database is locked" / "database table is locked", PostgreSQL serialization failures, deadlocks
    and lock timeouts."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _PG_RETRY
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return False


def _run_once(engine: Engine | None, key: str | None, work: Callable[[Session], T]) -> T:
    try:
        with session_scope(engine, write=True) as session:
            return work(session)
    except IntegrityError:
        if key is None:
            raise
        with session_scope(engine) as session:
            record_id = submission_record(session, key)
        if record_id is None:
            raise
        return record_id  # type: ignore[return-value]


def run_write(engine: Engine | None, key: str | None, work: Callable[[Session], T]) -> T:
    """Run ``work(session)`` in its own write transaction. With an idempotency ``key``, a racing duplicate
    submission (two servers took the same key at once, PostgreSQL) returns the first record's id.

    A transaction that lost a race for the write lock (``is_retryable``) was rolled back whole; it is run again,
    after a growing pause, for up to ``RETRY_SECONDS``. That is safe: nothing of it was written, and a retried
    submission carries the same key, so it cannot be written twice even if an earlier attempt did commit."""
    started = _time.monotonic()
    pause = 0.05
    while True:
        try:
            return _run_once(engine, key, work)
        except DBAPIError as exc:
            if not is_retryable(exc) or _time.monotonic() - started > RETRY_SECONDS:
                raise
            _log.warning("write retried after %s", exc.orig)
        _time.sleep(pause * random.uniform(0.5, 1.5))
        pause = min(pause * 2, 2.0)


def submit(service: Callable[..., int], *, user: CurrentUser, idempotency_key: str, engine: Engine | None = None,
           **kwargs: Any) -> int:
    """Run the write service ``service(session=, user=, idempotency_key=, **kwargs)`` through ``run_write``."""
    return run_write(engine, idempotency_key, lambda session: service(
        session=session, user=user, idempotency_key=idempotency_key, **kwargs))
