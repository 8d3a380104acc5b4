"""The 导入导出 page through AppTest on a copy of the demo data: templates to download, upload, preview, the report
of rejected rows, all-or-nothing versus valid rows only, the import itself, and the monthly 台账."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import Workbook
from sqlalchemy import select

from db import clock
from db.engine import get_engine, session_scope
from db.models import Activity, ServiceRecord, Volunteer
from db.transfer.templates import TEMPLATES
from tests.ui_helpers import STAFF_COMMUNITY, assert_clean, count_rows, open_page, texts

PAGE = "pages/7_transfer.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[list]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(at, name: str, content: bytes):
    at.file_uploader[0].upload(name, content, XLSX)
    return at.run()


def test_staff_imports_volunteers_then_activities(app_db):
    at = open_page("demo_staff", PAGE)
    assert_clean(at)
    assert "导入导出" in texts(at.title)
    labels = [b.proto.label for b in at.get("download_button")]
    assert [f"{t.label}模板" for t in TEMPLATES.values()] == [lb for lb in labels if lb.endswith("模板")]

    # Volunteers first: two new people, one row refused for its phone number.
    at.selectbox(key="import_kind").set_value("volunteers").run()
    today = clock.today()
    people = workbook([["新港山路社区志愿者名册"], ["姓名", "手机号码", "注册日期", "所属社区"],
                       ["欧阳导入", "13700001234", f"{today:%Y/%m/%d}", STAFF_COMMUNITY],
                       ["司马导入", "13700005678", f"{today:%Y年%m月%d日}", f" {STAFF_COMMUNITY} "],
                       ["诸葛导入", "12", f"{today:%Y-%m-%d}", STAFF_COMMUNITY]])
    before = count_rows(Volunteer)
    at = upload(at, "名册.xlsx", people)
    assert_clean(at)
    assert count_rows(Volunteer) == before  # the preview wrote nothing
    assert any("预览：可导入 2 行（志愿者 2），未通过 1 行" in w for w in texts(at.warning))
    problems = at.dataframe[1].value
    assert problems.to_dict("list") == {
        "行号": [5], "列": ["手机号码"],
        "原因": ["「手机号码」须为 11 位手机号码（如 13812345678）或带区号的固定电话（如 0532-86001234）"]}
    assert any(b.key == "import_report" for b in at.get("download_button"))
    run = at.button(key="import_run")
    assert run.label == "导入 2 行" and run.disabled  # all-or-nothing with a refused row
    at.radio(key="import_mode").set_value("valid_only").run()
    assert not at.button(key="import_run").disabled
    at = at.button(key="import_run").click().run()
    assert_clean(at)
    assert texts(at.success) == ["已导入 2 行（志愿者 2）；未通过的 1 行没有导入。"]
    assert count_rows(Volunteer) == before + 2
    assert not at.dataframe  # the uploader starts empty again

    # Then an activity with them, written the way a sign-in sheet lists them.
    day = today - timedelta(days=1)
    acts = workbook([["活动日期", "活动名称", "活动类型", "活动时段", "参与志愿者", "每人时长（小时）", "参与主体"],
                     [f"{day:%Y.%m.%d}", "导入测试活动", "联动服务", "20:00-21:30", "欧阳导入\n司马导入:1", 1.5, "社区"]])
    at.selectbox(key="import_kind").set_value("activities").run()
    activities, records = count_rows(Activity), count_rows(ServiceRecord)
    at = upload(at, "活动.xlsx", acts)
    assert_clean(at)
    assert any("预览：可导入 1 行（活动 1、志愿服务记录 2），未通过 0 行" in s for s in texts(at.success))
    at = at.button(key="import_run").click().run()
    assert_clean(at)
    assert count_rows(Activity) == activities + 1 and count_rows(ServiceRecord) == records + 2
    with session_scope(get_engine()) as s:
        act = s.execute(select(Activity).where(Activity.title == "导入测试活动")).scalar_one()
        hours = sorted(s.execute(select(ServiceRecord.hours).where(ServiceRecord.activity_id == act.id)).scalars())
    assert hours == [1.0, 1.5] and act.starts_at.date() == day

    # The same file again adds nothing.
    at = upload(at, "活动.xlsx", acts)
    assert texts(at.info) == ["预览：没有可导入的新行，未通过 0 行；已导入过或重复 1 行（跳过）。尚未写入任何数据。"]
    assert at.button(key="import_run").disabled


def test_monthly_ledger_download(app_db):
    at = open_page("demo_staff", PAGE)
    at = at.button(key="ledger_make").click().run()
    assert_clean(at)
    today = clock.today()
    name = f"{STAFF_COMMUNITY}_{today.year}年{today.month}月_台账.xlsx"
    assert [b.proto.label for b in at.get("download_button") if b.key == "ledger_download"] == [f"下载 {name}"]


def test_table_export(app_db):
    at = open_page("demo_staff", PAGE)
    at.selectbox(key="export_table").set_value("捐赠").run()
    at = at.button(key="export_make").click().run()
    assert_clean(at)
    keys = {b.key for b in at.get("download_button")}
    assert {"export_xlsx", "export_csv"} <= keys
