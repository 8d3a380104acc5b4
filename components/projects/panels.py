"""项目成效: cached loaders, the portfolio, one project's card, figures, trend, targets, reported indicators and
beneficiary groups, and the forms of projects (with targets), targets and reported indicators."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from components import cards, charts
from components.cache import engine
from components.forms import after_save, form_key, run_create, show_flash, show_refusal
from components.organizations.panels import (
    NONE,
    mediation_table,
    table_height,
    tiles,
)
from components.places.profile import reported_table
from db import clock, figures, vocab
from db.auth import CurrentUser
from db.engine import session_scope
from db.errors import WriteError
from db.organizations.reads import mediation_breakdown, organization_options
from db.periods import EPOCH, Period
from db.places import lists as queries
from db.projects import reads as projects
from db.projects.writes import (
    IndicatorInput,
    NewTarget,
    ProjectInput,
    TargetInput,
    create_indicator,
    create_project,
    create_target,
    project_for_edit,
    update_project,
)
from db.scope import Scope
from db.settings import get_settings

_TTL = get_settings().cache_ttl_seconds
PICK_KEY = "project_pick"
# On a project, the volunteers “active” in it are those who served in it.
PROJECT_LABELS = {"active_volunteers": "参与志愿者（人）"}


# ------------------------------------------------------------------------------------------ cached reads


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=256)
def read(data_ver: int, name: str, *args: Any) -> Any:
    """``db.projects.<name>(session, *args)``, cached per data version and arguments."""
    with session_scope(engine()) as session:
        return getattr(projects, name)(session, *args)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def project_mediation(data_ver: int, project_id: int, period: Period, by: str) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return mediation_breakdown(session, Scope(), period, by, project_id)


@st.cache_data(ttl=3600, show_spinner=False)
def options(data_ver: int, name: str, *args: Any) -> list[tuple[Any, str]]:
    with session_scope(engine()) as session:
        if name == "streets":
            return queries.streets(session, *args)
        if name == "communities":
            return queries.communities(session, *args)
        if name == "organizations":
            return organization_options(session, *args)
        return projects.project_options(session, *args)


# ------------------------------------------------------------------------------------------------ charts


def portfolio_bars(counts: pd.DataFrame, by: str, title: str, domain: list[str]) -> alt.Chart:
    """Projects per ``by`` (the five areas, brand level…), split by status."""
    chart = alt.Chart(counts).mark_bar(cornerRadiusEnd=2).encode(
        x=alt.X(f"{by}:N", title=None, sort=domain, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("projects:Q", title=None, axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("status:N", title="状态", scale=alt.Scale(domain=list(vocab.PROJECT_STATUSES),
                                                                 range=[charts.PALETTE[2], charts.PALETTE[0],
                                                                        charts.PALETTE[5]])),
        tooltip=[alt.Tooltip(f"{by}:N", title=title), alt.Tooltip("status:N", title="状态"),
                 alt.Tooltip("projects:Q", title="项目（个）")],
    )
    return charts.style(chart.properties(height=260, title=f"{title}（项目数）"))


# ------------------------------------------------------------------------------------------------ portfolio

PORTFOLIO_COLUMNS = {
    "project_name": "项目", "owner": "实施主体", "area": "领域", "brand_level": "品牌", "status": "状态",
    "beneficiary_groups": "服务对象", "activities": "活动", "people_served": "服务人次", "hours": "志愿时长",
    "active_volunteers": "志愿者",
}


def portfolio_panel(ver: int, scope: Scope, period: Period) -> None:
    """Projects by the five areas, brand level and status, each with its activities, people, hours, volunteers."""
    tiles(read(ver, "portfolio_figures", scope, period), per_row=3)
    df = read(ver, "portfolio", scope, period)
    if df.empty:
        st.info("所选范围和时段内没有项目。")
        return
    left, right = st.columns([3, 2], gap="large")
    left.altair_chart(portfolio_bars(projects.portfolio_counts(df, ["area", "status"]), "area", "五大领域",
                                     list(vocab.FIVE_AREAS)), width="stretch")
    levels = [*vocab.BRAND_LEVELS, "无"]
    right.altair_chart(portfolio_bars(projects.portfolio_counts(df, ["brand_level", "status"]), "brand_level",
                                      "品牌级别", levels), width="stretch")
    with st.container(horizontal=True):
        areas = st.pills("领域", vocab.FIVE_AREAS, selection_mode="multi", key="pf_area")
        levels_picked = st.pills("品牌级别", levels, selection_mode="multi", key="pf_level")
        statuses = st.pills("状态", vocab.PROJECT_STATUSES, selection_mode="multi", key="pf_status")
    shown = projects.filter_portfolio(df, areas, levels_picked, statuses)
    st.caption(f"共 {len(shown)} 个项目 · {period.label()} · 活动（场）、服务人次、志愿时长（小时）与志愿者（人）均取自"
               "该项目的记录；在“项目详情”中查看单个项目。")
    view = shown[list(PORTFOLIO_COLUMNS)].assign(brand_level=shown["brand_level"].fillna("—"))
    st.dataframe(view.rename(columns=PORTFOLIO_COLUMNS), hide_index=True, width="stretch",
                 height=table_height(len(view), 600),
                 column_config={
                     "项目": st.column_config.TextColumn(width="medium"),
                     "实施主体": st.column_config.TextColumn(width="medium"),
                     "活动": st.column_config.NumberColumn(help="活动场次（场）"),
                     "服务人次": st.column_config.NumberColumn(format="%,d", help="活动服务的人次"),
                     "志愿时长": st.column_config.NumberColumn(format="%,.1f", help="已审核的志愿服务时长（小时）"),
                     "志愿者": st.column_config.NumberColumn(help="在该项目有已审核服务记录的志愿者（人）")})


# ------------------------------------------------------------------------------------------------ one project


def pick_project(ver: int, scope: Scope) -> int | None:
    """The project to show: ?project=<id> when it is in the scope, else the user's last choice."""
    items = options(ver, "projects", scope)
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


