# ruff: noqa: F811 (the fixtures of tests/test_browser.py are taken as arguments)
"""Browser test of the Excel import (issue 10): as demo_staff, download the activity template from 导入导出, fill it
with openpyxl (three activities with volunteers of the staff user's own community), upload it, see every row as
importable in the preview, import (all-or-nothing), see the report, and find the activities on 总览 (the 活动场次 tile
of 本年 grows by exactly three) and in the database with their volunteers and hours. Server, browser and helpers:
tests/test_browser.py (a fresh demo database on the real clock, so "today" is ``clock.today()``)."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from db import clock
from db.periods import PERIOD_KINDS, period_of
from db.transfer.templates import TEMPLATES
from tests import test_browser as tb
from tests.test_browser import choose_period, expect, log_in, shot, sidebar, tile_count, wait_idle
from tests.ui_helpers import ARTIFACTS, STAFF_COMMUNITY

pytestmark = pytest.mark.browser
server, browser, open_context = tb.server, tb.browser, tb.open_context  # the fixtures, shared

TRANSFER_URL_PATH = "transfer"  # pages/7_transfer.py
TEMPLATE = TEMPLATES["activities"]
ENGLISH = ("Traceback", "Error", "Exception", "Browse", "Upload", "Drag", "Limit", "per file", "Press Enter", "MB per",
           "None", "nan", "True", "False")


def _db(server) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True)


def activity_day(today: date) -> date:
    """A day of this year that is not in the future: three days ago, or 1 January early in January."""
    return max(today - timedelta(days=3), today.replace(month=1, day=1))


def own_volunteers(server, day: date, count: int = 4) -> list[tuple[int, str]]:
    """Volunteers of the staff user's community, registered by ``day``, with no service on ``day``, whose name no
    other volunteer of the street carries (so the bare name resolves, as on a sign-in sheet)."""
    with _db(server) as conn:
        rows = conn.execute(
            "SELECT v.id, v.name FROM volunteer v JOIN community c ON c.id = v.community_id WHERE c.name = ? "
            "AND v.registered_on <= ? "
            "AND v.id NOT IN (SELECT volunteer_id FROM servicerecord WHERE service_date = ?) "
            "AND (SELECT count(*) FROM volunteer w WHERE w.street_id = v.street_id AND w.name = v.name) = 1 "
            "ORDER BY v.id LIMIT ?",
            (STAFF_COMMUNITY, day.isoformat(), day.isoformat(), count)).fetchall()
    assert len(rows) == count, "the demo data has too few distinct volunteers in the staff user's community"
    return [(r[0], r[1]) for r in rows]


def imported(server, title: str) -> list[tuple]:
    with _db(server) as conn:
        return conn.execute(
            "SELECT a.id, a.type, a.starts_at, a.ends_at, a.people_served, c.name, r.volunteer_id, r.hours "
            "FROM activity a JOIN community c ON c.id = a.community_id "
            "LEFT JOIN servicerecord r ON r.activity_id = a.id WHERE a.title = ? ORDER BY r.volunteer_id",
            (title,)).fetchall()


def fill_template(path, rows: list[dict[str, object]]) -> None:
    """Overwrite the example row of the downloaded template with ``rows`` (keyed by header), as staff would."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers == [c.header for c in TEMPLATE.columns], headers
    ws.delete_rows(2, ws.max_row)  # the example row
    for r, row in enumerate(rows, start=2):
        for key, value in row.items():
            ws.cell(row=r, column=headers.index(key) + 1, value=value)
    wb.save(path)


def show_year(page) -> None:
    """本年 on 总览. It is the default: a click on the segment already chosen would clear it (a segmented control
    toggles), so click only when another period is chosen."""
    segment = page.get_by_role("radiogroup", name="时段").get_by_role("radio", name=PERIOD_KINDS["year"], exact=True)
    if segment.last.get_attribute("aria-checked") == "true":  # the last copy while a rerun replaces it
        caption = page.locator('[data-testid="stCaptionContainer"]')
        expect(caption.filter(has_text=period_of("year", clock.today()).label()).first).to_be_visible()
        wait_idle(page)
    else:
        choose_period(page, "year")


def english_on_screen(page) -> list[str]:
    """The words of ``ENGLISH`` in the text a user sees (the uploader's own button text is drawn at font size 0 and
    replaced by Chinese through CSS: it is not seen)."""
    text = page.locator('[data-testid="stMain"]').evaluate("""main => {
        const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
        const seen = [];
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const el = node.parentElement;
            const style = el && getComputedStyle(el);
            if (!style || style.fontSize === '0px' || style.visibility === 'hidden' || !el.getClientRects().length)
                continue;
            seen.push(node.textContent);
        }
        return seen.join(' ');
    }""")
    return [word for word in ENGLISH if re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text)]


