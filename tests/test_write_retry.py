"""run_write retries a write that lost a race for the lock (issue 14), and SQLite writers of one process queue
first come first served (db.engine.FifoLock)."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid

import psycopg.errors
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

import db.engine
from db.activities.writes import create_activity
from db.engine import FifoLock, make_engine, session_scope
from db.migrate import upgrade
from db.write import is_retryable, run_write, submit
from tests.writer_load import TODAY, activity, load, problems, setup


def _sqlite_error(code: int, message: str) -> OperationalError:
    orig = sqlite3.OperationalError(message)
    orig.sqlite_errorcode = code
    return OperationalError("BEGIN IMMEDIATE", {}, orig)


@pytest.mark.parametrize(("error", "retry"), [
    (_sqlite_error(5, "database is locked"), True),
    (_sqlite_error(6, "database table is locked"), True),
    (_sqlite_error(5 | (3 << 8), "database is locked"), True),  # SQLITE_BUSY_RECOVERY
    (_sqlite_error(1, "no such table: x"), False),
    (OperationalError("x", {}, psycopg.errors.SerializationFailure("could not serialize")), True),
    (OperationalError("x", {}, psycopg.errors.DeadlockDetected("deadlock detected")), True),
    (OperationalError("x", {}, psycopg.errors.LockNotAvailable("lock not available")), True),
    (OperationalError("x", {}, psycopg.errors.AdminShutdown("terminating connection")), False),
    (IntegrityError("x", {}, psycopg.errors.UniqueViolation("duplicate key")), False),
    (ValueError("database is locked"), False),
])
def test_which_errors_are_retried(error, retry):
    assert is_retryable(error) is retry


def test_a_write_waiting_past_the_busy_timeout_is_retried_and_written_once(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(db.engine, "SQLITE_BUSY_SECONDS", 1)
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    engine = make_engine(url)
    upgrade(engine)
    place = setup(engine, 1)
    user = load(engine, place.user_ids[0])
    # Another process's long transaction: a raw connection holding SQLite's write lock for 2.5 busy timeouts.
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    releaser = threading.Timer(2.5, holder.rollback)
    releaser.start()
    key = uuid.uuid4().hex
    started = time.monotonic()
    try:
        record_id = submit(create_activity, user=user, idempotency_key=key, engine=engine,
                           data=activity(place.community_id, 1), today=TODAY)
    finally:
        releaser.join()
        holder.close()
    assert time.monotonic() - started >= 2.0
    assert "write retried" in caplog.text
    assert problems(engine, place.user_ids, {key: record_id}) == []
    engine.dispose()


def test_a_retry_after_a_commit_it_did_not_see_returns_the_first_record(engine):
    # The commit went through but the answer was lost (the race run_write's retry cannot tell apart): the same key
    # again gives the first record, not a second one.
    place = setup(engine, 1)
    user = load(engine, place.user_ids[0])
    key = uuid.uuid4().hex
    first = submit(create_activity, user=user, idempotency_key=key, engine=engine, data=activity(place.community_id, 1),
                   today=TODAY)
    again = submit(create_activity, user=user, idempotency_key=key, engine=engine,
                   data=activity(place.community_id, 1), today=TODAY)
    assert again == first
    assert problems(engine, place.user_ids, {key: first}) == []


def test_other_errors_are_not_retried(engine):
    calls = []

    def work(session):
        calls.append(1)
        raise DBAPIError("x", {}, _sqlite_error(1, "no such table").orig)

    with pytest.raises(DBAPIError):
        run_write(engine, None, work)
    assert calls == [1]


def test_a_lost_race_is_retried_until_it_goes_through(engine, monkeypatch):
    monkeypatch.setattr("db.write._time.sleep", lambda s: None)
    calls = []

    def work(session):
        calls.append(1)
        if len(calls) < 4:
            raise _sqlite_error(5, "database is locked")
        with session_scope(engine) as s:
            assert s is not None
        return 42

    assert run_write(engine, None, work) == 42
    assert len(calls) == 4


def test_fifo_lock_hands_over_in_arrival_order():
    lock = FifoLock()
    assert lock.acquire(1)
    order: list[int] = []
    threads = []
    for n in range(5):
        t = threading.Thread(target=lambda n=n: (lock.acquire(10), order.append(n), lock.release()))
        t.start()
        threads.append(t)
        time.sleep(0.05)  # arrive one after the other
    lock.release()
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2, 3, 4]


def test_fifo_lock_wait_runs_out():
    lock = FifoLock()
    assert lock.acquire(1)
    assert lock.acquire(0.05) is False
    lock.release()
    assert lock.acquire(0.05) is True
    lock.release()
