"""Routing: which pages a user may open, built per user for ``st.navigation`` (DESIGN.md §2).

A page a user may not open is not in their navigation at all, so it cannot be reached by URL either: the guard
is the page list itself. Page files stay in ``pages/`` with ASCII names; labels are Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from db.auth import CurrentUser


@dataclass(frozen=True)
class PageSpec:
    """A page: its script, Chinese title, icon, and who may open it. Its URL comes from the file name
    (``pages/3_volunteers.py`` → ``/volunteers``)."""

    path: str
    title: str
    icon: str
    may_open: Callable[[CurrentUser], bool]
    default: bool = False


def _everyone(user: CurrentUser) -> bool:
    return True


def _writers(user: CurrentUser) -> bool:
    return user.can_write


OVERVIEW = "pages/0_overview.py"

PAGES: tuple[PageSpec, ...] = (
    PageSpec(OVERVIEW, "总览", ":material/dashboard:", _everyone, default=True),
    PageSpec("pages/2_community.py", "社区画像", ":material/location_city:", _everyone),
    PageSpec("pages/3_volunteers.py", "志愿者", ":material/volunteer_activism:", _everyone),
    PageSpec("pages/4_charity.py", "慈善资源", ":material/handshake:", _everyone),
    PageSpec("pages/5_projects.py", "项目成效", ":material/insights:", _everyone),
    PageSpec("pages/6_organizations.py", "社会组织与社工", ":material/groups:", _everyone),
    PageSpec("pages/1_data_entry.py", "数据录入", ":material/edit_note:", _writers),
)

# Where each kind of record is entered (数据录入 lists them): page, the tab that holds the form, what it records.
ENTRY_FORMS = (
    ("pages/3_volunteers.py", "登记与审核", "登记与修改志愿者、队伍；审核（通过/驳回）待审服务记录；补录荣誉时长"),
    ("pages/3_volunteers.py", "星级认定", "为达标志愿者认定星级"),
    ("pages/3_volunteers.py", "志愿者档案", "出具志愿服务记录证明；撤销误认定的星级"),
    ("pages/4_charity.py", "供需", "登记慈善资源、提出需求；撤回或恢复资源"),
    ("pages/4_charity.py", "对接", "审核需求、对接资源、办结需求"),
    ("pages/4_charity.py", "捐赠", "登记资金或物资捐赠"),
    ("pages/5_projects.py", "录入", "新建或修改项目、项目目标、报道数据"),
    ("pages/6_organizations.py", "录入", "新建或修改社会组织、社会工作者；评估等级、培训；登记与办结纠纷调解案件"),
)


def pages_for(user: CurrentUser) -> list[PageSpec]:
    """The pages ``user`` may open, in sidebar order."""
    return [page for page in PAGES if page.may_open(user)]


def page_paths(user: CurrentUser) -> list[str]:
    return [page.path for page in pages_for(user)]


def title_of(path: str) -> str:
    return next(page.title for page in PAGES if page.path == path)


def navigation(user: CurrentUser) -> StreamlitPage:
    """``st.navigation`` over exactly the pages ``user`` may open (the sidebar shows them); returns the page to
    run."""
    return st.navigation([st.Page(p.path, title=p.title, icon=p.icon, default=p.default) for p in pages_for(user)],
                         position="sidebar")
