"""Start-up (issue 13): the database is prepared once per process, before the first visit when the app is started
the README's way (``python -m db.cli serve``); two processes on one fresh SQLite file take turns; a failed
preparation shows a Chinese message (page and command line) and is tried again; the first visit after the server
is healthy shows the login form within a bound (browser test, the figure is printed)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from components.page import STARTUP_FAILED
from db import bootstrap
from db.engine import make_engine, session_scope
from db.models import AppMeta, AppUser, Street
from tests.ui_helpers import ROOT, has_label, new_app, reset_app_caches

PASSWORD_LABEL = "用户名"


def test_prepare_runs_once_however_many_sessions_ask(empty_engine, monkeypatch):
    calls: list[str] = []
    real = bootstrap.ensure_ready

    def counting(engine, today=None):
        calls.append(threading.current_thread().name)
        time.sleep(0.3)  # a slow build: the other sessions arrive while it runs
        real(engine, today)

    monkeypatch.setattr(bootstrap, "ensure_ready", counting)
    took: list[float] = []
    threads = [threading.Thread(target=lambda: took.append(bootstrap.prepare(empty_engine)), name=f"session-{i}")
               for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1, calls
    assert sorted(took)[-1] >= 0.3 and sorted(took)[:-1] == [0.0] * 5, took  # one built, five waited
    assert bootstrap.prepare(empty_engine) == 0.0 and len(calls) == 1
    with session_scope(empty_engine) as session:  # and it did prepare: migrated, the meta table readable
        assert session.execute(select(func.count()).select_from(AppMeta)).scalar_one() >= 0


def test_a_failed_preparation_is_tried_again(empty_engine, monkeypatch):
    real, attempts = bootstrap.ensure_ready, []

    def flaky(engine, today=None):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("disk full")
        real(engine, today)

    monkeypatch.setattr(bootstrap, "ensure_ready", flaky)
    with pytest.raises(RuntimeError, match="disk full"):
        bootstrap.prepare(empty_engine)
    assert bootstrap.prepare(empty_engine) > 0  # not remembered as done: built now
    assert len(attempts) == 2


def _prepare_in(db: Path, count: int) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "LOAD_DEMO": "true"}
    code = "from db.bootstrap import prepare; print(prepare())"
    return [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(count)]


def test_two_processes_on_one_fresh_sqlite_file_build_it_once(tmp_path):
    db = tmp_path / "fresh.db"
    procs = _prepare_in(db, 2)
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-800:] for _out, err in outs]
    assert all(float(out.strip().splitlines()[-1]) >= 0 for out, _err in outs)
    eng = make_engine(f"sqlite:///{db}")
    try:
        with session_scope(eng) as session:
            users = session.execute(select(AppUser.username).where(AppUser.username.like("demo_%"))).scalars().all()
            streets = session.execute(select(func.count()).select_from(Street)).scalar_one()
            assert session.get(AppMeta, "demo_loaded") is not None
    finally:
        eng.dispose()
    assert sorted(users) == ["demo_admin", "demo_leader", "demo_staff"]  # loaded once: each account once
    assert streets >= 2


@pytest.fixture
def fresh_app(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.setenv("LOAD_DEMO", "false")
    monkeypatch.setenv("LIVE_REFRESH_SECONDS", "0")
    reset_app_caches()
    yield
    reset_app_caches()


def test_a_failed_preparation_shows_a_chinese_message_then_the_login_once_fixed(fresh_app, monkeypatch):
    real = bootstrap.ensure_ready

    def broken(engine, today=None):
        raise RuntimeError("migration 0007 failed: no such column")

    monkeypatch.setattr(bootstrap, "ensure_ready", broken)
    at = new_app().run()
    assert not at.exception
    assert [e.value for e in at.error] == [STARTUP_FAILED]
    assert not has_label(at.text_input, PASSWORD_LABEL)
    shown = " ".join(str(e.value) for e in [*at.markdown, *at.error, *at.caption])
    assert "migration" not in shown and "RuntimeError" not in shown  # the details stay in the server log

    monkeypatch.setattr(bootstrap, "ensure_ready", real)  # the administrator fixed it: the next visit works
    at = new_app().run()
    assert not at.exception and not at.error
    assert has_label(at.text_input, PASSWORD_LABEL)


def test_the_objects_of_the_start_up_are_frozen_once_per_process(fresh_app, monkeypatch):
    from components import page

    frozen: list[int] = []
    monkeypatch.setattr(page, "_frozen", [])
    monkeypatch.setattr(page.gc, "freeze", lambda: frozen.append(1))
    for _ in range(2):
        at = new_app().run()
        assert not at.exception and has_label(at.text_input, PASSWORD_LABEL)
    assert frozen == [1]


def test_serve_refuses_to_start_with_a_chinese_message_when_the_database_cannot_be_prepared(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the database's folder should be")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{blocker}/wushe.db", "LOAD_DEMO": "true"}
    done = subprocess.run([sys.executable, "-m", "db.cli", "serve", "--server.port", "1"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "正在准备数据库" in done.stdout
    assert done.stderr.startswith("未启动："), done.stderr
    assert "Traceback" not in done.stderr
    assert "Uvicorn" not in done.stdout + done.stderr  # the server never started


# ------------------------------------------------------------------------------------------ the browser


@pytest.mark.browser
def test_first_visit_after_serve_shows_the_login_form_quickly(tmp_path):
    if shutil.which("/usr/bin/chromium") is None:
        pytest.skip("no Chromium at /usr/bin/chromium")
    from tests.test_browser import (
        CHROMIUM,
        CHROMIUM_ARGS,
        VIEWPORT,
        LocalOnly,
        Server,
        _free_port,
        _wait_healthy,
    )

    sync_api = pytest.importorskip("playwright.sync_api")
    port = _free_port()
    srv = Server(f"http://127.0.0.1:{port}", port, tmp_path / "wushe.db", tmp_path / "server.log")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{srv.db_path}", "LOAD_DEMO": "auto",
           "LIVE_REFRESH_SECONDS": "0", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    env.pop("WUSHE_DEBUG_ERRORS", None)
    cmd = [sys.executable, "-m", "db.cli", "serve", "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true"]  # the README's command, on a free port
    started = time.monotonic()
    with srv.log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        with sync_api.sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                guard = LocalOnly(port)
                ctx = chromium.new_context(viewport=VIEWPORT, locale="zh-CN", service_workers="block")
                ctx.route("**/*", guard.route)
                page = ctx.new_page()
                _wait_healthy(proc, srv, timeout=120)
                healthy = time.monotonic()
                page.goto(srv.url)  # at once: the visit shares the server's warm-up run
                page.get_by_label(PASSWORD_LABEL).wait_for(timeout=60_000)
                sync_api.expect(page.get_by_text("演示账号")).to_be_visible()
                first = time.monotonic() - healthy
                deadline = time.monotonic() + 60
                while "已就绪" not in srv.log_path.read_text(errors="replace") and time.monotonic() < deadline:
                    time.sleep(0.1)  # the launcher's own line: the warm-up run is over
                second_page = ctx.new_page()
                t0 = time.monotonic()
                second_page.goto(srv.url)  # what a user who opens the address once it is printed waits
                second_page.get_by_label(PASSWORD_LABEL).wait_for(timeout=60_000)
                second = time.monotonic() - t0
                guard.assert_local()
            finally:
                chromium.close()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    log_text = srv.log_path.read_text(errors="replace")
    print(f"\nserve: healthy {healthy - started:.2f} s after the command; login form {first:.2f} s after healthy "
          f"(a visit at once), {second:.2f} s for a visit once 已就绪 was printed; load average "
          f"{os.getloadavg()[0]:.1f}")
    assert "数据库已就绪" in log_text and "已就绪：http://localhost:" in log_text, log_text[-2000:]
    assert "Traceback" not in log_text, log_text[-2000:]
    assert first < 6.0, f"a visit the moment the server was healthy took {first:.1f} s"
    assert second < 4.0, f"a visit once the server said 已就绪 took {second:.1f} s"
