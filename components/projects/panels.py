"""项目成效: the portfolio, and one project's card, figures, trends, targets, reported indicators and mediation
(the entry forms are in ``components.projects.forms``)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components import cards, charts, data
from components.projects import charts as project_charts
from components.projects import data as pdata
from components.tables import mediation_table, reported_table, table_height
from components.tables import show as show_table
from db import clock, figures, vocab
from db.periods import EPOCH, Period
from db.projects import reads as projects
from db.scope import Scope

PICK_KEY = "project_pick"
# On a project, the volunteers “active” in it are those who served in it.
PROJECT_LABELS = {"active_volunteers": "参与志愿者（人）"}

PORTFOLIO_COLUMNS = {
    "project_name": "项目", "owner": "实施主体", "area": "领域", "brand_level": "品牌", "status": "状态",
    "beneficiary_groups": "服务对象", "activities": "活动", "people_served": "服务人次", "hours": "志愿时长",
    "active_volunteers": "志愿者",
}


def portfolio_panel(ver: int, scope: Scope, period: Period) -> None:
    """Projects by the five areas, brand level and status, each with its activities, people, hours, volunteers."""
    cards.figure_tiles(pdata.portfolio_figures(ver, scope, period), per_row=3)
    df = pdata.portfolio(ver, scope, period)
    if df.empty:
        st.info("所选范围和时段内没有项目。")
        return
    left, right = st.columns([3, 2], gap="large")
    left.altair_chart(project_charts.portfolio_bars(projects.portfolio_counts(df, ["area", "status"]), "area",
                                                    "五大领域", list(vocab.FIVE_AREAS)), width="stretch")
    levels = [*vocab.BRAND_LEVELS, "无"]
    right.altair_chart(project_charts.portfolio_bars(projects.portfolio_counts(df, ["brand_level", "status"]),
                                                     "brand_level", "品牌级别", levels), width="stretch")
    with st.container(horizontal=True):
        areas = st.pills("领域", vocab.FIVE_AREAS, selection_mode="multi", key="pf_area")
        levels_picked = st.pills("品牌级别", levels, selection_mode="multi", key="pf_level")
        statuses = st.pills("状态", vocab.PROJECT_STATUSES, selection_mode="multi", key="pf_status")
    shown = projects.filter_portfolio(df, areas, levels_picked, statuses)
    st.caption(f"共 {len(shown)} 个项目 · {period.label()} · 活动（场）、服务人次、志愿时长（小时）与志愿者（人）均取自"
               "该项目的记录；在“项目详情”中查看单个项目。")
    view = shown[list(PORTFOLIO_COLUMNS)].assign(brand_level=shown["brand_level"].fillna("—"))
    show_table(view.rename(columns=PORTFOLIO_COLUMNS), hide_index=True, width="stretch",
                 height=table_height(len(view), 600),
                 column_config={
                     "项目": st.column_config.TextColumn(width="medium"),
                     "实施主体": st.column_config.TextColumn(width="medium"),
                     "活动": st.column_config.NumberColumn(help="活动场次（场）"),
                     "服务人次": st.column_config.NumberColumn(format="%,d", help="活动服务的人次"),
                     "志愿时长": st.column_config.NumberColumn(format="%,.1f", help="已审核的志愿服务时长（小时）"),
                     "志愿者": st.column_config.NumberColumn(help="在该项目有已审核服务记录的志愿者（人）")})


def pick_project(ver: int, scope: Scope) -> int | None:
    """The project to show: ?project=<id> when it is in the scope, else the user's last choice."""
    items = data.project_options(ver, scope)
    if not items:
        st.info("所选范围内没有项目。")
        return None
    names = dict(items)
    wanted = st.query_params.get("project")
    if wanted and wanted.isdigit() and int(wanted) in names and PICK_KEY not in st.session_state:
        st.session_state[PICK_KEY] = int(wanted)
    if st.session_state.get(PICK_KEY) not in names:
        st.session_state.pop(PICK_KEY, None)
    return st.selectbox("选择项目", list(names), format_func=names.get, key=PICK_KEY)


