"""数据录入: staff record activities with their volunteers and hours, and correct their recent entries."""

from __future__ import annotations

import streamlit as st

from components.activity_form import new_activity_form, recent_entries_panel
from components.page import setup_page

user = setup_page("pages/1_data_entry.py", "数据录入")
st.title("数据录入")
new_tab, mine_tab = st.tabs(["录入活动", "我的最近录入"])
with new_tab:
    new_activity_form(user)
with mine_tab:
    recent_entries_panel(user)
