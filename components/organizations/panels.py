"""社会组织与社工: cached loaders, tiles, charts and panels (register, grades, brands, social workers, trainings,
mediation), and the entry forms of organisations, grades, social workers, trainings and mediation cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from components import cards, charts, data, fmt
from components.cache import engine
from components.forms import form_key, run_change, run_create, show_flash
from components.places.profile import reported_table
from db import clock, vocab
from db.auth import CurrentUser
from db.engine import session_scope
from db.organizations import reads as organizations
from db.organizations.writes import (
    GradeInput,
    MediationInput,
    OrganizationInput,
    SocialWorkerInput,
    TrainingInput,
    conclude_mediation_case,
    create_grade,
    create_mediation_case,
    create_organization,
    create_social_worker,
    create_training,
    drop_city_bands,
    organization_for_edit,
    social_worker_for_edit,
    update_grade_bands,
    update_organization,
    update_social_worker,
)
from db.periods import Period
from db.places import lists as queries
from db.scope import Scope
from db.settings import get_settings

_TTL = get_settings().cache_ttl_seconds
NONE = "（无）"


# ------------------------------------------------------------------------------------------ cached reads


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=256)
def read(data_ver: int, name: str, *args: Any) -> Any:
    """``db.organizations.<name>(session, *args)``, cached per data version and arguments."""
    with session_scope(engine()) as session:
        return getattr(organizations, name)(session, *args)


@st.cache_data(ttl=3600, show_spinner=False)
def options(data_ver: int, name: str, *args: Any) -> list[tuple[Any, str]]:
    """Reference lists for the forms (organisations, teams, projects, streets, communities)."""
    with session_scope(engine()) as session:
        if name == "streets":
            return queries.streets(session, *args)
        if name == "communities":
            return queries.communities(session, *args)
        if name == "projects":
            from db.projects.reads import project_options

            return project_options(session, *args)
        return getattr(organizations, name)(session, *args)


# ------------------------------------------------------------------------------------------ tiles and text


def tiles(values: dict[str, float | None], per_row: int = 5, labels: dict[str, str] | None = None) -> None:
    """A row (or rows) of figure tiles (``components.cards.figure_tiles``)."""
    cards.figure_tiles(values, per_row, labels=labels)


def table_height(rows: int, cap: int = 560) -> int:
    """A dataframe height that shows ``rows`` rows without an inner scroll bar, up to ``cap`` pixels."""
    return min(cap, 38 + 35 * max(rows, 1))


def rate_texts(values) -> list[str]:
    return [fmt.percent(None if v is None or pd.isna(v) else float(v)) for v in values]


# ------------------------------------------------------------------------------------------------ charts


def stacked_bars(df: pd.DataFrame, category: str, series: str, value: str, *, category_title: str,
                 series_title: str, colors: list[str] | None = None, sort: list[str] | None = None,
                 height: int | None = None) -> alt.Chart:
    """Horizontal stacked bars: one bar per ``category``, split by ``series``."""
    domain = sort or sorted(df[series].unique().tolist())
    df = df.assign(_order=df[series].map({name: i for i, name in enumerate(domain)}))
    chart = alt.Chart(df).mark_bar(cornerRadiusEnd=2).encode(
        y=alt.Y(f"{category}:N", title=None, sort="-x", axis=alt.Axis(labelLimit=220, labelOverlap=False)),
        x=alt.X(f"sum({value}):Q", title=None, axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color(f"{series}:N", title=series_title, scale=alt.Scale(domain=domain,
                                                                          range=colors or charts.PALETTE)),
        order=alt.Order("_order:Q"),
        tooltip=[alt.Tooltip(f"{category}:N", title=category_title), alt.Tooltip(f"{series}:N", title=series_title),
                 alt.Tooltip(f"{value}:Q", title="数量", format=",.0f")],
    )
    rows = df[category].nunique()
    # Streamlit fits the whole chart (axes and legend included) into this height.
    return charts.style(chart.properties(height=height or max(180, 34 * rows + 110)))


def _long(df: pd.DataFrame, id_col: str, columns: dict[str, str]) -> pd.DataFrame:
    out = df.melt(id_vars=[id_col], value_vars=list(columns), var_name="series", value_name="value")
    out["series"] = out["series"].map(columns)
    return out


# ------------------------------------------------------------------------------------------------ panels


def register_panel(ver: int, scope: Scope, today: date) -> None:
    """登记 vs 备案 by street and type, incubation stages, and the reported figures beside the records."""
    figures = read(ver, "register_figures", scope, today)
    tiles({k: figures[k] for k in ("orgs_registered", "orgs_filed", "social_orgs", "orgs_graded",
                                   "grades_running_out")})
    status = {"orgs_registered": "登记", "orgs_filed": "备案"}
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**按街道：登记与备案**")
        by_street = read(ver, "register_by", scope, "street")
        if by_street.empty:
            st.info("所选范围内没有登记或备案的社会组织。")
        else:
            st.altair_chart(stacked_bars(_long(by_street, "group", status), "group", "series", "value",
                                         category_title="街道", series_title="状态", sort=["登记", "备案"]),
                            width="stretch")
            st.dataframe(by_street.rename(columns={"group": "街道", "orgs_registered": "登记（家）",
                                                   "orgs_filed": "备案（家）", "total": "合计（家）"}),
                         hide_index=True, width="stretch")
    with right:
        st.markdown("**按类型：登记与备案**")
        by_type = read(ver, "register_by", scope, "category")
        st.dataframe(by_type.rename(columns={"group": "类型", "orgs_registered": "登记（家）",
                                             "orgs_filed": "备案（家）", "total": "合计（家）"}),
                     hide_index=True, width="stretch")
        st.markdown("**孵化阶段**")
        stages = read(ver, "register_by", scope, "incubation_stage")
        st.dataframe(stages.rename(columns={"group": "孵化阶段", "orgs_registered": "登记（家）",
                                            "orgs_filed": "备案（家）", "total": "合计（家）"}),
                     hide_index=True, width="stretch")
    with st.expander("社会组织名册"):
        roster = read(ver, "organization_table", scope)
        text = [c for c in ("reg_status", "category", "incubation_stage", "community", "grade") if c in roster]
        st.dataframe(roster.drop(columns=["organization_id"]).fillna(dict.fromkeys(text, "—")).rename(columns={
            "organization": "名称", "kind": "机构类型", "reg_status": "登记/备案", "category": "类型",
            "incubation_stage": "孵化阶段", "founded_year": "成立年份", "street": "街道", "community": "社区",
            "grade": "当前等级"}), hide_index=True, width="stretch", height=360,
            column_config={"成立年份": st.column_config.NumberColumn(format="%d")})
    st.markdown("**报道数据与系统记录**")
    reported_table(read(ver, "register_indicators", scope, today))


def grades_panel(ver: int, scope: Scope, today: date, user: CurrentUser) -> None:
    """Current grades 5A…1A with their dates, the grades running out within 6 months, history and score bands."""
    figures = read(ver, "register_figures", scope, today)
    tiles({k: figures[k] for k in (*organizations.GRADE_KEYS, "grades_running_out")}, per_row=6,
          labels={**{k: f"{g}（家）" for k, g in zip(organizations.GRADE_KEYS, vocab.GRADES, strict=True)},
                  "grades_running_out": "半年内到期"})
    first, last = organizations.warning_window(today)
    st.caption(f"等级有效期 {vocab.GRADE_YEARS} 年（评定日至到期日，含两端）；到期日在 {first:%Y-%m-%d} 至 {last:%Y-%m-%d}"
               f" 之间的为“半年内到期”。3A 及以上可在政府购买服务中优先承接。统计日：{today:%Y-%m-%d}。")
    current = read(ver, "current_grades", scope, today)
    soon = current[current["runs_out_soon"]]
    if not soon.empty:
        st.warning("以下社会组织的等级将在 6 个月内到期，请提醒其及早申请复评：\n\n" + "\n".join(
            f"- {r.organization}（{r.grade}，{r.expires_on:%Y-%m-%d} 到期，剩 {r.days_left} 天）"
            for r in soon.itertuples()), icon=":material/schedule:")
    st.markdown("**当前有效等级**")
    if current.empty:
        st.info("所选范围内没有有效的评估等级。")
    else:
        view = pd.DataFrame({
                "社会组织": current["organization"], "街道": current["street"], "等级": current["grade"],
            "评定日期": current["awarded_on"], "到期日期": current["expires_on"], "剩余天数": current["days_left"],
            "状态": ["⚠ 半年内到期" if soon else "有效" for soon in current["runs_out_soon"]],
            "评估得分": current["score"],
        })
        st.dataframe(view, hide_index=True, width="stretch", height=table_height(len(view)),
                     column_config={"评估得分": st.column_config.NumberColumn(format="%.0f")})
    st.markdown("**各街道等级分布（家）**")
    by_street = read(ver, "grades_by_street", scope, today)
    st.dataframe(by_street.rename(columns={"street": "街道", "total": "合计"}), hide_index=True, width="stretch")
    with st.expander("全部评估记录（含已过期）"):
        history = read(ver, "grade_history", scope, today)
        st.dataframe(history.drop(columns=["grade_id"]).rename(columns={
            "organization": "社会组织", "grade": "等级", "awarded_on": "评定日期", "expires_on": "到期日期",
            "score": "评估得分", "state": "状态"}), hide_index=True, width="stretch",
            column_config={"评估得分": st.column_config.NumberColumn(format="%.0f")})
    bands_panel(ver, user)


def bands_panel(ver: int, user: CurrentUser) -> None:
    """The score bands in force per city; an admin edits them (the default set is a default to edit)."""
    with st.expander("评估分数段（各地标准不同，可配置）"):
        cities = options(ver, "cities")
        city = st.selectbox("适用城市", ["", *cities], format_func=lambda c: c or "默认（未单独设置的城市）",
                            key="bands_city")
        table = read(ver, "band_table", city)
        st.dataframe(table.rename(columns={"grade": "等级", "min_score": "最低分", "range": "分数区间",
                                           "source": "采用的分数段"}), hide_index=True, width="stretch",
                     column_config={"最低分": st.column_config.NumberColumn(format="%g")})
        st.caption("满分 1000 分。默认分数段（5A ≥ 900、4A ≥ 800、3A ≥ 700、2A ≥ 600、1A ≥ 500）仅为初始值，"
                   "请管理员按本地评估办法修改。录入评估等级时，得分须落在所选等级的分数段内。")
        if user.is_admin:
            _bands_form(ver, user, city, table)


def _bands_form(ver: int, user: CurrentUser, city: str, table: pd.DataFrame) -> None:
    show_flash("bands_saved")
    with session_scope(engine()) as session:
        versions = organizations.band_versions(session, city)
    current = dict(zip(table["grade"], table["min_score"], strict=True))
    with st.form(f"bands_{city or 'default'}", border=True):
        st.markdown(f"**修改{'「' + city + '」' if city else '默认'}分数段**")
        cols = st.columns(len(vocab.GRADES))
        values = {g: col.number_input(f"{g} 最低分", min_value=0.0, max_value=vocab.GRADE_SCORE_MAX,
                                      value=float(current[g]), step=10.0, key=f"band_{city}_{g}")
                  for g, col in zip(vocab.GRADES, cols, strict=True)}
        save = st.form_submit_button("保存分数段", type="primary")
        drop = st.form_submit_button("恢复使用默认分数段", disabled=not (city and versions))
    if not (save or drop):
        return
    def work(session) -> None:
        if save:
            update_grade_bands(session=session, user=user, city=city, bands=values, expected_versions=versions)
        else:
            drop_city_bands(session=session, user=user, city=city)

    run_change("bands_saved", work, lambda _: "分数段已保存。" if save else f"「{city}」已恢复使用默认分数段。")


def brands_panel(ver: int, scope: Scope, period: Period) -> None:
    """Brand projects (市级 / 区级) and the service brands."""
    tiles(data.figure_values(ver, ("brand_projects_city", "brand_projects_district"), scope, period), per_row=4)
    df = read(ver, "brand_projects", scope, period)
    if df.empty:
        st.info("所选范围内没有品牌项目。")
    else:
        st.dataframe(df.drop(columns=["project_id"]).rename(columns={
            "project_name": "品牌项目", "brand_level": "级别", "area": "领域", "status": "状态", "start_date": "开始日期",
            "owner": "实施主体"}), hide_index=True, width="stretch")
    brands = read(ver, "brands", scope)
    if not brands.empty:
        st.markdown("**服务品牌**")
        st.dataframe(brands.fillna("—").rename(columns={"name": "品牌", "area": "领域", "description": "说明",
                                                       "owner": "所属机构"}), hide_index=True, width="stretch")


def social_workers_panel(ver: int, scope: Scope) -> None:
    """Social workers by level (助理/中级/高级) and organisation."""
    tiles(read(ver, "social_worker_figures", scope), per_row=4)
    st.caption("职业水平等级：助理社会工作师＝初级（助理），社会工作师＝中级，高级社会工作师＝高级。")
    by_org = read(ver, "social_workers_by_organization", scope)
    st.markdown("**按机构/社区与等级（人）**")
    if by_org.empty:
        st.info("所选范围内没有社会工作者。")
    else:
        view = by_org.assign(level=by_org["level"].map(vocab.SOCIAL_WORKER_LEVEL_SHORT))
        st.altair_chart(stacked_bars(view, "place", "level", "count", category_title="机构/社区",
                                     series_title="等级", sort=list(vocab.SOCIAL_WORKER_LEVEL_SHORT.values()),
                                     colors=[charts.PALETTE[2], charts.PALETTE[1], charts.PALETTE[0]]),
                        width="stretch")
    st.markdown("**社会工作者名册**")
    roster = read(ver, "social_worker_table", scope)
    st.dataframe(pd.DataFrame({
        "姓名": roster["name"], "等级": roster["level_short"], "职业水平": roster["level"],
        "所属机构": roster["organization"], "社区": roster["community"], "取证年份": roster["certified_year"],
        "培训学时": roster["training_hours"], "职务/头衔": roster["title"]}), hide_index=True, width="stretch",
        height=table_height(len(roster), 420), column_config={"取证年份": st.column_config.NumberColumn(format="%d")})


def trainings_panel(ver: int, scope: Scope, period: Period) -> None:
    """Trainings: sessions, trainees and hours, by organiser, and the list."""
    tiles(read(ver, "training_figures", scope, period), per_row=4)
    by_org = read(ver, "trainings_by_organization", scope, period)
    st.markdown("**按主办机构**")
    st.dataframe(by_org.rename(columns={"organizer": "主办机构", "trainings": "培训（次）", "training_sessions": "场次",
                                        "trainees": "参训人次", "training_hours": "学时"}),
                 hide_index=True, width="stretch", height=table_height(len(by_org)),
                 column_config={"学时": st.column_config.NumberColumn(format="%.1f"),
                                "参训人次": st.column_config.NumberColumn(format="%d"),
                                "场次": st.column_config.NumberColumn(format="%d")})
    st.markdown("**培训记录**")
    rows = read(ver, "training_table", scope, period)
    st.dataframe(rows.drop(columns=["training_id"]).rename(columns={
        "held_on": "日期", "title": "培训名称", "topic": "专题", "sessions": "场次", "trainees": "参训人次",
        "hours": "学时", "organizer": "主办机构", "project": "所属项目"}), hide_index=True, width="stretch",
        height=table_height(len(rows), 420))


def mediation_table(df: pd.DataFrame, group_label: str) -> None:
    if df.empty:
        st.info("所选时段内没有调解案件。")
        return
    st.dataframe(pd.DataFrame({
        group_label: df["group"], "受理（件）": df["disputes"], "化解成功（件）": df["disputes_resolved"],
        "已办结（件）": df["disputes_concluded"], "成功率": rate_texts(df["success_rate"]),
    }), hide_index=True, width="stretch", height=table_height(len(df), 420))


def mediation_month_chart(df: pd.DataFrame) -> alt.Chart:
    data = _long(df, "group", {"disputes": "受理", "disputes_resolved": "化解成功"})
    chart = alt.Chart(data).mark_bar(cornerRadiusEnd=2).encode(
        x=alt.X("group:O", title=None, axis=alt.Axis(labelAngle=-45, labelOverlap="greedy")),
        xOffset=alt.XOffset("series:N", sort=["受理", "化解成功"]),
        y=alt.Y("value:Q", title="件"),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=["受理", "化解成功"],
                                                                range=[charts.PALETTE[1], charts.PALETTE[3]])),
        tooltip=[alt.Tooltip("group:O", title="月份"), alt.Tooltip("series:N", title="指标"),
                 alt.Tooltip("value:Q", title="件")],
    )
    return charts.style(chart.properties(height=240))


def mediation_panel(ver: int, scope: Scope, period: Period) -> None:
    """Disputes received, resolved and the success rate, by team, type and month."""
    tiles(read(ver, "mediation_figures", scope, period), per_row=3)
    st.caption("调解成功率 = 化解成功 ÷ 已办结（化解成功 + 未化解），处理中的不计；没有已办结案件时显示“—”。")
    st.markdown("**按调解队伍/机构**")
    mediation_table(read(ver, "mediation_breakdown", scope, period, "handler"), "调解队伍/机构")
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**按纠纷类型**")
        mediation_table(read(ver, "mediation_breakdown", scope, period, "type"), "纠纷类型")
    with right:
        st.markdown("**按来源**")
        mediation_table(read(ver, "mediation_breakdown", scope, period, "source"), "来源")
    monthly = read(ver, "mediation_breakdown", scope, period, "month")
    st.markdown("**按月**")
    if monthly.empty:
        st.info("所选时段内没有调解案件。")
    else:
        st.altair_chart(mediation_month_chart(monthly), width="stretch")
        with st.expander("按月明细"):
            mediation_table(monthly, "月份")


# ------------------------------------------------------------------------------------------------- forms

FORMS = ("社会组织", "修改社会组织", "评估等级", "社会工作者", "修改社会工作者", "培训", "纠纷调解案件", "办结调解案件")


def _form_key(kind: str) -> str:
    return form_key(f"org_form_key_{kind}")


def _save(kind: str, create: Callable[..., int], user: CurrentUser, data: Any, message: str) -> None:
    run_create(f"org_form_key_{kind}", "org_saved", create, user, data, lambda record_id: f"{message}（编号 {record_id}）。")


def _pick(label: str, items: list[tuple[Any, str]], key: str, *, optional: bool = True, box=st, value: Any = None
          ) -> Any:
    """A selectbox of (id, name) items (“（无）” first when ``optional``), showing ``value`` if it is among them."""
    names = dict(items)
    ids = [None, *names] if optional else list(names)
    return box.selectbox(label, ids, index=_index(ids, value), key=key,
                         format_func=lambda i: NONE if i is None else names.get(i, str(i)))


def entry_panel(ver: int, user: CurrentUser) -> None:
    """Forms of organisations, grades, social workers, trainings and mediation cases (staff and admin)."""
    show_flash("org_saved")
    streets = options(ver, "streets", user.scope)
    if not streets:
        st.warning("您的数据范围内没有街道，无法录入。请联系管理员。")
        return
    with st.container(horizontal=True, vertical_alignment="bottom"):
        kind = st.segmented_control("录入内容", FORMS, default=FORMS[0], key="org_form_kind") or FORMS[0]
        street_id = _pick("所属街道", streets, "org_form_street", optional=False) if len(streets) > 1 \
            else streets[0][0]
    scope = Scope(street_id=street_id) if user.scope.community_id is None else user.scope
    if kind == "社会组织":
        _organization_form(ver, user, street_id, scope)
    elif kind == "修改社会组织":
        _organization_edit(ver, user, street_id, scope)
    elif kind == "修改社会工作者":
        _social_worker_edit(ver, user, street_id, scope)
    elif kind == "评估等级":
        _grade_form(ver, user, scope)
    elif kind == "社会工作者":
        _social_worker_form(ver, user, street_id, scope)
    elif kind == "培训":
        _training_form(ver, user, street_id, scope)
    elif kind == "纠纷调解案件":
        _mediation_form(ver, user, street_id, scope)
    else:
        _conclude_form(ver, user, scope)


def _index(options: list[Any], value: Any) -> int:
    return options.index(value) if value in options else 0


def _organization_fields(ver: int, street_id: int, scope: Scope, key: str, init: OrganizationInput | None
                         ) -> OrganizationInput:
    """The organisation's widgets (empty, or showing ``init``), read back as the service's input."""
    init = init or OrganizationInput(name="", kind=vocab.ORG_KINDS[0])
    name = st.text_input("机构名称", value=init.name or "", max_chars=80, key=f"org_name_{key}")
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox("机构类型", vocab.ORG_KINDS, index=_index(list(vocab.ORG_KINDS), init.kind),
                        key=f"org_kind_{key}")
    regs = [None, *vocab.REG_STATUSES]
    reg = c2.selectbox("登记/备案", regs, index=_index(regs, init.reg_status), format_func=lambda s: s or "（不适用）",
                       key=f"org_reg_{key}")
    cats = ["", *vocab.ORG_CATEGORIES]
    category = c3.selectbox("社会组织类别", cats, index=_index(cats, init.category or ""),
                            format_func=lambda s: s or NONE, key=f"org_cat_{key}")
    c1, c2, c3 = st.columns(3)
    community = _pick("所属社区", options(ver, "communities", scope, street_id), f"org_comm_{key}", box=c1,
                      value=init.community_id)
    stages = [None, *vocab.INCUBATION_STAGES]
    stage = c2.selectbox("孵化阶段", stages, index=_index(stages, init.incubation_stage),
                         format_func=lambda s: s or "未入孵", key=f"org_stage_{key}")
    founded = c3.number_input("成立年份", min_value=1949, max_value=clock.today().year, value=init.founded_year,
                              step=1, key=f"org_year_{key}")
    description = st.text_area("简介", value=init.description or "", max_chars=1000, height=68,
                               key=f"org_desc_{key}")
    return OrganizationInput(name=name, kind=kind, street_id=street_id, community_id=community, reg_status=reg,
                             category=category, incubation_stage=stage, founded_year=founded, description=description)


def _organization_form(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    key = _form_key("organization")
    with st.form(f"org_{key}", border=True):
        data = _organization_fields(ver, street_id, scope, key, None)
        submitted = st.form_submit_button("保存社会组织", type="primary")
    if submitted:
        _save("organization", create_organization, user, data, f"已保存机构「{(data.name or '').strip()}」")


def _organization_edit(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    """修改: the registration status, incubation stage and other fields of an organisation in the scope."""
    _edit(ver, user, street_id, scope, noun="机构", names="organization_options", pick_key="org_edit_pick",
          load=organization_for_edit, fields=_organization_fields, save=update_organization, id_name="organization_id")


def _edit(ver: int, user: CurrentUser, street_id: int, scope: Scope, *, noun: str, names: str, pick_key: str,
          load: Callable[..., tuple[Any, int]], fields: Callable[..., Any], save: Callable[..., None],
          id_name: str) -> None:
    """An edit form: pick a record of the scope, show its saved values (``load``), save through ``save`` with the
    version it was opened at (a stale edit is refused there)."""
    items = options(ver, names, Scope(street_id=street_id) if scope.community_id is None else scope)
    if not items:
        st.info(f"所选范围内没有{noun}。")
        return
    record_id = _pick(f"要修改的{noun}", items, pick_key, optional=False)
    with session_scope(engine()) as session:
        init, version = load(session, user, record_id)
    with st.form(f"{pick_key}_{record_id}_{version}", border=True):
        data = fields(ver, init.street_id or street_id, scope, f"edit{record_id}_{version}", init)
        submitted = st.form_submit_button("保存修改", type="primary")
    if submitted:
        run_change("org_saved", lambda session: save(session=session, user=user, expected_version=version, data=data,
                                                     **{id_name: record_id}),
                   lambda _: f"已修改{noun}「{(data.name or '').strip()}」。")


def _grade_form(ver: int, user: CurrentUser, scope: Scope) -> None:
    key = _form_key("grade")
    orgs = options(ver, "organization_options", scope, True)
    if not orgs:
        st.info("所选范围内没有登记注册的社会组织。")
        return
    with st.form(f"grade_{key}", border=True):
        org = _pick("社会组织", orgs, f"grade_org_{key}", optional=False)
        c1, c2, c3 = st.columns(3)
        grade = c1.selectbox("评估等级", [None, *vocab.GRADES], format_func=lambda g: g or "按得分确定",
                             key=f"grade_grade_{key}")
        awarded = c2.date_input("评定日期", value=None, max_value=clock.today(), key=f"grade_day_{key}")
        score = c3.number_input("评估得分（满分 1000）", min_value=0.0, max_value=vocab.GRADE_SCORE_MAX, value=None,
                                step=1.0, key=f"grade_score_{key}")
        st.caption(f"等级自评定日起有效 {vocab.GRADE_YEARS} 年，到期日自动计算；填写得分时须与分数段一致。")
        submitted = st.form_submit_button("保存评估等级", type="primary")
    if submitted:
        _save("grade", create_grade, user, GradeInput(organization_id=org, grade=grade, awarded_on=awarded,
                                                      score=score), "已保存评估等级")


def _social_worker_fields(ver: int, street_id: int, scope: Scope, key: str, init: SocialWorkerInput | None
                          ) -> SocialWorkerInput:
    """The social worker's widgets (empty, or showing ``init``), read back as the service's input."""
    init = init or SocialWorkerInput(name="", level=vocab.SOCIAL_WORKER_LEVELS[0])
    c1, c2 = st.columns(2)
    name = c1.text_input("姓名", value=init.name or "", max_chars=30, key=f"sw_name_{key}")
    levels = list(vocab.SOCIAL_WORKER_LEVELS)
    level = c2.selectbox("职业水平等级", levels, index=_index(levels, init.level),
                         format_func=lambda lv: f"{lv}（{vocab.SOCIAL_WORKER_LEVEL_SHORT[lv]}）", key=f"sw_level_{key}")
    c1, c2 = st.columns(2)
    community = _pick("所属社区", options(ver, "communities", scope, street_id), f"sw_comm_{key}", box=c1,
                      value=init.community_id)
    org = _pick("所属机构", options(ver, "organization_options", Scope(street_id=street_id)), f"sw_org_{key}", box=c2,
                value=init.organization_id)
    c1, c2, c3 = st.columns(3)
    title = c1.text_input("职务/头衔", value=init.title or "", max_chars=100, key=f"sw_title_{key}")
    year = c2.number_input("取证年份", min_value=2000, max_value=clock.today().year, value=init.certified_year, step=1,
                           key=f"sw_year_{key}")
    hours = c3.number_input("培训学时", min_value=0.0, max_value=10_000.0, value=float(init.training_hours or 0),
                            step=1.0, key=f"sw_hours_{key}")
    return SocialWorkerInput(name=name, level=level, street_id=street_id, community_id=community,
                             organization_id=org, title=title, certified_year=year, training_hours=hours)


def _social_worker_form(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    key = _form_key("social_worker")
    with st.form(f"sw_{key}", border=True):
        data = _social_worker_fields(ver, street_id, scope, key, None)
        submitted = st.form_submit_button("保存社会工作者", type="primary")
    if submitted:
        _save("social_worker", create_social_worker, user, data, f"已保存社会工作者「{(data.name or '').strip()}」")


def _social_worker_edit(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    """修改: a social worker's level (助理 → 中级 after the exam), organisation and other fields."""
    _edit(ver, user, street_id, scope, noun="社会工作者", names="social_worker_names", pick_key="sw_edit_pick",
          load=social_worker_for_edit, fields=_social_worker_fields, save=update_social_worker, id_name="worker_id")


