"""Demo versus real (issue 12): a database holding real records never gets the demo, cannot be reset to it or
cleared of it; LOAD_DEMO=auto loads the demo on SQLite only; the login page lists the demo accounts only on a demo
database; the command line asks first and backs up first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlmodel import Session

from db.activities.writes import create_activity
from db.admin.backup import inspect_backup, table_digests
from db.auth import load_user
from db.bootstrap import ensure_ready, is_demo_install, shows_demo_accounts
from db.demo import (
    CLEARED_KEY,
    DemoRefused,
    clear_demo,
    demo_loaded,
    demo_row_counts,
    holds_real_records,
    is_demo_database,
    load_demo,
    real_record_tables,
    reset_demo,
)
from db.engine import session_scope
from db.models import Activity, AppMeta, AppUser, AuditLog, Community, Street
from db.settings import Settings, get_settings
from db.write import run_write
from tests.conftest import DEMO_TODAY
from tests.factories import activity_input, make_street, make_user

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def load_demo_env(monkeypatch):
    """Set LOAD_DEMO (None: unset, the default) for ensure_ready; settings are re-read."""
    def set_to(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv("LOAD_DEMO", raising=False)
        else:
            monkeypatch.setenv("LOAD_DEMO", value)
        get_settings.cache_clear()

    yield set_to
    get_settings.cache_clear()


def counts(engine) -> dict[str, int]:
    return {name: rows for name, (rows, _sha) in table_digests(engine).items()}


# ------------------------------------------------------------------------------------- the definition


def test_empty_and_demo_databases_hold_no_real_records(engine, demo_engine):
    with Session(engine) as session:
        assert real_record_tables(session) == [] and not holds_real_records(session)
        assert not is_demo_database(session)  # empty: not a demo database either
    with Session(demo_engine) as session:
        assert real_record_tables(session) == [] and not holds_real_records(session)
        assert is_demo_database(session)
    assert shows_demo_accounts(demo_engine) and not shows_demo_accounts(engine)


def test_any_unmarked_row_or_user_is_a_real_record(engine):
    with session_scope(engine, write=True) as session:
        make_street(session, "演示街道", is_demo=True)
    with Session(engine) as session:
        assert not holds_real_records(session)  # marked demo
    with session_scope(engine, write=True) as session:
        make_user(session, "admin")  # e.g. python -m db.cli create-admin
    with Session(engine) as session:
        assert real_record_tables(session) == ["appuser"] and holds_real_records(session)
    with session_scope(engine, write=True) as session:
        make_street(session, "真实街道")
    with Session(engine) as session:
        assert real_record_tables(session) == ["appuser", "street"]
        assert holds_real_records(session)


# --------------------------------------------------------------------------------------- the refusals


def test_a_database_with_real_records_refuses_load_reset_and_clear(engine, load_demo_env):
    with session_scope(engine, write=True) as session:
        make_user(session, "admin", username="real_admin")
    before = table_digests(engine)
    for action, word in ((lambda: load_demo(engine, today=DEMO_TODAY), "载入"),
                         (lambda: reset_demo(engine, today=DEMO_TODAY), "重置"),
                         (lambda: clear_demo(engine, today=DEMO_TODAY), "清除")):
        with pytest.raises(DemoRefused) as refused:
            action()
        message = str(refused.value)
        assert f"数据库中已有真实数据（用户），不能{word}演示数据" in message, message
        assert table_digests(engine) == before
    # Nor does a start with LOAD_DEMO=true give it demo accounts.
    load_demo_env("true")
    ensure_ready(engine, today=DEMO_TODAY)
    assert table_digests(engine) == before
    with Session(engine) as session:
        assert session.execute(select(AppUser.username)).scalars().all() == ["real_admin"]


def test_real_records_entered_into_a_demo_database_block_reset_and_clear(engine):
    """Staff entering real work into a demo installation: the demo can no longer be reset or cleared (which would
    delete their records); the login page still lists the demo accounts, since no one has an account of their own."""
    load_demo(engine, today=DEMO_TODAY)
    with Session(engine) as session:
        row = session.execute(select(AppUser).where(AppUser.username == "demo_staff")).scalar_one()
        staff = load_user(session, row.id, row.session_epoch)
        demo_before = demo_row_counts(session)
    activity_id = run_write(engine, None, lambda s: create_activity(
        session=s, user=staff, idempotency_key="real-work", today=DEMO_TODAY, data=activity_input()))
    with Session(engine) as session:
        assert real_record_tables(session) == ["activity"]
        assert demo_loaded(session) and not is_demo_database(session)
    assert is_demo_install(engine) and shows_demo_accounts(engine)
    before = table_digests(engine)
    for action in (lambda: reset_demo(engine, today=DEMO_TODAY), lambda: clear_demo(engine, today=DEMO_TODAY),
                   lambda: load_demo(engine, today=DEMO_TODAY)):
        with pytest.raises(DemoRefused, match="已有真实数据（活动）"):
            action()
    assert table_digests(engine) == before
    with Session(engine) as session:
        assert session.get(Activity, activity_id) is not None and demo_row_counts(session) == demo_before


def test_clear_demo_empties_the_database_and_a_restart_does_not_reload_it(engine, load_demo_env):
    load_demo(engine, today=DEMO_TODAY)
    with Session(engine) as session:
        loaded = {name: n for name, n in demo_row_counts(session).items() if n}
    removed = clear_demo(engine, today=DEMO_TODAY)
    assert removed == loaded and removed["servicerecord"] > 20000 and removed["appuser"] == 3
    with Session(engine) as session:
        assert not any(demo_row_counts(session).values())
        assert not demo_loaded(session) and not holds_real_records(session)
        assert session.execute(select(func.count()).select_from(AppUser)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(Street)).scalar_one() == 0
        assert session.get(AppMeta, CLEARED_KEY).value == DEMO_TODAY.isoformat()
        last = session.execute(select(AuditLog.action).order_by(AuditLog.id.desc())).scalars().first()
        assert last == "demo_clear"
    load_demo_env("true")
    ensure_ready(engine, today=DEMO_TODAY)  # cleared on purpose: a restart does not bring it back
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Street)).scalar_one() == 0
    assert load_demo(engine, today=DEMO_TODAY) is True  # an explicit load still can
    with Session(engine) as session:
        assert is_demo_database(session) and session.get(AppMeta, CLEARED_KEY) is None


# ---------------------------------------------------------------------------------------------- LOAD_DEMO


@pytest.mark.parametrize("setting", [None, "true", "false"])
def test_load_demo_setting_on_first_start(backend, engine, load_demo_env, setting):
    """Unset (auto): the demo on SQLite only; PostgreSQL loads it only when LOAD_DEMO=true is set."""
    load_demo_env(setting)
    ensure_ready(engine, today=DEMO_TODAY)
    expected = setting == "true" or (setting is None and backend == "sqlite")
    with Session(engine) as session:
        streets = session.execute(select(func.count()).select_from(Street)).scalar_one()
        users = session.execute(select(func.count()).select_from(AppUser)).scalar_one()
        assert demo_loaded(session) is expected
    assert (streets, users) == ((2, 3) if expected else (0, 0))


def test_load_demo_setting_values(monkeypatch):
    monkeypatch.delenv("LOAD_DEMO", raising=False)
    assert Settings().load_demo == "auto"
    for given, stored in (("auto", "auto"), ("AUTO", "auto"), ("", "auto"), ("true", "true"), ("1", "true"),
                          ("yes", "true"), (True, "true"), ("false", "false"), ("0", "false"), ("off", "false"),
                          (False, "false")):
        assert Settings(load_demo=given).load_demo == stored, given
    with pytest.raises(ValidationError):
        Settings(load_demo="sometimes")
    auto, true, false = Settings(load_demo="auto"), Settings(load_demo="true"), Settings(load_demo="false")
    assert (auto.demo_on_first_start("sqlite"), auto.demo_on_first_start("postgresql")) == (True, False)
    assert (true.demo_on_first_start("postgresql"), false.demo_on_first_start("sqlite")) == (True, False)


# ------------------------------------------------------------------------------------------- login page


def test_login_page_lists_demo_accounts_only_on_a_demo_database(app_db):
    from db.auth import create_user
    from db.engine import get_engine
    from tests.ui_helpers import new_app, reset_app_caches, texts

    shown = "\n".join(texts(new_app().run().markdown))
    assert "demo_admin" in shown and "wushe-demo" in shown
    with session_scope(get_engine(), write=True) as session:
        community = session.execute(select(Community.id).where(Community.name == "新港山路社区")).scalar_one()
        create_user(session=session, actor=None, username="real_staff", password="Correct-horse-9", role="staff",
                    scope_type="community", scope_id=community)
    reset_app_caches()
    shown = "\n".join(texts(new_app().run().markdown))
    assert "demo_admin" not in shown and "wushe-demo" not in shown and "演示账号" not in shown


# -------------------------------------------------------------------------------------------- command line


def _cli(args: list[str], env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "db.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


def test_cli_demo_commands_ask_back_up_first_and_refuse_real_data(tmp_path):
    from db.engine import make_engine

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    backups = tmp_path / "backups"
    env = {**os.environ, "DATABASE_URL": url, "BACKUP_DIR": str(backups), "LOAD_DEMO": "false",
           "PYTHONPATH": str(ROOT)}
    engine = make_engine(url)

    def streets() -> int:
        with Session(engine) as session:
            return session.execute(select(func.count()).select_from(Street)).scalar_one()

    done = _cli(["load-demo"], env, stdin="no\n")
    assert done.returncode == 1 and "已取消" in done.stdout and streets() == 0
    done = _cli(["load-demo", "--yes"], env)
    assert done.returncode == 0, done.stderr
    assert "已先备份当前数据" in done.stdout and "已载入演示数据" in done.stdout and streets() == 2
    first = list(backups.glob("*-before-load-demo.zip"))
    assert len(first) == 1 and str(first[0]) in done.stdout and inspect_backup(first[0]).streets == ()

    done = _cli(["clear-demo"], env, stdin="\n")
    assert done.returncode == 1 and streets() == 2
    done = _cli(["clear-demo", "--yes"], env)
    assert done.returncode == 0, done.stderr
    assert streets() == 0
    saved = list(backups.glob("*-before-clear-demo.zip"))
    assert len(saved) == 1 and inspect_backup(saved[0]).holds_demo

    done = _cli(["create-admin", "admin", "--password-stdin"], env, stdin="Correct-horse-9\n")
    assert done.returncode == 0, done.stderr
    before = table_digests(engine)
    made = sorted(backups.iterdir())
    for command in ("load-demo", "reset-demo", "clear-demo"):
        done = _cli([command, "--yes"], env)
        assert done.returncode == 2 and "已有真实数据（用户）" in done.stderr, (command, done.stderr)
        assert "Traceback" not in done.stderr
    assert table_digests(engine) == before and sorted(backups.iterdir()) == made  # refused before any backup
    engine.dispose()
