"""志愿者: 光荣榜 (leaderboards of volunteers and teams), 星级认定 (star levels and awards), 活跃度 (active
volunteers and rate), 志愿者档案 (a volunteer's service record and the printable 志愿服务记录证明), and for staff
and admins 登记与审核 (review, backfill, volunteers, teams)."""

from __future__ import annotations

import streamlit as st

from components import data, filters
from components.page import friendly_errors, setup_page
from components.volunteers import forms as volunteer_forms
from components.volunteers import panels as volunteers
from components.volunteers import profile as volunteer_file

user = setup_page("pages/3_volunteers.py", "志愿者")
st.title("志愿者")
ver = data.version()
with st.container(horizontal=True, vertical_alignment="bottom"):
    scope = filters.scope_filter(user.scope, ver)

names = ["光荣榜", "星级认定", "活跃度", "志愿者档案"] + (["登记与审核"] if user.may_write else [])
# Only the open tab runs (a leaderboard row can open 志愿者档案 by setting the "volunteer_tab" state).
tabs = dict(zip(names, st.tabs(names, key="volunteer_tab", on_change="rerun"), strict=True))
panels = {
    "光荣榜": lambda: volunteers.leaderboard_tab(scope, ver),
    "星级认定": lambda: volunteers.stars_tab(user, scope, ver),
    "活跃度": lambda: volunteers.active_tab(scope, ver),
    "志愿者档案": lambda: volunteer_file.file_tab(user, scope, ver),
    "登记与审核": lambda: volunteer_forms.entry_tab(user, scope, ver),
}
for name, tab in tabs.items():
    if tab.open:
        with tab, friendly_errors():
            panels[name]()
