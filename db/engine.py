"""The engine (one per process and URL) and sessions per unit of work."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session, create_engine

from db import guard  # noqa: F401  (every session checks what it writes: db/guard.py)
from db.settings import get_settings

SQLITE_BUSY_SECONDS = 15
SQLITE_MMAP_BYTES = 2**31
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    # Read the database file through memory-mapped I/O (SQLite caps it at 2 GiB unless built otherwise): pages come
    # from the OS cache shared by every connection instead of being copied into each connection's 2 MiB page cache
    # (issue 13: a write at 10M records 28.7 → 26.3 ms p50). Writes still go through the WAL and its fsync.
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


class FifoLock:
    """A lock handed to its waiters in the order they came (threading.Lock promises no order)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Event] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held and not self._waiters:
                self._held = True
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()  # stays held: handed to the next in line
            else:
                self._held = False


# SQLite writers of one process queue here, first come first served, before they ask SQLite for its write lock.
# SQLite's busy handler is no queue: a waiting writer sleeps and polls (1, 2, 5 … 100 ms), so under ten busy
# writers one of them can keep missing the lock for the whole busy timeout (bench/writers.py measured a p99 of
# 5.8 s, a maximum of 14.6 s and "database is locked" 5 times in 1,347 writes of 30 s). In line, a writer waits for
# the writes ahead of it only; writers of other processes still meet SQLite's busy handler (and run_write's retry).
_gates: dict[str, FifoLock] = {}
GATE_KEY = "wushe_write_gate"


def _gate(conn) -> FifoLock:
    url = conn.engine.url.render_as_string(hide_password=False)
    with _lock:
        return _gates.setdefault(url, FifoLock())


def _sqlite_begin(conn) -> None:
    # Write units take the write lock at BEGIN so that concurrent writers queue on busy_timeout instead of
    # one failing with "database is locked" when it upgrades a read snapshot; reads begin deferred.
    if conn.get_execution_options().get("sqlite_immediate"):
        gate = _gate(conn)
        # Past the busy timeout, go on without the gate (SQLite's own wait then decides): never wait forever.
        if gate.acquire(timeout=SQLITE_BUSY_SECONDS):
            conn.info[GATE_KEY] = gate
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _sqlite_end(conn)
            raise
    else:
        conn.exec_driver_sql("BEGIN")


def prepare_sqlite_file(path: Path) -> None:
    """Create the database file (and its directory) readable by this account only: 0600 file, 0700 directory.

    The file holds password hashes and volunteers' personal data. SQLite gives the -wal and -shm files the mode of
    the database file, so they are private too. An existing file readable by others is made private (its -wal and
    -shm with it); a directory that already existed keeps its mode.
    """
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            os.chmod(path.parent, 0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # an empty file is a valid database
    except FileExistsError:
        pass
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            info = name.stat()
        except FileNotFoundError:
            continue
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO) and info.st_uid == os.getuid():
            with contextlib.suppress(OSError):
                os.chmod(name, 0o600)


def _sqlite_end(conn) -> None:
    gate = conn.info.pop(GATE_KEY, None)
    if gate is not None:
        gate.release()


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` with the settings DESIGN.md §12 asks for."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:" and not path.startswith("file:"):
            prepare_sqlite_file(Path(path))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_connection, _record):
            # Let SQLAlchemy emit BEGIN itself (pysqlite's implicit transactions defeat BEGIN IMMEDIATE).
            dbapi_connection.isolation_level = None

        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _sqlite_end)
        event.listen(engine, "rollback", _sqlite_end)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: settings), created once."""
    url = url or get_settings().database_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests, forks)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def session_scope(engine: Engine | None = None, *, write: bool = False) -> Iterator[Session]:
    """A session for one unit of work: committed on success, rolled back on any error.

    ``write=True`` starts the transaction with the write lock taken (SQLite ``BEGIN IMMEDIATE``).
    """
    session = Session(engine or get_engine(), expire_on_commit=False)
    if write:
        session.connection(execution_options={"sqlite_immediate": True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def database_unavailable(exc: BaseException) -> bool:
    """True if ``exc`` means the database server cannot be reached right now (stopped, restarting, network down),
    as opposed to an error of the statement itself. Pages then say so instead of showing a generic error; the
    pool (pool_pre_ping) reconnects by itself once the server is back.

    Only PostgreSQL has a server to lose: SQLite errors (e.g. "database is locked") are never counted here.
    """
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if type(orig).__module__.split(".", 1)[0] != "psycopg":
        return False
    # No SQLSTATE: the connection itself failed (refused, reset, timed out). 08: connection exception;
    # 57P01-03: admin shutdown, crash shutdown, cannot connect now (starting up).
    sqlstate = getattr(orig, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in ("57P01", "57P02", "57P03")


def tables_present(conn: Connection, names: tuple[str, ...]) -> set[str]:
    """Which of these tables the database holds, in one query (``has_table`` for several)."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(text("SELECT n FROM unnest(CAST(:names AS text[])) AS n WHERE to_regclass(n) IS NOT NULL"),
                             {"names": list(names)}).scalars()
    else:
        found = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
                                  "(SELECT value FROM json_each(:names))"), {"names": json.dumps(list(names))}).scalars()
    return set(found)


def upsert(dialect: str) -> Any:
    """The dialect's ``insert`` that takes ``on_conflict_do_update`` (SQLite and PostgreSQL both have it): the
    summaries that a write updates in place (db/recompute.py, db/team_spans.py, db/active_counts.py)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def has_table(conn: Connection, name: str) -> bool:
    """True if the database holds a table of that name (a revision's table, before and after its migration)."""
    if conn.dialect.name == "postgresql":
        return bool(conn.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}).scalar_one())
    return conn.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"),
                        {"n": name}).first() is not None
