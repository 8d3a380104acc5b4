"""总览: the leaders' overview — KPI tiles for the chosen scope and period, refreshed live."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from components import cards, data, filters, tables
from components.page import setup_page
from db.kpi import CORE_TILES
from db.settings import get_settings

user = setup_page("app.py", "总览")
st.title("总览")

with st.container(horizontal=True, vertical_alignment="bottom"):
    scope = filters.scope_filter(user.scope, data.version())
    period = filters.period_filter()

interval = get_settings().live_refresh_seconds
run_every = timedelta(seconds=interval) if interval > 0 else None


@st.fragment(run_every=run_every)
def live_figures() -> None:
    ver = data.version()
    st.caption(f"{data.scope_name(ver, scope)} · {period.label()} · 数据每 {interval} 秒自动刷新"
               if run_every else f"{data.scope_name(ver, scope)} · {period.label()}")
    cards.kpi_tiles(data.kpi_values(ver, scope, period, CORE_TILES))
    st.subheader("最新活动")
    tables.latest_activities(data.latest_activities(ver, scope, 10))


live_figures()
