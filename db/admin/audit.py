"""The audit log (系统管理 › 审计日志): filtered reads, old and new values side by side, and the chain check.

Each audit row carries ``row_hash`` = sha256 over the canonical JSON of its fields and ``prev_hash``, the row
before's hash (db/write.py ``audit_hash``). Rows are appended under the write lock, so the chain is a single line in
id order. ``verify_audit_chain`` walks it: an edited row no longer matches its own hash; a deleted row leaves the
next row pointing at a hash that is not the one before it. What plain hashing cannot show (anyone able to rewrite
the database could recompute every hash after an edit, or cut rows off the end) needs a copy of the head hash kept
elsewhere, e.g. in each backup: ``chain_head`` returns it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from db import vocab
from db.auth import CurrentUser
from db.errors import NotFound, PermissionDenied
from db.models import AuditLog
from db.write import AUDIT_GENESIS, AUDIT_HASHED, audit_fields, audit_hash

_BATCH = 2000


@dataclass(frozen=True)
class BrokenLink:
    """The first audit row at which the chain does not hold."""

    id: int
    reason: str  # Chinese, for the admin page


def verify_audit_chain(session: Session) -> BrokenLink | None:
    """The first broken link of the audit chain in id order, or None if every row is intact."""
    expected_prev = AUDIT_GENESIS
    last_id = 0
    columns = [AuditLog.id, AuditLog.prev_hash, AuditLog.row_hash, *(getattr(AuditLog, f) for f in AUDIT_HASHED)]
    while True:
        # Plain rows, not ORM objects, in batches: memory stays flat on a long log.
        rows = session.execute(select(*columns).where(AuditLog.id > last_id).order_by(AuditLog.id)
                               .limit(_BATCH)).all()
        if not rows:
            return None
        for row in rows:
            if row.prev_hash != expected_prev:
                return BrokenLink(row.id, f"第 {row.id} 条之前的记录被删除或改动（与前一条记录的链接不符）")
            if audit_hash(audit_fields(row), row.prev_hash) != row.row_hash:
                return BrokenLink(row.id, f"第 {row.id} 条记录的内容被改动（与其校验值不符）")
            expected_prev = row.row_hash
            last_id = row.id


def chain_head(session: Session) -> tuple[int, str] | None:
    """The newest audit row's id and hash (keep a copy outside the database to detect a cut-off end)."""
    row = session.exec(select(AuditLog.id, AuditLog.row_hash).order_by(AuditLog.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def _require_auditor(actor: CurrentUser | None) -> None:
    if actor is None or not actor.may_read_audit:
        raise PermissionDenied("只有管理员可以查看审计日志。")


def _day_bounds(start: date | datetime | None, end: date | datetime | None) -> tuple[datetime | None, datetime | None]:
    """A date range is whole days: ``end`` as a date means up to the end of that day."""
    lo = datetime.combine(start, time.min) if isinstance(start, date) and not isinstance(start, datetime) else start
    if isinstance(end, date) and not isinstance(end, datetime):
        hi: datetime | None = datetime.combine(end + timedelta(days=1), time.min)
    else:
        hi = end + timedelta(microseconds=1) if end is not None else None
    return lo, hi


# The form labels of the tables whose fields have their own words; then the shared ones.
_TABLE_LABELS: dict[str, tuple[dict[str, str], ...]] = {
    "appuser": (vocab.USER_FIELD_LABELS,),
    "volunteer": (vocab.VOLUNTEER_FIELD_LABELS,),
    "volunteerteam": (vocab.VOLUNTEER_FIELD_LABELS,),
    "servicerecord": (vocab.VOLUNTEER_FIELD_LABELS,),
    "staraward": (vocab.VOLUNTEER_FIELD_LABELS,),
    "training": (vocab.TRAINING_FIELD_LABELS,),
    "mediationcase": (vocab.MEDIATION_FIELD_LABELS,),
    "charityneed": (vocab.CHARITY_FIELD_LABELS,),
    "charityresource": (vocab.CHARITY_FIELD_LABELS,),
    "charitymatch": (vocab.CHARITY_FIELD_LABELS,),
    "donation": (vocab.CHARITY_FIELD_LABELS,),
    "street": (vocab.PLACE_FIELD_LABELS,),
    "community": (vocab.PLACE_FIELD_LABELS,),
    "compound": (vocab.PLACE_FIELD_LABELS,),
}


def _label(key: str, table: str = "") -> str:
    for labels in (*_TABLE_LABELS.get(table, ()), vocab.FIELD_LABELS, vocab.AUDIT_FIELD_LABELS):
        if key in labels:
            return labels[key]
    return key


# Stored codes shown with their Chinese words.
_CODES: dict[str, dict[str, str]] = {"role": vocab.ROLES, "scope_type": vocab.SCOPE_TYPES}


def _shown(value: Any, key: str = "") -> str:
    if isinstance(value, str) and value in _CODES.get(key, {}):
        return _CODES[key][value]
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _changed_keys(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[str]:
    old, new = old or {}, new or {}
    if old and new:
        keys = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
    else:
        keys = list(old or new)
    return keys


AUDIT_COLUMNS = ["编号", "时间", "用户", "操作", "对象", "记录编号", "变更字段"]


def audit_log(session: Session, actor: CurrentUser, *, username: str | None = None, action: str | None = None,
              table: str | None = None, record_id: int | None = None, start: date | datetime | None = None,
              end: date | datetime | None = None, limit: int = 500) -> pd.DataFrame:
    """Audit rows, newest first, filtered by who (user name), what (action), which record (table and id) and when
    (``start``/``end``, dates meaning whole days). At most ``limit`` rows."""
    _require_auditor(actor)
    query = select(AuditLog)
    if username:
        query = query.where(AuditLog.username == username)
    if action:
        query = query.where(AuditLog.action == action)
    if table:
        query = query.where(AuditLog.table_name == table)
    if record_id is not None:
        query = query.where(AuditLog.record_id == record_id)
    lo, hi = _day_bounds(start, end)
    if lo is not None:
        query = query.where(AuditLog.at >= lo)
    if hi is not None:
        query = query.where(AuditLog.at < hi)
    rows = session.exec(query.order_by(AuditLog.id.desc()).limit(max(1, min(limit, 10_000)))).all()
    return pd.DataFrame([{
        "编号": r.id,
        "时间": r.at,
        "用户": r.username,
        "操作": vocab.AUDIT_ACTIONS.get(r.action, r.action),
        "对象": vocab.TABLE_LABELS.get(r.table_name, r.table_name),
        "记录编号": r.record_id,
        "变更字段": "、".join(_label(k, r.table_name) for k in _changed_keys(r.old_values, r.new_values)),
    } for r in rows], columns=AUDIT_COLUMNS)


def audit_changes(session: Session, actor: CurrentUser, audit_id: int) -> pd.DataFrame:
    """One audit row's old and new values side by side: 字段 / 原值 / 新值, the fields that changed only
    (every field of a created or deleted record; the details of an event such as a login)."""
    _require_auditor(actor)
    row = session.get(AuditLog, audit_id)
    if row is None:
        raise NotFound("该审计记录不存在。")
    old, new = row.old_values or {}, row.new_values or {}
    return pd.DataFrame([{"字段": _label(k, row.table_name), "原值": _shown(old.get(k), k), "新值": _shown(new.get(k), k)}
                         for k in _changed_keys(old, new)], columns=["字段", "原值", "新值"])


def audit_choices(session: Session, actor: CurrentUser) -> dict[str, list[str]]:
    """What the filters offer: user names, actions and tables that occur in the log."""
    _require_auditor(actor)

    def distinct(column: Any) -> list[str]:
        return [v for v in session.exec(select(column).distinct().order_by(column)).all() if v]

    return {"username": distinct(AuditLog.username), "action": distinct(AuditLog.action),
            "table": distinct(AuditLog.table_name)}


def _change_text(row: AuditLog) -> str:
    old, new = row.old_values or {}, row.new_values or {}
    return "；".join(f"{_label(k, row.table_name)}：{_shown(old.get(k), k)} → {_shown(new.get(k), k)}"
                     if old and new else f"{_label(k, row.table_name)}：{_shown((new or old).get(k), k)}"
                     for k in _changed_keys(old, new))


EXPORT_LIMIT = 10_000


def audit_export_frame(session: Session, actor: CurrentUser, *, limit: int = EXPORT_LIMIT,
                       **filters: Any) -> pd.DataFrame:
    """``audit_log`` (same filters) with each entry's changes written out (字段：原值 → 新值；…), for an export
    (``db.admin.operations.export_audit_log`` writes it through db/export.py and audits the export)."""
    frame = audit_log(session, actor, limit=limit, **filters)
    if frame.empty:
        return frame.assign(变更内容=pd.Series(dtype=object))
    rows = {r.id: r for r in session.exec(select(AuditLog).where(AuditLog.id.in_(frame["编号"].tolist()))).all()}
    return frame.assign(变更内容=[_change_text(rows[i]) for i in frame["编号"]])
