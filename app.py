"""总览: the leaders' overview — KPI tiles with 环比/同比 and drill-down, trends, the five areas and the
五社联动 index, the ranking of communities and the latest activities; refreshed live."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from components import cards, charts, data, drilldown, filters, tables
from components.page import ensure_session, friendly_errors, setup_page
from db.figures import CORE_TILES
from db.figures.linkage import INDEX_FORMULA
from db.settings import get_settings

user = setup_page("app.py", "总览")
st.title("总览")

with st.container(horizontal=True, vertical_alignment="bottom"):
    scope = filters.scope_filter(user.scope, data.version())
    period = filters.period_filter()

interval = get_settings().live_refresh_seconds
run_every = timedelta(seconds=interval) if interval > 0 else None
TRENDS = ("activities", "hours", "people_served", "active_volunteers")


@st.fragment(run_every=run_every)
def live_figures() -> None:
    ensure_session()  # a live rerun skips setup_page: an expired or ended login stops here
    with friendly_errors():
        _live_figures()


def _live_figures() -> None:
    ver = data.version()  # one single-row read; every cached figure below is keyed by it
    name = data.scope_name(ver, scope)
    st.caption(f"{name} · {period.label()}" + (f" · 每 {interval} 秒自动刷新" if run_every else ""))
    cards.figure_tiles(
        data.figure_changes(ver, CORE_TILES, scope, period),
        on_detail=lambda key: drilldown.show(key, scope, period, name, ver),
        show_mom=period.kind != "year",  # a year's 环比 is its 同比
    )

    st.subheader("趋势")
    for row in (TRENDS[:2], TRENDS[2:]):
        for col, key in zip(st.columns(2), row, strict=True):
            charts.draw(col, charts.figure_trend, data.figure_monthly(ver, key, scope, period), key,
                        color=charts.PALETTE[TRENDS.index(key)], key=(ver, scope, period, key))

    linked = data.linkage(ver, scope, period)
    shares, matrix, ranking = linked.shares, linked.matrix, linked.ranking
    st.subheader("五社联动")
    left, right = st.columns(2)
    with left:
        st.markdown("**五社联动指数**")
        charts.draw(st, charts.index_bars, shares, key=(ver, scope, period))
    with right:
        st.markdown("**五大领域 × 社区（活动场次，按所属项目的领域）**")
        if matrix.empty:
            st.info("所选时段内没有活动。")
        else:
            charts.draw(st, charts.area_heatmap, matrix, key=(ver, scope, period))
    with st.expander("五社联动指数如何计算"):
        st.markdown(INDEX_FORMULA)
        tables.actor_shares(shares)

    st.subheader("社区排名")
    tables.community_ranking(ranking)
    st.subheader("最新活动")
    tables.latest_activities(data.latest_activities(ver, scope, 10))


live_figures()
