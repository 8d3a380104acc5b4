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
from db.admin.users import change_own_password
from db.auth import CurrentUser, authenticate, issue_token, load_user, log_out, user_from_token
from db.bootstrap import ensure_ready, is_demo_install
from db.engine import get_engine, session_scope
from db.errors import LoginFailed, PermissionDenied, ValidationFailed
from db.secret import SecretKeyMismatch, check_shared_secret
from db.settings import get_settings

APP_TITLE = "五社联动数据看板"
ICON = Path(__file__).parent / "assets" / "icon.png"  # local file: no request leaves the server
COOKIE = "wushe_session"
_log = logging.getLogger("wushe")
_USER = "current_user"
_CHANGE_PASSWORD = "_change_password"  # the user asked for the change-password form
_PASSWORD_CHANGED = "_password_changed"


@st.cache_resource(show_spinner="正在准备数据库……")
def engine() -> Engine:
    """One engine per process, migrated (and seeded with demo data on a fresh install) once."""
    eng = get_engine()
    ensure_ready(eng)
    check_shared_secret(eng)  # several servers on one PostgreSQL must share the cookie key
    return eng


@st.cache_data(ttl=60, show_spinner=False)
def _demo_loaded(_url: str) -> bool:
    return is_demo_install(engine())


def _set_cookie(token: str | None) -> None:
    # The token is our own signed string (URL-safe base64), never user input.
    if token:
        max_age = get_settings().session_hours * 3600
        js = f"document.cookie = '{COOKIE}={token}; path=/; max-age={max_age}; SameSite=Strict';"
    else:
        js = f"document.cookie = '{COOKIE}=; path=/; max-age=0; SameSite=Strict';"
    st.html(f"<script>{js}</script>", unsafe_allow_javascript=True)


def _client_address() -> str | None:
    """The client address as the connection and a proxy's X-Forwarded-For report it: for the audit log only, never
    for a decision (Streamlit: it "can easily be spoofed"; None on localhost)."""
    try:
        address = st.context.ip_address
        forwarded = (st.context.headers or {}).get("X-Forwarded-For")
    except Exception:  # no request context (tests, scripts)
        return None
    parts = [address if isinstance(address, str) else None,
             f"X-Forwarded-For: {forwarded}" if isinstance(forwarded, str) and forwarded else None]
    return "; ".join(p for p in parts if p)[:100] or None


def _restore_user() -> CurrentUser | None:
    """The session's user, re-checked against the database on every run (and in live fragments, see
    ``ensure_session``): the login expires SESSION_HOURS after the password was checked, and a logout, an admin's
    lock or a deactivation ends it at the next run, open tab or not."""
    user: CurrentUser | None = st.session_state.get(_USER)
    had_user = user is not None
    with session_scope(engine()) as session:
        if user is not None:
            user = load_user(session, user.id, user.session_epoch, expires_at=user.expires_at)
        else:
            token = st.context.cookies.get(COOKIE) if hasattr(st.context, "cookies") else None
            if token:
                user = user_from_token(session, token)
    if user is None:
        st.session_state.pop(_USER, None)
        if had_user:
            _set_cookie(None)  # the session ended: the cookie must not bring it back
    else:
        st.session_state[_USER] = user
    return user


def ensure_session() -> CurrentUser:
    """Call first in a fragment that reruns on its own (``st.fragment(run_every=...)``): such a run skips
    ``setup_page``, so the login is checked here; a session that has ended reruns the whole page (login form)."""
    user = _restore_user()
    if user is None or user.must_change_password:
        st.rerun(scope="app")
    assert user is not None
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
                user = authenticate(session=session, username=username, password=password,
                                    source=_client_address())
                token = issue_token(session, user)
        except LoginFailed as exc:
            left.error(str(exc))
        else:
            st.session_state[_USER] = user
            st.session_state["_pending_cookie"] = token
            st.rerun()
    if _demo_loaded(get_settings().database_url):
        from db.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

        with left.container(border=True):
            st.markdown("**演示账号**（当前载入的是演示数据）")
            lines = "\n".join(f"- `{name}` · {desc}" for name, desc in DEMO_ACCOUNTS)
            st.markdown(f"{lines}\n\n密码均为 `{DEMO_PASSWORD}`")


