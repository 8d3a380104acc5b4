"""Start-up: migrate the database and, on the first start of an empty SQLite database, load the demo data set.

``prepare`` does it once per process and engine, whoever asks first: the launcher (``python -m db.cli serve``)
before the server starts, or else the first page run. Other threads (sessions) asking meanwhile wait for it; a
failure is not remembered, so the next call tries again. Two processes preparing one SQLite file take turns (a
file lock beside the database); on PostgreSQL the migration's advisory lock and the write lock of the demo load
and the secret check do the same.
"""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from db.engine import get_engine
from db.migrate import upgrade
from db.models import AppMeta, Street
from db.secret import check_shared_secret
from db.settings import get_settings

_prepare_lock = threading.Lock()
_prepared: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()  # engine -> seconds it took


def wants_demo(engine: Engine) -> bool:
    """LOAD_DEMO for this database: "auto" means SQLite only (PostgreSQL never loads the demo unless asked)."""
    return get_settings().demo_on_first_start(engine.dialect.name)


def ensure_ready(engine: Engine | None = None, today: date | None = None) -> None:
    """Apply migrations; load the demo data if LOAD_DEMO asks for it on this database and the database is empty:
    no street, no real record (a user created with ``db.cli create-admin`` counts), the demo neither loaded nor
    cleared before."""
    engine = engine or get_engine()
    upgrade(engine)
    if not wants_demo(engine):
        return
    from db.demo import CLEARED_KEY, DemoRefused, demo_loaded, holds_real_records, load_demo

    with Session(engine) as session:
        empty = session.execute(select(func.count()).select_from(Street)).scalar_one() == 0
        seen = demo_loaded(session) or session.get(AppMeta, CLEARED_KEY) is not None
        real = holds_real_records(session)
    if empty and not seen and not real:
        try:
            load_demo(engine, today=today)
        except DemoRefused:
            pass  # a real record arrived meanwhile (another server, the CLI): the database stays without demo


def is_demo_install(engine: Engine | None = None) -> bool:
    """True while the demo data set is loaded (the UI marks it as demo)."""
    with Session(engine or get_engine()) as session:
        return demo_loaded(session)


def demo_loaded(session: Session) -> bool:
    """True while the demo data set is loaded (the UI marks it as demo)."""
    return session.get(AppMeta, "demo_loaded") is not None


def shows_demo_accounts(engine: Engine | None = None) -> bool:
    """True while the login page lists the demo accounts (db.demo.shows_demo_accounts)."""
    from db.demo.load import shows_demo_accounts as shown

    with Session(engine or get_engine()) as session:
        return shown(session)


@contextlib.contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    """Two processes starting on one SQLite file at once: the second waits until the first has prepared it."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    try:
        import fcntl
    except ImportError:  # not a POSIX system: one server per SQLite file
        fcntl = None
    if not database or database == ":memory:" or fcntl is None:
        yield
        return

    path = Path(database).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / f".{path.name}.start-lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare(engine: Engine | None = None) -> float:
    """Migrate, load the demo on a fresh install (``ensure_ready``) and check the shared secret key, once per process
    and engine; returns the seconds the preparation took (0 when it was already done). Raises what it raised, for
    the caller to show (``SecretKeyMismatch``, a database that cannot be reached …)."""
    engine = engine or get_engine()
    with _prepare_lock:
        if engine in _prepared:
            return 0.0
        started = time.perf_counter()
        with _file_lock(engine):
            ensure_ready(engine)
        check_shared_secret(engine)  # several servers on one PostgreSQL must share the cookie key
        _prepared[engine] = seconds = time.perf_counter() - started
        return seconds
