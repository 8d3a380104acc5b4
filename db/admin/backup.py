"""Backup and restore of the whole database (DESIGN.md §6 系统管理, §12; issue 12).

The file
    A zip with ``manifest.json`` and one file per table, ``tables/<table>.jsonl``. The manifest names the
    application (``wushe-dashboard``), the backup format version, the Alembic revision of the database, the source
    dialect, when the backup was taken, and per table its row count, the canonical type of each column, how many
    rows are demo rows, and the SHA-256 of its file. Anything left out is listed under ``excluded`` with the reason.

The canonical rendering (what the hash covers; identical on SQLite and PostgreSQL)
    A table file is UTF-8 text, one JSON array per line, each line ended by ``\\n``, no spaces between tokens:
    line 1 the column names in sorted order; then one line per row, in primary-key order (integers by value, text
    by Unicode code point), holding the row's values in the order of line 1. Values: SQL NULL → ``null``; booleans
    → ``true``/``false``; integers → JSON integers; floats → the shortest decimal that reads back as the same
    double (Python ``repr``); dates → ``"YYYY-MM-DD"``; date-times (naive local time) → ``"YYYY-MM-DDTHH:MM:SS"``
    with ``.ffffff`` when there are microseconds; decimals → their shortest exact decimal string; JSON columns → the
    JSON value itself with object keys sorted; text → a JSON string (non-ASCII kept as is). The table's hash is the
    SHA-256 of exactly these bytes, so ``sha256sum`` of an extracted file checks it too.

Consistency
    Every table is read inside one snapshot transaction: on SQLite one read transaction in WAL mode (writers go on,
    the reader sees the database as of its first read); on PostgreSQL REPEATABLE READ, READ ONLY.

Restore
    The file is checked first (``inspect_backup``), then loaded into a scratch SQLite database migrated to the
    backup's revision, upgraded there to the newest schema (so a backup of an older schema restores), checked for
    dangling references, and only then copied into the target in ONE transaction (delete children first, insert
    parents first, id sequences, data version); any failure rolls back and leaves the target as it was. The audit
    rows are copied column by column as they are; the restore's own audit row is appended after them.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import sqlite3
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from sqlalchemy import Connection, Engine, MetaData, Table, event, func, insert, select, text
from sqlalchemy import types as sqltypes
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel

import db.models  # noqa: F401  (registers every table on SQLModel.metadata)
from db import clock, recompute, vocab
from db.engine import make_engine
from db.errors import ValidationFailed, WriteError
from db.migrate import alembic_config, upgrade
from db.recompute import in_step
from db.write import begin_write, data_version, record_audit, require_admin

if TYPE_CHECKING:
    from db.auth import CurrentUser

APP_ID = "wushe-dashboard"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLE_DIR = "tables/"
SECRET_KEY = "secret_key"
DEMO_MARKER = "demo_loaded"  # db.demo.META_KEY (not imported: db.demo is heavy and imports this package's callers)

HASH_DEFINITION = (
    "SHA-256 of the table file: UTF-8 JSON Lines, line 1 the sorted column names, then one line per row in "
    "primary-key order (integers by value, text by code point), each a JSON array of the canonical values in the "
    "order of line 1 (null; true/false; integers; floats as the shortest round-trip decimal; dates YYYY-MM-DD; "
    "date-times YYYY-MM-DDTHH:MM:SS[.ffffff]; decimals as exact decimal strings; JSON columns as JSON with sorted "
    "keys; text as JSON strings), no spaces between tokens, every line ended by \\n"
)
EXCLUDED = (
    {"table": "appmeta", "rows": "key = 'secret_key'",
     "reason": "the key that signs login cookies: whoever holds a backup file must not be able to forge a login on "
               "the live system; the restored database keeps its own key (or generates one)"},
    {"table": "alembic_version", "rows": "all",
     "reason": "Alembic's bookkeeping: its one value is alembic_revision above; a restore migrates to its own"},
)
DIALECT_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

_BATCH = 5000
_SCRATCH = "wushe_restore_src"  # the scratch database's name when attached to a SQLite target
_MAX_LINE = 64 * 1024 * 1024  # one row's line; anything longer is not a backup of ours
_MAX_MANIFEST = 16 * 1024 * 1024
_log = logging.getLogger("wushe.backup")
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


# ------------------------------------------------------------------------------------------------ errors


class InvalidBackup(ValidationFailed):
    """The file is not a backup this system can restore; ``str(error)`` says why, in Chinese."""

    def __init__(self, reason: str):
        super().__init__({"backup": f"「备份文件」{reason}"})


class BackupFailed(WriteError):
    """The backup could not be made (the database is not initialised, or the read failed)."""


class RestoreFailed(WriteError):
    """The restore failed while writing the target; the transaction was rolled back, nothing changed."""


# ------------------------------------------------------------------------------------- canonical values


def column_kind(type_: sqltypes.TypeEngine) -> str:
    """The canonical kind of a column type (the same for a column on SQLite and on PostgreSQL)."""
    checks: tuple[tuple[type, str], ...] = (
        (sqltypes.Boolean, "boolean"), (sqltypes.DateTime, "datetime"), (sqltypes.Date, "date"),
        (sqltypes.Time, "time"), (sqltypes.JSON, "json"), (sqltypes.Float, "float"), (sqltypes.Numeric, "decimal"),
        (sqltypes.Integer, "integer"), (sqltypes.String, "text"),
    )
    for cls, kind in checks:
        if isinstance(type_, cls):
            return kind
    raise BackupFailed(f"无法备份类型为 {type_!r} 的字段。")


def _decimal_text(value: Any) -> str:
    d = Decimal(value)
    if d.is_zero():
        return "0"
    out = format(d.normalize(), "f")
    return out


def _iso(value: Any) -> str:
    return value.isoformat()


_ENCODE: dict[str, Callable[[Any], Any]] = {
    "integer": int, "float": float, "boolean": bool, "text": str, "json": lambda v: v, "decimal": _decimal_text,
    "date": _iso, "datetime": _iso, "time": _iso}
_DECODE: dict[str, Callable[[Any], Any]] = {
    "integer": int, "float": float, "boolean": bool, "text": str, "json": lambda v: v, "decimal": Decimal,
    "date": date.fromisoformat, "datetime": datetime.fromisoformat, "time": dtime.fromisoformat,
}


def _order_by(table: Table, dialect: str) -> list[Any]:
    cols = list(table.primary_key.columns) or sorted(table.columns, key=lambda c: c.name)
    out = []
    for col in cols:
        if dialect == "postgresql" and column_kind(col.type) == "text":
            out.append(col.collate("C"))  # code-point order, as SQLite's BINARY collation
        else:
            out.append(col)
    return out


# ------------------------------------------------------------------------------------------- reading


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection inside one read-only transaction that sees a single consistent state of the database."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            yield conn


def _current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _revisions() -> tuple[set[str], str]:
    """Every revision this code knows, and the newest."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    assert head is not None
    return {r.revision for r in script.walk_revisions()}, head


