# ruff: noqa: F811 (the fixtures of tests/test_browser.py are taken as arguments)
"""Browser test of fast entry (issue 10): as demo_staff, enter an activity with 12 volunteers by pasting their
names from a sign-in sheet, counting the steps (clicks, key presses, text entries) and the time; the activity and
its 12 records must be in the database. Also: Enter in the title does not submit, Tab leaves the title for the
next field, and no English framework hint shows in the form. Server, browser and helpers: tests/test_browser.py."""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from db import clock
from tests import test_browser as tb
from tests.test_browser import ENTRY_URL_PATH, expect, log_in, shot, sidebar, wait_idle
from tests.ui_helpers import STAFF_COMMUNITY

pytestmark = pytest.mark.browser
server, browser, open_context = tb.server, tb.browser, tb.open_context  # the fixtures, shared

TITLE = "浏览器测试·签到表粘贴十二人"
ENGLISH_HINTS = ("Press Enter", "submit form", "yyyy", "YYYY/MM/DD", "Add row", "Search")


@dataclass
class Steps:
    """What the user does: each click, each key press, each text typed or pasted into a field (counted once,
    its characters noted apart)."""

    clicks: int = 0
    keys: int = 0
    entries: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.clicks + self.keys + len(self.entries)

    def click(self, locator) -> None:
        locator.click()
        self.clicks += 1

    def type_into(self, locator, text: str) -> None:
        locator.fill(text)
        self.entries.append(text)


def _db(server) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True)


def sign_in_sheet(server, count: int = 12, day: date | None = None) -> tuple[list[int], str]:
    """``count`` volunteers of the staff user's community free on ``day`` (today), and their names as a sign-in
    sheet has them: one a line, with the phone tail where the street has a namesake (as staff would copy it)."""
    with _db(server) as conn:
        rows = conn.execute(
            "SELECT v.id, v.name, v.phone, v.street_id FROM volunteer v JOIN community c ON c.id = v.community_id "
            "WHERE c.name = ? AND v.id NOT IN (SELECT volunteer_id FROM servicerecord WHERE service_date = ?) "
            "ORDER BY v.id LIMIT ?", (STAFF_COMMUNITY, (day or clock.today()).isoformat(), count)).fetchall()
        lines = []
        for _vid, name, phone, street_id in rows:
            namesakes = conn.execute("SELECT count(*) FROM volunteer WHERE name = ? AND street_id = ?",
                                     (name, street_id)).fetchone()[0]
            lines.append(f"{name} {phone[-4:]}" if namesakes > 1 else name)
    assert len(rows) == count, "the demo data has too few free volunteers in the staff user's community"
    return [r[0] for r in rows], "\n".join(lines)


def saved(server, title: str) -> list[tuple]:
    with _db(server) as conn:
        return conn.execute(
            "SELECT a.id, a.with_social_worker, a.with_volunteers, a.people_served, r.volunteer_id, r.hours, "
            "a.starts_at "
            "FROM activity a JOIN servicerecord r ON r.activity_id = a.id WHERE a.title = ? "
            "ORDER BY r.volunteer_id", (title,)).fetchall()


def english_on_screen(page) -> list[str]:
    text = page.locator('[data-testid="stMain"]').inner_text()
    return [hint for hint in ENGLISH_HINTS if hint.lower() in text.lower()]


