"""Fixtures: every db test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

PostgreSQL tests create their own databases (named test_wushe_*) and drop them afterwards: the server outlives
test runs and may hold other data, so nothing here relies on it being empty.
"""

from __future__ import annotations

import os
import queue
import threading
import uuid
from collections.abc import Iterator
from datetime import date, datetime, time

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from db.engine import make_engine
from db.migrate import upgrade

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
# Pages show a Chinese message for unexpected errors; in tests the exception element is shown too, so that
# AppTest's ``at.exception`` sees every failure (components/page.py).
os.environ.setdefault("WUSHE_DEBUG_ERRORS", "1")
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin_engine() -> Engine:
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


class _Dropper:
    """Drops PostgreSQL test databases in a background thread. DROP DATABASE waits for a checkpoint, which on a
    loaded server can take minutes: no test (and no test's timeout) waits for it. ``pytest_sessionfinish`` waits
    for the last ones, outside any test."""

    def __init__(self) -> None:
        self.names: queue.Queue[str | None] = queue.Queue()
        self.failed: list[str] = []
        self.thread: threading.Thread | None = None

    def drop(self, name: str) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="drop-test-databases", daemon=True)
            self.thread.start()
        self.names.put(name)

    def _run(self) -> None:
        admin = _pg_admin_engine()
        while (name := self.names.get()) is not None:
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as exc:  # noqa: BLE001 - reported at the end of the session
                self.failed.append(f"{name}: {exc}")
        admin.dispose()

    def finish(self, timeout: float) -> None:
        if self.thread is not None:
            self.names.put(None)
            self.thread.join(timeout)


_DROPPER = _Dropper()


class Databases:
    """Creates empty databases for one backend; each is dropped when its fixture ends (the rest at the end)."""

    def __init__(self, backend: str, tmp_dir):
        self.backend = backend
        self.tmp_dir = tmp_dir
        self.created: list[tuple[str, Engine]] = []

    def new(self) -> Engine:
        if self.backend == "sqlite":
            url = f"sqlite:///{self.tmp_dir / (uuid.uuid4().hex + '.db')}"
        else:
            name = f"test_wushe_{uuid.uuid4().hex[:12]}"
            with _pg_admin_engine().connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        self.created.append((url, engine))
        return engine

    def drop(self, engine: Engine) -> None:
        """Drop one database when its fixture ends (PostgreSQL: in the background, see ``_Dropper``)."""
        for i, (url, created) in enumerate(self.created):
            if created is engine:
                del self.created[i]
                self._drop(url, created)
                return

    def drop_all(self) -> None:
        while self.created:
            self._drop(*self.created.pop())

    def _drop(self, url: str, engine: Engine) -> None:
        engine.dispose()  # close its pool: PostgreSQL allows ~100 connections in all
        if self.backend == "postgresql":
            _DROPPER.drop(make_url(url).database)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    return request.param


@pytest.fixture(scope="session")
def databases(backend, tmp_path_factory) -> Iterator[Databases]:
    dbs = Databases(backend, tmp_path_factory.mktemp(f"db-{backend}"))
    yield dbs
    dbs.drop_all()


@pytest.fixture
def empty_engine(databases) -> Iterator[Engine]:
    """A new database with no tables at all."""
    eng = databases.new()
    yield eng
    databases.drop(eng)


@pytest.fixture
def engine(databases) -> Iterator[Engine]:
    """A new database migrated to the newest schema, with no data."""
    eng = databases.new()
    upgrade(eng)
    yield eng
    databases.drop(eng)


DEMO_TODAY = date(2026, 11, 28)
# The moment the UI tests run at: the demo they open is built for this day and ``db.clock`` is pinned to it, so a
# page's 本月 / 本年 / 累计 and the test's own reads agree on every real day of the year (see ``pinned_day``).
PINNED_NOW = datetime.combine(DEMO_TODAY, time(10, 0))


