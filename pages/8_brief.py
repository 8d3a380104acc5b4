"""工作简报: the report a street or community takes away from a review meeting — the period's figures in sentences,
changes against the last period and last year, leading projects and communities, reported indicators — printable
and as Word."""

from __future__ import annotations

import streamlit as st

from components import data
from components.page import setup_page
from components.screen import brief as brief_view
from db import clock

user = setup_page("pages/8_brief.py", "工作简报")
st.title("工作简报")
ver = data.version()
today = clock.today()
with st.container(horizontal=True, vertical_alignment="bottom"):
    scope = brief_view.pick_place(user.scope, ver)
    period = brief_view.pick_period(today)
if scope is not None:
    brief_view.show(*brief_view.brief(ver, scope, period, today))