def project_panel(ver: int, scope: Scope, period: Period, today: date | None = None) -> None:
    """One project: its card, figures over ``period``, two monthly trends, targets, reported figures, cases."""
    project_id = pick_project(ver, scope)
    if project_id is None:
        return
    card = pdata.project_card(ver, project_id)
    if card is None:
        st.info("该项目不存在或已被删除。")
        return
    today = today or clock.today()
    _card(card)
    st.subheader(f"项目指标 · {period.label()}")
    cards.figure_tiles(pdata.project_figures(ver, project_id, card.tiles, period), per_row=5, labels=PROJECT_LABELS)
    trends = [key for key, shown in (
        ("activities", card.has_activities), ("people_served", card.has_activities and not card.has_cases),
        ("disputes", card.has_cases), ("trainees", card.has_trainings)) if shown][:2]
    if not trends:
        st.info("该项目还没有活动、调解或培训记录。")
    for n, (col, key) in enumerate(zip(st.columns(2, gap="large"), trends, strict=False)):
        charts.chart_or_info(col, pdata.project_trend(ver, project_id, key, period),
                             lambda df, key=key, n=n: project_charts.project_trend(df, key, charts.PALETTE[n]),
                             f"所选时段内没有{figures.label(key)}记录。")
    st.subheader("目标与进度")
    targets_table(pdata.target_progress(ver, project_id, today))
    st.subheader("报道数据与系统记录")
    indicators = pdata.project_indicators(ver, project_id, today)
    reported_table(indicators)
    if not indicators.empty:
        as_of = max(pd.to_datetime(indicators["as_of"])).date()
        upto = pdata.project_figures(ver, project_id, card.tiles, Period(EPOCH, min(as_of, today)))
        st.caption(f"截至最近报道日（{as_of:%Y-%m-%d}），该项目的系统记录：" + "，".join(
            f"{_short_label(k)} {cards.figure_text(k, upto[k])}{_unit(k)}" for k in card.tiles) + "。")
    if card.has_cases:
        st.subheader("纠纷调解")
        mediation_table(pdata.mediation(ver, Scope(), period, "type", project_id), "纠纷类型")


def _short_label(key: str) -> str:
    return PROJECT_LABELS.get(key, figures.tile_label(key)).split("（")[0]


def _unit(key: str) -> str:
    return "" if figures.is_rate(key) else f" {figures.unit(key)}"


def _card(card: projects.ProjectCard) -> None:
    with st.container(border=True):
        st.markdown(f"#### {card.name}")
        badges = [f":red-badge[{card.area}]", f":blue-badge[{card.status}]"]
        if card.brand_level:
            badges.insert(0, f":orange-badge[{card.brand_level}品牌项目]")
        st.markdown("　".join(badges))
        facts = {"实施主体": card.owner, "所属街道": card.street,
                 "起止日期": f"{_day(card.start_date)} 至 {_day(card.end_date) if card.end_date else '今'}"}
        for col, (label, value) in zip(st.columns(len(facts)), facts.items(), strict=True):
            col.markdown(f":gray[{label}]　{value}")
        if card.beneficiary_groups:
            st.markdown("**服务对象**　" + "　".join(f":violet-badge[{g}]" for g in card.beneficiary_groups))
        if card.description:
            st.caption(card.description)


def _day(d: date | None) -> str:
    return "—" if d is None else f"{d:%Y-%m-%d}"


def targets_table(df: pd.DataFrame) -> None:
    """Targets with actual, progress against the elapsed share of their time span, and a behind flag."""
    if df.empty:
        st.info("该项目还没有设定目标。")
        return
    view = pd.DataFrame({
        "指标": df["label"], "目标值": [f"{v:,.0f} {u}" for v, u in zip(df["target_value"], df["unit"], strict=True)],
        "实际完成": [f"{v:,.0f} {u}" if float(v).is_integer() else f"{v:,.1f} {u}"
                 for v, u in zip(df["actual"], df["unit"], strict=True)],
        "完成进度": df["progress"].clip(upper=1.0), "时间进度": df["elapsed_share"],
        "状态": ["⚠ " + s if b else s for s, b in zip(df["state_label"], df["behind"], strict=True)],
        "开始日期": df["start_date"].map(_day), "截止日期": df["due_date"].map(_day),
    })
    show_table(view, hide_index=True, width="stretch", column_config={
        "完成进度": st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent"),
        "时间进度": st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent"),
    })
    behind = df[df["behind"]]
    if not behind.empty:
        st.warning("进度落后：" + "；".join(f"{r.label}完成 {r.progress * 100:.1f}%，时间已过 {r.elapsed_share * 100:.1f}%"
                                          for r in behind.itertuples()), icon=":material/warning:")
    st.caption("实际完成＝目标开始日至截止日（未到期则至今天）该项目的记录；完成进度＝实际完成 ÷ 目标值；"
               "时间进度＝已过天数 ÷ 目标期限天数（含首尾两天）；完成进度低于时间进度即“进度落后”。")

