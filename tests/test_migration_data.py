"""Migrations from every earlier revision keep the data (issue 14), on SQLite and PostgreSQL.

For each revision from the first to the newest: a database is migrated to it, every table of that schema gets
representative rows (each column filled according to its type as the schema was then: Chinese and emoji text up
to the column's length, numbers, dates, times of day, booleans, JSON, references to the rows of the tables they
point to), and the database is upgraded to the newest revision. Every row is still there with every value it
had, no row appeared in those tables, and what a later migration derives from earlier rows is right (0006's
volunteer totals). The rows are made from the schema itself, so a new migration is covered without touching this
test.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Time,
    func,
    select,
    text,
)
from sqlalchemy import insert as sa_insert

from db.migrate import alembic_config, current_revision, upgrade


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _value(table: Table, column: Any, i: int, parents: dict[str, list[dict[str, Any]]]) -> Any:
    fks = list(column.foreign_keys)
    if fks:
        target = fks[0].column
        rows = parents[target.table.name]
        return rows[i % len(rows)][target.name]
    kind = column.type
    if isinstance(kind, Boolean):
        return i % 2 == 0
    if isinstance(kind, Integer):
        return 7 + i
    if isinstance(kind, Float | Numeric):
        return 1.5 + i
    if isinstance(kind, DateTime):
        return datetime(2025, 6, 10, 9, 30, i)
    if isinstance(kind, Date):
        return date(2025, 6, 10 + i)
    if isinstance(kind, Time):
        from datetime import time

        return time(9, 30 + i)
    if isinstance(kind, JSON):
        return ["标签", i, {"键": "值"}]
    if isinstance(kind, String):
        if table.name == "servicerecord" and column.name == "status":
            return "approved"  # what 0006 sums
        text = f"{i}{table.name[:4]}{column.name}·测试🙂"
        return text[: kind.length] if kind.length else text
    return None


def fill(engine) -> dict[str, dict[tuple, dict[str, Any]]]:
    """Two rows in every table of the database's current schema; returns {table: {primary key: row}} as read back."""
    meta = MetaData()
    meta.reflect(bind=engine)
    parents: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            pk = list(table.primary_key.columns)
            auto = pk[0] if len(pk) == 1 and isinstance(pk[0].type, Integer) and not pk[0].foreign_keys else None
            # A table a migration seeded with explicit ids (the data version row): go on after them, and tell
            # PostgreSQL's sequence.
            taken = conn.execute(select(func.max(auto))).scalar() if auto is not None else None
            for i in range(2):
                values = {}
                for column in table.columns:
                    if column is auto:
                        if taken is not None:
                            values[column.name] = taken + 1 + i
                        continue
                    values[column.name] = _value(table, column, i, parents)
                conn.execute(sa_insert(table).values(**values))
            if taken is not None and conn.dialect.name == "postgresql":
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', '{auto.name}'), "
                                  f"(SELECT max({auto.name}) FROM {table.name}))"))
            parents[table.name] = [dict(r._mapping) for r in conn.execute(select(table))]
    return read(engine, [t for t in meta.sorted_tables if t.name != "alembic_version"])


def read(engine, tables: list[Table] | None = None) -> dict[str, dict[tuple, dict[str, Any]]]:
    meta = MetaData()
    meta.reflect(bind=engine)
    wanted = {t.name for t in tables} if tables is not None else None
    out: dict[str, dict[tuple, dict[str, Any]]] = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name == "alembic_version" or (wanted is not None and table.name not in wanted):
                continue
            keys = [c.name for c in table.primary_key.columns] or [c.name for c in table.columns]
            out[table.name] = {tuple(r._mapping[k] for k in keys): dict(r._mapping) for r in conn.execute(select(table))}
    return out


def _content(engine, name: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row without its keys and references (they differ between databases)."""
    meta = MetaData()
    table = Table(name, meta, autoload_with=engine)
    skip = {c.name for c in table.columns if c.primary_key or c.foreign_keys}
    return {k: v for k, v in row.items() if k not in skip}


@pytest.mark.parametrize("revision", revisions())
def test_data_of_every_revision_survives_the_upgrade_to_head(empty_engine, databases, revision):
    upgrade(empty_engine, revision)
    assert current_revision(empty_engine) == revision
    before = fill(empty_engine)
    assert all(len(rows) >= 2 for rows in before.values())

    upgrade(empty_engine)

    assert current_revision(empty_engine) == head()
    after = read(empty_engine)
    fresh = databases.new()  # what the migrations themselves put in (seeded presets, bands …)
    upgrade(fresh)
    seeded = {name: [_content(fresh, name, row) for row in rows.values()] for name, rows in read(fresh).items()}
    fresh.dispose()
    lost = []
    for name, rows in before.items():
        assert name in after, f"table {name} is gone"
        for key, row in rows.items():
            now = after[name].get(key)
            if now is None:
                lost.append(f"{name} {key}: row gone")
                continue
            lost += [f"{name} {key}.{column}: {value!r} became {now.get(column, '<no column>')!r}"
                     for column, value in row.items() if now.get(column, object()) != value]
        extra = [after[name][k] for k in set(after[name]) - set(rows)]
        unseeded = [row for row in extra if _content(empty_engine, name, row) not in seeded.get(name, [])]
        assert not unseeded, f"{name}: rows appeared that no migration seeds: {unseeded[:3]}"
    assert lost == []
    if "volunteertotal" not in before and "volunteertotal" in after:
        # 0006 fills the totals from the approved records already there.
        sums: dict[int, float] = defaultdict(float)
        for row in before["servicerecord"].values():
            if row["status"] == "approved":
                sums[row["volunteer_id"]] += row["hours"]
        totals = {row["volunteer_id"]: row["hours"] for row in after["volunteertotal"].values()}
        assert totals == pytest.approx(dict(sums)) and totals