def head_revision() -> str:
    return _revisions()[1]


def _reflect(conn: Connection) -> list[Table]:
    meta = MetaData()
    meta.reflect(bind=conn)
    return [t for t in meta.sorted_tables if t.name != "alembic_version"]


def _sequences(conn: Connection, tables: list[Table]) -> dict[str, int]:
    """The highest id each table has ever handed out (ids of deleted rows are never reused)."""
    out: dict[str, int] = {}
    if conn.dialect.name == "sqlite":
        if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
            for name, seq in conn.execute(text("SELECT name, seq FROM sqlite_sequence")):
                out[str(name)] = int(seq or 0)
    elif conn.dialect.name == "postgresql":
        for table in tables:
            if "id" not in table.c:
                continue
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
            if seq:
                last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
                out[table.name] = int(last) if called else 0
    return {k: v for k, v in out.items() if v}


class _TableSink:
    """Hashes (and optionally writes) one table's canonical lines."""

    def __init__(self, out: IO[bytes] | None):
        self.out = out
        self.sha = hashlib.sha256()
        self.buffer: list[str] = []

    def line(self, value: str) -> None:
        self.buffer.append(value)
        if len(self.buffer) >= 1000:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            data = ("\n".join(self.buffer) + "\n").encode("utf-8")
            self.sha.update(data)
            if self.out is not None:
                self.out.write(data)
            self.buffer = []


def _dump_table(conn: Connection, table: Table, out: IO[bytes] | None) -> dict[str, Any]:
    names = sorted(table.columns.keys())
    kinds = {n: column_kind(table.c[n].type) for n in names}
    encoders = [_ENCODE[kinds[n]] for n in names]
    demo_at = names.index("is_demo") if "is_demo" in names else None
    query = select(*(table.c[n] for n in names)).order_by(*_order_by(table, conn.dialect.name))
    if table.name == "appmeta":
        query = query.where(table.c.key != SECRET_KEY)
    sink = _TableSink(out)
    sink.line(_dumps(names))
    rows = demo = 0
    result = conn.execute(query.execution_options(yield_per=_BATCH))
    for row in result:
        sink.line(_dumps([None if v is None else enc(v) for enc, v in zip(encoders, row, strict=True)]))
        rows += 1
        if demo_at is not None and row[demo_at]:
            demo += 1
    sink.flush()
    entry: dict[str, Any] = {"name": table.name, "file": f"{TABLE_DIR}{table.name}.jsonl", "rows": rows,
                             "sha256": sink.sha.hexdigest(), "columns": kinds}
    if demo_at is not None:
        entry["demo_rows"] = demo
    return entry


