"""Reading 台账 files (db.transfer.parse, db.transfer.cells, db.transfer.templates): pure functions over bytes, no database.

Every messiness staff files have is built here with openpyxl or as CSV bytes, and the exact typed values, row
numbers, skipped rows and Chinese messages are checked. Hypothesis checks that any bytes and any cell values give
rows or Chinese problems, never an exception.
"""

from __future__ import annotations

import codecs
import io
import re
from datetime import date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from db.transfer import cells, parse
from db.transfer.parse import CellError, Problem, Skipped, VolunteerEntry, parse_file, parse_rows
from db.transfer.templates import TEMPLATES, template_workbook

ACTIVITIES = TEMPLATES["activities"]
DONATIONS = TEMPLATES["donations"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def xlsx(rows: list[list], merges: tuple[str, ...] = (), sheet: str = "Sheet") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    for rng in merges:
        ws.merge_cells(rng)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(lines: list[str], encoding: str) -> bytes:
    return "\r\n".join(lines).encode(encoding)


# ------------------------------------------------------------------------------------------- values


@pytest.mark.parametrize("text, expected", [
    ("2024年3月5日", date(2024, 3, 5)), ("2024/3/5", date(2024, 3, 5)), ("2024-03-05", date(2024, 3, 5)),
    ("2024.3.5", date(2024, 3, 5)), ("２０２４年３月５日", date(2024, 3, 5)), (" 2024 年 3 月 5 号 ", date(2024, 3, 5)),
    ("20240305", date(2024, 3, 5)), ("45356", date(2024, 3, 5)), (45356, date(2024, 3, 5)),
    (45356.75, date(2024, 3, 5)), (datetime(2024, 3, 5, 9, 30), date(2024, 3, 5)), (date(2024, 3, 5), date(2024, 3, 5)),
    ("2024-03-05 00:00:00", date(2024, 3, 5)), (20240305, date(2024, 3, 5)),
])
def test_dates_in_every_form_staff_write(text, expected):
    assert cells.read_date(text) == expected


@pytest.mark.parametrize("text, message", [
    ("2024-02-30", "“2024-02-30”不是有效的日期（没有这一天）"),
    ("三月五日", "无法识别“三月五日”：请填写日期，如 2024-03-05、2024/3/5 或 2024年3月5日"),
    ("24/3/5", "无法识别“24/3/5”：请填写日期，如 2024-03-05、2024/3/5 或 2024年3月5日"),
    (True, "不是日期：请填写日期，如 2024-03-05、2024/3/5 或 2024年3月5日"),
    (-3, "的数字 -3 不是日期：请填写日期，如 2024-03-05"),
])
def test_unreadable_dates_say_why(text, message):
    with pytest.raises(CellError) as info:
        cells.read_date(text)
    assert str(info.value) == message


@pytest.mark.parametrize("value, expected", [
    ("09:00", time(9)), ("9:00", time(9)), ("９：３０", time(9, 30)), ("9点", time(9)), ("9点半", time(9, 30)),
    ("9点15分", time(9, 15)), ("9时", time(9)), ("下午2点", time(14)), ("晚上7:30", time(19, 30)), ("9.30", time(9, 30)),
    ("14:00:00", time(14)), (0.375, time(9)), (0.5625, time(13, 30)), (9, time(9)), (time(8, 5, 33), time(8, 5)),
    (datetime(1899, 12, 30, 16, 45), time(16, 45)), ("2pm", time(14)),
])
def test_times(value, expected):
    assert cells.read_time(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("9:00-11:30", (time(9), time(11, 30))), ("9:00～11:30", (time(9), time(11, 30))),
    ("9点-11点半", (time(9), time(11, 30))), ("下午2点-4点", (time(14), time(16))), ("14:00 至 16:00", (time(14), time(16))),
    ("9:00—10:00", (time(9), time(10))),
])
def test_time_ranges(value, expected):
    assert cells.read_time_range(value) == expected


