"""项目成效: the project portfolio by area, brand level and status; one project's activities over time, figures
against its targets, reported indicators beside the records, and beneficiary groups; entry forms for staff."""

from __future__ import annotations

import streamlit as st

from components import data, filters
from components.page import friendly_errors, setup_page
from components.projects import forms as project_forms
from components.projects import panels as pj
from db import clock

user = setup_page("pages/5_projects.py", "项目成效")
st.title("项目成效")
ver = data.version()

with st.container(horizontal=True, vertical_alignment="bottom"):
    scope = filters.scope_filter(user.scope, ver)
    period = filters.period_filter(default="all", key="projects_period")

names = ["项目总览", "项目详情", *(["录入"] if user.may_write else [])]
tabs = dict(zip(names, st.tabs(names), strict=True))
with tabs["项目总览"], friendly_errors():
    pj.portfolio_panel(ver, scope, period)
with tabs["项目详情"], friendly_errors():
    pj.project_panel(ver, scope, period, clock.today())
if user.may_write:
    with tabs["录入"], friendly_errors():
        project_forms.entry_panel(ver, user)