def _dump(engine: Engine, open_member: Callable[[str], IO[bytes]] | None, now: datetime) -> dict[str, Any]:
    """Read every table in one snapshot; write each through ``open_member`` (None: hash only). The manifest."""
    known, head = _revisions()
    with _snapshot(engine) as conn:
        revision = _current_revision(conn)
        if revision is None:
            raise BackupFailed("数据库尚未初始化（没有迁移版本），无法备份。")
        tables = _reflect(conn)
        if revision == head:
            missing = sorted(set(SQLModel.metadata.tables) - {t.name for t in tables})
            if missing:
                raise BackupFailed(f"数据库缺少数据表 {', '.join(missing)}，无法备份。")
        entries = []
        for table in tables:
            if open_member is None:
                entries.append(_dump_table(conn, table, None))
            else:
                with open_member(f"{TABLE_DIR}{table.name}.jsonl") as out:
                    entries.append(_dump_table(conn, table, out))
        sequences = _sequences(conn, tables)
        dialect = conn.dialect.name
    return {
        "application": APP_ID,
        "format_version": FORMAT_VERSION,
        "alembic_revision": revision,
        "dialect": dialect,
        "created_at": now.isoformat(),
        "hash": HASH_DEFINITION,
        "tables": entries,
        "sequences": sequences,
        "excluded": list(EXCLUDED),
    }


def table_digests(engine: Engine) -> dict[str, tuple[int, str]]:
    """(rows, SHA-256 of the canonical rendering) per table of a live database, as a backup of it would record."""
    manifest = _dump(engine, None, clock.now())
    return {t["name"]: (t["rows"], t["sha256"]) for t in manifest["tables"]}


# ------------------------------------------------------------------------------------------- writing


