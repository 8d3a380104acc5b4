"""数据录入: staff record activities with their volunteers and hours, correct their recent entries or any activity
of their scope (查找与更正), approve their communities' pending records (待审核), and find
the form for every other kind of record (each lives on its own page, beside the figures it feeds)."""

from __future__ import annotations

import streamlit as st

from components import data, nav
from components.activities.corrections import corrections_panel
from components.activities.forms import new_activity_form, recent_entries_panel
from components.page import setup_page
from components.volunteers.panels import approvals_panel

user = setup_page("pages/1_data_entry.py", "数据录入")
st.title("数据录入")
ver = data.version()
new_tab, mine_tab, fix_tab, review_tab, other_tab = st.tabs(["录入活动", "我的最近录入", "查找与更正", "待审核", "其他录入"])
with new_tab:
    new_activity_form(user, ver)
with mine_tab:
    recent_entries_panel(user, ver)
with fix_tab:
    corrections_panel(user, ver)
with review_tab:
    approvals_panel(user, ver)
with other_tab:
    st.caption("其他记录在各自页面的标签页中录入，与其统计数据放在一起：")
    for path, tab, what in nav.ENTRY_FORMS:
        st.page_link(path, label=f"{nav.title_of(path)} › {tab}：{what}", icon=":material/edit_note:")
