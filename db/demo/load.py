"""Loading, resetting and clearing the demo set, and the rule that keeps it out of a database with real records."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic_core import PydanticUndefined
from sqlalchemy import JSON, Engine, Table, delete, false, func, insert, literal, or_, select, text, update
from sqlmodel import Session, SQLModel

from db import clock, vocab
from db.auth import create_user
from db.demo.build import build_demo_rows
from db.demo.generator import CLEARED_KEY, DEMO_ACCOUNTS, DEMO_PASSWORD, META_KEY, MODELS, XGSL
from db.engine import session_scope
from db.errors import PermissionDenied, WriteError
from db.models import (
    AppMeta,
    AppUser,
    Community,
    StarAward,
    StarPreset,
    Street,
    StreetStarPreset,
)
from db.summaries import rebuild_later
from db.volunteers.totals import refresh_volunteer_totals
from db.write import begin_write, record_audit

if TYPE_CHECKING:
    from db.auth import CurrentUser


# ============================================================================================== loading


def _defaults(model: type[SQLModel]) -> list[tuple[str, Any, Callable[[], Any] | None]]:
    out = []
    for name in model.__table__.c.keys():  # type: ignore[attr-defined]
        field = model.model_fields.get(name)
        if field is None:
            continue
        factory = field.default_factory
        default = None if field.default is PydanticUndefined else field.default
        out.append((name, default, factory))  # type: ignore[arg-type]
    return out


def _reserve_ids(session: Session, table: Table, n: int) -> int:
    """The offset to add to relative ids 1..n so that they follow every id ever used (PostgreSQL: lock, advance)."""
    name = table.name
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f'LOCK TABLE "{name}" IN SHARE ROW EXCLUSIVE MODE'))
        seq = session.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name}).scalar_one()
        last, called = session.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
        top = session.execute(select(func.max(table.c.id))).scalar_one() or 0
        offset = max(int(last) if called else int(last) - 1, int(top))
        session.execute(text("SELECT setval(CAST(:s AS regclass), :v)"), {"s": seq, "v": offset + n})
        return offset
    top = int(session.execute(select(func.max(table.c.id))).scalar_one() or 0)
    # AUTOINCREMENT tables remember the largest id ever used: ids of deleted rows are never handed out again.
    has_seq = session.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first()
    if has_seq:
        used = session.execute(text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": name}).scalar()
        top = max(top, int(used or 0))
    return top


def _insert(session: Session, rows: dict[type[SQLModel], list[dict[str, Any]]], models: Iterable[type[SQLModel]],
            offsets: dict[str, int], users: dict[str, int]) -> None:
    for model in models:
        data = rows.get(model)
        if not data:
            continue
        table: Table = model.__table__  # type: ignore[attr-defined]
        has_id = "id" in table.c
        offset = _reserve_ids(session, table, len(data)) if has_id else 0
        offsets[table.name] = offset
        fks = [(fk.parent.name, fk.column.table.name) for fk in table.foreign_keys]
        defaults = _defaults(model)
        out = []
        for values in data:
            row = dict(values)
            for col, default, factory in defaults:
                if col not in row:
                    row[col] = factory() if factory is not None else default
            if has_id:
                row["id"] += offset
            for col, target in fks:
                v = row.get(col)
                if v is None:
                    continue
                row[col] = users[v] if target == "appuser" else v + offsets[target]
            out.append(row)
        if session.get_bind().dialect.name == "postgresql":
            _copy(session, table, out)
        else:
            session.execute(insert(table), out)


def _copy(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY in the session's transaction: one stream instead of one statement per row."""
    cols = list(rows[0])
    json_cols = {c for c in cols if isinstance(table.c[c].type, JSON)}
    names = ", ".join(f'"{c}"' for c in cols)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in json_cols else row[c] for c in cols])