def _training_form(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    key = _form_key("training")
    with st.form(f"training_{key}", border=True):
        title = st.text_input("培训名称", max_chars=100, key=f"tr_title_{key}")
        c1, c2, c3 = st.columns(3)
        topic = c1.selectbox("培训专题", vocab.TRAINING_TOPICS, key=f"tr_topic_{key}")
        held = c2.date_input("培训日期", value=clock.today(), max_value=clock.today(), key=f"tr_day_{key}")
        org = _pick("主办机构", options(ver, "organization_options", scope), f"tr_org_{key}", box=c3)
        c1, c2, c3, c4 = st.columns(4)
        sessions = c1.number_input("场次", min_value=1, max_value=1000, value=1, step=1, key=f"tr_sessions_{key}")
        trainees = c2.number_input("参训人次", min_value=0, max_value=100_000, value=0, step=1, key=f"tr_people_{key}")
        hours = c3.number_input("学时", min_value=0.0, max_value=10_000.0, value=2.0, step=0.5, key=f"tr_hours_{key}")
        project = _pick("所属项目", options(ver, "projects", Scope(street_id=street_id)), f"tr_project_{key}", box=c4)
        submitted = st.form_submit_button("保存培训", type="primary")
    if submitted:
        data = TrainingInput(title=title, topic=topic, held_on=held, sessions=sessions, trainees=trainees,
                             hours=hours, street_id=street_id, organization_id=org, project_id=project)
        _save("training", create_training, user, data, f"已保存培训「{title.strip()}」")


def _mediation_form(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    key = _form_key("mediation")
    with st.form(f"mediation_{key}", border=True):
        st.caption("只记录人数，不填写当事人姓名等个人信息。")
        c1, c2, c3 = st.columns(3)
        received = c1.date_input("受理日期", value=clock.today(), max_value=clock.today(), key=f"md_recv_{key}")
        kind = c2.selectbox("纠纷类型", vocab.MEDIATION_TYPES, key=f"md_type_{key}")
        source = c3.selectbox("来源", vocab.MEDIATION_SOURCES, key=f"md_source_{key}")
        c1, c2, c3 = st.columns(3)
        outcome = c1.selectbox("调解结果", vocab.MEDIATION_OUTCOMES, index=2, key=f"md_outcome_{key}")
        resolved = c2.date_input("办结日期（处理中可不填）", value=None, max_value=clock.today(), key=f"md_done_{key}")
        people = c3.number_input("涉及人数", min_value=0, max_value=100_000, value=2, step=1, key=f"md_people_{key}")
        c1, c2 = st.columns(2)
        community = _pick("所属社区", options(ver, "communities", scope, street_id), f"md_comm_{key}", box=c1)
        org = _pick("调解机构", options(ver, "organization_options", Scope(street_id=street_id)), f"md_org_{key}",
                    box=c2)
        c1, c2 = st.columns(2)
        team = _pick("调解队伍", options(ver, "team_options", Scope(street_id=street_id)), f"md_team_{key}", box=c1)
        project = _pick("所属项目", options(ver, "projects", Scope(street_id=street_id)), f"md_project_{key}", box=c2)
        location = st.text_input("发生地点（如小区名称，勿填个人信息）", max_chars=60, key=f"md_place_{key}")
        submitted = st.form_submit_button("保存调解案件", type="primary")
    if submitted:
        data = MediationInput(received_on=received, type=kind, source=source, outcome=outcome, people_involved=people,
                              resolved_on=resolved, community_id=community, organization_id=org, team_id=team,
                              project_id=project, street_id=street_id, location=location)
        _save("mediation", create_mediation_case, user, data, "已保存调解案件")


def _conclude_form(ver: int, user: CurrentUser, scope: Scope) -> None:
    """办结: a case received as 处理中 gets its outcome and date (the success rate counts it from then on)."""
    cases = options(ver, "open_cases", scope)
    if not cases:
        st.info("没有处理中的调解案件。")
        return
    labels = dict(cases)
    with st.form("mediation_conclude", border=True):
        picked = st.selectbox(f"处理中的案件（{len(cases)} 件，最早受理的在前）", list(labels), format_func=labels.get,
                              key="md_conclude_case")
        c1, c2 = st.columns(2)
        outcome = c1.selectbox("调解结果", [o for o in vocab.MEDIATION_OUTCOMES if o != "处理中"], key="md_conclude_outcome")
        resolved = c2.date_input("办结日期", value=clock.today(), max_value=clock.today(), key="md_conclude_date")
        submitted = st.form_submit_button("办结案件", type="primary")
    if submitted:
        case_id, version = picked
        run_change("org_saved", lambda session: conclude_mediation_case(
            session=session, user=user, case_id=case_id, expected_version=version, outcome=outcome,
            resolved_on=resolved), lambda _: f"调解案件 #{case_id} 已办结：{outcome}。")