def _write_zip(engine: Engine, fileobj: BinaryIO, now: datetime) -> dict[str, Any]:
    stamp = now.timetuple()[:6]
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        def open_member(name: str) -> IO[bytes]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            return zf.open(info, "w", force_zip64=True)

        manifest = _dump(engine, open_member, now)
        info = zipfile.ZipInfo(MANIFEST, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def make_backup(engine: Engine, *, now: datetime | None = None) -> bytes:
    """A consistent backup of the whole database as zip bytes (for a download button)."""
    buffer = io.BytesIO()
    _write_zip(engine, buffer, now or clock.now())
    return buffer.getvalue()


def backup_filename(now: datetime | None = None, suffix: str = "") -> str:
    """``wushe-backup-YYYYMMDD-HHMMSS[-suffix].zip``"""
    stamp = (now or clock.now()).strftime("%Y%m%d-%H%M%S")
    return f"wushe-backup-{stamp}{'-' + suffix if suffix else ''}.zip"


def write_backup(engine: Engine, dest: str | os.PathLike[str] | BinaryIO, *,
                 now: datetime | None = None) -> dict[str, Any]:
    """Stream a backup to a file (path or binary file object); returns its manifest.

    A path is written under a temporary name and renamed when complete, so a failed backup leaves no partial file.
    """
    now = now or clock.now()
    if not isinstance(dest, str | os.PathLike):
        return _write_zip(engine, dest, now)
    path = Path(dest)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".wushe-backup-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            manifest = _write_zip(engine, f, now)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return manifest


def backup_to_dir(engine: Engine, directory: str | os.PathLike[str], *, suffix: str = "",
                  now: datetime | None = None) -> Path:
    """A backup file in ``directory`` named with the date and time; its path."""
    now = now or clock.now()
    path = Path(directory) / backup_filename(now, suffix)
    n = 1
    while path.exists():
        n += 1
        path = Path(directory) / backup_filename(now, f"{suffix}-{n}" if suffix else str(n))
    write_backup(engine, path, now=now)
    return path


# ------------------------------------------------------------------------------------------ checking


@dataclass(frozen=True)
class TableInfo:
    name: str
    label: str  # Chinese name where the app has one
    rows: int
    demo_rows: int | None  # None: the table carries no demo mark


@dataclass(frozen=True)
class BackupInfo:
    """What a checked backup holds (the preview shown before a restore)."""

    created_at: datetime
    revision: str
    head_revision: str
    dialect: str
    format_version: int
    tables: tuple[TableInfo, ...]
    streets: tuple[str, ...]
    communities: tuple[tuple[str, str], ...]  # (street, community)
    demo_loaded: bool  # the demo data set was loaded in the backed-up database
    size_bytes: int | None = None
    manifest: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def demo_rows(self) -> int:
        return sum(t.demo_rows or 0 for t in self.tables)

    @property
    def real_rows(self) -> int:
        """Rows not marked demo in the tables that carry the mark (users included): real records."""
        return sum(t.rows - t.demo_rows for t in self.tables if t.demo_rows is not None)

    @property
    def holds_demo(self) -> bool:
        return self.demo_loaded or self.demo_rows > 0

    @property
    def holds_real_records(self) -> bool:
        return self.real_rows > 0

    @property
    def needs_upgrade(self) -> bool:
        return self.revision != self.head_revision

    def rows_by_label(self) -> dict[str, int]:
        return {t.label: t.rows for t in self.tables}

    def summary_lines(self) -> list[str]:
        """The preview in Chinese, one line each (the CLI prints them; the admin page may show them)."""
        kind = ("演示数据" if not self.holds_real_records else
                "真实数据与演示数据" if self.holds_demo else "真实数据")
        upgrade_note = f"，恢复时将升级到 {self.head_revision}" if self.needs_upgrade else ""
        lines = [
            f"备份时间：{self.created_at:%Y-%m-%d %H:%M:%S}",
            f"来源数据库：{DIALECT_LABELS.get(self.dialect, self.dialect)}，结构版本 {self.revision}{upgrade_note}",
            f"数据内容：{kind}（共 {self.total_rows:,} 行；演示数据 {self.demo_rows:,} 行）",
            f"街道（{len(self.streets)}）：{'、'.join(self.streets) or '无'}",
            f"社区（{len(self.communities)}）：" + ("、".join(c for _s, c in self.communities) or "无"),
            "各表行数：" + "，".join(f"{t.label} {t.rows:,}" for t in self.tables if t.rows),
        ]
        return lines


@contextmanager
def _opened(data: bytes | bytearray | str | os.PathLike[str] | BinaryIO) -> Iterator[tuple[zipfile.ZipFile, int | None]]:
    if isinstance(data, bytes | bytearray | memoryview):
        fileobj: BinaryIO = io.BytesIO(bytes(data))
        size: int | None = len(data)
        owned = True
    elif isinstance(data, str | os.PathLike):
        try:
            fileobj = open(data, "rb")  # noqa: SIM115  (closed below)
        except OSError:
            raise InvalidBackup(f"找不到文件或无法读取：{os.fspath(data)}") from None
        size = os.path.getsize(data)
        owned = True
    else:
        fileobj, size, owned = data, None, False
    try:
        try:
            zf = zipfile.ZipFile(fileobj)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
            raise InvalidBackup("不是本系统的备份文件，或文件已损坏、不完整（无法作为 zip 备份打开）。"
                                "请选择由本系统“备份”生成的 .zip 文件。") from None
        with zf:
            yield zf, size
    finally:
        if owned:
            fileobj.close()


def _label(name: str) -> str:
    return vocab.TABLE_LABELS.get(name, name)


def _read_manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise InvalidBackup("不是本系统的备份文件（其中没有备份清单 manifest.json）。"
                            "请选择由本系统“备份”生成的 .zip 文件。") from None
    if info.file_size > _MAX_MANIFEST:
        raise InvalidBackup("备份清单过大，不是本系统的备份文件。")
    try:
        manifest = json.loads(zf.read(MANIFEST).decode("utf-8"))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise InvalidBackup("备份清单已损坏，无法读取。文件可能不完整或已被修改。") from None
    if not isinstance(manifest, dict) or manifest.get("application") != APP_ID:
        raise InvalidBackup("不是本系统（五社联动数据看板）的备份文件。")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidBackup("备份清单已损坏（缺少格式版本）。")
    if version > FORMAT_VERSION:
        raise InvalidBackup(f"该备份来自更新版本的系统（备份格式 {version}，本系统支持到 {FORMAT_VERSION}），"
                            "请先升级本系统再恢复。")
    return manifest


def _check_manifest(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> tuple[str, str, list[dict[str, Any]]]:
    known, head = _revisions()
    revision = manifest.get("alembic_revision")
    if not isinstance(revision, str) or not revision:
        raise InvalidBackup("备份清单已损坏（缺少数据库结构版本）。")
    if revision not in known:
        raise InvalidBackup(f"该备份来自更新版本的系统（数据库结构版本 {revision} 本系统无法识别），"
                            "请先升级本系统再恢复。")
    tables = manifest.get("tables")
    if not isinstance(tables, list) or not tables:
        raise InvalidBackup("备份清单已损坏（没有数据表）。")
    names: list[str] = []
    for entry in tables:
        ok = (isinstance(entry, dict) and isinstance(entry.get("name"), str)
              and entry.get("file") == f"{TABLE_DIR}{entry.get('name')}.jsonl"
              and isinstance(entry.get("rows"), int) and isinstance(entry.get("sha256"), str)
              and isinstance(entry.get("columns"), dict) and entry["columns"]
              and all(k in _DECODE for k in entry["columns"].values()))
        if not ok:
            raise InvalidBackup("备份清单已损坏（数据表条目不完整）。")
        names.append(entry["name"])
    if len(set(names)) != len(names):
        raise InvalidBackup("备份清单已损坏（数据表重复）。")
    if revision == head:
        missing = [n for n in SQLModel.metadata.tables if n not in names]
        if missing:
            raise InvalidBackup(f"备份不完整：缺少数据表「{_label(missing[0])}」。")
    members = set(zf.namelist())
    for entry in tables:
        if entry["file"] not in members:
            raise InvalidBackup(f"备份不完整：缺少数据表「{_label(entry['name'])}」的文件。")
    extra = sorted(members - {MANIFEST} - {e["file"] for e in tables})
    if extra:
        raise InvalidBackup(f"备份中有清单之外的文件（{extra[0]}），文件可能已被修改。")
    try:
        created = datetime.fromisoformat(str(manifest.get("created_at")))
    except ValueError:
        raise InvalidBackup("备份清单已损坏（备份时间无效）。") from None
    manifest["_created_at"] = created
    return revision, head, tables


def _lines(zf: zipfile.ZipFile, entry: dict[str, Any]) -> Iterator[bytes]:
    """The lines of a table file, each with its ``\\n``; a line beyond the size bound is refused."""
    with zf.open(entry["file"]) as raw:
        reader = io.BufferedReader(raw, buffer_size=1 << 20)  # type: ignore[arg-type]
        while True:
            line = reader.readline(_MAX_LINE + 1)
            if not line:
                return
            if len(line) > _MAX_LINE:
                raise InvalidBackup(f"数据表「{_label(entry['name'])}」的内容已损坏（行过长）。")
            yield line


def _verify_table(zf: zipfile.ZipFile, entry: dict[str, Any]) -> list[Any] | None:
    """Check a table file against the manifest (header, row count, hash). Returns its rows when the preview needs
    them (streets, communities, app meta), else None."""
    label = _label(entry["name"])
    keep = entry["name"] in ("street", "community", "appmeta")
    sha = hashlib.sha256()
    count = -1
    kept: list[Any] = []
    header: list[str] | None = None
    try:
        for line in _lines(zf, entry):
            sha.update(line)
            if not line.endswith(b"\n"):
                raise InvalidBackup(f"数据表「{label}」的内容不完整。")
            if count == -1:
                header = json.loads(line)
            elif keep:
                kept.append(json.loads(line))
            count += 1
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise InvalidBackup(f"数据表「{label}」的数据已损坏（无法解压或读取），文件可能不完整。") from None
    if count < 0 or header != sorted(entry["columns"]):
        raise InvalidBackup(f"数据表「{label}」的内容与备份清单不符（字段不同），文件已损坏或被修改。")
    if count != entry["rows"] or sha.hexdigest() != entry["sha256"]:
        raise InvalidBackup(f"数据表「{label}」的内容与备份清单不符（行数或校验值不同），文件已损坏或被修改。")
    if not keep:
        return None
    return [dict(zip(header, row, strict=True)) for row in kept]


def _inspect(zf: zipfile.ZipFile, size: int | None) -> BackupInfo:
    manifest = _read_manifest(zf)
    revision, head, tables = _check_manifest(zf, manifest)
    kept: dict[str, list[dict[str, Any]]] = {}
    for entry in tables:
        rows = _verify_table(zf, entry)
        if rows is not None:
            kept[entry["name"]] = rows
    try:
        street_names = {r["id"]: str(r["name"]) for r in kept.get("street", [])}
        streets = tuple(street_names[k] for k in sorted(street_names))
        communities = tuple((street_names.get(r["street_id"], ""), str(r["name"]))
                            for r in sorted(kept.get("community", []), key=lambda r: r["id"]))
        demo_loaded = any(r.get("key") == DEMO_MARKER for r in kept.get("appmeta", []))
    except (KeyError, TypeError):
        raise InvalidBackup("备份中的街道或社区数据不完整。") from None
    infos = tuple(TableInfo(e["name"], _label(e["name"]), e["rows"],
                            e.get("demo_rows") if isinstance(e.get("demo_rows"), int) else None) for e in tables)
    return BackupInfo(created_at=manifest.pop("_created_at"), revision=revision, head_revision=head,
                      dialect=str(manifest.get("dialect", "")), format_version=manifest["format_version"],
                      tables=infos, streets=streets, communities=communities, demo_loaded=demo_loaded,
                      size_bytes=size, manifest=manifest)


def inspect_backup(data: bytes | str | os.PathLike[str] | BinaryIO) -> BackupInfo:
    """Check a backup file completely and return its preview; ``InvalidBackup`` (Chinese message) if it is not a
    complete, unmodified backup of this application with a schema this code can migrate."""
    with _opened(data) as (zf, size):
        return _inspect(zf, size)


# ------------------------------------------------------------------------------------------- restoring


@dataclass(frozen=True)
class RestoreResult:
    info: BackupInfo
    revision: str  # the schema the target is at now (the newest)
    rows: dict[str, int]  # rows now in each table, before the restore's own audit row
    seconds: float
    sessions_ended: bool  # open sessions and login cookies of the target's users stopped working


def _scratch_engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _fast(dbapi_connection, _record):  # runs after make_engine's pragmas: a throw-away file
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    return engine


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _load_scratch(scratch: Engine, zf: zipfile.ZipFile, revision: str, tables: list[dict[str, Any]]) -> None:
    """The backup's rows in a scratch SQLite database at the backup's revision, then upgraded to the newest.

    Rows go in through the driver (``executemany`` with SQLAlchemy's own bind processors for each column type), so
    they are stored exactly as SQLAlchemy stores them, without its per-row statement overhead."""
    upgrade(scratch, revision)
    with scratch.begin() as conn:
        schema = {t.name: t for t in _reflect(conn)}
        if set(schema) != {e["name"] for e in tables}:
            raise InvalidBackup(f"备份中的数据表与数据库结构版本 {revision} 不符，文件可能已被修改。")
        for t in schema.values():  # rows the migrations seeded: the backup holds them as they were
            conn.execute(t.delete())
        raw = conn.connection.driver_connection
        for entry in tables:
            table = schema[entry["name"]]
            label = _label(entry["name"])
            names = sorted(table.columns.keys())
            if names != sorted(entry["columns"]):
                raise InvalidBackup(f"数据表「{label}」的字段与数据库结构版本 {revision} 不符，文件可能已被修改。")
            steps = []
            for n in names:
                decode = _DECODE[column_kind(table.c[n].type)]
                bind = table.c[n].type.bind_processor(conn.dialect)
                steps.append((decode, bind))
            sql = (f"INSERT INTO {_q(table.name)} ({', '.join(_q(n) for n in names)}) "
                   f"VALUES ({', '.join('?' for _ in names)})")
            batch: list[tuple[Any, ...]] = []
            lines = _lines(zf, entry)
            next(lines)  # the header, checked by inspect
            for number, line in enumerate(lines, start=1):
                try:
                    values = json.loads(line)
                    if not isinstance(values, list) or len(values) != len(names):
                        raise ValueError
                    row = []
                    for (decode, bind), v in zip(steps, values, strict=True):
                        if v is not None:
                            v = decode(v)
                            if bind is not None:
                                v = bind(v)
                        row.append(v)
                    batch.append(tuple(row))
                except (ValueError, TypeError, ArithmeticError):
                    raise InvalidBackup(f"数据表「{label}」第 {number} 行无法读取，文件可能已被修改。") from None
                if len(batch) >= _BATCH:
                    _insert_scratch(raw, sql, batch, label)
                    batch = []
            if batch:
                _insert_scratch(raw, sql, batch, label)
    upgrade(scratch, "head")
    with scratch.connect() as conn:
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
        if broken is not None:
            raise InvalidBackup(f"数据表「{_label(broken[0])}」中有记录引用了不存在的「{_label(broken[2])}」，"
                                "备份不完整或已被修改。")
        conn.rollback()


def _insert_scratch(raw: Any, sql: str, batch: list[tuple[Any, ...]], label: str) -> None:
    try:
        raw.executemany(sql, batch)
    except sqlite3.DatabaseError:
        raise InvalidBackup(f"数据表「{label}」的数据不符合其结构的约束（如重复或缺少必填值），"
                            "文件可能已被修改。") from None


def _copy_from_scratch(dst: Connection, scratch_path: Path, table: Table, offset: int) -> int:
    """Copy one table from the scratch database into the target, in the target's transaction; the row count.

    SQLite: ``INSERT … SELECT`` from the scratch file attached to the target connection (no row passes through
    Python). PostgreSQL: COPY of the values as SQLite stores them (dates and times as ISO text, booleans 0/1, JSON
    as text), which PostgreSQL reads as the same values. Users get ``offset`` added to their session epoch; the
    cookie key is never taken from a backup.
    """
    cols = list(table.columns.keys())
    select_cols = [f"{_q(c)} + {int(offset)}" if table.name == "appuser" and c == "session_epoch" else _q(c)
                   for c in cols]
    where = f" WHERE {_q('key')} <> '{SECRET_KEY}'" if table.name == "appmeta" else ""
    if dst.dialect.name == "sqlite":
        result = dst.exec_driver_sql(
            f"INSERT INTO main.{_q(table.name)} ({', '.join(_q(c) for c in cols)}) "
            f"SELECT {', '.join(select_cols)} FROM {_SCRATCH}.{_q(table.name)}{where}")
        return int(result.rowcount)
    n = 0
    source = sqlite3.connect(scratch_path)
    try:
        rows = source.execute(f"SELECT {', '.join(select_cols)} FROM {_q(table.name)}{where}")
        raw = dst.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                f"COPY {_q(table.name)} ({', '.join(_q(c) for c in cols)}) FROM STDIN") as copy:
            while True:
                batch = rows.fetchmany(_BATCH)
                if not batch:
                    break
                for row in batch:
                    copy.write_row(row)
                n += len(batch)
    finally:
        source.close()
    return n


def _raise_sequences(conn: Connection, high_water: dict[str, int]) -> None:
    """Every id counter past the largest id now in its table and past the backup's own high-water mark."""
    for table in SQLModel.metadata.sorted_tables:
        if "id" not in table.c or table.name == "dataversion":
            continue
        top = int(conn.execute(select(func.max(table.c.id))).scalar() or 0)
        top = max(top, int(high_water.get(table.name, 0) or 0))
        if conn.dialect.name == "postgresql":
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
            if not seq:
                continue
            last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
            top = max(top, int(last) if called else 0)
            if top > 0:
                conn.execute(text("SELECT setval(CAST(:s AS regclass), :v, true)"), {"s": seq, "v": top})
        elif top > 0:
            has = conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first()
            if not has:
                continue
            updated = conn.execute(text("UPDATE sqlite_sequence SET seq = MAX(seq, :v) WHERE name = :t"),
                                   {"v": top, "t": table.name})
            if updated.rowcount == 0:
                conn.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :v)"),
                             {"t": table.name, "v": top})