def _load(session: Session, rows: dict[type[SQLModel], list[dict[str, Any]]]) -> dict[str, int]:
    """Insert generated rows and create the demo accounts, in the caller's write transaction."""
    for street in rows[Street]:
        clash = session.execute(select(Street.id).where(Street.name == street["name"])).first()
        if clash is not None:
            raise ValueError(f"已存在名为“{street['name']}”的街道，演示数据不能与真实数据混在一起。")
    begin_write(session)
    rebuild_later(session)  # bulk inserts: the monthly summaries are rebuilt whole at commit (db/summaries.py)
    offsets: dict[str, int] = {}
    _insert(session, rows, (Street, Community), offsets, {})
    staff_scope = next(c["id"] for c in rows[Community] if c["name"] == XGSL) + offsets["community"]
    users = {}
    for (username, _desc), (role, scope_type, scope_id, display) in zip(DEMO_ACCOUNTS, (
        ("leader", "all", None, "演示领导"), ("staff", "community", staff_scope, "演示社工"),
        ("admin", "all", None, "演示管理员"),
    ), strict=True):
        users[username] = create_user(session=session, actor=None, username=username, password=DEMO_PASSWORD,
                                      role=role, scope_type=scope_type, scope_id=scope_id, display_name=display,
                                      is_demo=True)
    # Demo rows name their star preset; presets are reference data (migration 0003), not demo rows.
    preset_ids = dict(session.execute(select(StarPreset.name, StarPreset.id)).all())
    named = [m for m in (StreetStarPreset, StarAward) if all(x["preset_id"] in preset_ids for x in rows.get(m, []))]
    rows = {**{m: v for m, v in rows.items() if m not in (StreetStarPreset, StarAward)},
            **{m: [{**x, "preset_id": preset_ids[x["preset_id"]]} for x in rows[m]] for m in named}}
    offsets["starpreset"] = 0
    _insert(session, rows, MODELS[2:], offsets, users)
    _insert(session, rows, (StreetStarPreset,), offsets, users)
    refresh_volunteer_totals(session, None)  # bulk-inserted records bypass the write services
    return {m.__table__.name: len(v) for m, v in rows.items()}  # type: ignore[attr-defined]


def demo_loaded(session: Session) -> bool:
    """True while the demo data set is loaded."""
    return session.get(AppMeta, META_KEY) is not None


class DemoRefused(WriteError):
    """The demo data set may not be loaded, reset or cleared here (the database holds real records)."""


def real_record_tables(session: Session, *, first_only: bool = False) -> list[str]:
    """The tables holding real records: rows not marked ``is_demo`` in a table that carries the mark (users
    included). Reference data (star presets, grade bands), the audit trail and other bookkeeping carry no mark and
    never count."""
    out = []
    for table in SQLModel.metadata.sorted_tables:
        if "is_demo" not in table.c:
            continue
        if session.execute(select(literal(1)).select_from(table).where(table.c.is_demo == false()).limit(1)).first():
            out.append(table.name)
            if first_only:
                break
    return out


def holds_real_records(session: Session) -> bool:
    """True if the database holds any real record (see ``real_record_tables``): it is not a demo database, never
    gets the demo accounts, and cannot be loaded with, reset to or cleared of the demo."""
    return bool(real_record_tables(session, first_only=True))


def is_demo_database(session: Session) -> bool:
    """The demo is loaded and nothing real was entered: the only kind of database the demo may be reset on."""
    return demo_loaded(session) and not holds_real_records(session)


def shows_demo_accounts(session: Session) -> bool:
    """Whether the login page lists the demo accounts: the demo is loaded and nobody has an account of their own.

    Records entered by trying the demo (an activity saved as demo_staff) do not hide the accounts — they do block a
    reset, which would delete them — but the first real account does: from then on the installation is in use."""
    if not demo_loaded(session):
        return False
    real_user = session.execute(select(AppUser.id).where(AppUser.is_demo.is_(False)).limit(1)).first()
    return real_user is None


def refuse_if_real(session: Session, action: str) -> None:
    """``DemoRefused`` naming the tables with real records, if there are any; ``action`` is 载入 / 重置 / 清除."""
    tables = real_record_tables(session)
    if tables:
        labels = "、".join(vocab.TABLE_LABELS.get(t, t) for t in tables[:6]) + ("等" if len(tables) > 6 else "")
        raise DemoRefused(f"数据库中已有真实数据（{labels}），不能{action}演示数据：演示数据只用于演示数据库，"
                          "不能与真实数据混在一起。如需演示，请另建一个空数据库。")


def _check_actor(actor: CurrentUser | None) -> None:
    if actor is not None and not actor.is_admin:
        raise PermissionDenied("只有管理员可以载入、重置或清除演示数据。")


def _lock(session: Session) -> None:
    # Two app servers starting together on one PostgreSQL: the second waits, then sees the demo loaded.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(52014)"))


def _mark_loaded(session: Session, today: date) -> None:
    # The only place the demo marker is set (load and reset): it tells the UI this is a demo database.
    session.execute(delete(AppMeta).where(AppMeta.key == CLEARED_KEY))
    session.add(AppMeta(key=META_KEY, value=today.isoformat()))


