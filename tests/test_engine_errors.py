"""db.engine.database_unavailable: tells "the database server cannot be reached" (pages then say so in Chinese,
components/page.py) from an error of the statement itself, on both backends."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from db.engine import database_unavailable, make_engine


def _error_of(engine, sql: str) -> DBAPIError:
    with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
        conn.execute(text(sql))
    return caught.value


def test_statement_errors_are_not_an_unreachable_database(engine):
    assert not database_unavailable(_error_of(engine, "SELECT * FROM no_such_table"))
    assert not database_unavailable(_error_of(engine, "SELEC 1"))
    assert not database_unavailable(ValueError("not a database error"))


def test_a_stopped_postgresql_server_is_an_unreachable_database():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/none?connect_timeout=5")
    try:
        assert database_unavailable(_error_of(engine, "SELECT 1"))
    finally:
        engine.dispose()


def test_a_locked_or_missing_sqlite_file_is_not_a_stopped_server(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            conn.commit()
        # An OperationalError of SQLite's own ("no such table", "database is locked") is no server outage.
        assert not database_unavailable(_error_of(engine, "INSERT INTO missing VALUES (1)"))
    finally:
        engine.dispose()
