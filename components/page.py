"""Page setup shared by every page: config, database start-up, login guard, role-aware sidebar, logout."""

from __future__ import annotations

import gc
import html
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from components import nav
from components.cache import cached, engine, version
from db import bootstrap, clock, demo, vocab
from db.admin.kiosk import KioskViewer, record_use, use_is_due, viewer_for_token
from db.admin.users import change_own_password
from db.auth import CurrentUser, authenticate, issue_token, load_user, log_out, user_from_token
from db.engine import database_unavailable, session_scope
from db.errors import LoginFailed, PermissionDenied, ValidationFailed
from db.secret import SecretKeyMismatch
from db.settings import get_settings

APP_TITLE = "五社联动数据看板"
ICON = Path(__file__).parent / "assets" / "icon.png"  # local file: no request leaves the server
COOKIE = "wushe_session"
_log = logging.getLogger("wushe")
_USER = "current_user"
_CHANGE_PASSWORD = "_change_password"  # the user asked for the change-password form
_PASSWORD_CHANGED = "_password_changed"


demo_loaded = cached(bootstrap.demo_loaded)


# The login cookie is written by this one fixed script; the token travels in the element's data attributes. A fixed
# script has a fixed hash, so the proxy's Content-Security-Policy allows exactly it and no other inline script.
# Behind the proxy (deploy/nginx.conf) the script asks nginx to set the cookie from a response header, HttpOnly and
# Secure: POST /_wushe/session answers 204 there. Anywhere else (a bare `streamlit run`) that request fails and the
# script writes the cookie itself (then script-readable; Secure over HTTPS). Streamlit itself cannot set a cookie.
# tests/test_deploy.py checks the hash and the HttpOnly cookie; docs/SECURITY.md describes what remains.
COOKIE_SCRIPT = (
    "(function(s){var d=s.dataset,f=function(){"
    "document.cookie=d.cookie+(location.protocol==='https:'?'; Secure':'');};"
    "fetch('/_wushe/session',{method:'POST',credentials:'same-origin',"
    "headers:{'X-Wushe-Session':d.token||'logout','X-Wushe-Max-Age':d.maxAge}})"
    ".then(function(r){if(r.status!==204){f();}},f);})(document.currentScript);"
)


# Only on a demo database (demo loaded and no real record) does the login page list the demo accounts.
_demo_accounts_shown = cached(demo.shows_demo_accounts)


def _set_cookie(token: str | None) -> None:
    # The token is our own signed string (URL-safe base64 and dots), never user input.
    max_age = get_settings().session_hours * 3600 if token else 0
    cookie = f"{COOKIE}={token or ''}; path=/; max-age={max_age}; SameSite=Strict"
    attrs = f'data-cookie="{html.escape(cookie)}" data-token="{html.escape(token or "")}" data-max-age="{max_age}"'
    st.html(f"<script {attrs}>{COOKIE_SCRIPT}</script>", unsafe_allow_javascript=True)


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
    if _demo_accounts_shown(version()):
        from db.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

        with left.container(border=True):
            st.markdown("**演示账号**（当前载入的是演示数据）")
            lines = "\n".join(f"- `{name}` · {desc}" for name, desc in DEMO_ACCOUNTS)
            st.markdown(f"{lines}\n\n密码均为 `{DEMO_PASSWORD}`")


def _sidebar(user: CurrentUser, current: str, *, pages: bool = True) -> None:
    with st.sidebar:
        st.markdown(f"### {APP_TITLE}")
        if demo_loaded(version()):
            st.warning("演示数据 · 非真实记录", icon=":material/science:")
        if pages:
            for spec in nav.pages_for(user):
                st.page_link(spec.path, label=spec.title, disabled=spec.path == current)
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
    except Exception as exc:
        if database_unavailable(exc):
            _log.warning("database unavailable: %s", exc)
        else:
            _log.exception("unexpected error while rendering a page")
        st.error(error_message(exc))
        if os.environ.get("WUSHE_DEBUG_ERRORS") == "1":
            raise


FRIENDLY_ERROR = "抱歉，页面出现意外错误，已记录在服务器日志中。请刷新页面重试；若仍出现，请联系管理员。"
STARTUP_FAILED = ("数据库准备失败（应用数据库结构或载入演示数据时出错），详情已记录在服务器日志中。请联系管理员处理后"
                  "刷新页面重试。")
DB_UNAVAILABLE = ("数据库暂时无法连接（可能正在重启或维护），已保存的数据不受影响。请稍后刷新页面重试；"
                  "若持续出现，请联系管理员。")


def error_message(exc: BaseException) -> str:
    """The Chinese message a user sees for an unexpected error (the details go to the server log)."""
    return DB_UNAVAILABLE if database_unavailable(exc) else FRIENDLY_ERROR


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

            get_dg_singleton_instance().main_dg.error(error_message(ex))
        except Exception:  # displaying must never hide the original failure
            _log.exception("could not show the friendly error message")
        if os.environ.get("WUSHE_DEBUG_ERRORS") == "1":
            original(ex)

    error_util.show_uncaught_app_exception = show
    error_util._wushe_friendly = True