def test_staff_imports_activities_from_the_template_and_sees_them_on_the_overview(server, open_context):
    ctx, guard = open_context()
    page = ctx.new_page()
    log_in(page, server.url, "demo_staff")
    show_year(page)
    before = tile_count(page, "活动场次", "场")

    day = activity_day(clock.today())
    (v1, n1), (v2, n2), (v3, n3), (v4, n4) = own_volunteers(server, day)
    # After every demo time slot, one after another: no volunteer serves two activities at once.
    activities = [
        {"活动日期": day, "开始时间": "21:00", "结束时间": "22:00", "活动名称": "导入测试·楼道夜巡",
         "活动类型": "探访关爱", "活动地点": "3号楼", "所属社区": STAFF_COMMUNITY, "参与主体": "社区、社区志愿者",
         "服务人次": 12, "参与志愿者": f"{n1}、{n2}、{n3}:0.5", "每人时长（小时）": 1},
        {"活动日期": f"{day.year}年{day.month}月{day.day}日", "活动时段": "22:10-23:00", "活动名称": "导入测试·邻里议事",
         "活动类型": "联动服务", "所属社区": STAFF_COMMUNITY, "服务人次": 8, "参与志愿者": f"{n2}\n{n4}"},
        {"活动日期": day.strftime("%Y/%m/%d"), "开始时间": "23:05", "结束时间": "23:45",
         "活动名称": "导入测试·便民理发", "活动类型": "便民服务", "所属社区": STAFF_COMMUNITY, "服务人次": "5人次",
         "参与志愿者": n1, "每人时长（小时）": "0.5"},
    ]
    expected = {  # title → (type, starts, ends, people served, {volunteer: hours})
        "导入测试·楼道夜巡": ("探访关爱", "21:00", "22:00", 12, {v1: 1.0, v2: 1.0, v3: 0.5}),
        "导入测试·邻里议事": ("联动服务", "22:10", "23:00", 8, {v2: 50 / 60, v4: 50 / 60}),
        "导入测试·便民理发": ("便民服务", "23:05", "23:45", 5, {v1: 0.5}),
    }
    for title in expected:
        assert imported(server, title) == [], f"{title} is already in the database"

    sidebar(page).get_by_role("link", name="导入导出").click()
    page.get_by_role("heading", name="1. 下载模板").wait_for()
    wait_idle(page)
    with page.expect_download() as got:
        page.get_by_role("button", name=f"{TEMPLATE.label}模板").click()
    download = got.value
    assert download.suggested_filename == TEMPLATE.file_name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "import_activities.xlsx"
    download.save_as(path)
    fill_template(path, activities)

    expect(page.get_by_role("combobox", name="导入内容")).to_have_value(TEMPLATE.label)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(path)
    expect(page.get_by_text(re.compile(r"^预览：可导入 3 行（活动 3、志愿服务记录 6），未通过 0 行。尚未写入任何数据。$"))
           ).to_be_visible()
    wait_idle(page)
    expect(page.get_by_role("tab", name="可导入（3）")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tab", name="未通过（0）")).to_be_visible()
    cells = page.locator('[data-testid="stDataFrame"] [role="gridcell"]')
    for title in expected:
        expect(cells.filter(has_text=title).first).to_be_attached()
    expect(page.get_by_role("radio", name="全部导入或都不导入")).to_be_checked()  # the default: all or nothing
    run = page.get_by_role("button", name="导入 3 行")
    expect(run).to_be_enabled()
    run.scroll_into_view_if_needed()
    shot(page, "import_preview.png")
    assert english_on_screen(page) == [], "English or a traceback on the preview"
    for title in expected:
        assert imported(server, title) == [], "the preview wrote to the database"

    run.click()
    report = page.get_by_text(re.compile(r"^已导入 3 行（活动 3、志愿服务记录 6）。$"))
    expect(report).to_be_visible()
    wait_idle(page)
    expect(page.get_by_role("button", name=re.compile(r"^导入 \d+ 行$"))).to_have_count(0)  # the uploader is empty
    report.scroll_into_view_if_needed()
    shot(page, "import_report.png")
    assert english_on_screen(page) == [], "English or a traceback on the report"

    for title, (a_type, starts, ends, people, hours) in expected.items():
        rows = imported(server, title)
        assert len({r[0] for r in rows}) == 1, f"{title}: expected one activity, got {rows}"
        _id, got_type, starts_at, ends_at, got_people, community, *_ = rows[0]
        assert (got_type, got_people, community) == (a_type, people, STAFF_COMMUNITY)
        assert starts_at.startswith(f"{day.isoformat()} {starts}") and ends_at.startswith(f"{day.isoformat()} {ends}")
        got_hours = {r[6]: r[7] for r in rows}
        assert got_hours.keys() == hours.keys(), f"{title}: volunteers {got_hours} instead of {hours}"
        assert all(got_hours[v] == pytest.approx(h, abs=0.01) for v, h in hours.items()), got_hours

    sidebar(page).get_by_role("link", name="总览").click()
    page.locator('[data-testid="stMetric"]').first.wait_for()
    wait_idle(page)
    show_year(page)
    assert tile_count(page, "活动场次", "场") == before + len(expected)
    shot(page, "import_overview.png")
    guard.assert_local()