def project_panel(ver: int, scope: Scope, period: Period) -> None:
    project_id = pick_project(ver, scope)
    if project_id is None:
        return
    card = read(ver, "project_card", project_id)
    if card is None:
        st.info("该项目不存在或已被删除。")
        return
    today = clock.today()
    _card(card)
    st.subheader(f"项目指标 · {period.label()}")
    tiles(read(ver, "project_figures", project_id, card.tiles, period), per_row=5, labels=PROJECT_LABELS)
    trends = [(key, title, unit) for key, title, unit, shown in (
        ("activities", "活动场次（按月）", "场", card.has_activities),
        ("people_served", "服务人次（按月）", "人次", card.has_activities and not card.has_cases),
        ("disputes", "受理纠纷（按月）", "件", card.has_cases),
        ("trainees", "培训人次（按月）", "人次", card.has_trainings)) if shown][:2]
    if not trends:
        st.info("该项目还没有活动、调解或培训记录。")
    for col, (n, (key, title, unit)) in zip(st.columns(2, gap="large"), enumerate(trends), strict=False):
        trend = read(ver, "project_trend", project_id, key, period)
        if trend.empty:
            col.info(f"所选时段内没有{title[:-4]}记录。")
        else:
            col.altair_chart(charts.monthly_trend(trend, title, unit, color=charts.PALETTE[n]), width="stretch")
    st.subheader("目标与进度")
    targets_table(read(ver, "target_progress", project_id, today))
    st.subheader("报道数据与系统记录")
    indicators = read(ver, "project_indicators", project_id, today)
    reported_table(indicators)
    if not indicators.empty:
        as_of = max(pd.to_datetime(indicators["as_of"])).date()
        upto = read(ver, "project_figures", project_id, card.tiles, Period(EPOCH, min(as_of, today)))
        st.caption(f"截至最近报道日（{as_of:%Y-%m-%d}），该项目的系统记录：" + "，".join(
            f"{_short_label(k)} {cards.figure_text(k, upto[k])}{_unit(k)}" for k in card.tiles) + "。")
    if card.has_cases:
        st.subheader("纠纷调解")
        mediation_table(project_mediation(ver, project_id, period, "type"), "纠纷类型")


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
        cols = st.columns(len(facts))
        for col, (label, value) in zip(cols, facts.items(), strict=True):
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
    st.dataframe(view, hide_index=True, width="stretch", column_config={
        "完成进度": st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent"),
        "时间进度": st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent"),
    })
    behind = df[df["behind"]]
    if not behind.empty:
        st.warning("进度落后：" + "；".join(f"{r.label}完成 {r.progress * 100:.1f}%，时间已过 {r.elapsed_share * 100:.1f}%"
                                          for r in behind.itertuples()), icon=":material/warning:")
    st.caption("实际完成＝目标开始日至截止日（未到期则至今天）该项目的记录；完成进度＝实际完成 ÷ 目标值；"
               "时间进度＝已过天数 ÷ 目标期限天数（含首尾两天）；完成进度低于时间进度即“进度落后”。")


