"""社会组织与社工: registered vs filed organisations, grades and the grades about to expire, incubation, brand
projects, social workers by level, trainings, and mediation by team, type and month; entry forms for staff."""

from __future__ import annotations

import streamlit as st

from components import data, filters
from components.organizations import forms as org_forms
from components.organizations import panels as orgs
from components.page import friendly_errors, setup_page
from db import clock

user = setup_page("pages/6_organizations.py", "社会组织与社工")
st.title("社会组织与社工")
ver = data.version()
today = clock.today()

with st.container(horizontal=True, vertical_alignment="bottom"):
    scope = filters.scope_filter(user.scope, ver)
    period = filters.period_filter(default="all", key="orgs_period")
st.caption(f"{data.scope_name(ver, scope)} · 名册与等级为 {today:%Y-%m-%d} 现状；培训、纠纷调解与品牌项目按所选时段"
           f"（{period.label()}）。")

names = ["社会组织", "等级评估", "品牌项目", "社工人才", "培训", "纠纷调解", *(["录入"] if user.may_write else [])]
tabs = dict(zip(names, st.tabs(names), strict=True))
with tabs["社会组织"], friendly_errors():
    orgs.register_panel(ver, scope, today)
with tabs["等级评估"], friendly_errors():
    orgs.grades_panel(ver, scope, today, user)
with tabs["品牌项目"], friendly_errors():
    orgs.brands_panel(ver, scope, period)
with tabs["社工人才"], friendly_errors():
    orgs.social_workers_panel(ver, scope)
with tabs["培训"], friendly_errors():
    orgs.trainings_panel(ver, scope, period)
with tabs["纠纷调解"], friendly_errors():
    orgs.mediation_panel(ver, scope, period)
if user.may_write:
    with tabs["录入"], friendly_errors():
        org_forms.entry_panel(ver, user)