def _sidebar(user: CurrentUser, current: str, *, pages: bool = True) -> None:
    with st.sidebar:
        st.markdown(f"### {APP_TITLE}")
        if _demo_loaded(get_settings().database_url):
            st.warning("演示数据 · 非真实记录", icon=":material/science:")
        if pages:
            for path, label, roles in vocab.PAGES:
                if user.role in roles:
                    st.page_link(path, label=label, disabled=path == current)
        st.divider()
        st.caption(f"{user.display_name}（{vocab.ROLES.get(user.role, user.role)}）")
        if pages and st.button("修改密码", key="change_password_open", width="stretch"):
            st.session_state[_CHANGE_PASSWORD] = True
            st.rerun()
        if st.button("退出登录", key="logout", width="stretch"):
            with session_scope(engine(), write=True) as session:
                log_out(session=session, user=user, source=_client_address())
            st.session_state.clear()
            st.session_state["_pending_cookie"] = ""
            st.rerun()


PASSWORD_RULE = "新密码至少 8 位，且不能与用户名相同。"


def _password_form(user: CurrentUser, *, forced: bool) -> None:
    """Change one's own password; shown instead of the page while an admin-set password is unchanged."""
    st.title("修改密码")
    if forced:
        st.info("管理员为您设置或重置了密码。请先设置自己的新密码，之后才能使用本系统。")
    labels = vocab.USER_FIELD_LABELS
    left, _right = st.columns([2, 3])
    with left, st.form("change_password", border=True):
        old = st.text_input(labels["old_password"], type="password", max_chars=200)
        new = st.text_input(labels["new_password"], type="password", max_chars=200)
        confirm = st.text_input(labels["confirm_password"], type="password", max_chars=200)
        st.caption(PASSWORD_RULE)
        submitted = st.form_submit_button("确认修改", type="primary", width="stretch")
    if not forced and left.button("取消", key="change_password_cancel"):
        st.session_state.pop(_CHANGE_PASSWORD, None)
        st.rerun()
    if not submitted:
        return
    try:
        with session_scope(engine(), write=True) as session:
            renewed = change_own_password(session=session, user=user, old_password=old, new_password=new,
                                          confirm_password=confirm)
            token = issue_token(session, renewed)
    except ValidationFailed as exc:
        for message in exc.errors.values():
            left.error(message)
        return
    except PermissionDenied as exc:
        left.error(str(exc))
        return
    st.session_state[_USER] = renewed
    st.session_state["_pending_cookie"] = token  # other sessions of this user end; this one continues
    st.session_state.pop(_CHANGE_PASSWORD, None)
    st.session_state[_PASSWORD_CHANGED] = True
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
    try:
        engine()
    except SecretKeyMismatch as exc:
        _log.error("refusing to serve: %s", exc)
        st.error(str(exc))
        st.stop()
    pending = st.session_state.pop("_pending_cookie", None)
    if pending is not None:
        _set_cookie(pending or None)
    user = _restore_user()
    if user is None:
        _login_form()
        st.stop()
    if user.must_change_password or st.session_state.get(_CHANGE_PASSWORD):
        _sidebar(user, path, pages=not user.must_change_password)
        _password_form(user, forced=user.must_change_password)
        st.stop()
    if st.session_state.pop(_PASSWORD_CHANGED, False):
        st.toast("密码已修改。", icon=":material/check_circle:")
    _sidebar(user, path)
    if not user.may_open(path):
        st.error(f"您的角色（{vocab.ROLES.get(user.role, user.role)}）无权打开「{title}」页面。")
        st.stop()
    return user
