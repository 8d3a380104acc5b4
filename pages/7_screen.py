"""大屏: the big screen for review meetings — opened by a logged-in user, or by a kiosk link with no login (read-only,
aggregates only, its own street or community)."""

from __future__ import annotations

import streamlit as st

from components import data, filters
from components.page import demo_loaded, setup_screen
from components.screen import big_screen
from db.admin.kiosk import KioskViewer

viewer = setup_screen("pages/7_screen.py", "大屏")
ver = data.version()
if isinstance(viewer, KioskViewer):
    scope, period = viewer.scope, big_screen.kiosk_period(st.query_params.get("period"))
else:
    with st.sidebar:
        st.markdown("**大屏设置**")
        scope = filters.scope_filter(viewer.scope, ver)
        period = filters.period_filter(default="year", key="screen_period")
        st.caption("投影时可收起侧边栏，并按 F11 全屏。")
big_screen.render(scope, period, demo=demo_loaded(ver))
if not isinstance(viewer, KioskViewer) and viewer.is_admin:
    st.caption("只读大屏链接（评审会投影用，无需登录）在 系统管理 › 大屏链接 中创建与撤销。")
