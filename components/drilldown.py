"""Drill-down: the records behind a tile, with a total that equals the tile, and an export that says what a row is.

A figure that counts people (活跃志愿者: approved records of distinct volunteers) is shown and exported one row per
volunteer, so the rows equal the tile; every other figure one row per record. Rows carry words, not only ids: the
volunteer's name (real for staff and admins in their scope, ``db.privacy.sees_real_names``; masked otherwise)
and the activity's title. The file's first line (CSV) or title row (Excel) says what a row is, how many there are,
the place and the period."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlmodel import Session

from components import cards, data
from components.cache import cached
from components.downloads import download
from components.tables import show as show_table
from db import clock, figures, vocab
from db.export import export_file_name, period_file_label, titled_workbook, to_csv_bytes
from db.figures.records import per_volunteer, with_names
from db.periods import Period
from db.privacy import sees_real_names
from db.scope import Scope

# Internal id columns not worth showing.
_HIDDEN = {"street_id", "community_id", "organization_id", "project_id", "team_id"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What one row is, by the record set's first column.
ROW_MEANING = {
    "volunteer_id": "一名注册志愿者", "record_id": "一条已审核的志愿服务记录（一名志愿者参加一场活动）",
    "activity_id": "一场活动", "case_id": "一件受理的纠纷", "donation_id": "一笔捐赠",
    "organization_id": "一家社会组织", "grade_id": "一家社会组织的现行等级", "worker_id": "一名社会工作者",
    "training_id": "一次培训", "project_id": "一个项目",
}
PER_VOLUNTEER = "一名志愿者（其时段内已审核的服务记录合为一行）"

# Column names the record sets use beyond vocab.COLUMN_LABELS; some words differ by record set.
LABELS = {
    **vocab.COLUMN_LABELS, "organization": "机构名称", "reg_status": "登记/备案", "category": "类别",
    "incubation_stage": "孵化阶段", "founded_year": "成立年份", "grade_id": "等级编号", "grade": "等级",
    "awarded_on": "评定日期", "expires_on": "有效期至", "score": "评估得分", "worker_id": "社工编号",
    "level": "职业水平等级", "certified_year": "取证年份", "training_hours": "培训学时", "training_id": "培训编号",
    "held_on": "培训日期", "topic": "培训专题", "sessions": "场次", "trainees": "参训人次", "project_name": "项目名称",
    "area": "服务领域", "brand_level": "品牌级别", "status": "状态", "start_date": "开始日期", "end_date": "结束日期",
    "records": "服务记录（条）", "activity_count": "参加活动（场）", "first_day": "首次服务日期",
    "last_day": "最近服务日期", "activities_list": "参加的活动",
}
_BY_SET = {"training_id": {"title": "培训名称", "hours": "学时"}, "worker_id": {"title": "职务/头衔"}}
_YEARS = {"成立年份", "取证年份"}


def _records_with_names(session: Session, key: str, scope: Scope, period: Period, real_names: bool
                        ) -> pd.DataFrame:
    """The figure's rows (``figures.records``: the tile's own record set) with names and titles."""
    return with_names(session, figures.records(session, key, scope, period), real_names)


_rows = cached(_records_with_names)


def drill_rows(data_ver: int, key: str, scope: Scope, period: Period, real_names: bool
               ) -> tuple[pd.DataFrame, str, str]:
    """(rows as shown and exported, what a row is, the total's text) of the figure ``key``."""
    kpi = figures.figure(key)
    df = _rows(data_ver, key, scope, period, real_names)
    first = df.columns[0] if len(df.columns) else ""
    if kpi.distinct_on == "volunteer_id":
        df = per_volunteer(df)
        meaning = PER_VOLUNTEER
        total = f"{len(df):,} {kpi.unit}"
    elif kpi.measure:
        meaning = ROW_MEANING.get(first, "一条记录")
        total = f"{df[kpi.measure].sum():,.1f} {kpi.unit}（{len(df):,} 行之和）"
    else:
        meaning = ROW_MEANING.get(first, "一条记录")
        total = f"{len(df):,} {kpi.unit}"
    view = df[[c for c in df.columns if c not in _HIDDEN]]
    return view.rename(columns={**LABELS, **_BY_SET.get(first, {})}), meaning, total


def _table(key: str, scope: Scope, period: Period, data_ver: int, scope_name: str) -> None:
    kpi = figures.figure(key)
    real = sees_real_names(st.session_state.get("current_user"))
    view, meaning, total = drill_rows(data_ver, key, scope, period, real)
    st.markdown(f"**{kpi.label}：{total}**　每行为{meaning}，共 {len(view):,} 行。")
    show_table(view, height=380, column_config={c: st.column_config.NumberColumn(format="%d") for c in _YEARS if c in view})
    title = (f"{kpi.label}：{total} · 每行为{meaning}，共 {len(view):,} 行 · {scope_name} · {period_file_label(period)}"
             f" · {'含实名' if real else '姓名已脱敏'}")
    stem = export_file_name(scope_name, period, f"{kpi.label}明细", ext="x")[:-2]
    detail = {"figure": kpi.label, "rows": len(view), "period": period.label(), "real_names": real}
    with st.container(horizontal=True):
        download("导出 Excel", titled_workbook(title, view, kpi.label), file_name=f"{stem}.xlsx", mime=XLSX,
                 key=f"export_{key}_xlsx", table="figure", detail=detail)
        download("导出 CSV", to_csv_bytes(view, title=title), file_name=f"{stem}.csv", mime="text/csv",
                 key=f"export_{key}", table="figure", detail=detail)


@st.dialog("数据明细", width="large")
def show(key: str, scope: Scope, period: Period, scope_name: str, data_ver: int) -> None:
    """The records behind the tile ``key`` for this scope and period."""
    st.caption(f"{scope_name} · {period.label()}")
    if figures.is_rate(key):
        rate = figures.RATES[key]
        values = data.figure_values(data_ver, (rate.numerator, rate.denominator, key), scope, period)
        st.markdown(f"**{rate.label} = {cards.figure_text(key, values[key])}**　{rate.help}："
                    f"{values[rate.numerator]:,.0f} ÷ {values[rate.denominator]:,.0f}")
        numerator, denominator = st.tabs([figures.label(rate.numerator), figures.label(rate.denominator)])
        with numerator:
            _table(rate.numerator, scope, period, data_ver, scope_name)
        with denominator:
            _table(rate.denominator, scope, period, data_ver, scope_name)
    else:
        _table(key, scope, period, data_ver, scope_name)
    _reported(key, scope, data_ver)


def _reported(key: str, scope: Scope, data_ver: int) -> None:
    """Figures from reports on the same KPI, with qualifier, source and date — shown beside, never added."""
    reported = data.reported(data_ver, scope, clock.today())
    reported = reported[reported["kpi_key"] == key] if not reported.empty else reported
    if reported.empty:
        return
    st.markdown("**报道数据**（按原文列示，不计入上方统计）")
    for r in reported.itertuples():
        q = "" if r.qualifier == "=" else f"{r.qualifier} "
        value = f"{r.value:,.0f}" if float(r.value).is_integer() else f"{r.value:g}"
        records = ("" if r.record_value is None or pd.isna(r.record_value)
                   else f"；记录（截至报道日）：{r.record_value:,.1f}".rstrip("0").rstrip(".") + r.unit)
        st.markdown(f"- {r.subject} · {r.metric}：{q}{value}{r.unit}（{r.source}，{r.as_of:%Y-%m-%d}）{records}")