# ------------------------------------------------------------------------------------------------- forms

FORMS = ("新建项目（含目标）", "为项目添加目标", "修改项目", "报道数据")
TARGET_COLS = {"metric": "目标指标", "target_value": "目标值", "start_date": "开始日期（空＝项目开始）",
               "due_date": "截止日期"}


def _form_key(kind: str) -> str:
    return form_key(f"project_form_key_{kind}")


def _run(kind: str, create, user: CurrentUser, data: Any, message: str) -> None:
    run_create(f"project_form_key_{kind}", "project_saved", create, user, data,
               lambda record_id: f"{message}（编号 {record_id}）。")


def entry_panel(ver: int, user: CurrentUser) -> None:
    """Forms: a project with its targets, a target for an existing project, a project edit, a reported figure."""
    show_flash("project_saved")
    streets = options(ver, "streets", user.scope)
    if not streets:
        st.warning("您的数据范围内没有街道，无法录入。请联系管理员。")
        return
    names = dict(streets)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        kind = st.segmented_control("录入内容", FORMS, default=FORMS[0], key="project_form_kind") or FORMS[0]
        street_id = st.selectbox("所属街道", list(names), format_func=names.get, key="project_form_street") \
            if len(streets) > 1 else streets[0][0]
    scope = Scope(street_id=street_id) if user.scope.community_id is None else user.scope
    if kind == FORMS[0]:
        _project_form(ver, user, street_id, scope)
    elif kind == FORMS[1]:
        _target_form(ver, user, scope)
    elif kind == FORMS[2]:
        _edit_form(ver, user, scope)
    else:
        _indicator_form(ver, user, street_id, scope)