def test_unreadable_times_say_why():
    with pytest.raises(CellError) as info:
        cells.read_time("上班前")
    assert str(info.value) == "无法识别“上班前”：请填写时间，如 09:00、9点 或 9点半"
    with pytest.raises(CellError) as info:
        cells.read_time("25:00")
    assert str(info.value) == "“25:00”不是有效的时间"
    with pytest.raises(CellError) as info:
        cells.read_time_range("上午")
    assert str(info.value) == "无法识别“上午”：请写成开始和结束时间，如 9:00-11:30"


@pytest.mark.parametrize("value, units, expected", [
    ("1,200", (), 1200.0), ("１，２００", (), 1200.0), (" 3.5 ", (), 3.5), ("3小时", ("小时",), 3.0),
    ("1,000元", ("元",), 1000.0), ("-2", (), -2.0), (7, (), 7.0), ("２", (), 2.0),
])
def test_numbers(value, units, expected):
    assert cells.read_number(value, units) == expected


@pytest.mark.parametrize("value, message", [
    ("40余", "“40余”不是确切的数字：请填写数字，如 40"), ("约40", "“约40”不是确切的数字：请填写数字，如 40"),
    ("1,20", "“1,20”不是数字"), ("三", "“三”不是数字"), (True, "须填写数字"), (float("inf"), "须填写有限的数字"),
    (date(2024, 3, 5), "须填写数字，而不是日期或时间“2024-03-05”"),
])
def test_numbers_refused(value, message):
    with pytest.raises(CellError) as info:
        cells.read_number(value)
    assert str(info.value) == message


def test_integers_refuse_fractions():
    assert cells.read_int("40人次", ("人次", "人")) == 40
    with pytest.raises(CellError) as info:
        cells.read_int("2.5")
    assert str(info.value) == "“2.5”须为整数"


@pytest.mark.parametrize("value, expected", [
    ("张三、李四:1.5、王芳(3418)", [VolunteerEntry("张三", text="张三"), VolunteerEntry("李四", hours=1.5, text="李四:1.5"),
                                VolunteerEntry("王芳", tail="3418", text="王芳(3418)")]),
    (" 张三 ，李四；王五\n赵六", [VolunteerEntry(n, text=n) for n in ("张三", "李四", "王五", "赵六")]),
    ("张  三", [VolunteerEntry("张三", text="张三")]),
    ("张三 李四", [VolunteerEntry("张三", text="张三"), VolunteerEntry("李四", text="李四")]),
    ("张三 2", [VolunteerEntry("张三", hours=2.0, text="张三2")]),
    ("王芳（尾号３４１８）：２小时", [VolunteerEntry("王芳", tail="3418", hours=2.0, text="王芳(尾号3418):2小时")]),
    ("王芳(#12)", [VolunteerEntry("王芳", volunteer_id=12, text="王芳(#12)")]),
    ("王芳#12:1", [VolunteerEntry("王芳", volunteer_id=12, hours=1.0, text="王芳#12:1")]),
    ("李四(1.5h)", [VolunteerEntry("李四", hours=1.5, text="李四(1.5h)")]),
    ("买买提·艾力", [VolunteerEntry("买买提·艾力", text="买买提·艾力")]),
])
def test_volunteer_lists(value, expected):
    assert cells.read_volunteers(value) == expected


def test_volunteer_list_entries_refused():
    with pytest.raises(CellError) as info:
        cells.read_volunteers("张三、2小时")
    assert str(info.value) == ("中“2小时”没有姓名：请写成“姓名”或“姓名:时长”，如“张三:2”；同名志愿者写成“王芳(3418)”（手机尾号）"
                               "或“王芳(#123)”（编号）")
    with pytest.raises(CellError) as info:
        cells.read_volunteers("张三(abc)")
    assert str(info.value).startswith("中“张三(abc)”无法识别：")


