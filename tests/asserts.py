"""The one refusal check of the db tests: a refused write raises the expected error, says why in Chinese naming
the field, and changes no row of any table."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel

import db.models  # noqa: F401 - every table is registered on SQLModel.metadata
from db.engine import session_scope
from db.errors import ValidationFailed

CJK = re.compile(r"[\u4e00-\u9fff]")


def database_snapshot(engine: Engine) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows in primary-key order (the data version included)."""
    out: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
            out[table.name] = (len(rows), digest)
    return out


def assert_refused(engine: Engine, call: Callable[[], object], field: str | Iterable[str] | None, *words: str,
                   error: type[Exception] = ValidationFailed) -> Exception:
    """``call()`` (a write in its own transaction) raises ``error`` and changes nothing in any table.

    For a ``ValidationFailed``, ``field`` names exactly the refused fields (one name, or several), each message is
    Chinese and starts with the field's label in 「」, and ``words`` all appear in the message of ``field`` (of all of
    them when several). For any other error ``field`` is None and ``words`` appear in ``str(error)``.
    Returns the exception.
    """
    before = database_snapshot(engine)
    with pytest.raises(error) as caught:
        call()
    exc = caught.value
    if isinstance(exc, ValidationFailed):
        assert field is not None, f"name the refused field: {exc.errors}"
        expected = {field} if isinstance(field, str) else set(field)
        assert set(exc.errors) == expected, exc.errors
        for message in exc.errors.values():
            assert message.startswith("「") and "」" in message and CJK.search(message), message
            assert message in str(exc)
        text = "；".join(exc.errors[f] for f in sorted(expected))
    else:
        assert field is None, f"{type(exc).__name__} names no field"
        text = str(exc)
        assert CJK.search(text), text
    for word in words:
        assert word in text, (word, text)
    assert database_snapshot(engine) == before, "a refused write changed the database"
    return exc


def in_session(engine: Engine, fn: Callable[[Session], object]) -> Callable[[], object]:
    """A call for ``assert_refused`` that runs ``fn(session)`` in its own write transaction."""
    def call() -> object:
        with session_scope(engine, write=True) as session:
            return fn(session)

    return call
