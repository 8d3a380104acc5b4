"""Helpers of the reliability proofs (issue 14): what a database holds, as a fingerprint to compare before and
after a refused write, and a check that every stored value is one its column may hold."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers every table)
from db.guard import value_problem

# Tables a refused write could still touch without changing any record: none. (The data version is bumped
# first by every write and rolled back with it, so it is part of the fingerprint too.)


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    return value


def fingerprint(engine: Engine, tables: list[str] | None = None) -> dict[str, tuple[int, str]]:
    """{table: (row count, sha256 of every row in primary-key order)} for every table (or ``tables``)."""
    out: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if tables is not None and table.name not in tables:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            n = 0
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(json.dumps([_plain(v) for v in row], default=str, ensure_ascii=False).encode())
                n += 1
            out[table.name] = (n, digest.hexdigest())
    return out


def changed_tables(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return sorted(name for name in after if before.get(name) != after[name])


def invalid_values(engine: Engine, tables: list[str] | None = None) -> list[tuple[str, Any, str, Any, str]]:
    """Every stored value its column may not hold (db.guard.value_problem): (table, key, column, value, why), in
    every table (or ``tables``). Empty for a database that only the write services and the demo loader wrote to."""
    problems: list[tuple[str, Any, str, Any, str]] = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if tables is not None and table.name not in tables:
                continue
            keys = list(table.primary_key.columns)
            for row in conn.execute(select(table)):
                mapping = row._mapping
                for column in table.columns:
                    why = value_problem(column, mapping[column])
                    if why:
                        key = tuple(mapping[k] for k in keys)
                        problems.append((table.name, key, column.name, mapping[column], why))
    return problems
