"""系统管理 › 星级与等级 (the same forms as 志愿者 › 星级认定 and 社会组织与社工 › 等级评估, called, not copied) and
› 大屏链接 (kiosk links)."""

from __future__ import annotations

import streamlit as st

from components.organizations import panels as org_panels
from components.screen import kiosk_admin
from components.volunteers import forms as volunteer_forms
from db.auth import CurrentUser


def rules_panel(user: CurrentUser, ver: int) -> None:
    st.subheader("志愿者星级标准")
    st.caption("各地星级时长标准不同（如全国 100/300/600/1000/1500 小时），可新建标准并为各街道选用；"
               "已认定的档位不能删除。志愿者 › 星级认定 页面中是同一份设置。")
    volunteer_forms.preset_admin(user, ver)
    st.subheader("社会组织等级评估分数段")
    st.caption("5A…1A 的最低分按各城市的评估办法配置；社会组织与社工 › 等级评估 页面中是同一份设置。")
    org_panels.bands_panel(ver, user)


def kiosk_panel(user: CurrentUser, ver: int) -> None:
    """大屏链接: create, list and revoke the read-only kiosk links of the big screen."""
    kiosk_admin.section(user, ver)
