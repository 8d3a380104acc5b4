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