def _project_fields(ver: int, key: str, street_id: int, scope: Scope, init: ProjectInput | None) -> ProjectInput:
    init = init or ProjectInput(name="", area=vocab.FIVE_AREAS[0], start_date=clock.today())
    name = st.text_input("项目名称", value=init.name or "", max_chars=80, key=f"pj_name_{key}")
    c1, c2, c3 = st.columns(3)
    area = c1.selectbox("服务领域", vocab.FIVE_AREAS, index=vocab.FIVE_AREAS.index(init.area)
                        if init.area in vocab.FIVE_AREAS else 0, key=f"pj_area_{key}")
    status = c2.selectbox("项目状态", vocab.PROJECT_STATUSES, index=vocab.PROJECT_STATUSES.index(init.status)
                          if init.status in vocab.PROJECT_STATUSES else 1, key=f"pj_status_{key}")
    levels = [None, *vocab.BRAND_LEVELS]
    level = c3.selectbox("品牌级别", levels, index=levels.index(init.brand_level) if init.brand_level in levels else 0,
                         format_func=lambda v: v or "（非品牌项目）", key=f"pj_level_{key}")
    groups = st.multiselect("服务对象", vocab.BENEFICIARY_GROUPS, default=[g for g in init.beneficiary_groups
                                                                       if g in vocab.BENEFICIARY_GROUPS],
                            placeholder="请选择（可多选）", key=f"pj_groups_{key}")
    c1, c2, c3, c4 = st.columns(4)
    start = c1.date_input("开始日期", value=init.start_date, key=f"pj_start_{key}")
    end = c2.date_input("结束日期（可空）", value=init.end_date, key=f"pj_end_{key}")
    comms = dict(options(ver, "communities", scope, street_id))
    comm_ids = [None, *comms]
    community = c3.selectbox("所属社区", comm_ids, index=comm_ids.index(init.community_id)
                             if init.community_id in comm_ids else 0,
                             format_func=lambda c: NONE if c is None else comms[c], key=f"pj_comm_{key}")
    orgs = dict(options(ver, "organizations", Scope(street_id=street_id)))
    org_ids = [None, *orgs]
    org = c4.selectbox("实施机构", org_ids, index=org_ids.index(init.organization_id)
                       if init.organization_id in org_ids else 0,
                       format_func=lambda o: NONE if o is None else orgs[o], key=f"pj_org_{key}")
    description = st.text_area("项目简介", value=init.description or "", max_chars=2000, height=68,
                               key=f"pj_desc_{key}")
    return ProjectInput(name=name, area=area, status=status, brand_level=level, beneficiary_groups=groups,
                        start_date=start, end_date=end, description=description, street_id=street_id,
                        community_id=community, organization_id=org)