def load_demo(engine: Engine, today: date | None = None, *, actor: CurrentUser | None = None) -> bool:
    """Load the demo data set into a migrated database unless it is loaded; True if it loaded now.

    Refused (``DemoRefused``) on a database that holds real records: they never get demo accounts or demo rows.
    """
    _check_actor(actor)
    today = today or clock.today()
    with Session(engine) as session:
        refuse_if_real(session, "载入")
        if demo_loaded(session):
            return False
    rows = build_demo_rows(today)  # before taking the write lock
    with session_scope(engine, write=True) as session:
        _lock(session)
        begin_write(session)  # the write lock before the checks: no real record can slip in between
        refuse_if_real(session, "载入")
        if demo_loaded(session):
            return False
        counts = _load(session, rows)
        _mark_loaded(session, today)
        record_audit(session, actor, "demo_load", "appmeta", None, None, {"today": today.isoformat(), "rows": counts})
    return True


def _delete_demo(session: Session) -> None:
    """Delete every demo row and every row hanging off one (FK-safe, children first); keep the audit log.

    A row is deleted if it is marked ``is_demo`` or references a deleted row (e.g. an activity someone entered in a
    demo community). References to demo users from kept rows (``created_by``, ``approved_by``) are set to NULL.
    """
    rebuild_later(session)  # the monthly summaries are rebuilt whole at commit (db/summaries.py)
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name != "appuser"]
    doomed: dict[str, Any] = {}
    for t in tables:
        parts = [t.c.is_demo.is_(True)] if "is_demo" in t.c else []
        for fk in t.foreign_keys:
            target = fk.column.table
            if target.name in doomed and doomed[target.name] is not None and target is not t:
                parts.append(fk.parent.in_(select(fk.column).where(doomed[target.name])))
        doomed[t.name] = or_(*parts) if parts else None
    for t in reversed(tables):
        if doomed[t.name] is not None:
            session.execute(delete(t).where(doomed[t.name]))
    users = AppUser.__table__  # type: ignore[attr-defined]
    demo_users = select(users.c.id).where(users.c.is_demo.is_(True))
    for t in tables:
        for fk in t.foreign_keys:
            if fk.column.table is users:
                session.execute(update(t).where(fk.parent.in_(demo_users)).values({fk.parent.name: None}))
    session.execute(delete(users).where(users.c.is_demo.is_(True)))
    session.execute(delete(AppMeta).where(AppMeta.key == META_KEY))


def reset_demo(engine: Engine, today: date | None = None, *, actor: CurrentUser | None = None) -> None:
    """Delete the demo data set and its users, and load it again, in one transaction. Refused (``DemoRefused``) on a
    database that holds real records."""
    _check_actor(actor)
    today = today or clock.today()
    with Session(engine) as session:
        refuse_if_real(session, "重置")
    rows = build_demo_rows(today)
    with session_scope(engine, write=True) as session:
        _lock(session)
        begin_write(session)
        refuse_if_real(session, "重置")
        _delete_demo(session)
        counts = _load(session, rows)
        _mark_loaded(session, today)
        record_audit(session, actor, "demo_reset", "appmeta", None, None, {"today": today.isoformat(), "rows": counts})


def clear_demo(engine: Engine, today: date | None = None, *, actor: CurrentUser | None = None) -> dict[str, int]:
    """Delete the demo data set and its accounts (one transaction); the demo rows deleted per table.

    Refused (``DemoRefused``) on a database that holds real records. Afterwards the database is empty of records
    and the next start does not load the demo again (``CLEARED_KEY``), whatever ``LOAD_DEMO`` says; an explicit
    ``load_demo`` still can.
    """
    _check_actor(actor)
    today = today or clock.today()
    with session_scope(engine, write=True) as session:
        _lock(session)
        begin_write(session)
        refuse_if_real(session, "清除")
        counts = {name: n for name, n in demo_row_counts(session).items() if n}
        _delete_demo(session)
        session.execute(delete(AppMeta).where(AppMeta.key == CLEARED_KEY))
        session.add(AppMeta(key=CLEARED_KEY, value=today.isoformat()))
        record_audit(session, actor, "demo_clear", "appmeta", None, None, {"today": today.isoformat(), "rows": counts})
    return counts


def demo_row_counts(session: Session) -> dict[str, int]:
    """How many demo rows each table holds (for the admin page and the report)."""
    out = {}
    for model in (*MODELS, AppUser):
        table = model.__table__  # type: ignore[attr-defined]
        out[table.name] = session.execute(
            select(func.count()).select_from(table).where(table.c.is_demo.is_(True))).scalar_one()
    return out
