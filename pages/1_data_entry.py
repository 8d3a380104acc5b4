"""数据录入: staff record activities with their volunteers and hours, correct their recent entries, and find
the form for every other kind of record (each lives on its own page, beside the figures it feeds)."""

from __future__ import annotations

import streamlit as st

from components import data, nav
from components.activities.forms import new_activity_form, recent_entries_panel
from components.page import setup_page

user = setup_page("pages/1_data_entry.py", "数据录入")
st.title("数据录入")
ver = data.version()
new_tab, mine_tab, other_tab = st.tabs(["录入活动", "我的最近录入", "其他录入"])
with new_tab:
    new_activity_form(user, ver)
with mine_tab:
    recent_entries_panel(user, ver)
with other_tab:
    st.caption("其他记录在各自页面的标签页中录入，与其统计数据放在一起：")
    for path, tab, what in nav.ENTRY_FORMS:
        st.page_link(path, label=f"{nav.title_of(path)} › {tab}：{what}", icon=":material/edit_note:")
