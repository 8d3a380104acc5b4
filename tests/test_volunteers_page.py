"""The 志愿者 page (pages/3_volunteers.py) through AppTest for every role — figures equal db's, names masked,
forms write once or refuse in Chinese — and in Chromium: screenshots of the leaderboard, the star list, a
volunteer's record and the printed 志愿服务记录证明 (tests/artifacts/volunteers_*.png, certificate PDF)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlparse

import pytest
from sqlalchemy import func, select

from components import fmt
from db import clock
from db.engine import get_engine, session_scope
from db.models import ServiceRecord, StarAward, Volunteer
from db.periods import period_of
from db.scope import ALL
from db.volunteers import reads as vol
from tests.ui_helpers import (
    ARTIFACTS,
    ROOT,
    assert_clean,
    current_user,
    open_page,
    texts,
)

PAGE = "pages/3_volunteers.py"
TABS = ["光荣榜", "星级认定", "活跃度", "志愿者档案"]




def open_tab(username: str | None, tab: str):
    """The page with ``tab`` open (only the open tab runs)."""
    at = open_page(username, PAGE)
    if tab != TABS[0]:
        at.session_state["volunteer_tab"] = tab
        at.run()
    return at


def tab_labels(at) -> list[str]:
    return [t.label for t in at.tabs]


def metric_values(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def button(at, key: str):
    found = [b for b in at.button if b.key == key]
    assert len(found) == 1, [b.key for b in at.button]
    return found[0]


# ------------------------------------------------------------------------------------------ every role


@pytest.mark.parametrize("username", ["demo_leader", "demo_staff", "demo_admin"])
def test_page_renders_for_every_role(app_db, username):
    at = open_page(username, PAGE)
    assert_clean(at)
    assert "志愿者" in texts(at.title)
    labels = tab_labels(at)
    assert labels[:4] == TABS
    writer = username != "demo_leader"
    assert ("登记与审核" in labels) == writer
    for tab in labels[1:]:
        at = open_tab(username, tab)
        assert_clean(at)
        if tab == "星级认定":
            assert any("星级标准设置" in e.label for e in at.expander) == (username == "demo_admin")
        if tab == "志愿者档案":
            assert any("志愿服务记录证明" in t for t in texts(at.subheader))
            if writer:
                assert any(b.key == "cert_download" for b in at.get("download_button"))
            else:
                assert not any(b.key == "cert_download" for b in at.get("download_button"))
                assert any("由工作人员或管理员出具" in t for t in texts(at.info))


def test_anonymous_gets_the_login_form(app_db):
    at = open_page(None, PAGE)
    assert_clean(at)
    assert any(t.label == "密码" for t in at.text_input)
    assert not at.metric


def test_board_tiles_equal_the_db_totals_and_names_are_masked(app_db):
    at = open_page("demo_leader", PAGE)
    today = clock.today()
    with session_scope(get_engine()) as session:
        totals = vol.board_totals(session, vol.BoardFilter(ALL, period_of("year", today)))
        board = vol.volunteer_board(session, vol.BoardFilter(ALL, period_of("year", today)), "hours")
        names = set(session.execute(select(Volunteer.name)).scalars())
    tiles = metric_values(at)
    assert tiles["服务时长（小时）"] == fmt.number(totals.hours)
    assert tiles["服务志愿者（人）"] == fmt.number(totals.volunteers)
    assert tiles["未参加排行（人）"] == fmt.number(totals.unranked_volunteers)
    assert totals.unranked_volunteers > 0
    shown = at.dataframe[0].value
    assert list(shown["姓名"]) == list(board["name"])
    assert not set(shown["姓名"]) & names
    podium = [m for m in at.metric if m.label.startswith("第 ")]
    assert [m.value for m in podium] == list(board["name"][:3])


def test_board_follows_the_period_and_credit_only(app_db):
    at = open_page("demo_leader", PAGE)
    at.segmented_control(key="board_period").set_value("all").run()
    at.toggle(key="board_credit").set_value(True).run()
    assert_clean(at)
    with session_scope(get_engine()) as session:
        totals = vol.board_totals(session, vol.BoardFilter(ALL, period_of("all", clock.today()), credit_only=True))
    assert metric_values(at)["服务时长（小时）"] == fmt.number(totals.hours)
    assert any("仅信用时长" in c for c in texts(at.caption))


def test_staff_sees_only_their_community(app_db):
    at = open_page("demo_staff", PAGE)
    assert not any(s.label in ("街道", "社区") for s in at.selectbox)
    user = current_user("demo_staff")
    with session_scope(get_engine()) as session:
        totals = vol.board_totals(session, vol.BoardFilter(user.scope, period_of("year", clock.today())))
    assert metric_values(at)["服务时长（小时）"] == fmt.number(totals.hours)


# ------------------------------------------------------------------------------------------ forms


def test_staff_award_the_selected_eligible_volunteers(app_db):
    at = open_tab("demo_staff", "星级认定")
    with session_scope(get_engine()) as session:
        before = session.execute(select(func.count()).select_from(StarAward)).scalar_one()
    at.session_state["award_table"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    button(at, "award_button").click().run()
    assert_clean(at)
    assert any("已认定" in s for s in texts(at.success)), texts(at.success)
    with session_scope(get_engine()) as session:
        assert session.execute(select(func.count()).select_from(StarAward)).scalar_one() == before + 2
    # The metric 待认定 dropped by two.
    with session_scope(get_engine()) as session:
        from db.volunteers.stars import star_table

        pending = int(star_table(session, current_user("demo_staff").scope)["pending"].sum())
    assert metric_values(at)["待认定（人）"] == fmt.number(pending)


def test_leader_cannot_award(app_db):
    at = open_tab("demo_leader", "星级认定")
    assert "待认定名单（达标可申请）" in texts(at.subheader)
    assert not any(b.key == "award_button" for b in at.button)


def test_staff_approve_and_reject_pending_records(app_db):
    at = open_tab("demo_staff", "登记与审核")
    scope = current_user("demo_staff").scope
    with session_scope(get_engine()) as session:
        pending = vol.pending_records(session, scope)
    first, second = int(pending.iloc[0]["record_id"]), int(pending.iloc[1]["record_id"])
    at.session_state["review_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    button(at, "review_approve").click().run()
    assert_clean(at)
    assert any("已通过 1 条" in s for s in texts(at.success)), texts(at.success)
    # Rejecting without a reason is refused in Chinese and writes nothing.
    at.session_state["review_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    button(at, "review_reject").click().run()
    assert any("「原因」驳回时须填写原因" in e for e in texts(at.error)), texts(at.error)
    with session_scope(get_engine()) as session:
        statuses = dict(session.execute(select(ServiceRecord.id, ServiceRecord.status)
                                        .where(ServiceRecord.id.in_([first, second]))).all())
    assert statuses == {first: "approved", second: "pending"}


def _form_widget(widgets, label):
    found = [w for w in widgets if w.label == label]
    assert found, [w.label for w in widgets]
    return found[0]


def test_backfill_longer_than_the_activity_is_refused_on_the_page(app_db):
    at = open_tab("demo_staff", "登记与审核")
    volunteer = _form_widget(at.selectbox, "志愿者")
    activity = _form_widget(at.selectbox, "活动")
    scope = current_user("demo_staff").scope
    with session_scope(get_engine()) as session:
        activity_id = vol.activity_options(session, scope, clock.today())[0][0]
        on_it = set(session.execute(select(ServiceRecord.volunteer_id)
                                    .where(ServiceRecord.activity_id == activity_id)).scalars())
        volunteer_id = next(v for v, _ in vol.volunteer_options(session, scope) if v not in on_it)
    volunteer.set_value(volunteer_id)
    activity.set_value(activity_id)
    _form_widget(at.number_input, "服务时长（小时）").set_value(24.0)
    _form_widget(at.text_input, "补录原因").input("活动现场未签到")
    with session_scope(get_engine()) as session:
        before = session.execute(select(func.count()).select_from(ServiceRecord)).scalar_one()
    [b for b in at.button if b.label == "补录荣誉时长"][0].click().run()
    assert_clean(at)
    errors = "\n".join(texts(at.error))
    assert "「服务时长」" in errors and "超过活动时长" in errors, errors
    with session_scope(get_engine()) as session:
        assert session.execute(select(func.count()).select_from(ServiceRecord)).scalar_one() == before


def test_register_a_volunteer_on_the_page(app_db):
    at = open_tab("demo_staff", "登记与审核")
    names = [w for w in at.text_input if w.label == "姓名"]
    assert len(names) == 1
    names[0].input("测登人")
    [w for w in at.text_input if w.label == "手机号码"][0].input("13900001234")
    [b for b in at.button if b.label == "登记志愿者"][0].click().run()
    assert_clean(at)
    assert any("已登记志愿者 测*人" in s for s in texts(at.success)), texts(at.success) + texts(at.error)
    with session_scope(get_engine()) as session:
        v = session.execute(select(Volunteer).where(Volunteer.name == "测登人")).scalar_one()
    assert v.phone == "13900001234" and v.community_id == current_user("demo_staff").scope.community_id


def test_certificate_on_the_page_carries_the_full_name_for_staff(app_db):
    at = open_tab("demo_staff", "志愿者档案")
    volunteer_id = at.selectbox(key="file_volunteer").value
    with session_scope(get_engine()) as session:
        name = session.get(Volunteer, volunteer_id).name
    download = [b for b in at.get("download_button") if b.key == "cert_download"][0]
    assert download.proto.label.startswith("下载志愿服务记录证明")
    assert any(f"ZYFW-{volunteer_id:06d}" in c for c in texts(at.caption))
    # Everywhere else the name is masked.
    assert not any(name in t for t in texts(at.markdown) + texts(at.caption) if "ZYFW" not in t)


def test_a_board_row_opens_that_volunteers_file(app_db):
    at = open_page("demo_leader", PAGE)
    assert not any(b.key == "board_open_file" for b in at.button)
    with session_scope(get_engine()) as session:
        board = vol.volunteer_board(session, vol.BoardFilter(ALL, period_of("year", clock.today())), "hours")
    at.session_state["board_pick_name"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    opener = button(at, "board_open_file")
    assert opener.label == f"查看 {board['name'][1]} 的志愿者档案"
    opener.click().run()
    assert_clean(at)
    assert at.session_state["volunteer_tab"] == "志愿者档案"
    assert at.selectbox(key="file_volunteer").value == int(board["volunteer_id"][1])
    assert any("服务记录" == t for t in texts(at.subheader))


# ------------------------------------------------------------------------------------------ the browser


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run app.py` on a fresh SQLite file (the app migrates and loads the demo data itself)."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; never `Playwright browser download`)")
    pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    tmp = tmp_path_factory.mktemp("vol-browser")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}", "LOAD_DEMO": "true",
           "LIVE_REFRESH_SECONDS": "0", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                time.sleep(0.25)  # no page to wait on yet: poll the health endpoint
        else:
            pytest.fail("streamlit did not become healthy")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture
def browser_page(server):
    from playwright.sync_api import sync_playwright

    left: list[str] = []

    def route(r):
        u = urlparse(r.request.url)
        if u.scheme in ("data", "blob", "about") or u.hostname in ("127.0.0.1", "localhost"):
            return r.continue_()
        left.append(r.request.url)
        return r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 2000}, locale="zh-CN",
                                      accept_downloads=True)
        context.route("**/*", route)
        page = context.new_page()
        yield page, server
        browser.close()
    assert not left, f"requests left the server: {left}"


def _idle(page) -> None:
    page.wait_for_selector(IDLE, timeout=120_000)


def _log_in(page, url: str, username: str) -> None:
    page.goto(url + "/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("wushe-demo")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="志愿者").wait_for(timeout=120_000)


def _open_tab(page, name: str, heading: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
    _idle(page)
    page.wait_for_timeout(1500)  # let the data grids paint (they draw on a canvas after the run ends)


@pytest.mark.browser
def test_browser_screenshots_of_board_stars_record_and_certificate(browser_page):
    page, url = browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    _log_in(page, url, "demo_staff")
    page.goto(url + "/volunteers")
    page.get_by_role("heading", name="志愿者光荣榜").first.wait_for(timeout=120_000)
    _idle(page)
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "volunteers_board.png"), full_page=True)
    _open_tab(page, "星级认定", "待认定名单")
    page.screenshot(path=str(ARTIFACTS / "volunteers_stars.png"), full_page=True)
    _open_tab(page, "志愿者档案", "服务记录")
    page.get_by_role("button", name="下载志愿服务记录证明").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "volunteers_record.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("button", name="下载志愿服务记录证明").first.click()
    html = open(info.value.path(), encoding="utf-8").read()
    assert "志愿服务记录证明" in html and "出具单位" in html
    # The printed certificate: the downloaded file as the browser prints it (no network: set_content).
    printed = page.context.new_page()
    printed.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    printed.set_content(html)
    printed.emulate_media(media="print")
    printed.screenshot(path=str(ARTIFACTS / "volunteers_certificate.png"), full_page=True)
    printed.pdf(path=str(ARTIFACTS / "volunteers_certificate.pdf"), format="A4", print_background=True)
    assert (ARTIFACTS / "volunteers_certificate.pdf").stat().st_size > 10_000
    text = printed.inner_text("body")
    assert "特此证明" in text and "合计" in text and "小时" in text


def test_staff_revoke_a_star_award_with_a_reason(app_db):
    at = open_tab("demo_staff", "星级认定")
    with session_scope(get_engine()) as session:
        award = session.execute(select(StarAward).join(Volunteer, Volunteer.id == StarAward.volunteer_id)
                                .where(Volunteer.community_id == current_user("demo_staff").scope.community_id)
                                .order_by(StarAward.rank.desc(), StarAward.id)).scalars().first()
        vid, award_id = award.volunteer_id, award.id
    at.session_state["file_volunteer"] = vid
    at.session_state["volunteer_tab"] = "志愿者档案"
    at.run()
    button(at, "revoke_button").click().run()  # no reason: refused, nothing deleted
    assert any("「撤销原因」不能为空" in e for e in texts(at.error)), texts(at.error)
    with session_scope(get_engine()) as session:
        assert session.get(StarAward, award_id) is not None
    at.text_input(key=f"revoke_reason_{vid}").input("误将他人时长计入")
    button(at, "revoke_button").click().run()
    assert_clean(at)
    assert any("已撤销" in s for s in texts(at.success)), texts(at.success) + texts(at.error)
    with session_scope(get_engine()) as session:
        assert session.get(StarAward, award_id) is None
    assert not any(b.key == "revoke_button" for b in open_tab("demo_leader", "志愿者档案").button)


def test_a_large_scope_asks_for_a_search_before_listing_volunteers(app_db, monkeypatch):
    from components.volunteers import profile as page_part

    monkeypatch.setattr(page_part, "PICKER_LIMIT", 5)
    at = open_tab("demo_leader", "志愿者档案")
    assert_clean(at)
    assert len(at.selectbox(key="file_volunteer").options) == 5
    with session_scope(get_engine()) as session:
        target = session.execute(select(Volunteer).order_by(Volunteer.id.desc())).scalars().first()
    at.text_input(key="file_query").input(f"#{target.id}").run()
    assert_clean(at)
    picker = at.selectbox(key="file_volunteer")
    assert any(label.endswith(f"#{target.id}") for label in picker.options)
    at.text_input(key="file_query").input("查无此人").run()  # no match: the volunteer on screen stays
    assert_clean(at)
    assert len(at.selectbox(key="file_volunteer").options) == 1
