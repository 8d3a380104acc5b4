"""What a user reads (issue 10): no “None”, “nan”, “True” or “False” in any shown table or text, no year written with a
thousands separator (“2,010年”), blank cells empty or “—”, booleans 是/否 — on every page for every role (AppTest),
and in the exports (db.export, the drill-down files)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from components import nav
from tests.ui_helpers import DEMO_ROLES, assert_clean, current_user, open_page

BAD_WORDS = re.compile(r"(?<![A-Za-z])(None|nan|NaN|NaT|True|False)(?![A-Za-z])")
COMMA_YEAR = re.compile(r"(?<![\d,])[12],\d{3}\s*年")
YEAR_COLUMN = re.compile(r"年份|年度|^年$")


def _config(table) -> dict:
    try:
        return json.loads(table.proto.columns or "{}")
    except (ValueError, AttributeError):
        return {}


def table_problems(table) -> list[str]:
    """What a shown dataframe would display wrongly: null cells (shown “None”), booleans (True/False or a checkbox
    instead of 是/否), texts that read None/nan/True/False, a year column formatted with a thousands separator."""
    df: pd.DataFrame = table.value
    config = _config(table)
    out = []
    for column in df.columns:
        values = df[column]
        name = str(column)
        if values.isna().any():
            out.append(f"{name}: empty cells shown as None")
        if values.dtype == bool or any(isinstance(v, bool) for v in values.head(200)):
            out.append(f"{name}: booleans shown as True/False or a checkbox, not 是/否")
        if values.dtype == object:
            bad = [v for v in values.head(500) if isinstance(v, str) and (BAD_WORDS.fullmatch(v.strip())
                                                                           or COMMA_YEAR.search(v))]
            if bad:
                out.append(f"{name}: {bad[:3]}")
        if YEAR_COLUMN.search(name) and pd.api.types.is_numeric_dtype(values):
            fmt = (config.get(name) or {}).get("type_config", {}).get("format") or ""
            if fmt != "%d" and not fmt.startswith("%d"):
                out.append(f"{name}: a year column without the %d format (shown with a thousands separator)")
    return out


def text_problems(at) -> list[str]:
    out = []
    for element in (*at.markdown, *at.caption, *at.info, *at.metric, *at.title, *at.subheader):
        text = str(getattr(element, "value", ""))
        if BAD_WORDS.search(re.sub(r"<[^>]+>|`[^`]*`", "", text)) or COMMA_YEAR.search(text):
            out.append(text[:120])
    return out


@pytest.mark.parametrize("username", list(DEMO_ROLES))
@pytest.mark.parametrize("page", [page.path for page in nav.PAGES if page.path != nav.SCREEN])
def test_no_page_shows_none_nan_booleans_or_comma_years(app_db, page, username):
    if not nav.may_open(current_user(username), page):
        pytest.skip("the role may not open this page (tests/test_pages.py checks the refusal)")
    at = open_page(username, page)
    assert_clean(at)
    problems = {f"table {i}": p for i, t in enumerate(at.dataframe) if (p := table_problems(t))}
    if words := text_problems(at):
        problems["text"] = words
    assert not problems, (page, username, problems)


LAZY_TABS = [  # (page, the tabs' state key, a tab that only runs when opened)
    *[("pages/4_charity.py", "charity_tab", t) for t in ("供需", "对接", "捐赠")],
    *[("pages/3_volunteers.py", "volunteer_tab", t) for t in ("星级认定", "活跃度", "志愿者档案", "登记与审核")],
    *[("pages/9_admin.py", "admin_tab", t) for t in ("用户", "基础数据", "星级与等级", "操作日志", "演示数据")],
]


@pytest.mark.parametrize("username", ["demo_staff", "demo_admin"])
@pytest.mark.parametrize(("page", "key", "tab"), LAZY_TABS, ids=[f"{p}-{t}" for p, _k, t in LAZY_TABS])
def test_no_lazy_tab_shows_none_nan_booleans_or_comma_years(app_db, page, key, tab, username):
    if not nav.may_open(current_user(username), page):
        pytest.skip("the role may not open this page")
    at = open_page(username, page)
    at.session_state[key] = tab
    at = at.run()
    assert_clean(at)
    problems = {f"table {i}": p for i, t in enumerate(at.dataframe) if (p := table_problems(t))}
    if words := text_problems(at):
        problems["text"] = words
    assert not problems, (page, tab, username, problems)


# ------------------------------------------------------------------------------------------ drill-down exports


def _figure_value(key, scope, period) -> float:
    from db import figures
    from db.engine import get_engine, session_scope

    with session_scope(get_engine()) as s:
        return figures.value(s, key, scope, period)


@pytest.mark.parametrize("key", ["active_volunteers", "hours", "activities", "money", "social_orgs",
                                 "social_workers", "volunteers"])
def test_drilldown_rows_carry_words_say_what_a_row_is_and_people_rows_equal_the_tile(app_db, key):
    import io

    from openpyxl import load_workbook

    from components import drilldown
    from db import clock, figures
    from db.export import titled_workbook, to_csv_bytes
    from db.periods import period_of
    from db.scope import Scope

    period, scope = period_of("year", clock.today()), Scope()
    view, meaning, total = drilldown.drill_rows(1, key, scope, period, False)
    kpi = figures.figure(key)
    tile = _figure_value(key, scope, period)
    assert len(view) > 0
    if key == "active_volunteers":
        # One row per volunteer: the rows equal the tile (not the records behind it).
        assert len(view) == tile and meaning == drilldown.PER_VOLUNTEER
        assert view["志愿者编号"].is_unique
        records = figures.records
        from db.engine import get_engine, session_scope

        with session_scope(get_engine()) as s:
            raw = records(s, key, scope, period)
        assert len(raw) > len(view)  # several records of one volunteer are one row
        assert abs(view["时长（小时）"].sum() - raw["hours"].sum()) < 1e-6
        assert view["服务记录（条）"].sum() == len(raw)
    elif kpi.measure:
        assert abs(view[drilldown.LABELS[kpi.measure]].sum() - tile) < 1e-6
    else:
        assert len(view) == tile
    if "志愿者编号" in view and "姓名" in view:
        assert view["姓名"].map(lambda n: isinstance(n, str) and "*" in n).all()  # masked for this reader
    if "活动编号" in view:
        assert "活动名称" in view and view["活动名称"].map(lambda t: isinstance(t, str) and t != "").all()
    # The files: a first line saying what a row is and how many; no True/False/None/nan anywhere.
    title = f"{kpi.label}：{total} · 每行为{meaning}，共 {len(view):,} 行"
    csv = to_csv_bytes(view, title=title).decode("utf-8-sig")
    first, header = csv.splitlines()[:2]
    assert "每行为" in first and f"共 {len(view):,} 行" in first and header.split(",")[0] == view.columns[0]
    assert not BAD_WORDS.search(csv.split("\n", 1)[1]), BAD_WORDS.search(csv).group(0)
    ws = load_workbook(io.BytesIO(titled_workbook(title, view, kpi.label))).active
    assert ws["A1"].value == title and ws.max_row == len(view) + 3
    cells = [c.value for row in ws.iter_rows(min_row=4) for c in row]
    assert not [v for v in cells if isinstance(v, bool) or v in ("True", "False", "None", "nan")]


def test_drilldown_shows_real_names_to_staff_and_masked_ones_to_leaders(app_db):
    from components import drilldown
    from db import clock
    from db.periods import period_of
    from db.privacy import sees_real_names
    from db.scope import Scope

    assert sees_real_names(current_user("demo_staff")) and sees_real_names(current_user("demo_admin"))
    assert not sees_real_names(current_user("demo_leader")) and not sees_real_names(None)
    period = period_of("year", clock.today())
    real, _m, _t = drilldown.drill_rows(1, "active_volunteers", Scope(), period, True)
    masked, _m, _t = drilldown.drill_rows(1, "active_volunteers", Scope(), period, False)
    assert list(real["志愿者编号"]) == list(masked["志愿者编号"])
    assert not real["姓名"].str.contains(r"\*").any() and masked["姓名"].str.contains(r"\*").all()


def test_exports_write_booleans_as_words_and_blanks_as_empty_cells():
    from db.export import to_csv_bytes

    frame = pd.DataFrame({"名称": ["甲", None], "参与": [True, False], "面积": [12.5, float("nan")],
                          "成立年份": [2010, 2011]})
    csv = to_csv_bytes(frame).decode("utf-8-sig")
    assert csv.splitlines()[1:] == ["甲,是,12.5,2010", ",否,,2011"]


def test_tables_write_blanks_booleans_and_years_as_people_read_them():
    from components import fmt
    from components.tables import readable

    frame = pd.DataFrame({"社区": ["甲", None], "参与": [True, False], "面积（㎡）": [1234.5, float("nan")],
                          "成立年份": [2010.0, float("nan")], "人数": [3, 4]})
    view, changed = readable(frame)
    assert changed == {"社区", "参与", "面积（㎡）", "成立年份"}  # 人数 has no blank: it stays a number column
    assert view.to_dict("list") == {"社区": ["甲", "—"], "参与": ["是", "否"], "面积（㎡）": ["1,234.5", "—"],
                                    "成立年份": ["2010", "—"], "人数": [3, 4]}
    assert (fmt.number(float("nan")), fmt.exact(None), fmt.year(2010.0)) == ("—", "—", "2010")


def test_an_exported_list_or_mapping_reads_in_words():
    from db.export import plain

    assert plain([True, None, "甲"]) == "是、、甲"
    assert plain({"参与": False, "备注": None, "人数": 3}) == "参与：否；备注：；人数：3"