def _replace_target(engine: Engine, scratch_path: Path, manifest: dict[str, Any], info: BackupInfo,
                    actor: CurrentUser | None, now: datetime) -> tuple[dict[str, int], bool]:
    tables = SQLModel.metadata.sorted_tables
    check = sqlite3.connect(scratch_path)
    try:
        for table in tables:
            found = {r[1] for r in check.execute(f"PRAGMA table_info({_q(table.name)})")}
            if found != set(table.columns.keys()):
                raise RestoreFailed(
                    f"恢复失败，当前数据未改动：升级后的数据表「{_label(table.name)}」与本系统的结构不符。")
    finally:
        check.close()
    users = SQLModel.metadata.tables["appuser"]
    meta = SQLModel.metadata.tables["appmeta"]
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # ATTACH is refused inside a transaction: attach first, through the driver, then begin.
            conn.connection.driver_connection.execute(f"ATTACH DATABASE ? AS {_SCRATCH}", (str(scratch_path),))
        try:
            with conn.execution_options(sqlite_immediate=True).begin():
                session = Session(bind=conn)
                if not sqlite:
                    # Writers wait (readers go on) until the restore commits; the data-version row first, where
                    # every write service starts, so that no writer holds one table while waiting for another.
                    order = ["dataversion"] + [t.name for t in tables if t.name != "dataversion"]
                    conn.execute(text(f"LOCK TABLE {', '.join(_q(n) for n in order)} IN EXCLUSIVE MODE"))
                begin_write(session)
                version_before = data_version(session)
                top_epoch = conn.execute(select(func.max(users.c.session_epoch))).scalar()
                # Open sessions and cookies carry (user id, session epoch): the restored users get epochs above
                # every epoch the target has handed out, so no session of the old data carries over.
                offset = int(top_epoch) + 1 if top_epoch is not None else 0
                secret = conn.execute(select(meta.c.value).where(meta.c.key == SECRET_KEY)).scalar()
                for table in reversed(tables):
                    conn.execute(table.delete())
                for table in tables:
                    counts[table.name] = _copy_from_scratch(conn, scratch_path, table, offset)
                if secret is not None:
                    conn.execute(insert(meta).values(key=SECRET_KEY, value=secret))
                for table in tables:
                    stored = conn.execute(select(func.count()).select_from(table)).scalar_one()
                    expected = counts[table.name] + (1 if table.name == "appmeta" and secret is not None else 0)
                    if stored != expected:
                        raise RestoreFailed(
                            f"恢复失败，当前数据未改动：数据表「{_label(table.name)}」写入的行数不符。")
                _raise_sequences(conn, manifest.get("sequences") or {})
                in_step(conn) or recompute.rebuild(conn)  # the summaries follow the restored rows
                dv = SQLModel.metadata.tables["dataversion"]
                restored_version = conn.execute(select(dv.c.version).where(dv.c.id == 1)).scalar()
                new_version = max(version_before, int(restored_version or 0)) + 1
                if restored_version is None:
                    conn.execute(insert(dv).values(id=1, version=new_version, changed_at=now))
                else:
                    conn.execute(dv.update().where(dv.c.id == 1).values(version=new_version, changed_at=now))
                fingerprint = hashlib.sha256(json.dumps(
                    [(t["name"], t["sha256"]) for t in manifest["tables"]]).encode()).hexdigest()
                record_audit(session, actor, "restore", "backup", None, None, {
                    "backup_created_at": info.created_at.isoformat(), "backup_revision": info.revision,
                    "backup_dialect": info.dialect, "revision": info.head_revision, "rows": info.total_rows,
                    "fingerprint": fingerprint, "sessions_ended": bool(offset),
                })
                session.close()  # record_audit has flushed
        finally:
            if sqlite:
                conn.connection.driver_connection.execute(f"DETACH DATABASE {_SCRATCH}")
    return counts, bool(offset)


