"""Kiosk links for admins: create one for a street or community (its link is shown once), list them with when each
was last used, revoke one. A section the lead will move into the 系统管理 page; shown on the 大屏 page for now.

Every action goes through ``db.admin.kiosk`` (admin-only there, audited).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from components import data, forms
from components.cache import engine
from components.page import KIOSK_PARAM
from components.tables import show as show_table
from db.admin.kiosk import LINK_COLUMNS, create_kiosk_link, list_kiosk_links, revoke_kiosk_link
from db.auth import CurrentUser
from db.engine import session_scope
from db.errors import WriteError
from db.write import run_write

SCREEN_PATH = "screen"  # pages/7_screen.py (Streamlit drops the numeric prefix)
_KEY, _FLASH, _NEW = "kiosk_form_key", "kiosk_flash", "kiosk_new_link"
WHOLE_STREET = "整个街道"


def link_for(token: str) -> str:
    """The kiosk URL of a token on this server (the address the admin's browser uses)."""
    parts = urlsplit(getattr(st.context, "url", None) or "")
    base = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return f"{base}/{SCREEN_PATH}?{KIOSK_PARAM}={token}"


def section(user: CurrentUser, ver: int) -> None:
    """The admin's section: create, list, revoke."""
    st.subheader("大屏链接")
    st.caption("为评审会、汇报会生成只读的大屏链接：打开即显示所选街道或社区的大屏，无需登录，只显示汇总数字，不显示任何姓名；"
               "不能打开其他页面。链接只在创建时显示一次，请妥善保存；不再使用时请撤销。")
    forms.show_flash(_FLASH)
    new_link = st.session_state.pop(_NEW, None)
    if new_link:
        st.success("已创建大屏链接。请复制保存，此链接只显示这一次：")
        st.code(new_link, language=None)
    _create_form(user, ver)
    _list_and_revoke(user)


def _create_form(user: CurrentUser, ver: int) -> None:
    streets = dict(data.streets(ver, user.scope))
    if not streets:
        st.info("还没有街道，无法创建大屏链接。")
        return
    with st.container(border=True):
        st.markdown("**新建大屏链接**")
        left, middle, right = st.columns(3)
        name = left.text_input("链接名称", max_chars=60, placeholder="例如：区民政局评审会", key="kiosk_name")
        street = middle.selectbox("街道", list(streets), format_func=streets.get, key="kiosk_street")
        communities = dict(data.communities(ver, user.scope, street))
        community = right.selectbox("社区", [None, *communities], key="kiosk_community",
                                    format_func=lambda c: WHOLE_STREET if c is None else communities[c])
        if st.button("创建链接", type="primary", key="kiosk_create"):
            key = forms.form_key(_KEY)
            try:
                _link_id, token = run_write(engine(), key, lambda session: create_kiosk_link(
                    session=session, actor=user, name=name, street_id=street, community_id=community,
                    idempotency_key=key))
            except WriteError as exc:
                forms.show_refusal(exc)
                return
            if token:
                st.session_state[_NEW] = link_for(token)
            forms.after_save(_FLASH, "" if token else "该链接已创建（链接只在创建时显示一次）。", _KEY)


def _list_and_revoke(user: CurrentUser) -> None:
    with session_scope(engine()) as session:
        links = list_kiosk_links(session, user)
    if links.empty:
        st.info("还没有大屏链接。")
        return
    view = links[list(LINK_COLUMNS)].rename(columns=LINK_COLUMNS)
    show_table(view, hide_index=True, width="stretch",
                 column_config={"创建时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                                "最近使用": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
    valid = links[links["status"] == "有效"]
    if valid.empty:
        return
    names = {int(r.id): f"#{int(r.id)} {r.name}（{r.scope}）" for r in valid.itertuples()}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox("撤销链接", list(names), format_func=names.get, key="kiosk_revoke_pick")
    if right.button("撤销", key="kiosk_revoke"):
        forms.run_change(_FLASH, lambda session: revoke_kiosk_link(session=session, actor=user, link_id=chosen),
                         lambda _: f"已撤销大屏链接 #{chosen}：用它打开的大屏将在下次刷新时停止显示。")
