"""Exports (db.export): formula neutralisation on every line, CSV with BOM and .xlsx read back, 是/否, empties,
dates, and file names that say the place and period."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from db.export import (
    export_file_name,
    neutralise,
    period_file_label,
    safe_frame,
    to_csv_bytes,
    to_excel_bytes,
    workbook_bytes,
)
from db.periods import Period

INJECTIONS = [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("=HYPERLINK(\"http://x\",\"点我\")", "'=HYPERLINK(\"http://x\",\"点我\")"),
    ("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r'=1+1"), (" =1+1", "' =1+1"), ("\u3000=1+1", "'\u3000=1+1"),
    ("＝1+1", "'＝1+1"), ("＋1", "'＋1"), ("－1", "'－1"), ("＠x", "'＠x"),
    ("备注\n=cmd|' /C calc'!A0", "备注\n'=cmd|' /C calc'!A0"), ("第一行\r\n@x", "第一行\r\n'@x"),
    ("a\r-1", "a\r'-1"), ("甲\n\n\t+1", "甲\n\n'\t+1"), ("\x01=1", "'\x01=1"),
]
SAFE = ["a=b", "张三", "2025-06-03", "1+1", "邮箱 a@b.cn", "", "'=already"]


@pytest.mark.parametrize("value, expected", INJECTIONS)
def test_every_line_that_could_start_a_formula_is_neutralised(value, expected):
    assert neutralise(value) == expected


@pytest.mark.parametrize("value", SAFE)
def test_harmless_text_is_unchanged(value):
    assert neutralise(value) == value


def test_numbers_stay_numbers():
    assert neutralise(-5) == -5 and neutralise(2.5) == 2.5 and neutralise(None) is None


_FORMULA_CHARS = "=+-@＝＋－＠"


def _dangerous(line: str) -> bool:
    return line.lstrip(" \t\u3000" + "".join(chr(c) for c in range(32))).startswith(tuple(_FORMULA_CHARS))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("=+-@＝＋－＠ \t\r\n\u3000a张1'")), max_size=30))
def test_no_line_of_a_neutralised_cell_starts_a_formula(text):
    out = neutralise(text)
    assert out.replace("'", "") == text.replace("'", "")  # only apostrophes were added
    for line in out.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        assert not _dangerous(line), (text, out)
    assert not out.startswith(("\t", "\r"))


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "=名称": ["=1+1", "正常\n@SUM(A1)", "张三"],
        "参与": [True, False, True],
        "日期": [date(2026, 11, 5), None, date(2026, 1, 2)],
        "开始": [datetime(2026, 11, 5, 9, 30), datetime(2026, 11, 6), pd.NaT],
        "时长": [2.5, float("nan"), 3.0],
        "人次": [40, 0, -3],
        "备注": [None, "", "－1"],
    })


def test_safe_frame_words_and_empties():
    out = safe_frame(frame())
    assert list(out.columns) == ["'=名称", "参与", "日期", "开始", "时长", "人次", "备注"]
    assert out.to_dict("list") == {
        "'=名称": ["'=1+1", "正常\n'@SUM(A1)", "张三"], "参与": ["是", "否", "是"],
        "日期": ["2026-11-05", "", "2026-01-02"], "开始": ["2026-11-05 09:30", "2026-11-06", ""],
        "时长": [2.5, "", 3.0], "人次": [40, 0, -3], "备注": ["", "", "'－1"]}


def test_csv_has_a_bom_and_inert_cells():
    data = to_csv_bytes(frame())
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["'=名称", "参与", "日期", "开始", "时长", "人次", "备注"]
    assert rows[1] == ["'=1+1", "是", "2026-11-05", "2026-11-05 09:30", "2.5", "40", ""]
    assert rows[2] == ["正常\n'@SUM(A1)", "否", "", "2026-11-06", "", "0", ""]
    assert rows[3] == ["张三", "是", "2026-01-02", "", "3.0", "-3", "'－1"]


def test_xlsx_injection_cells_read_back_inert():
    ws = load_workbook(io.BytesIO(to_excel_bytes(frame(), sheet="活动")))["活动"]
    header = [c.value for c in ws[1]]
    assert header == ["'=名称", "参与", "日期", "开始", "时长", "人次", "备注"]
    injected = [ws["A2"], ws["A3"], ws["A1"], ws["G4"]]
    for cell in injected:
        assert cell.data_type == "s", cell.coordinate
        assert not str(cell.value).startswith(("=", "+", "-", "@", "＝", "－"))
    assert ws["A2"].value == "'=1+1" and ws["A3"].value == "正常\n'@SUM(A1)"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    assert [ws["B2"].value, ws["B3"].value] == ["是", "否"]
    assert ws["C2"].value == datetime(2026, 11, 5) and ws["C2"].number_format == "yyyy-mm-dd"
    assert ws["C3"].value is None and ws["E3"].value is None and ws["D4"].value is None
    assert ws["D2"].value == datetime(2026, 11, 5, 9, 30) and ws["D2"].number_format == "yyyy-mm-dd hh:mm"
    assert (ws["E2"].value, ws["F4"].value) == (2.5, -3)


def test_a_workbook_of_several_sheets():
    wb = load_workbook(io.BytesIO(workbook_bytes({"活动/台账:2026": frame(), "空": pd.DataFrame({"列": []})})))
    assert wb.sheetnames == ["活动_台账_2026", "空"]
    assert [c.value for c in wb["空"][1]] == ["列"] and wb["空"].max_row == 1


@pytest.mark.parametrize("period, expected", [
    (Period(date(2026, 11, 1), date(2026, 11, 28), "month"), "2026年11月"),
    (Period(date(2026, 10, 1), date(2026, 10, 31), "custom"), "2026年10月"),
    (Period(date(2026, 10, 1), date(2026, 11, 28), "quarter"), "2026年第4季度"),
    (Period(date(2026, 1, 1), date(2026, 11, 28), "year"), "2026年"),
    (Period(date(2000, 1, 1), date(2026, 11, 28), "all"), "截至2026-11-28"),
    (Period(date(2026, 11, 1), date(2026, 11, 15), "custom"), "2026-11-01至2026-11-15"),
])
def test_period_labels(period, expected):
    assert period_file_label(period) == expected


def test_file_names_say_place_and_period():
    month = Period(date(2026, 11, 1), date(2026, 11, 30), "month")
    assert export_file_name("新港山路社区", month, "活动台账") == "新港山路社区_2026年11月_活动台账.xlsx"
    assert export_file_name("薛家岛街道", month, "捐赠", "csv") == "薛家岛街道_2026年11月_捐赠.csv"
    assert export_file_name("a/b:c", "2026年", "x y") == "a-b-c_2026年_x-y.xlsx"
    assert export_file_name("", None, "") == "导出.xlsx"