def test_choices_are_folded_and_aliased():
    assert cells.read_choice("联动 服务", ACTIVITIES.column("type")) == "联动服务"
    assert cells.read_choice("资金", DONATIONS.column("form")) == "善款"
    assert cells.read_choice("gcj02", TEMPLATES["resources"].column("coord_system")) == "GCJ-02"
    assert cells.read_choice("郊游", ACTIVITIES.column("type")) == "郊游"  # judged (and named) by the write service


def test_booleans():
    assert cells.read_bool("是") is True and cells.read_bool("√") is True and cells.read_bool("否") is False
    with pytest.raises(CellError) as info:
        cells.read_bool("也许")
    assert str(info.value) == "须填写“是”或“否”，而不是“也许”"


def test_headers_compare_folded():
    assert cells.header_key(" 时长（小时） ") == cells.header_key("时长(小时)")
    assert cells.header_key("活　动 日\n期*") == cells.header_key("活动日期")
    assert cells.header_key("活动日期（必填）") == "活动日期"


# ------------------------------------------------------------------------------------------- files


def test_messy_workbook_rows_are_typed_with_excel_row_numbers():
    serial = (date(2025, 6, 7) - date(1899, 12, 30)).days
    data = xlsx([
        ["新港山路社区2025年6月活动台账"],
        ["活 动 日 期", "活动信息", None, None, "参与志愿者", "时长（小时）"],
        [None, "活动名称 ", "活动　类型", "时段", None, None, "服务人次", "序号"],
        ["2025年6月3日", " 社区议事会 ", "联动服务", "9:00-11:00", " 张三 、李四", "２", "４０", 1],
        [],
        [serial, "周末探访", "探访关爱", "9:00-10:30", "李四:3", None, "1,200", 2],
        ["2025-06-40", "坏日期", "宣讲", "9点", "张三", "两小时", 10, 3],
        ["合计", None, None, None, None, None, 1250],
        [None, None, None, None, None, None, None, 4],  # a pre-numbered empty row
        [],
    ], merges=("A1:H1", "A2:A3", "B2:D2", "E2:E3", "F2:F3"))
    parsed = parse_file(ACTIVITIES, data, "台账.xlsx")
    assert parsed.error is None
    assert (parsed.sheet, parsed.header_row) == ("Sheet", 3)
    assert parsed.headers == {"activity_date": "活 动 日 期", "time_range": "时段", "title": "活动名称",
                              "type": "活动　类型", "people_served": "服务人次", "volunteers": "参与志愿者",
                              "hours": "时长（小时）"}
    assert parsed.ignored == ["序号"]
    assert [r.row for r in parsed.rows] == [4, 6, 7]
    first = parsed.rows[0].values
    assert first["activity_date"] == date(2025, 6, 3)
    assert first["title"] == "社区议事会"
    assert first["type"] == "联动服务"
    assert first["time_range"] == (time(9), time(11))
    assert first["hours"] == 2.0 and first["people_served"] == 40
    assert first["volunteers"] == [VolunteerEntry("张三", text="张三"), VolunteerEntry("李四", text="李四")]
    assert parsed.rows[0].original["活 动 日 期"] == "2025年6月3日"
    second = parsed.rows[1].values
    assert second["activity_date"] == date(2025, 6, 7) and second["people_served"] == 1200
    assert parsed.rows[2].problems == [
        Problem(7, "活 动 日 期", "「活 动 日 期」“2025-06-40”不是有效的日期（没有这一天）"),
        Problem(7, "时段", "「时段」无法识别“9点”：请写成开始和结束时间，如 9:00-11:30"),
        Problem(7, "时长（小时）", "「时长（小时）」“两小时”不是数字"),
    ]
    assert parsed.skipped == [Skipped(5, 5, "空行"), Skipped(8, 8, "合计行，不导入")]


