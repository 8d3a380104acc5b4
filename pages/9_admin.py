"""系统管理 (administrators): users and scopes, reference data, star presets and grade bands, the audit log, backup
and restore, the demo data set, kiosk links. Every service behind it refuses anyone but an administrator in db."""

from __future__ import annotations

import streamlit as st

from components import data
from components.admin import audit, backup, reference, rules, users
from components.page import friendly_errors, setup_page

user = setup_page("pages/9_admin.py", "系统管理")
st.title("系统管理")
ver = data.version()

# Only the open tab runs (a backup, the audit log or the user table are not read for the other tabs).
names = ["用户", "基础数据", "星级与等级", "操作日志", "备份与恢复", "演示数据", "大屏链接"]
tabs = dict(zip(names, st.tabs(names, key="admin_tab", on_change="rerun"), strict=True))
panels = {
    "用户": lambda: users.users_panel(user, ver),
    "基础数据": lambda: reference.reference_panel(user, ver),
    "星级与等级": lambda: rules.rules_panel(user, ver),
    "操作日志": lambda: audit.audit_panel(user),
    "备份与恢复": lambda: backup.backup_panel(user),
    "演示数据": lambda: backup.demo_panel(user),
    "大屏链接": lambda: rules.kiosk_panel(user, ver),
}
for name, tab in tabs.items():
    if tab.open:
        with tab, friendly_errors():
            panels[name]()
