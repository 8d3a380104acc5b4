"""What the 系统管理 page does besides users and reference data, each refused in db for anyone but an administrator:
backups (download, a safety copy in BACKUP_DIR), restore (checked, after a safety copy), the demo data set (load,
reset, clear: refused on real data before anything happens, after a safety copy otherwise), the audit chain check
and the audit log's export (neutralised, and itself audited).

Audit rows here are events (``db.write.audit_event``): a backup or an export changes no record. A restore and the
demo actions write their own audit rows (``db.admin.backup``, ``db.demo``).
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from db import clock, demo, vocab
from db.admin import audit, backup
from db.auth import CurrentUser
from db.engine import session_scope
from db.errors import PermissionDenied
from db.export import to_csv_bytes, to_excel_bytes
from db.models import AuditLog
from db.settings import get_settings
from db.write import audit_event, require_admin

# ------------------------------------------------------------------------------------------ passwords

# No 0/O, 1/l/I: the admin reads the password out or writes it down for the user.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def temporary_password(length: int = 12) -> str:
    """A random password for a new user or a reset (shown once; the user must change it at the first login)."""
    while True:
        word = "".join(secrets.choice(_ALPHABET) for _ in range(max(length, 10)))
        if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
            return word


# ------------------------------------------------------------------------------------------ backups


@dataclass(frozen=True)
class BackupFile:
    name: str
    data: bytes
    tables: int
    rows: int


def download_backup(engine: Engine, actor: CurrentUser, *, now: datetime | None = None) -> BackupFile:
    """A consistent backup of the whole database for the admin to download; the download is audited."""
    require_admin(actor)
    now = now or clock.now()
    buffer = io.BytesIO()
    manifest = backup.write_backup(engine, buffer, now=now)
    data, rows = buffer.getvalue(), sum(t["rows"] for t in manifest["tables"])
    name = backup.backup_filename(now)
    with session_scope(engine, write=True) as session:
        audit_event(session, actor, "backup", "backup", None,
                    {"file": name, "bytes": len(data), "rows": rows, "kind": "下载"})
    return BackupFile(name, data, len(manifest["tables"]), rows)


def backup_dir() -> Path:
    """Where the safety copies go (BACKUP_DIR; default data/backups in the project)."""
    return get_settings().backup_path


def safety_backup(engine: Engine, actor: CurrentUser, reason: str, *, now: datetime | None = None) -> Path:
    """A backup of the current data in BACKUP_DIR before ``reason`` (a file-name suffix such as before-restore);
    audited. Its path."""
    require_admin(actor)
    path = backup.backup_to_dir(engine, backup_dir(), suffix=reason, now=now)
    with session_scope(engine, write=True) as session:
        audit_event(session, actor, "backup", "backup", None,
                    {"file": str(path), "bytes": path.stat().st_size, "kind": "自动备份", "reason": reason})
    return path


def preview_backup(actor: CurrentUser, data: bytes) -> backup.BackupInfo:
    """Check an uploaded file completely and say what it holds (``InvalidBackup`` with the reason otherwise)."""
    require_admin(actor)
    return backup.inspect_backup(data)


@dataclass(frozen=True)
class Restored:
    result: backup.RestoreResult
    safety_copy: Path  # the data as they were before the restore


def restore(engine: Engine, actor: CurrentUser, data: bytes, *, now: datetime | None = None) -> Restored:
    """Check the file, keep a copy of the current data in BACKUP_DIR, then replace every row by the backup's.

    A file that is not a backup of this application is refused (``InvalidBackup``) before the copy is made; a failed
    restore (``RestoreFailed``) leaves the data as they were. Every session ends (the restore moves every user's
    session epoch on), this admin's included."""
    require_admin(actor)
    backup.inspect_backup(data)
    path = safety_backup(engine, actor, "before-restore", now=now)
    return Restored(backup.restore_backup(engine, data, actor=actor, now=now), path)


# ------------------------------------------------------------------------------------------ demo data

DemoAction = Literal["load", "reset", "clear"]
DEMO_WORDS: dict[str, str] = {"load": "载入", "reset": "重置", "clear": "清除"}


@dataclass(frozen=True)
class DemoStatus:
    loaded: bool  # the demo data set is loaded
    demo_database: bool  # loaded and nothing real: the login page lists the demo accounts
    real_tables: tuple[str, ...]  # Chinese names of the tables holding real records
    demo_rows: int

    @property
    def holds_real_records(self) -> bool:
        return bool(self.real_tables)


