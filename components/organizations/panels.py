"""社会组织与社工: the page's tabs — the register, grades (and the score bands), brand projects, social workers,
trainings and mediation. The entry forms are in ``components.organizations.forms``."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components import cards, data
from components.charts import chart_or_info
from components.organizations import charts as org_charts
from components.organizations import data as od
from components.organizations import forms
from components.tables import mediation_table, reported_table, table_height
from components.tables import show as show_table
from db import figures, vocab
from db.auth import CurrentUser
from db.organizations import reads as organizations
from db.periods import Period
from db.scope import Scope

REGISTER_COLUMNS = {"orgs_registered": "登记（家）", "orgs_filed": "备案（家）", "total": "合计（家）"}


def _register_table(df: pd.DataFrame, group_label: str) -> None:
    show_table(df.rename(columns={"group": group_label, **REGISTER_COLUMNS}), hide_index=True, width="stretch")


def register_panel(ver: int, scope: Scope, today: date) -> None:
    """登记 vs 备案 by street and type, incubation stages, and the reported figures beside the records."""
    values = od.register_figures(ver, scope, today)
    cards.figure_tiles({k: values[k] for k in ("orgs_registered", "orgs_filed", "social_orgs", "orgs_graded",
                                               "grades_running_out")})
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**按街道：登记与备案**")
        by_street = od.register_by(ver, scope, "street")
        if by_street.empty:
            st.info("所选范围内没有登记或备案的社会组织。")
        else:
            st.altair_chart(org_charts.register_bars(by_street), width="stretch")
            _register_table(by_street, "街道")
    with right:
        st.markdown("**按类型：登记与备案**")
        _register_table(od.register_by(ver, scope, "category"), "类型")
        st.markdown("**孵化阶段**")
        _register_table(od.register_by(ver, scope, "incubation_stage"), "孵化阶段")
    with st.expander("社会组织名册"):
        roster = od.organization_table(ver, scope)
        text = [c for c in ("reg_status", "category", "incubation_stage", "community", "grade") if c in roster]
        show_table(roster.drop(columns=["organization_id"]).fillna(dict.fromkeys(text, "—")).rename(columns={
            "organization": "名称", "kind": "机构类型", "reg_status": "登记/备案", "category": "类型",
            "incubation_stage": "孵化阶段", "founded_year": "成立年份", "street": "街道", "community": "社区",
            "grade": "当前等级"}), hide_index=True, width="stretch", height=360,
            column_config={"成立年份": st.column_config.NumberColumn(format="%d")})
    st.markdown("**报道数据与系统记录**")
    reported_table(od.register_indicators(ver, scope, today))


def grades_panel(ver: int, scope: Scope, today: date, user: CurrentUser) -> None:
    """Current grades 5A…1A with their dates, the grades running out within 6 months, history and score bands."""
    values = od.register_figures(ver, scope, today)
    keys = (*organizations.GRADE_KEYS, "grades_running_out")
    cards.figure_tiles({k: values[k] for k in keys}, per_row=6, labels={
        **{k: f"{g}（{figures.unit(k)}）" for k, g in zip(organizations.GRADE_KEYS, vocab.GRADES, strict=True)},
        "grades_running_out": figures.label("grades_running_out")})
    first, last = organizations.warning_window(today)
    st.caption(f"等级有效期 {vocab.GRADE_YEARS} 年（评定日至到期日，含两端）；到期日在 {first:%Y-%m-%d} 至 {last:%Y-%m-%d}"
               f" 之间的为“半年内到期”。3A 及以上可在政府购买服务中优先承接。统计日：{today:%Y-%m-%d}。")
    current = od.current_grades(ver, scope, today)
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
            "状态": ["⚠ 半年内到期" if s else "有效" for s in current["runs_out_soon"]], "评估得分": current["score"],
        })
        show_table(view, hide_index=True, width="stretch", height=table_height(len(view)),
                     column_config={"评估得分": st.column_config.NumberColumn(format="%.0f")})
    st.markdown("**各街道等级分布（家）**")
    by_street = od.grades_by_street(ver, scope, today)
    show_table(by_street.rename(columns={"street": "街道", "total": "合计"}), hide_index=True, width="stretch")
    with st.expander("全部评估记录（含已过期）"):
        history = od.grade_history(ver, scope, today)
        show_table(history.drop(columns=["grade_id"]).rename(columns={
            "organization": "社会组织", "grade": "等级", "awarded_on": "评定日期", "expires_on": "到期日期",
            "score": "评估得分", "state": "状态"}), hide_index=True, width="stretch",
            column_config={"评估得分": st.column_config.NumberColumn(format="%.0f")})
    bands_panel(ver, user)


def bands_panel(ver: int, user: CurrentUser) -> None:
    """The score bands in force per city; an admin edits them (the default set is a default to edit)."""
    with st.expander("评估分数段（各地标准不同，可配置）"):
        city = st.selectbox("适用城市", ["", *od.cities(ver)], format_func=lambda c: c or "默认（未单独设置的城市）",
                            key="bands_city")
        table = od.band_table(ver, city)
        show_table(table.rename(columns={"grade": "等级", "min_score": "最低分", "range": "分数区间",
                                           "source": "采用的分数段"}), hide_index=True, width="stretch",
                     column_config={"最低分": st.column_config.NumberColumn(format="%g")})
        st.caption("满分 1000 分。默认分数段（5A ≥ 900、4A ≥ 800、3A ≥ 700、2A ≥ 600、1A ≥ 500）仅为初始值，"
                   "请管理员按本地评估办法修改。录入评估等级时，得分须落在所选等级的分数段内。")
        if user.is_admin:
            forms.bands_form(ver, user, city, table)


def brands_panel(ver: int, scope: Scope, period: Period) -> None:
    """Brand projects (市级 / 区级) and the service brands."""
    cards.figure_tiles(data.figure_values(ver, ("brand_projects_city", "brand_projects_district"), scope, period),
                       per_row=4)
    df = od.brand_projects(ver, scope, period)
    if df.empty:
        st.info("所选范围内没有品牌项目。")
    else:
        show_table(df.drop(columns=["project_id"]).rename(columns={
            "project_name": "品牌项目", "brand_level": "级别", "area": "领域", "status": "状态", "start_date": "开始日期",
            "owner": "实施主体"}), hide_index=True, width="stretch")
    brands = od.brands(ver, scope)
    if not brands.empty:
        st.markdown("**服务品牌**")
        show_table(brands.fillna("—").rename(columns={"name": "品牌", "area": "领域", "description": "说明",
                                                       "owner": "所属机构"}), hide_index=True, width="stretch")


def social_workers_panel(ver: int, scope: Scope) -> None:
    """Social workers by level (助理/中级/高级) and organisation."""
    cards.figure_tiles(od.social_worker_figures(ver, scope), per_row=4)
    st.caption("职业水平等级：助理社会工作师＝初级（助理），社会工作师＝中级，高级社会工作师＝高级。")
    by_org = od.social_workers_by_organization(ver, scope)
    st.markdown("**按机构/社区与等级（人）**")
    chart_or_info(st, by_org, org_charts.social_worker_bars, "所选范围内没有社会工作者。")
    st.markdown("**社会工作者名册**")
    roster = od.social_worker_table(ver, scope)
    show_table(pd.DataFrame({
        "姓名": roster["name"], "等级": roster["level_short"], "职业水平": roster["level"],
        "所属机构": roster["organization"], "社区": roster["community"], "取证年份": roster["certified_year"],
        "培训学时": roster["training_hours"], "职务/头衔": roster["title"]}), hide_index=True, width="stretch",
        height=table_height(len(roster), 420), column_config={"取证年份": st.column_config.NumberColumn(format="%d")})


def trainings_panel(ver: int, scope: Scope, period: Period) -> None:
    """Trainings: sessions, trainees and hours, by organiser, and the list."""
    cards.figure_tiles(od.training_figures(ver, scope, period), per_row=4)
    by_org = od.trainings_by_organization(ver, scope, period)
    st.markdown("**按主办机构**")
    show_table(by_org.rename(columns={"organizer": "主办机构", "trainings": "培训（次）", "training_sessions": "场次",
                                        "trainees": "参训人次", "training_hours": "学时"}),
                 hide_index=True, width="stretch", height=table_height(len(by_org)),
                 column_config={"学时": st.column_config.NumberColumn(format="%.1f"),
                                "参训人次": st.column_config.NumberColumn(format="%d"),
                                "场次": st.column_config.NumberColumn(format="%d")})
    st.markdown("**培训记录**")
    rows = od.training_table(ver, scope, period)
    show_table(rows.drop(columns=["training_id"]).rename(columns={
        "held_on": "日期", "title": "培训名称", "topic": "专题", "sessions": "场次", "trainees": "参训人次",
        "hours": "学时", "organizer": "主办机构", "project": "所属项目"}), hide_index=True, width="stretch",
        height=table_height(len(rows), 420))


def mediation_panel(ver: int, scope: Scope, period: Period) -> None:
    """Disputes received, resolved and the success rate, by team, type and month."""
    cards.figure_tiles(od.mediation_figures(ver, scope, period), per_row=3)
    st.caption("调解成功率 = 化解成功 ÷ 已办结（化解成功 + 未化解），处理中的不计；没有已办结案件时显示“—”。")
    st.markdown("**按调解队伍/机构**")
    mediation_table(od.mediation_breakdown(ver, scope, period, "handler"), "调解队伍/机构")
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**按纠纷类型**")
        mediation_table(od.mediation_breakdown(ver, scope, period, "type"), "纠纷类型")
    with right:
        st.markdown("**按来源**")
        mediation_table(od.mediation_breakdown(ver, scope, period, "source"), "来源")
    monthly = od.mediation_breakdown(ver, scope, period, "month")
    st.markdown("**按月**")
    if monthly.empty:
        st.info("所选时段内没有调解案件。")
    else:
        st.altair_chart(org_charts.mediation_month_chart(monthly), width="stretch")
        with st.expander("按月明细"):
            mediation_table(monthly, "月份")