def restore_backup(engine: Engine, data: bytes | str | os.PathLike[str] | BinaryIO, *,
                   actor: CurrentUser | None = None, now: datetime | None = None) -> RestoreResult:
    """Replace every row of the database by the backup's, keeping the current data until that has succeeded.

    ``actor`` must be an administrator (None: the command line). Raises ``InvalidBackup`` for a file that is not a
    complete backup of this application, ``RestoreFailed`` if writing the target failed (rolled back); in both
    cases the target is unchanged.
    """
    if actor is not None:
        require_admin(actor)
    started = time.perf_counter()
    now = now or clock.now()
    with _opened(data) as (zf, size):
        info = _inspect(zf, size)
        upgrade(engine)
        with tempfile.TemporaryDirectory(prefix="wushe-restore-") as tmp:
            scratch = _scratch_engine(Path(tmp) / "scratch.db")
            try:
                try:
                    _load_scratch(scratch, zf, info.revision, info.manifest["tables"])
                except SQLAlchemyError:
                    _log.exception("loading the backup into the scratch database failed")
                    raise InvalidBackup("备份中的数据无法载入或升级到本系统的数据库结构，文件可能已被修改。") from None
                scratch.dispose()  # every scratch connection closed before the target reads the file
                try:
                    counts, ended = _replace_target(engine, Path(tmp) / "scratch.db", info.manifest, info, actor, now)
                except (RestoreFailed, InvalidBackup):
                    raise
                except SQLAlchemyError as exc:
                    _log.exception("restore failed; rolled back")
                    raise RestoreFailed(f"恢复失败，当前数据未改动（数据库报告 {type(exc).__name__}）。"
                                        "请确认目标数据库可写后重试。") from None
            finally:
                scratch.dispose()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # fresh planner statistics for the reloaded tables
            conn.execute(text("ANALYZE"))
    return RestoreResult(info=info, revision=info.head_revision, rows=counts,
                         seconds=time.perf_counter() - started, sessions_ended=ended)


__all__ = [
    "APP_ID", "FORMAT_VERSION", "BackupFailed", "BackupInfo", "InvalidBackup", "RestoreFailed", "RestoreResult",
    "TableInfo", "backup_filename", "backup_to_dir", "column_kind", "head_revision", "inspect_backup",
    "make_backup", "restore_backup", "table_digests", "write_backup",
]
