"""Two to four communities side by side (社区对比)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from components import cards, charts, data, filters
from db import figures
from db.figures import CORE_TILES
from db.scope import Scope

PROFILE_FACTS = ("所属街道", "成立年份", "常住人口", "居民小区", "服务品牌")
CHART_KEYS = ("activities", "linked_activities", "active_volunteers")


def communities_side_by_side(base: Scope, data_ver: int) -> None:
    """Pick 2–4 communities within ``base``; show their facts and KPIs as columns and a grouped bar chart."""
    comms = data.communities(data_ver, base, None)
    if len(comms) < 2:
        st.info("您的数据范围内只有一个社区，无法对比。")
        return
    names = dict(comms)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        picked = st.multiselect("选择 2–4 个社区", list(names), default=list(names)[:2], max_selections=4,
                                format_func=names.get, key="compare_pick")
        period = filters.period_filter(default="year", key="compare_period")
    if len(picked) < 2:
        st.info("请至少选择两个社区。")
        return
    table: dict[str, dict[str, str]] = {}
    bars = []
    for cid in picked:
        place = data.profile(data_ver, "community", cid)
        values = data.figure_values(data_ver, CORE_TILES, Scope(community_id=cid), period)
        column = {label: place.facts.get(label, "—") for label in PROFILE_FACTS}
        column.update({figures.tile_label(k): cards.figure_text(k, values[k]) for k in CORE_TILES})
        table[names[cid]] = column
        bars += [{"community": names[cid], "kpi": figures.tile_label(k), "value": values[k] or 0} for k in CHART_KEYS]
    st.caption(period.label())
    st.dataframe(pd.DataFrame(table), width="stretch")
    chart = alt.Chart(pd.DataFrame(bars)).mark_bar(cornerRadiusEnd=2).encode(
        x=alt.X("kpi:N", title=None, axis=alt.Axis(labelAngle=0)),
        xOffset="community:N",
        y=alt.Y("value:Q", title=None),
        color=alt.Color("community:N", title="社区", scale=alt.Scale(range=charts.PALETTE)),
        tooltip=[alt.Tooltip("community:N", title="社区"), alt.Tooltip("kpi:N", title="指标"),
                 alt.Tooltip("value:Q", title="数值", format=",.0f")],
    ).properties(height=280)
    st.altair_chart(charts.style(chart), width="stretch")