def test_merged_cells_fill_down_an_activity():
    data = xlsx([
        ["活动日期", "活动名称", "活动类型", "开始时间", "结束时间"],
        ["2025-06-03", "议事会", "宣讲", "9:00", "10:00"],
        [None, "议事会二", None, "10:00", "11:00"],
    ], merges=("A2:A3", "C2:C3"))
    rows = parse_file(ACTIVITIES, data, "x.xlsx").rows
    assert [(r.values["activity_date"], r.values["type"]) for r in rows] == [(date(2025, 6, 3), "宣讲")] * 2


def test_header_on_a_later_sheet_and_footer_rows():
    wb = Workbook()
    wb.active.title = "封面"
    wb.active["A1"] = "2025年捐赠台账"
    ws = wb.create_sheet("捐赠")
    ws.append(["捐赠日期", "捐赠方", "捐赠方类型", "捐赠形式", "金额"])
    ws.append([datetime(2025, 5, 1), "某公司", "企业", "资金", "5,000"])
    ws.append(["捐赠日期", "捐赠方", "捐赠方类型", "捐赠形式", "金额"])  # a header repeated for printing
    ws.append(["填表人：张三", None, None, None, None])
    buffer = io.BytesIO()
    wb.save(buffer)
    parsed = parse_file(DONATIONS, buffer.getvalue(), "x.xlsx")
    assert (parsed.sheet, parsed.header_row) == ("捐赠", 1)
    assert [r.row for r in parsed.rows] == [2]
    assert parsed.rows[0].values["form"] == "善款" and parsed.rows[0].values["amount_yuan"] == 5000.0
    assert parsed.skipped == [Skipped(3, 3, "重复的表头行，不导入"), Skipped(4, 4, "表尾说明（填表人、审核人等），不导入")]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030", "utf-16"])
def test_csv_encodings(encoding):
    lines = ["捐赠日期,捐赠方,捐赠方类型,捐赠形式,金额（元）", "2025/5/1,某某公司,企业,善款,\"1,000\"",
             "2025年5月2日,张　三,个人,物资,300"]
    parsed = parse_file(DONATIONS, csv_bytes(lines, encoding), "捐赠.csv")
    assert parsed.error is None
    assert [(r.row, r.values["donated_on"], r.values["donor_name"], r.values["amount_yuan"]) for r in parsed.rows] == [
        (2, date(2025, 5, 1), "某某公司", 1000.0), (3, date(2025, 5, 2), "张　三", 300.0)]


def test_tab_separated_text():
    parsed = parse_file(DONATIONS, csv_bytes(["捐赠日期\t捐赠方\t捐赠方类型\t捐赠形式\t金额", "2025-05-01\t甲\t企业\t善款\t10"],
                                             "utf-8"), "x.txt")
    assert [(r.values["donor_name"], r.values["amount_yuan"]) for r in parsed.rows] == [("甲", 10.0)]


@pytest.mark.parametrize("data, name, message", [
    (b"\xff\xff\xff\x80\x81", "x.csv", "无法识别文件的文字编码（不是 UTF-8，也不是 GBK）：请在 Excel 中“另存为”CSV UTF-8 或 .xlsx 后再导入。"),
    (b"PK\x03\x04not really a zip", "x.xlsx", "无法读取该 Excel 文件：文件可能已损坏或不是 .xlsx 格式。请在 Excel 中另存为 .xlsx 后重试。"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "x.xls",
     "不支持旧版 .xls 文件：请在 Excel 中“另存为”Excel 工作簿（.xlsx）或 CSV 后再导入。"),
    (b"%PDF-1.4", "x.pdf", "只能导入 .xlsx 或 .csv 文件。"),
    (b"", "x.csv", "文件是空的。"),
    ("名字,日子\n张三,2025-01-01".encode(), "x.csv",
     "没有找到表头：前 30 行中没有一行包含模板的列名（如「捐赠日期」）。请使用下载的模板，或把列名改成模板中的名称。"),
    ("捐赠日期,捐赠方,金额\n2025-01-01,甲,1".encode(), "x.csv",
     "找不到必填列 「捐赠方类型」、「捐赠形式」：工作表“CSV”第 1 行像是表头，但缺少这些列。请对照模板检查列名。"),
])
def test_files_refused_with_a_message(data, name, message):
    parsed = parse_file(DONATIONS, data, name)
    assert parsed.error == message
    assert parsed.rows == []