def test_staff_enters_twelve_volunteers_by_pasting_their_names(server, open_context):
    ctx, guard = open_context()
    page = ctx.new_page()
    log_in(page, server.url, "demo_staff")
    yesterday = clock.today() - timedelta(days=1)  # the typical day: yesterday's activity (DESIGN.md §1)
    volunteer_ids, names = sign_in_sheet(server, day=yesterday)
    steps = Steps()
    started = time.monotonic()

    link = sidebar(page).get_by_role("link", name="数据录入")
    assert (link.get_attribute("href") or "").rstrip("/").endswith(ENTRY_URL_PATH)
    steps.click(link)
    title = page.get_by_label("活动名称")
    title.wait_for()
    wait_idle(page)
    steps.click(page.locator('[data-testid="stDateInput"]').filter(has_text="活动日期").locator('[data-type="year"]'))
    page.keyboard.type(yesterday.strftime("%Y%m%d"))  # the segments move on by themselves: year, month, day
    steps.entries.append(yesterday.strftime("%Y%m%d"))
    steps.click(title)
    steps.type_into(title, TITLE)
    lead = page.get_by_role("combobox", name="主责社工", exact=True)
    steps.click(lead)
    steps.click(page.get_by_role("option").nth(1))  # the first social worker after （无）
    expect(lead).not_to_have_value("（无）")
    people = page.get_by_label("服务人次")
    steps.click(people)
    steps.type_into(people, "40")
    paste = page.get_by_label("粘贴签到表姓名")
    steps.click(paste)
    paste.fill(names)  # Ctrl+V of the sign-in column
    steps.keys += 1
    steps.click(page.get_by_role("button", name="加入名单"))
    expect(page.get_by_text("已加入 12 名志愿者，名单共 12 人。")).to_be_visible()
    wait_idle(page)
    same = page.get_by_label("统一时长（小时）")
    steps.click(same)
    steps.type_into(same, "2")
    steps.click(page.get_by_role("button", name="全部填入"))
    expect(page.get_by_text("已为名单中 12 名志愿者填入 2 小时。")).to_be_visible()
    wait_idle(page)
    shot(page, "entry_twelve_pasted.png")
    steps.click(page.get_by_role("button", name="保存活动"))
    expect(page.get_by_text(re.compile(rf"已保存活动「{TITLE}」.*12 名志愿者"))).to_be_visible()
    seconds = time.monotonic() - started
    wait_idle(page)
    shot(page, "entry_twelve_saved.png")

    print(f"\n12-volunteer entry by paste: {steps.total} steps ({steps.clicks} clicks, {steps.keys} key presses, "
          f"{len(steps.entries)} fields typed: {sum(len(e) for e in steps.entries)} characters) in {seconds:.1f} s")
    rows = saved(server, TITLE)
    assert len({r[0] for r in rows}) == 1, f"expected one activity, got {rows}"
    assert [r[4] for r in rows] == sorted(volunteer_ids)
    assert {r[5] for r in rows} == {2.0}
    assert rows[0][1:4] == (1, 1, 40)  # 社会工作者 from the named lead, 社区志愿者 from the list
    assert rows[0][6].startswith(f"{yesterday.isoformat()} 09:00")
    guard.assert_local()



def focused(page) -> str:
    return page.evaluate("() => document.activeElement?.getAttribute('aria-label') || document.activeElement?.innerText"
                         " || document.activeElement?.tagName")


def test_the_form_has_a_keyboard_path_and_no_enter_trap(server, open_context):
    """Tab walks the activity form in reading order, through paste, add, same hours and fill; Enter in the title
    submits nothing; Enter on 加入名单 adds the pasted names and keeps the focus there; no English hint shows."""
    ctx, guard = open_context()
    page = ctx.new_page()
    log_in(page, server.url, "demo_staff")
    page.goto(f"{server.url}/{ENTRY_URL_PATH}")
    title = page.get_by_label("活动名称")
    title.wait_for()
    wait_idle(page)
    title.click()
    page.keyboard.type("键盘测试")
    page.keyboard.press("Enter")
    wait_idle(page)
    assert saved(server, "键盘测试") == [] and title.input_value() == "键盘测试"
    expect(page.get_by_text(re.compile("已保存活动|未保存"))).to_have_count(0)
    assert english_on_screen(page) == [], "English framework text in the form"
    order = [focused(page)]
    for _ in range(14):
        page.keyboard.press("Tab")
        order.append(focused(page))
    assert order == ["活动名称", "活动类型", "活动地点", "所属项目", "主责社工", "社区", "社会组织", "社会工作者",
                     "社会慈善资源", "服务人次", "服务人数（可选）", "粘贴签到表姓名", "加入名单", "统一时长（小时）",
                     "全部填入"], order
    page.get_by_label("粘贴签到表姓名").click()
    _ids, names = sign_in_sheet(server, 2)
    page.keyboard.insert_text(names)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("已加入 2 名志愿者，名单共 2 人。")).to_be_visible()
    wait_idle(page)
    assert focused(page) == "加入名单"
    assert saved(server, "键盘测试") == []
    shot(page, "entry_keyboard.png")
    guard.assert_local()
