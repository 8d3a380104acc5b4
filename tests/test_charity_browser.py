"""Browser test of the 慈善资源 map: Debian's Chromium (Playwright) against ``streamlit run app.py`` on a fresh
database, with every request beyond the app's own server aborted and recorded. The map must draw both districts'
boundaries and the points of resources, needs, service spaces and communities with no network at all.
Screenshot: tests/artifacts/charity_map.png."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
if shutil.which(CHROMIUM) is None:
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; never `Playwright browser download`)",
                allow_module_level=True)

from tests.ui_helpers import ARTIFACTS, ROOT  # noqa: E402

expect = sync_api.expect
pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PASSWORD = "wushe-demo"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """`streamlit run app.py` on a free port with a fresh SQLite database (the app loads the demo set)."""
    tmp = tmp_path_factory.mktemp("charity-browser")
    port = _free_port()
    log_path = tmp / "server.log"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}", "LOAD_DEMO": "true",
           "LIVE_REFRESH_SECONDS": "0", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
           str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("streamlit was not healthy within 90 s")
            time.sleep(0.25)  # polling an HTTP endpoint: there is no page yet to wait on
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # our own process group (start_new_session)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


class LocalOnly:
    """Lets the app's own server (and data:/blob:) through; aborts and records every other request."""

    def __init__(self, base_url: str):
        self.port = urlparse(base_url).port
        self.blocked: list[str] = []
        self.seen: list[str] = []

    def allowed(self, url: str) -> bool:
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob"):
            return True
        return parsed.hostname in ("127.0.0.1", "localhost") and parsed.port == self.port

    def route(self, route) -> None:
        self.seen.append(route.request.url)
        if self.allowed(route.request.url):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def route_ws(self, ws) -> None:
        self.seen.append(ws.url)
        if self.allowed(ws.url):
            ws.connect_to_server()
        else:
            self.blocked.append(ws.url)
            ws.close()

    def on_request(self, request) -> None:
        if not self.allowed(request.url) and request.url not in self.blocked:
            self.blocked.append(request.url)


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def test_the_charity_map_draws_boundaries_and_points_offline(server):
    import re

    guard = LocalOnly(server)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1440, "height": 1300}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai", service_workers="block")
            ctx.route("**/*", guard.route)
            ctx.route_web_socket(re.compile(r".*"), guard.route_ws)
            ctx.on("request", guard.on_request)
            ctx.set_default_timeout(30_000)
            page = ctx.new_page()
            page.goto(server)
            page.get_by_label("用户名").wait_for(timeout=120_000)  # a fresh install loads the demo set first
            page.get_by_label("用户名").fill("demo_leader")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录", exact=True).click()
            link = page.locator('[data-testid="stSidebar"]').get_by_role("link", name="慈善资源")
            link.wait_for(timeout=60_000)
            link.click()
            expect(page.get_by_role("heading", name="慈善资源")).to_be_visible()
            maps = page.locator(".vega-embed").filter(has=page.locator(".mark-shape.role-mark"))
            expect(maps).to_have_count(2, timeout=60_000)
            page.locator(IDLE).wait_for()
            expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0)
            page.get_by_text("青岛市黄岛区（370211）").first.wait_for()
            marks = maps.evaluate_all("""embeds => embeds.map(e => ({
                boundary: [...e.querySelectorAll('.mark-shape.role-mark path')]
                    .filter(p => (p.getAttribute('d') || '').length > 100).length,
                points: e.querySelectorAll('.mark-symbol.role-mark path').length,
                labels: e.querySelectorAll('.mark-text.role-mark text').length,
                fills: [...new Set([...e.querySelectorAll('.mark-symbol.role-mark path')]
                    .map(p => p.getAttribute('fill')))],
            }))""")
            maps.first.scroll_into_view_if_needed()
            _shot(page, "charity_map.png")
            for panel in marks:
                assert panel["boundary"] >= 1, f"no boundary drawn: {marks}"
                assert panel["points"] >= 10, f"too few points drawn: {marks}"
                assert panel["labels"] >= 3, f"community names missing: {marks}"
            colours = {c.lower() for panel in marks for c in panel["fills"]}
            assert {"#3c8d5a", "#c8102e", "#1f4e79", "#e8a33d"} <= colours, colours  # 资源 需求 服务阵地 社区
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
    assert guard.seen, "the request guard saw no traffic (routing not active?)"
    assert not guard.blocked, f"the page tried to leave localhost: {sorted(set(guard.blocked))}"