HIDE_RAW_CSV = '[data-testid="stElementToolbarButton"]:has(button[aria-label="Download as CSV"]) { display: none; }'
# An empty date field shows Streamlit's English “yyyy-mm-dd” in its segments: 年-月-日 instead; and a text field's
# English “Press Enter to apply / submit form” hint is hidden (record forms do not submit on Enter at all; the login
# form still does, as users expect).
CHINESE_DATE_HINTS = '[data-testid="InputInstructions"] { display: none; } ' + "".join(
    f'[data-testid="stDateInput"] [data-placeholder="true"][data-type="{part}"] {{ font-size: 0; }} '
    f'[data-testid="stDateInput"] [data-placeholder="true"][data-type="{part}"]::before '
    f'{{ content: "{word}"; font-size: 0.875rem; }} '
    for part, word in (("year", "年"), ("month", "月"), ("day", "日")))


# ---------------------------------------------------------------------------------------------- kiosk links
# A kiosk link (/screen?kiosk=TOKEN) opens the big screen with no login. Its session holds a KioskViewer, never a
# CurrentUser: setup_page refuses it on every page, and only setup_screen (the big screen) accepts it.
KIOSK_PARAM = "kiosk"
_KIOSK = "kiosk_viewer"
KIOSK_REFUSED = "该大屏链接无效或已被撤销，无法打开。请向管理员索取新的链接。"
KIOSK_ONLY_SCREEN = "大屏链接只能打开大屏展示，不能打开其他页面。"
# Everything around the page a kiosk has no use for (and Streamlit's English labels: the skip link, chart toolbars).
HIDE_CHROME = ('[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],'
               ' [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stSkipToContent"],'
               ' [data-testid="stElementToolbar"] { display: none !important; }')


def kiosk_session() -> bool:
    """Whether this browser session came in through a kiosk link."""
    return KIOSK_PARAM in st.query_params or _KIOSK in st.session_state


def kiosk_viewer() -> KioskViewer | None:
    """The viewer of the kiosk link in the URL, checked against the database on every call (a revoked link stops
    at the next refresh); None for an unknown or revoked token. Records the use (at most once a minute)."""
    token = st.query_params.get(KIOSK_PARAM)
    with session_scope(engine()) as session:  # a read: the screens of a meeting check their link every refresh
        viewer = viewer_for_token(session, token, touch=False) if isinstance(token, str) else None
    now = clock.now()
    if viewer is not None and use_is_due(viewer.used_at, now):
        with session_scope(engine(), write=True) as session:
            record_use(session, viewer.link_id, now=now)
    if viewer is None:
        st.session_state.pop(_KIOSK, None)
    else:
        st.session_state[_KIOSK] = viewer
    return viewer


def setup_screen(path: str, title: str) -> CurrentUser | KioskViewer:
    """``setup_page`` for the big screen, which a kiosk link may also open: returns the kiosk's read-only viewer
    (no sidebar, no header, nothing else), or the logged-in user."""
    if not kiosk_session():
        return setup_page(path, title, sidebar="collapsed")
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", page_icon=str(ICON), layout="wide",
                       initial_sidebar_state="collapsed")
    st.html(f"<style>{HIDE_RAW_CSV} {HIDE_CHROME}</style>")
    _install_friendly_errors()
    viewer = kiosk_viewer()
    if viewer is None or not nav.may_open(viewer, path):
        st.error(KIOSK_REFUSED)
        st.stop()
    return viewer


_frozen: list[bool] = []


def _freeze_start_up_objects() -> None:
    """Once per process, after the first run prepared the database and imported the app: move everything alive into
    the collector's permanent generation. A full collection then walks only what came later; without it, under 50
    sessions, one stopped every thread for 0.2–0.4 s every ≈ 12 s (bench/scale.py with a gc.callbacks probe). No
    collection first (it would cost the first visit 0.2–0.4 s): the little garbage of the imports stays."""
    if not _frozen:
        _frozen.append(True)
        gc.freeze()


def setup_page(path: str, title: str, *, layout: str = "wide", sidebar: str = "expanded") -> CurrentUser:
    """Configure the page and return the logged-in user; shows the login form or a refusal and stops otherwise."""
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", page_icon=str(ICON), layout=layout,
                       initial_sidebar_state=sidebar)
    if kiosk_session():  # a kiosk link reaches the big screen alone (setup_screen), never this page
        st.html(f"<style>{HIDE_CHROME}</style>")
        st.error(KIOSK_ONLY_SCREEN)
        st.stop()
    # Every download goes through our exports, which neutralise cells starting with = + - @ (DESIGN.md §13):
    # the table toolbar's own CSV download would not, so it is hidden (search, fullscreen and columns remain).
    st.html(f"<style>{HIDE_RAW_CSV} {CHINESE_DATE_HINTS}</style>")
    _install_friendly_errors()
    try:
        engine()
    except SecretKeyMismatch as exc:
        _log.error("refusing to serve: %s", exc)
        st.error(str(exc))
        st.stop()
    except Exception as exc:  # migration or demo load failed, database unreachable: tried again on the next run
        _log.exception("the database could not be prepared")
        st.error(DB_UNAVAILABLE if database_unavailable(exc) else STARTUP_FAILED)
        st.stop()
    _freeze_start_up_objects()
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
    if not nav.may_open(user, path):
        st.error(f"您的角色（{vocab.ROLES.get(user.role, user.role)}）无权打开「{title}」页面。")
        st.stop()
    return user