def test_an_unclosed_quote_is_a_problem_of_its_cell():
    parsed = parse_file(DONATIONS, '捐赠日期,捐赠方,捐赠方类型,捐赠形式,金额\n"2025-01-01,甲'.encode(), "x.csv")
    assert [r.problems for r in parsed.rows] == [[Problem(2, "捐赠日期", "「捐赠日期」无法识别“2025-01-01,甲”：请填写日期，"
                                                          "如 2024-03-05、2024/3/5 或 2024年3月5日")]]


def test_size_cap(monkeypatch):
    from db.settings import get_settings

    monkeypatch.setenv("UPLOAD_MAX_MB", "1")
    get_settings.cache_clear()
    try:
        data = csv_bytes(["捐赠日期,捐赠方,捐赠方类型,捐赠形式,金额"] + ["2025-05-01,某某公司,企业,善款,100"] * 40_000, "utf-8")
        assert len(data) > 1024 * 1024
        parsed = parse_file(DONATIONS, data, "x.csv")
        assert parsed.error == (f"文件大小为 {len(data) / 1024 / 1024:.1f} MB，超过上限 1 MB：请删去不需要的工作表、图片，"
                                "或拆分成几个文件。")
        assert parsed.rows == []
    finally:
        get_settings.cache_clear()


def test_row_cap_refuses_before_reading_the_rest():
    header = ["捐赠日期", "捐赠方", "捐赠方类型", "捐赠形式", "金额"]
    consumed = []

    def rows():
        yield 1, header
        for n in range(2, 1_000_000):
            consumed.append(n)
            yield n, ["2025-05-01", "甲", "企业", "善款", 1]

    parsed = parse_rows(DONATIONS, [("S", date(1899, 12, 30), rows())], max_rows=40)
    assert parsed.error == "文件超过 40 行数据（单次导入的上限）：请拆分成几个文件分别导入。"
    assert parsed.rows == []
    assert len(consumed) == 41  # stopped at the first row over the cap


def test_row_cap_of_a_workbook():
    data = xlsx([["捐赠日期", "捐赠方", "捐赠方类型", "捐赠形式", "金额"]] + [["2025-05-01", "甲", "企业", "善款", 1]] * 4)
    assert parse_file(DONATIONS, data, "x.xlsx", max_rows=4).error is None
    assert parse_file(DONATIONS, data, "x.xlsx", max_rows=3).error == "文件超过 3 行数据（单次导入的上限）：请拆分成几个文件分别导入。"


# ------------------------------------------------------------------------------------------- templates


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_each_template_reads_back(kind):
    template = TEMPLATES[kind]
    data = template_workbook(kind)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [template.label, "说明"]
    ws = wb[template.label]
    assert [c.value for c in ws[1]] == [c.header for c in template.columns]
    assert ws.column_dimensions["A"].width == template.columns[0].width
    guide = list(wb["说明"].iter_rows(values_only=True))
    assert ("列名", "必填", "填写说明", "可选值") in guide
    assert {r[0] for r in guide if r[1] == "是"} == {c.header for c in template.required}
    parsed = parse_file(template, data, template.file_name)
    assert parsed.error is None and parsed.header_row == 1 and parsed.ignored == []
    assert [r.row for r in parsed.rows] == [2]
    assert parsed.rows[0].problems == []
    for column in template.columns:  # the example row reads as the column's kind
        if column.example not in ("", None):
            assert parsed.rows[0].values[column.key] is not None, column.key


def test_activity_template_example_row():
    row = parse_file(ACTIVITIES, template_workbook("activities"), "t.xlsx").rows[0].values
    assert row["activity_date"] == date(2025, 3, 5) and row["start_time"] == time(9) and row["end_time"] == time(11, 30)
    assert row["volunteers"] == [VolunteerEntry("张三", text="张三"), VolunteerEntry("李四", hours=1.5, text="李四:1.5"),
                                 VolunteerEntry("王芳", tail="3418", text="王芳(3418)")]


