"""Routing: the pages, who may open each, and where each kind of record is entered (DESIGN.md §2).

The sidebar (``components.page``) lists the pages a user may open, and the guard at the top of every page
(``setup_page``) refuses the others, since any page can be opened by URL.

Why a custom sidebar and not ``st.navigation``: the layout keeps the page files in ``pages/``, and Streamlit treats a
``pages/`` folder as a multipage app of its own (MPA v1) until ``st.navigation`` has run once in the process — and
``streamlit.testing.v1.AppTest`` resets that flag before every run. So with ``st.navigation`` a page script can
still be run directly (by URL on a fresh server, and in every AppTest run) and would need its own guard anyway;
the guard in every page is what keeps a role out, and the tests exercise the same path as production.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from db.admin.kiosk import KioskViewer
from db.auth import CurrentUser


@dataclass(frozen=True)
class PageSpec:
    """A page: its script, Chinese title, and who may open it."""

    path: str
    title: str
    may_open: Callable[[CurrentUser], bool]


def everyone(user: CurrentUser) -> bool:
    return True


def writers_only(user: CurrentUser) -> bool:
    return user.may_write


def admins_only(user: CurrentUser) -> bool:
    return user.is_admin


OVERVIEW = "app.py"
SCREEN = "pages/7_screen.py"  # 大屏: the one page a kiosk link opens (issue 11)
BRIEF = "pages/8_brief.py"  # 工作简报

PAGES: tuple[PageSpec, ...] = (
    PageSpec(OVERVIEW, "总览", everyone),
    PageSpec("pages/2_community.py", "社区画像", everyone),
    PageSpec("pages/3_volunteers.py", "志愿者", everyone),
    PageSpec("pages/4_charity.py", "慈善资源", everyone),
    PageSpec("pages/5_projects.py", "项目成效", everyone),
    PageSpec("pages/6_organizations.py", "社会组织与社工", everyone),
    PageSpec("pages/1_data_entry.py", "数据录入", writers_only),
    PageSpec("pages/7_transfer.py", "导入导出", writers_only),
    # review meetings
    PageSpec(SCREEN, "大屏", everyone),
    PageSpec(BRIEF, "工作简报", everyone),
    PageSpec("pages/9_admin.py", "系统管理", admins_only),
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


def pages_for(user: CurrentUser | KioskViewer) -> list[PageSpec]:
    """The pages ``user`` may open, in sidebar order (none for a kiosk link: its sidebar lists nothing)."""
    if isinstance(user, KioskViewer):
        return []
    return [page for page in PAGES if page.may_open(user)]


def page_paths(user: CurrentUser) -> list[str]:
    return [page.path for page in pages_for(user)]


def title_of(path: str) -> str:
    return next(page.title for page in PAGES if page.path == path)


def may_open(user: CurrentUser | KioskViewer, path: str) -> bool:
    """Whether ``user``'s role may open the page ``path``; a kiosk link opens the big screen and nothing else."""
    if isinstance(user, KioskViewer):
        return path == SCREEN
    return any(page.path == path and page.may_open(user) for page in PAGES)
