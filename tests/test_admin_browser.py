"""系统管理 in Chromium (the server, launch flags and localhost-only request guard of tests/test_browser.py): each tab
at 1440 wide into tests/artifacts/; the admin creates a staff user for 新港山路社区, who logs in, must change the
password, and can then enter an activity for that community only (the page fixes the community; a crafted call of
the service for another community is refused)."""

from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import time

import pytest

from tests.test_browser import (  # noqa: F401  (browser, server and open_context are fixtures used by name)
    ARTIFACTS,
    VIEWPORT,
    browser,
    choose_option,
    log_in,
    open_context,
    server,
    set_time,
    sidebar,
    sync_api,
    wait_idle,
)
from tests.ui_helpers import STAFF_COMMUNITY

expect = sync_api.expect
pytestmark = pytest.mark.browser

TABS = {"用户": "users", "基础数据": "reference", "星级与等级": "rules", "操作日志": "audit", "备份与恢复": "backup",
        "演示数据": "demo", "大屏链接": "kiosk"}
NEW_USER, NEW_PASSWORD = "xgsl_browser", "Own-choice-2026"
TITLE = "浏览器测试·新账号录入的活动"


def full_shot(page, name: str) -> None:
    """The whole page at 1440 wide: Streamlit scrolls inside its main block, so the window is made as tall as the
    content for the shot (at most 6000 px), then set back."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = page.locator('[data-testid="stMain"]').evaluate("e => e.scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(height, VIEWPORT["height"]), 6000)})
    try:
        wait_idle(page)
        page.screenshot(path=str(ARTIFACTS / name))
    finally:
        page.set_viewport_size(VIEWPORT)


def open_admin(page, base_url: str) -> None:
    log_in(page, base_url, "demo_admin")
    sidebar(page).get_by_role("link", name="系统管理").click()
    expect(page.get_by_role("heading", name="系统管理")).to_be_visible()
    wait_idle(page)


def open_tab(page, name: str) -> None:
    tab = page.get_by_role("tab", name=name, exact=True)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    wait_idle(page)


def db_rows(srv, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(f"file:{srv.db_path}?mode=ro", uri=True) as conn:
        return conn.execute(sql, args).fetchall()


def test_every_admin_tab_at_1440(server, open_context):  # noqa: F811 (fixtures)
    ctx, guard = open_context()
    page = ctx.new_page()
    open_admin(page, server.url)
    for name, slug in TABS.items():
        open_tab(page, name)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        assert "意外错误" not in page.content(), f"{name} failed"
        full_shot(page, f"admin_{slug}.png")
    guard.assert_local()


def test_admin_creates_a_community_staff_user_who_enters_an_activity_there_only(server, open_context):  # noqa: F811
    ctx, guard = open_context()
    page = ctx.new_page()
    open_admin(page, server.url)
    page.get_by_label("用户名", exact=True).fill(NEW_USER)
    page.get_by_label("姓名", exact=True).fill("新港山路浏览器社工")
    choose_option(page, "数据范围", "社区")
    wait_idle(page)
    choose_option(page, "所属社区", f"薛家岛街道 · {STAFF_COMMUNITY}")
    page.get_by_role("button", name="创建用户").click()
    expect(page.get_by_text(re.compile(f"已创建用户「{NEW_USER}」"))).to_be_visible()
    wait_idle(page)
    temporary = page.locator('[data-testid="stCode"]').inner_text().strip()
    assert re.fullmatch(r"[A-Za-z2-9]{12}", temporary), temporary
    full_shot(page, "admin_user_created.png")
    [(role, scope_type, community, must_change)] = db_rows(
        server, "SELECT u.role, u.scope_type, c.name, u.must_change_password FROM appuser u "
                "JOIN community c ON c.id = u.scope_id WHERE u.username = ?", NEW_USER)
    assert (role, scope_type, community, must_change) == ("staff", "community", STAFF_COMMUNITY, 1)
    open_tab(page, "操作日志")  # the creation, newest first, with its new values beside the (empty) old ones
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(2)
    full_shot(page, "admin_audit_after_create.png")

    # The new user, in a browser of their own: the password first, then the app.
    ctx2, guard2 = open_context()
    staff = ctx2.new_page()
    staff.goto(server.url)
    staff.get_by_label("用户名").fill(NEW_USER)
    staff.get_by_label("密码").fill(temporary)
    staff.get_by_role("button", name="登录", exact=True).click()
    expect(staff.get_by_role("heading", name="修改密码")).to_be_visible()
    expect(staff.get_by_text("管理员为您设置或重置了密码")).to_be_visible()
    wait_idle(staff)
    assert sidebar(staff).get_by_role("link").count() == 0  # nothing of the app before the change
    full_shot(staff, "admin_new_user_must_change.png")
    staff.get_by_label("原密码").fill(temporary)
    staff.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    staff.get_by_label("确认新密码").fill(NEW_PASSWORD)
    staff.get_by_role("button", name="确认修改").click()
    staff.locator('[data-testid="stMetric"]').first.wait_for()
    wait_idle(staff)

    sidebar(staff).get_by_role("link", name="数据录入").click()
    staff.get_by_label("活动名称").wait_for()
    wait_idle(staff)
    expect(staff.get_by_text(f"所属社区：{STAFF_COMMUNITY}")).to_be_visible()
    expect(staff.get_by_role("combobox", name="所属社区")).to_have_count(0)  # fixed, not a choice
    staff.get_by_label("活动名称").fill(TITLE)
    choose_option(staff, "活动类型", "便民服务")
    set_time(staff, "开始时间", "06", "00")
    set_time(staff, "结束时间", "06", "45")
    staff.get_by_label("服务人次").fill("9")
    staff.get_by_test_id("stCheckbox").get_by_text("社区", exact=True).click()  # no actor is ticked by default: staff say who took part
    wait_idle(staff)
    staff.get_by_role("button", name="保存活动").click()
    expect(staff.get_by_text(re.compile(f"已保存活动「{TITLE}」"))).to_be_visible()
    wait_idle(staff)
    full_shot(staff, "admin_new_user_entry.png")
    [(place, creator)] = db_rows(
        server, "SELECT c.name, u.username FROM activity a JOIN community c ON c.id = a.community_id "
                "JOIN appuser u ON u.id = a.created_by WHERE a.title = ?", TITLE)
    assert (place, creator) == (STAFF_COMMUNITY, NEW_USER)

    # A crafted submission for another community, through the same service the form uses: refused in db.
    from sqlalchemy import func, select

    from db import clock
    from db.activities.writes import ActivityInput, submit_activity
    from db.auth import load_user
    from db.engine import make_engine, session_scope
    from db.errors import PermissionDenied
    from db.models import Activity, AppUser, Community

    engine = make_engine(f"sqlite:///{server.db_path}")
    try:
        with session_scope(engine) as s:
            row = s.execute(select(AppUser).where(AppUser.username == NEW_USER)).scalar_one()
            user = load_user(s, row.id, row.session_epoch)
            other = s.execute(select(Community.id).where(Community.name != STAFF_COMMUNITY)
                              .order_by(Community.id)).scalars().first()
            before = s.execute(select(func.count()).select_from(Activity)).scalar_one()
        assert user is not None and not user.must_change_password and other is not None
        data = ActivityInput(activity_date=clock.today(), start_time=time(7, 0), end_time=time(8, 0),
                             title="越权录入", type="便民服务", community_id=other, actors={"with_community"},
                             people_served=3)
        with pytest.raises(PermissionDenied) as info:
            submit_activity(user, data, uuid.uuid4().hex, engine)
        assert "本社区" in str(info.value)
        with session_scope(engine) as s:
            assert s.execute(select(func.count()).select_from(Activity)).scalar_one() == before
    finally:
        engine.dispose()
    guard.assert_local()
    guard2.assert_local()