# ------------------------------------------------------------------------------------------- properties


def _assert_chinese_outcome(parsed: parse.Parsed) -> None:
    if parsed.error is not None:
        assert CJK.search(parsed.error), parsed.error
        assert parsed.rows == []
    for row in parsed.rows:
        assert row.row >= 1
        for problem in row.problems:
            assert problem.row == row.row and CJK.search(problem.reason), problem


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000), st.sampled_from(["x.csv", "x.xlsx", "", "x.txt", "x.xls"]))
def test_any_bytes_give_rows_or_chinese_problems(data, name):
    _assert_chinese_outcome(parse_file(ACTIVITIES, data, name))


_TEMPLATE_BYTES = template_workbook("activities")  # one file for every example (it carries a timestamp)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_workbooks_give_rows_or_chinese_problems(data):
    original = bytearray(_TEMPLATE_BYTES)
    for _ in range(data.draw(st.integers(1, 20))):
        original[data.draw(st.integers(0, len(original) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(4, len(original)))
    _assert_chinese_outcome(parse_file(ACTIVITIES, bytes(original[:cut]), "x.xlsx"))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(max_size=30), min_size=1, max_size=8), max_size=12))
def test_any_csv_text_gives_rows_or_chinese_problems(rows):
    header = "活动日期,活动名称,活动类型,参与志愿者,每人时长（小时）,服务人次,活动时段,开始时间"
    text = header + "\n" + "\n".join(",".join(r) for r in rows)
    for encoding in ("utf-8-sig", "gb18030"):
        _assert_chinese_outcome(parse_file(ACTIVITIES, text.encode(encoding), "x.csv"))


_cells = st.one_of(
    st.none(), st.text(max_size=40), st.integers(-10**9, 10**9), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)), st.times(),
    st.sampled_from(["２０２４年３月５日", "9:00-11:30", "张三、李四:1.5", "合计", "1,200", "#DIV/0!", "＝1+1", "=SUM(A1)"]),
)


def _clean(value):
    # openpyxl refuses control characters in text cells; staff files cannot hold them either.
    if isinstance(value, str):
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]", "", value) or None
    return value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_cells, min_size=9, max_size=9), max_size=8), st.sampled_from(sorted(TEMPLATES)))
def test_any_cell_values_give_rows_or_chinese_problems(rows, kind):
    template = TEMPLATES[kind]
    header = [c.header for c in template.columns][:9]
    header += [None] * (9 - len(header))
    data = xlsx([header, *[[_clean(v) for v in row] for row in rows]])
    parsed = parse_file(template, data, "x.xlsx")
    _assert_chinese_outcome(parsed)
    assert parsed.error is None or "上限" in parsed.error
    for row in parsed.rows:
        for column in template.columns:
            value = row.values[column.key]
            if value is None:
                continue
            expected = {"text": str, "name": str, "choice": str, "int": int, "year": int, "number": float,
                        "date": date, "time": time, "timerange": tuple, "bool": bool, "list": list,
                        "volunteers": list}[column.kind]
            assert isinstance(value, expected), (column.key, value)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.booleans(), st.dates(), st.times()),
       st.sampled_from([c for t in TEMPLATES.values() for c in t.columns]))
def test_any_value_of_any_column_reads_or_says_why_in_chinese(value, column):
    try:
        cells.read_value(column, value)
    except CellError as exc:
        assert CJK.search(str(exc)), str(exc)


def test_bom_is_not_part_of_the_first_header():
    data = codecs.BOM_UTF8 + "捐赠日期,捐赠方,捐赠方类型,捐赠形式,金额\n2025-05-01,甲,企业,善款,1".encode()
    assert parse_file(DONATIONS, data, "x.csv").headers["donated_on"] == "捐赠日期"