@pytest.fixture(scope="session")
def demo_engine(databases) -> Engine:
    """One database per backend with the demo data set, shared read-only by the tests of a session.

    Tests that write must use ``engine`` (or ``writable_demo_engine``), never this one.
    """
    from db.demo import load_demo

    eng = databases.new()
    upgrade(eng)
    load_demo(eng, today=DEMO_TODAY)
    return eng


def pytest_sessionfinish(session) -> None:
    _DROPPER.finish(timeout=900)


def pytest_terminal_summary(terminalreporter) -> None:
    if _DROPPER.failed:
        terminalreporter.write_line(f"test databases not dropped: {_DROPPER.failed}")
    if not PG_URL:
        terminalreporter.write_line(
            "PostgreSQL tests were skipped: set TEST_DATABASE_URL=postgresql+psycopg://... to run them too.")


# ------------------------------------------------------------------------------------------ the app on demo data


@pytest.fixture
def pinned_day(monkeypatch) -> date:
    """Pins ``db.clock`` to PINNED_NOW for one test: every ``clock.now()`` / ``clock.today()`` (pages run by AppTest
    in this process, db services, the test itself) reads that moment. Returns the day."""
    from db import clock

    monkeypatch.setattr(clock, "now", lambda: PINNED_NOW)
    return PINNED_NOW.date()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """One demo database per test session (migrated and loaded once, for the pinned day), copied by ``app_db``."""
    from tests.ui_helpers import build_demo_database

    return build_demo_database(tmp_path_factory.mktemp("ui-demo") / "template.db", today=PINNED_NOW.date())


def _point_app_at_copy(template, tmp_path, monkeypatch):
    from tests.ui_helpers import copy_database, reset_app_caches

    path = copy_database(template, tmp_path / "demo.db")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("LIVE_REFRESH_SECONDS", "0")
    monkeypatch.setenv("LOAD_DEMO", "true")
    reset_app_caches()
    return path


@pytest.fixture
def app_db(demo_template, pinned_day, tmp_path, monkeypatch):
    """A private copy of the demo database, with the app's settings and caches pointed at it, on the pinned day."""
    from tests.ui_helpers import reset_app_caches

    yield _point_app_at_copy(demo_template, tmp_path, monkeypatch)
    reset_app_caches()


@pytest.fixture
def app_db_real_day(demo_template, tmp_path, monkeypatch):
    """Like ``app_db`` but on the real clock, for the tests about “today” (what is entered today shows up in 本月):
    the demo's dates lie behind the real day, so such a test makes the rows it looks for itself."""
    from tests.ui_helpers import reset_app_caches

    yield _point_app_at_copy(demo_template, tmp_path, monkeypatch)
    reset_app_caches()


# ------------------------------------------------------------------------------------------ the shared small world


@pytest.fixture(scope="module")
def world_engine(databases):
    """One migrated database per test module holding ``tests.factories.build_world`` (two streets, three
    communities, projects, social workers, 12 volunteers, a user of every role and scope): ``(engine, world)``.

    The database is shared by the tests of a module (users take a while to hash): a test makes its own rows
    (its own names, dates and volunteers) and compares counts before and after, never absolute totals.
    """
    from tests.factories import build_world

    engine = databases.new()
    upgrade(engine)
    yield engine, build_world(engine)
    databases.drop(engine)


@pytest.fixture
def eng(world_engine) -> Engine:
    """The shared world's database."""
    return world_engine[0]


@pytest.fixture
def w(world_engine):
    """The shared world's ids and users (tests.factories.World)."""
    return world_engine[1]


# ------------------------------------------------------------------------------------------ markers

BROWSER_FIXTURES = {"server", "browser", "browser_page", "open_context"}


def pytest_collection_modifyitems(config, items) -> None:
    """Every test that drives Chromium carries ``@pytest.mark.browser``, so ``-m "not browser"`` is the fast loop."""
    unmarked = [item.nodeid for item in items
                if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("browser") is None]
    if unmarked:
        raise pytest.UsageError(f"browser tests without @pytest.mark.browser: {unmarked}")
