"""系统管理 › 备份与恢复 and › 演示数据.

备份: a consistent backup of the whole database, built when the admin asks (not on every rerun) and then offered
for download. 恢复: upload (capped at BACKUP_UPLOAD_MAX_MB), the file checked and previewed, a confirmation, a copy
of the current data saved to BACKUP_DIR, then the restore; afterwards every session has ended, this one too, and
the next run shows the login. 演示数据: whether this is a demo database; load, reset or clear with a confirmation and
a copy first, refused in db on a database that holds real records.
"""

from __future__ import annotations

import streamlit as st

from components.admin import data as ad
from components.cache import engine
from db.admin import operations
from db.auth import CurrentUser
from db.errors import WriteError
from db.settings import get_settings

_BACKUP = "admin_backup_file"  # the BackupFile built for the download button
_PREVIEW = "admin_restore_preview"  # (file id, BackupInfo or the refusal)
_UPLOADS = "admin_restore_uploads"  # bumps the uploader's key: a fresh, empty uploader after a restore
ZIP = "application/zip"
# Streamlit's uploader speaks English; its words are replaced (as on 导入导出, components/transfer.py).
_UPLOADER_CSS = """
[data-testid="stFileUploaderDropzone"] > span > button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] > span > button [data-testid="stMarkdownContainer"] p::after {
  content: "选择文件"; font-size: 14px; }
[data-testid="stFileUploaderDropzoneInstructions"] > div > span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::before { content: "或将备份文件拖到此处"; display: block; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
  content: "不超过 %d MB · 本系统生成的 .zip 备份"; display: block; font-size: .85em; opacity: .7; }
"""


def backup_panel(user: CurrentUser) -> None:
    st.subheader("下载备份")
    st.caption("备份包含全部数据表（含用户与操作日志），在一次一致的读取中生成：生成期间其他人仍可正常录入，"
               "备份反映开始生成那一刻的数据。文件为 zip，可在本系统的任何一台服务器（SQLite 或 PostgreSQL）上恢复。")
    if st.button("生成备份文件", key="backup_make", icon=":material/backup:"):
        with st.spinner("正在生成备份……"):
            try:
                st.session_state[_BACKUP] = operations.download_backup(engine(), user)
            except WriteError as exc:
                st.error(str(exc))
    made = st.session_state.get(_BACKUP)
    if made is not None:
        st.download_button(f"下载 {made.name}（{_size(len(made.data))}，{made.rows:,} 行）", made.data,
                           file_name=made.name, mime=ZIP, key="backup_download", type="primary",
                           icon=":material/download:", on_click="ignore")
    st.divider()
    _restore_section(user)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(n, 1) / 1024:.0f} KB"


def _restore_section(user: CurrentUser) -> None:
    st.subheader("从备份恢复")
    cap = get_settings().backup_upload_max_mb
    st.warning("恢复会用备份中的数据替换当前的全部数据（含用户与操作日志）。恢复前系统会先把当前数据备份到服务器的"
               f"备份目录（{operations.backup_dir()}）；恢复完成后所有用户（包括您）都需要重新登录。",
               icon=":material/warning:")
    st.html(f"<style>{_UPLOADER_CSS % cap}</style>")
    uploaded = st.file_uploader(f"选择备份文件（.zip，不超过 {cap} MB）", type=["zip"], max_upload_size=cap,
                                key=f"restore_file_{st.session_state.get(_UPLOADS, 0)}")
    if uploaded is None:
        st.session_state.pop(_PREVIEW, None)
        return
    held = st.session_state.get(_PREVIEW)
    if held is None or held[0] != uploaded.file_id:
        with st.spinner("正在校验备份文件……"):
            try:
                checked: object = operations.preview_backup(user, uploaded.getvalue())
            except WriteError as exc:
                checked = str(exc)
        held = (uploaded.file_id, checked)
        st.session_state[_PREVIEW] = held
    info = held[1]
    if isinstance(info, str):
        st.error(f"不能恢复：{info}")
        return
    with st.container(border=True):
        st.markdown("**备份内容预览**")
        st.markdown("\n".join(f"- {line}" for line in info.summary_lines()))
    confirmed = st.checkbox("我已确认：用这个备份替换当前的全部数据", key=f"restore_confirm_{uploaded.file_id}")
    if not st.button("恢复此备份", key="restore_run", type="primary", disabled=not confirmed,
                     icon=":material/settings_backup_restore:"):
        return
    with st.spinner("正在备份当前数据并恢复……"):
        try:
            done = operations.restore(engine(), user, uploaded.getvalue())
        except WriteError as exc:
            st.error(str(exc))
            return
    # Shown in this run: the restore has ended every session, so the next run shows the login form.
    st.session_state[_UPLOADS] = st.session_state.get(_UPLOADS, 0) + 1
    for state in (_PREVIEW, _BACKUP):
        st.session_state.pop(state, None)
    _after_restore(done)


