"""慈善资源: the offline resource map, supply and demand, the matching funnel, donations; staff offer resources,
file, review, match and complete needs, and record donations."""

from __future__ import annotations

import streamlit as st

from components import data, filters
from components.charity import data as charity_data
from components.charity import panels as charity
from components.page import friendly_errors, setup_page
from db import clock

user = setup_page("pages/4_charity.py", "慈善资源")
st.title("慈善资源")
st.caption("乔社积善 · “乔见社彩·共融共聚”慈善资源库：政府、企业、基金会、社会组织、高校等多元主体的资源与社区需求精准对接。")
ver = data.version()
with st.container(horizontal=True, vertical_alignment="bottom"):
    scope = filters.scope_filter(user.scope, ver)
    period = filters.period_filter(default="all", key="charity_period")
st.caption(f"{data.scope_name(ver, scope)} · {period.label()} · 资源按登记日期、需求按提出日期、捐赠按捐赠日期计入时段")

with friendly_errors():
    charity.summary_tiles(charity_data.summary(ver, scope, period))
tabs = st.tabs(["资源地图", "供需", "对接", "捐赠"], key="charity_tab", on_change="rerun")  # only the open tab runs
map_tab, supply_tab, match_tab, donation_tab = tabs
if map_tab.open:
    with map_tab, friendly_errors():
        st.caption("地图显示资源库当前的资源与需求（不按时段筛选）。")
        charity.map_section(ver, scope)
if supply_tab.open:
    with supply_tab, friendly_errors():
        charity.supply_section(user, ver, scope, period)
if match_tab.open:
    with match_tab, friendly_errors():
        charity.matching_section(user, ver, scope, period, charity_data.summary(ver, scope, period))
if donation_tab.open:
    with donation_tab, friendly_errors():
        charity.donation_section(user, ver, scope, period, clock.today())
