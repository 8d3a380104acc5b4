"""Page setup shared by every page: config, database start-up, login guard, role-aware sidebar, logout."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine

from db import vocab
from db.auth import CurrentUser, authenticate, end_sessions, issue_token, load_user, user_from_token
from db.bootstrap import ensure_ready, is_demo_install, shows_demo_accounts
from db.engine import get_engine, session_scope
from db.errors import LoginFailed
from db.settings import get_settings

APP_TITLE = "五社联动数据看板"
ICON = Path(__file__).parent / "assets" / "icon.png"  # local file: no request leaves the server
COOKIE = "wushe_session"
_log = logging.getLogger("wushe")
_USER = "current_user"


@st.cache_resource(show_spinner="正在准备数据库……")
def engine() -> Engine:
    """One engine per process, migrated (and seeded with demo data on a fresh install) once."""
    eng = get_engine()
    ensure_ready(eng)
    return eng


@st.cache_data(ttl=60, show_spinner=False)
def _demo_loaded(_url: str) -> bool:
    return is_demo_install(engine())


@st.cache_data(ttl=60, show_spinner=False)
def _demo_accounts_shown(_url: str) -> bool:
    # Only on a demo database: demo loaded and no real record (db.demo.is_demo_database).
    return shows_demo_accounts(engine())


def _set_cookie(token: str | None) -> None:
    # The token is our own signed string (URL-safe base64), never user input.
    if token:
        max_age = get_settings().session_hours * 3600
        js = f"document.cookie = '{COOKIE}={token}; path=/; max-age={max_age}; SameSite=Strict';"
    else:
        js = f"document.cookie = '{COOKIE}=; path=/; max-age=0; SameSite=Strict';"
    st.html(f"<script>{js}</script>", unsafe_allow_javascript=True)


def _restore_user() -> CurrentUser | None:
    """The session's user, re-checked against the database on every run (lock or logout ends it at once)."""
    user: CurrentUser | None = st.session_state.get(_USER)
    with session_scope(engine()) as session:
        if user is not None:
            user = load_user(session, user.id, user.session_epoch)
        else:
            token = st.context.cookies.get(COOKIE) if hasattr(st.context, "cookies") else None
            if token:
                user = user_from_token(session, token)
    if user is None:
        st.session_state.pop(_USER, None)
    else:
        st.session_state[_USER] = user
    return user


def _login_form() -> None:
    st.title(APP_TITLE)
    st.caption("专业社工 + 志愿服务 · 社区 / 社会组织 / 社会工作者 / 社区志愿者 / 社会慈善资源")
    left, _right = st.columns([2, 3])
    with left, st.form("login", border=True):
        st.subheader("登录")
        username = st.text_input("用户名", max_chars=40)
        password = st.text_input("密码", type="password", max_chars=200)
        submitted = st.form_submit_button("登录", type="primary", width="stretch")
    if submitted:
        try:
            with session_scope(engine()) as session:
                user = authenticate(session=session, username=username, password=password)
                token = issue_token(session, user)
        except LoginFailed as exc:
            left.error(str(exc))
        else:
            st.session_state[_USER] = user
            st.session_state["_pending_cookie"] = token
            st.rerun()
    if _demo_accounts_shown(get_settings().database_url):
        from db.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

        with left.container(border=True):
            st.markdown("**演示账号**（当前载入的是演示数据）")
            lines = "\n".join(f"- `{name}` · {desc}" for name, desc in DEMO_ACCOUNTS)
            st.markdown(f"{lines}\n\n密码均为 `{DEMO_PASSWORD}`")


def _sidebar(user: CurrentUser, current: str) -> None:
    with st.sidebar:
        st.markdown(f"### {APP_TITLE}")
        if _demo_loaded(get_settings().database_url):
            st.warning("演示数据 · 非真实记录", icon=":material/science:")
        for path, label, roles in vocab.PAGES:
            if user.role in roles:
                st.page_link(path, label=label, disabled=path == current)
        st.divider()
        st.caption(f"{user.display_name}（{vocab.ROLES.get(user.role, user.role)}）")
        if st.button("退出登录", key="logout", width="stretch"):
            with session_scope(engine(), write=True) as session:
                end_sessions(session=session, user_id=user.id)
            st.session_state.clear()
            st.session_state["_pending_cookie"] = ""
            st.rerun()


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Show an unexpected error as a short Chinese message (details go to the server log), never a traceback.

    Streamlit's own control flow (st.stop, st.rerun) derives from BaseException and passes through.
    """
    try:
        yield
    except Exception:
        _log.exception("unexpected error while rendering a page")
        st.error(FRIENDLY_ERROR)
        if os.environ.get("WUSHE_DEBUG_ERRORS") == "1":
            raise


FRIENDLY_ERROR = "抱歉，页面出现意外错误，已记录在服务器日志中。请刷新页面重试；若仍出现，请联系管理员。"


def _install_friendly_errors() -> None:
    """Replace Streamlit's English "This app has encountered an error" with a Chinese message.

    The traceback still goes to the server log. With WUSHE_DEBUG_ERRORS=1 (the test suite sets it) the original
    exception element is shown as well, so that AppTest's ``at.exception`` still sees every failure.
    """
    import streamlit.error_util as error_util

    if getattr(error_util, "_wushe_friendly", False):
        return
    original = error_util.show_uncaught_app_exception

    def show(ex: BaseException) -> None:
        try:
            from streamlit.delta_generator_singletons import get_dg_singleton_instance

            get_dg_singleton_instance().main_dg.error(FRIENDLY_ERROR)
        except Exception:  # displaying must never hide the original failure
            _log.exception("could not show the friendly error message")
        if os.environ.get("WUSHE_DEBUG_ERRORS") == "1":
            original(ex)

    error_util.show_uncaught_app_exception = show
    error_util._wushe_friendly = True


HIDE_RAW_CSV = '[data-testid="stElementToolbarButton"]:has(button[aria-label="Download as CSV"]) { display: none; }'


def setup_page(path: str, title: str, *, layout: str = "wide") -> CurrentUser:
    """Configure the page and return the logged-in user; shows the login form or a refusal and stops otherwise."""
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", page_icon=str(ICON), layout=layout,
                       initial_sidebar_state="expanded")
    # Every download goes through our exports, which neutralise cells starting with = + - @ (DESIGN.md §13):
    # the table toolbar's own CSV download would not, so it is hidden (search, fullscreen and columns remain).
    st.html(f"<style>{HIDE_RAW_CSV}</style>")
    _install_friendly_errors()
    engine()
    pending = st.session_state.pop("_pending_cookie", None)
    if pending is not None:
        _set_cookie(pending or None)
    user = _restore_user()
    if user is None:
        _login_form()
        st.stop()
    _sidebar(user, path)
    if not user.may_open(path):
        st.error(f"您的角色（{vocab.ROLES.get(user.role, user.role)}）无权打开「{title}」页面。")
        st.stop()
    return user