def _after_restore(done: operations.Restored) -> None:
    result = done.result
    st.success(f"已恢复备份（备份时间 {result.info.created_at:%Y-%m-%d %H:%M:%S}，共 {sum(result.rows.values()):,} 行，"
               f"用时 {result.seconds:.1f} 秒）。")
    st.info(f"恢复前的数据已保存在服务器：{done.safety_copy}")
    st.warning("所有用户的登录已结束，包括您：请重新登录。", icon=":material/logout:")
    if st.button("重新登录", key="restore_relogin", type="primary"):
        st.rerun()  # the session's epoch is gone: the page shows the login form


# ------------------------------------------------------------------------------------------ 演示数据

_ACTIONS = {"load": ("载入演示数据", "载入"), "reset": ("重置演示数据", "重置"), "clear": ("清除演示数据", "清除")}
_EFFECTS = {
    "load": "将载入演示数据集（两个街道、社区、机构、志愿者与活动记录）和演示账号。",
    "reset": "将删除全部演示数据与演示账号，再重新载入；演示账号（包括您正在使用的账号）的登录将结束。",
    "clear": "将删除全部演示数据与演示账号（包括您正在使用的账号），之后启动也不会再自动载入。清除后系统中没有可登录的"
             "账户：须在服务器上运行 python -m db.cli create-admin 创建第一个真实管理员，再开始录入真实数据。",
}


def demo_panel(user: CurrentUser) -> None:
    status_box = st.container()  # filled last: after an action it shows the state that action left
    st.caption(f"每次操作前，系统先把当前数据备份到服务器的备份目录（{operations.backup_dir()}）。")
    loaded = ad.fresh(operations.demo_status, user).loaded
    done: str | None = None
    for action in (["reset", "clear"] if loaded else ["load"]):
        title, word = _ACTIONS[action]
        with st.container(border=True):
            st.markdown(f"**{title}**")
            st.caption(_EFFECTS[action])
            confirmed = st.checkbox(f"我已确认{word}演示数据", key=f"demo_confirm_{action}")
            if st.button(title, key=f"demo_{action}", disabled=not confirmed):
                done = _run_demo(user, action, word)
    with status_box:
        if done is not None:
            st.success(done)
            if st.button("重新登录", key="demo_relogin", type="primary"):
                st.rerun()
        _status(ad.fresh(operations.demo_status, user))


def _status(status: operations.DemoStatus) -> None:
    if status.holds_real_records:
        st.warning(f"数据库中已有真实数据（{'、'.join(status.real_tables[:6])}"
                   f"{'等' if len(status.real_tables) > 6 else ''}）：演示数据只用于演示数据库，不能在这里载入、重置或"
                   "清除。如需演示，请另建一个空数据库。", icon=":material/verified:")
    elif status.demo_database:
        st.info(f"当前是演示数据库：已载入演示数据（{status.demo_rows:,} 行），没有真实记录；登录页显示演示账号。",
                icon=":material/science:")
    else:
        st.info("当前没有载入演示数据，也没有真实记录。", icon=":material/inventory_2:")


def _run_demo(user: CurrentUser, action: str, word: str) -> str | None:
    """Run the action; the success text (the admin's session has ended: demo accounts were replaced or removed),
    or None after showing the refusal."""
    with st.spinner(f"正在备份当前数据并{word}演示数据……"):
        try:
            done = operations.demo_action(engine(), user, action)  # type: ignore[arg-type]
        except WriteError as exc:
            st.error(f"未{word}：{exc}")
            return None
    if not done.changed:
        return "演示数据已经载入，未重复载入。"
    ended = {"reset": "演示账号已重新创建，您的登录已结束：请用演示账号重新登录。",
             "clear": "演示账号已全部删除，您的登录已结束。系统中已没有可登录的账户：请在服务器上运行 "
                      "python -m db.cli create-admin 创建第一个管理员。",
             "load": ""}[action]
    return f"已{word}演示数据。操作前的数据已备份到：{done.safety_copy}。{ended}"