def _project_form(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    key = _form_key("project")
    metric_labels = dict(projects.metric_options())
    by_label = {v: k for k, v in metric_labels.items()}
    with st.form(f"project_{key}", border=True):
        data = _project_fields(ver, key, street_id, scope, None)
        st.markdown("**项目目标**（可添加多行；指标取自系统记录，按目标期限统计）")
        frame = pd.DataFrame(columns=list(TARGET_COLS.values())).astype(
            {TARGET_COLS["target_value"]: "float", TARGET_COLS["start_date"]: "datetime64[ns]",
             TARGET_COLS["due_date"]: "datetime64[ns]"})
        edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, width="stretch", key=f"pj_targets_{key}",
                                column_config={
                                    TARGET_COLS["metric"]: st.column_config.SelectboxColumn(
                                        options=list(by_label), width="medium"),
                                    TARGET_COLS["target_value"]: st.column_config.NumberColumn(min_value=0.0),
                                    TARGET_COLS["start_date"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
                                    TARGET_COLS["due_date"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
                                })
        submitted = st.form_submit_button("保存项目", type="primary")
    if submitted:
        data.targets = [TargetInput(metric=by_label.get(r[TARGET_COLS["metric"]]),
                                    target_value=_cell(r[TARGET_COLS["target_value"]]),
                                    start_date=_cell_day(r[TARGET_COLS["start_date"]]),
                                    due_date=_cell_day(r[TARGET_COLS["due_date"]]))
                        for _, r in edited.iterrows() if not all(_cell(v) is None for v in r.values)]
        _run("project", create_project, user, data, f"已保存项目「{(data.name or '').strip()}」")


def _cell(value: Any) -> Any:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _cell_day(value: Any) -> date | None:
    value = _cell(value)
    if value is None:
        return None
    return pd.Timestamp(value).date()


def _target_form(ver: int, user: CurrentUser, scope: Scope) -> None:
    key = _form_key("target")
    items = dict(options(ver, "projects", scope))
    if not items:
        st.info("所选街道没有项目。")
        return
    metric_labels = dict(projects.metric_options())
    with st.form(f"target_{key}", border=True):
        project_id = st.selectbox("所属项目", list(items), format_func=items.get, key=f"tg_project_{key}")
        c1, c2, c3, c4 = st.columns(4)
        metric = c1.selectbox("目标指标", list(metric_labels), format_func=metric_labels.get, key=f"tg_metric_{key}")
        value = c2.number_input("目标值", min_value=0.0, value=None, key=f"tg_value_{key}")
        start = c3.date_input("开始日期（空＝项目开始）", value=None, key=f"tg_start_{key}")
        due = c4.date_input("截止日期", value=None, key=f"tg_due_{key}")
        submitted = st.form_submit_button("保存目标", type="primary")
    if submitted:
        _run("target", create_target, user, NewTarget(project_id, TargetInput(metric, value, due, start)),
             f"已为「{items[project_id]}」添加目标")


def _edit_form(ver: int, user: CurrentUser, scope: Scope) -> None:
    items = dict(options(ver, "projects", scope))
    if not items:
        st.info("所选街道没有项目。")
        return
    project_id = st.selectbox("选择要修改的项目", list(items), format_func=items.get, key="pj_edit_pick")
    opened = st.session_state.get("pj_edit_opened")
    if not opened or opened[0] != project_id:
        try:
            with session_scope(engine()) as session:
                initial, version = project_for_edit(session, user, project_id)
        except WriteError as exc:
            st.error(str(exc))
            return
        opened = (project_id, version, initial, uuid.uuid4().hex)
        st.session_state["pj_edit_opened"] = opened
    _, version, initial, nonce = opened
    with st.form(f"pj_edit_{nonce}", border=True):
        st.markdown(f"**修改项目 #{project_id}**（版本 {version}；目标不在此修改）")
        data = _project_fields(ver, f"edit_{nonce}", initial.street_id, scope, initial)
        submitted = st.form_submit_button("保存修改", type="primary")
    if not submitted:
        return
    try:
        with session_scope(engine(), write=True) as session:
            update_project(session=session, user=user, project_id=project_id, expected_version=version, data=data)
    except WriteError as exc:
        show_refusal(exc)
    else:
        st.session_state.pop("pj_edit_opened", None)
        after_save("project_saved", f"项目 #{project_id} 已修改。")


def _indicator_form(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    key = _form_key("indicator")
    items = dict(options(ver, "projects", scope))
    kpis = dict(projects.indicator_kpi_options())
    with st.form(f"indicator_{key}", border=True):
        st.caption("报道、总结中的数字按原文录入（“余/超/以上”选 ≥），与系统记录分开显示，不计入统计。")
        c1, c2 = st.columns(2)
        subject = c1.text_input("主体（机构、项目或社区）", max_chars=80, key=f"ind_subject_{key}")
        metric = c2.text_input("指标名称", max_chars=60, key=f"ind_metric_{key}")
        c1, c2, c3, c4 = st.columns(4)
        qualifier = c1.selectbox("限定词", list(vocab.QUALIFIERS), format_func=lambda q: f"{q} {vocab.QUALIFIERS[q]}",
                                 key=f"ind_q_{key}")
        value = c2.number_input("报道数值", value=None, format="%g", key=f"ind_value_{key}")
        unit = c3.text_input("单位", max_chars=10, key=f"ind_unit_{key}")
        as_of = c4.date_input("截至日期", value=None, max_value=clock.today(), key=f"ind_asof_{key}")
        source = st.text_input("来源（如报道名称、网站）", max_chars=200, key=f"ind_source_{key}")
        c1, c2 = st.columns(2)
        project_id = c1.selectbox("所属项目", [None, *items], format_func=lambda p: NONE if p is None else items[p],
                                  key=f"ind_project_{key}")
        kpi_key = c2.selectbox("对应记录指标（可选，用于对照）", [None, *kpis],
                               format_func=lambda k: NONE if k is None else kpis[k], key=f"ind_kpi_{key}")
        note = st.text_input("备注", max_chars=300, key=f"ind_note_{key}")
        submitted = st.form_submit_button("保存报道数据", type="primary")
    if submitted:
        data = IndicatorInput(subject=subject, metric=metric, value=value, qualifier=qualifier, unit=unit, as_of=as_of,
                              source=source, note=note, kpi_key=kpi_key, street_id=street_id, project_id=project_id)
        _run("indicator", create_indicator, user, data, "已保存报道数据")
