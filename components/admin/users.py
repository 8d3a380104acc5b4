"""系统管理 › 用户: the user table, a new user, and for a chosen user: reset the password, lock or unlock, role and
data scope, deactivate or reactivate. Every action is a db service that refuses anyone but an administrator, checks
the version the form was opened at and writes an audit row; a refusal is shown in Chinese and nothing is written.

A password the admin does not type is generated (``db.admin.operations.temporary_password``) once per form and
shown once, after the save; the user must change it at the first login."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.admin import data as ad
from components.cache import engine
from components.forms import FormStates, index_of, pick
from components.tables import show as show_table
from db import clock, vocab
from db.admin import users as admin_users
from db.admin.operations import temporary_password
from db.auth import CurrentUser
from db.errors import WriteError
from db.places.reference import PlaceChoices
from db.write import run_write

STATES = FormStates(key="admin_user_key_{}", flash="admin_user_flash")
_SECRET = "admin_user_secret"  # (user name, password, what happened): shown once
AUTO, TYPED = "自动生成临时密码", "由我设置"
_PLACES = {"street": "streets", "community": "communities", "organization": "organizations"}


def users_panel(user: CurrentUser, ver: int) -> None:
    STATES.show_flash()
    _show_secret_once()
    table = ad.fresh(admin_users.user_table, user, now=clock.now())
    show_table(_view(table), hide_index=True, width="stretch",
                 column_config={"最近登录": st.column_config.TextColumn()})
    st.caption("用户不能删除（记录与操作日志仍指向他们）：不再使用的账户请停用。锁定、停用与重置密码会立即结束该用户已打开的会话。")
    choices = ad.place_choices(ver, user)
    left, right = st.columns(2, gap="large")
    with left, st.container(border=True):
        _create_form(user, choices)
    with right, st.container(border=True):
        _manage(user, table, choices)


def _view(table: pd.DataFrame) -> pd.DataFrame:
    view = table.drop(columns=["id", "version"])
    view["最近登录"] = [pd.Timestamp(t).strftime("%Y-%m-%d %H:%M") if pd.notna(t) else "从未登录"
                    for t in table["最近登录"]]
    return view


def _show_secret_once() -> None:
    held = st.session_state.pop(_SECRET, None)
    if held is None:
        return
    username, password, what = held
    with st.container(border=True):
        st.markdown(f"**{what}：{username} 的临时密码**（只显示这一次，请当面或私下告知本人；首次登录须修改）")
        st.code(password, language=None)


def _scope_fields(prefix: str, choices: PlaceChoices, scope_type: str = "all", scope_id: int | None = None
                  ) -> tuple[str, int | None]:
    """数据范围: 全部, or one street / community / organisation picked from the place lists."""
    types = list(vocab.SCOPE_TYPES)
    scope_type = st.selectbox("数据范围", types, index=index_of(types, scope_type), key=f"{prefix}_scope_type",
                              format_func=vocab.SCOPE_TYPES.get)
    if scope_type == "all":
        return scope_type, None
    items = getattr(choices, _PLACES[scope_type])
    if not items:
        st.warning(f"还没有{vocab.SCOPE_TYPES[scope_type]}：请先在「基础数据」中添加。")
        return scope_type, None
    picked = pick(f"所属{vocab.SCOPE_TYPES[scope_type]}", items, f"{prefix}_scope_id", optional=False,
                  value=scope_id)
    return scope_type, picked


def _password_fields(prefix: str, generated: str) -> str:
    mode = st.radio("初始密码", [AUTO, TYPED], horizontal=True, key=f"{prefix}_pwmode")
    if mode == AUTO:
        st.caption("保存后显示一次临时密码。")
        return generated
    return st.text_input("密码", type="password", max_chars=200, key=f"{prefix}_password",
                         help="至少 8 位，且不能与用户名相同。用户首次登录须修改。")


def _create_form(user: CurrentUser, choices: PlaceChoices) -> None:
    st.markdown("**新建用户**")
    key = STATES.form_key("create")
    prefix = f"nu_{key}"
    generated = st.session_state.setdefault(f"{prefix}_generated", temporary_password())
    username = st.text_input("用户名", max_chars=40, key=f"{prefix}_username",
                             help="3–40 位字母、数字或 _ . -，登录时使用")
    display_name = st.text_input("姓名", max_chars=40, key=f"{prefix}_display_name")
    roles = list(vocab.ROLES)
    role = st.selectbox("角色", roles, index=roles.index("staff"), format_func=vocab.ROLES.get, key=f"{prefix}_role")
    scope_type, scope_id = _scope_fields(prefix, choices)
    password = _password_fields(prefix, generated)
    if not st.button("创建用户", type="primary", key="admin_user_create", icon=":material/person_add:"):
        return

    def action(idempotency_key: str) -> int:
        new_id = run_write(engine(), idempotency_key, lambda s: admin_users.create_user(
            session=s, actor=user, username=username, password=password, role=role, scope_type=scope_type,
            scope_id=scope_id, display_name=display_name, idempotency_key=idempotency_key))
        if password == generated:
            st.session_state[_SECRET] = (username.strip(), password, "已创建用户")
        return new_id

    STATES.submit("create", action, lambda new_id: f"已创建用户「{username.strip()}」（编号 {new_id}，"
                                                   f"{vocab.ROLES[role]}）。首次登录须修改密码。")


def _manage(user: CurrentUser, table: pd.DataFrame, choices: PlaceChoices) -> None:
    st.markdown("**管理用户**")
    labels = {int(r["id"]): f"{r['用户名']}（{r['姓名']} · {r['角色']} · {r['状态']}）"
              for r in table.to_dict("records")}
    picked = pick("选择用户", list(labels.items()), "admin_user_pick", optional=True, none_label="（请选择）")
    if picked is None:
        st.caption("选择一个用户后，可重置密码、锁定或解锁、修改角色与数据范围、停用或启用。")
        return
    try:
        target = ad.fresh(admin_users.user_for_edit, user, picked)
    except WriteError as exc:  # the user vanished meanwhile (a restore)
        st.warning(str(exc))
        return
    st.caption(f"状态：{target.status} · 版本 {target.version}")
    reset_tab, lock_tab, role_tab, active_tab = st.tabs(["重置密码", "锁定/解锁", "角色与范围", "停用/启用"])
    with reset_tab:
        _reset(user, target)
    with lock_tab:
        _lock(user, target)
    with role_tab:
        _role_scope(user, target, choices)
    with active_tab:
        _activation(user, target)


def _reset(user: CurrentUser, target: admin_users.UserForEdit) -> None:
    prefix = f"mu_{target.id}_{target.version}"
    generated = st.session_state.setdefault(f"{prefix}_generated", temporary_password())
    password = _password_fields(prefix, generated)
    st.caption("重置后该用户已打开的会话立即结束，下次登录须先修改密码。")
    if st.button("重置密码", key=f"{prefix}_reset", icon=":material/lock_reset:"):
        def done(_result: object) -> str:  # after the commit: only then is the password worth showing
            if password == generated:
                st.session_state[_SECRET] = (target.username, password, "已重置密码")
            return f"已重置「{target.username}」的密码，其已打开的会话已结束。"

        STATES.change("reset", lambda s: admin_users.reset_password(
            session=s, actor=user, user_id=target.id, new_password=password, expected_version=target.version), done)


def _lock(user: CurrentUser, target: admin_users.UserForEdit) -> None:
    prefix = f"mu_{target.id}_{target.version}"
    if target.is_locked:
        st.caption("解锁后该用户可以再次登录（连续登录失败的计数清零）。")
        if st.button("解锁", key=f"{prefix}_unlock", icon=":material/lock_open:"):
            STATES.change("lock", lambda s: admin_users.unlock_user(
                session=s, actor=user, user_id=target.id, expected_version=target.version),
                lambda _: f"已解锁「{target.username}」。")
        return
    st.caption("锁定后该用户不能登录，已打开的会话在下一次操作时结束，直到管理员解锁。")
    if st.button("锁定", key=f"{prefix}_lock", icon=":material/lock:"):
        STATES.change("lock", lambda s: admin_users.lock_user(
            session=s, actor=user, user_id=target.id, expected_version=target.version),
            lambda _: f"已锁定「{target.username}」，其已打开的会话已结束。")


def _role_scope(user: CurrentUser, target: admin_users.UserForEdit, choices: PlaceChoices) -> None:
    prefix = f"mu_{target.id}_{target.version}"
    roles = list(vocab.ROLES)
    role = st.selectbox("角色", roles, index=index_of(roles, target.role), format_func=vocab.ROLES.get,
                        key=f"{prefix}_role")
    scope_type, scope_id = _scope_fields(prefix, choices, target.scope_type, target.scope_id)
    if st.button("保存角色与范围", key=f"{prefix}_role_save", icon=":material/manage_accounts:"):
        STATES.change("role", lambda s: admin_users.change_role_scope(
            session=s, actor=user, user_id=target.id, role=role, scope_type=scope_type, scope_id=scope_id,
            expected_version=target.version),
            lambda _: f"已将「{target.username}」改为{vocab.ROLES[role]}，数据范围已更新（其会话下一次操作时生效）。")


def _activation(user: CurrentUser, target: admin_users.UserForEdit) -> None:
    prefix = f"mu_{target.id}_{target.version}"
    if not target.is_active:
        st.caption("启用后该用户可以再次登录。")
        if st.button("启用账户", key=f"{prefix}_reactivate", icon=":material/person_check:"):
            STATES.change("active", lambda s: admin_users.reactivate_user(
                session=s, actor=user, user_id=target.id, expected_version=target.version),
                lambda _: f"已启用「{target.username}」。")
        return
    st.caption("停用后该用户不能登录，已打开的会话结束；账户与其记录保留，可随时重新启用。")
    confirmed = st.checkbox(f"确认停用「{target.username}」", key=f"{prefix}_deactivate_confirm")
    if st.button("停用账户", key=f"{prefix}_deactivate", disabled=not confirmed, icon=":material/person_off:"):
        STATES.change("active", lambda s: admin_users.deactivate_user(
            session=s, actor=user, user_id=target.id, expected_version=target.version),
            lambda _: f"已停用「{target.username}」，其已打开的会话已结束。")
