"""社区画像: one community or street — profile card, map, KPIs, trends, spaces, teams, projects, reported figures;
and two to four communities side by side."""

from __future__ import annotations

import streamlit as st

from components import cards, charts, data, filters, tables
from components.page import setup_page
from components.places import compare as compare
from components.places import profile as profile
from db import clock
from db.figures import CORE_TILES
from db.scope import narrow

user = setup_page("pages/2_community.py", "社区画像")
st.title("社区画像")
ver = data.version()
view_tab, compare_tab = st.tabs(["画像", "社区对比"])

with view_tab:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        picked = filters.place_picker(user.scope, ver)
        period = filters.period_filter(default="all", key="profile_period")
    place = data.profile(ver, *picked) if picked else None
    if place is not None:
        scope = narrow(user.scope, place.scope)
        profile.profile_card(place)
        st.subheader(f"主要指标 · {period.label()}")
        cards.figure_tiles(data.figure_values(ver, CORE_TILES, scope, period))
        left, right = st.columns(2)
        charts.draw(left, charts.figure_trend, data.figure_monthly(ver, "activities", scope, period), "activities",
                    key=(ver, scope, period, "activities"))
        charts.draw(right, charts.figure_trend, data.figure_monthly(ver, "hours", scope, period), "hours",
                    color=charts.PALETTE[1], key=(ver, scope, period, "hours"))
        spaces, teams, projects, reported = st.tabs(["服务阵地", "志愿服务队伍", "项目", "报道数据"])
        with spaces:
            profile.spaces_table(place.spaces)
        with teams:
            profile.teams_table(place.teams)
        with projects:
            profile.projects_table(place.projects)
        with reported:
            tables.reported_table(data.reported(ver, scope, clock.today()))

with compare_tab:
    compare.communities_side_by_side(user.scope, ver)