def demo_status(session: Session, actor: CurrentUser) -> DemoStatus:
    require_admin(actor)
    real = tuple(vocab.TABLE_LABELS.get(t, t) for t in demo.real_record_tables(session))
    loaded = demo.demo_loaded(session)
    return DemoStatus(loaded=loaded, demo_database=loaded and not real, real_tables=real,
                      demo_rows=sum(demo.demo_row_counts(session).values()))


@dataclass(frozen=True)
class DemoDone:
    action: str
    safety_copy: Path | None  # None: nothing was to be done (already loaded)
    changed: bool


def demo_action(engine: Engine, actor: CurrentUser, action: DemoAction, *, today: date | None = None,
                now: datetime | None = None) -> DemoDone:
    """Load, reset or clear the demo data set, after a safety copy of the current data in BACKUP_DIR.

    Refused (``DemoRefused``) before the copy on a database with real records; clearing a database without the
    demo is refused too (nothing to clear)."""
    require_admin(actor)
    word = DEMO_WORDS.get(action)
    if word is None:
        raise ValueError(f"unknown demo action {action!r}")
    with session_scope(engine) as session:
        demo.refuse_if_real(session, word)
        loaded = demo.demo_loaded(session)
    if action == "load" and loaded:
        return DemoDone(action, None, False)
    if action == "clear" and not loaded:
        raise demo.DemoRefused("当前没有载入演示数据，无需清除。")
    path = safety_backup(engine, actor, f"before-demo-{action}", now=now)
    if action == "load":
        changed = demo.load_demo(engine, today, actor=actor)
    elif action == "reset":
        demo.reset_demo(engine, today, actor=actor)
        changed = True
    else:
        demo.clear_demo(engine, today, actor=actor)
        changed = True
    return DemoDone(action, path, changed)


# ------------------------------------------------------------------------------------------ the audit log


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_id: int | None = None
    broken_at: datetime | None = None
    reason: str = ""
    head: tuple[int, str] | None = None  # the newest entry's id and hash (db.admin.audit.chain_head)

    @property
    def intact(self) -> bool:
        return self.broken_id is None

    def message(self) -> str:
        if self.intact:
            head = "" if self.head is None else (
                f"最新一条为第 {self.head[0]} 条，校验值 {self.head[1][:16]}…：请把它另行记下（如写入值班记录），"
                "日后若末尾的记录被整条删除，可据此发现。")
            return f"日志链完整：共 {self.entries:,} 条记录，逐条校验均与其校验值及前一条记录相符。{head}"
        when = f"（{self.broken_at:%Y-%m-%d %H:%M:%S}）" if self.broken_at else ""
        return (f"日志链在第 {self.broken_id} 条记录{when}处断开：{self.reason}。"
                "这条及之后的记录可能被改动过，请保留现场并联系系统维护人员。")


def check_audit_chain(session: Session, actor: CurrentUser) -> ChainReport:
    """``verify_audit_chain`` for the admin page: the first broken link with its id and time, or the count."""
    if actor is None or not actor.may_read_audit:
        raise PermissionDenied("只有管理员可以校验操作日志。")
    entries = session.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    broken = audit.verify_audit_chain(session)
    if broken is None:
        return ChainReport(entries, head=audit.chain_head(session))
    at = session.execute(select(AuditLog.at).where(AuditLog.id == broken.id)).scalar()
    return ChainReport(entries, broken.id, at, broken.reason)


@dataclass(frozen=True)
class AuditExport:
    stem: str
    xlsx: bytes
    csv: bytes
    rows: int


def export_audit_log(engine: Engine, actor: CurrentUser, *, now: datetime | None = None,
                     **filters: Any) -> AuditExport:
    """The filtered audit log (at most ``audit.EXPORT_LIMIT`` entries) as Excel and CSV, cells neutralised
    (db/export.py); the export is itself audited, with the filters and the number of entries."""
    if actor is None or not actor.may_read_audit:
        raise PermissionDenied("只有管理员可以导出操作日志。")
    now = now or clock.now()
    with session_scope(engine, write=True) as session:
        frame = audit.audit_export_frame(session, actor, **filters)
        shown = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in filters.items() if v not in (None, "")}
        audit_event(session, actor, "export", "auditlog", None, {"rows": len(frame), "filters": shown})
    stem = f"操作日志_{now:%Y%m%d-%H%M%S}"
    return AuditExport(stem, to_excel_bytes(frame, "操作日志"), to_csv_bytes(frame), len(frame))


__all__ = ["AuditExport", "BackupFile", "ChainReport", "DemoDone", "DemoStatus", "Restored",
           "backup_dir", "check_audit_chain", "demo_action", "demo_status", "download_backup", "export_audit_log",
           "preview_backup", "restore", "safety_backup", "temporary_password"]
