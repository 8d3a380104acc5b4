"""系统管理 › 操作日志: filters (who, action, table, record id, time range), the entries newest first, one entry's old
and new values side by side, the chain check (「校验日志链」) and the export of what the filters show (neutralised
cells; the export is itself an audit entry)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from components.admin import data as ad
from components.cache import engine
from components.tables import show as show_table
from db import clock, vocab
from db.admin import audit, operations
from db.auth import CurrentUser
from db.errors import WriteError

LIMIT = 500
_EXPORT = "admin_audit_export"  # (filters, AuditExport) held for the download buttons
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def audit_panel(user: CurrentUser) -> None:
    filters = _filters(user)
    if filters is None:
        return
    log = ad.fresh(audit.audit_log, user, limit=LIMIT, **filters)
    shown = f"共 {len(log)} 条" if len(log) < LIMIT else f"显示最新 {LIMIT} 条（请缩小筛选范围查看更早的记录）"
    st.caption(f"{shown}，最新的在前。")
    if log.empty:
        st.info("没有符合条件的操作记录。")
    else:
        view = log.assign(记录编号=[str(int(v)) if pd.notna(v) else "" for v in log["记录编号"]])  # no "None"
        show_table(view, hide_index=True, width="stretch", column_config={
            "时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
            "编号": st.column_config.NumberColumn(format="%d")})
        _changes(user, log)
    st.divider()
    left, right = st.columns(2, gap="large")
    with left:
        _chain_check(user)
    with right:
        _export(user, filters)


def _filters(user: CurrentUser) -> dict[str, Any] | None:
    choices = ad.fresh(audit.audit_choices, user)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        username = st.selectbox("用户", [None, *choices["username"]], format_func=lambda v: v or "全部",
                                key="audit_user")
        action = st.selectbox("操作", [None, *choices["action"]], key="audit_action",
                              format_func=lambda v: "全部" if v is None else vocab.AUDIT_ACTIONS.get(v, v))
        table = st.selectbox("对象", [None, *choices["table"]], key="audit_table",
                             format_func=lambda v: "全部" if v is None else vocab.TABLE_LABELS.get(v, v))
        record = st.text_input("记录编号", max_chars=12, key="audit_record", placeholder="全部")
        start = st.date_input("起始日期", value=None, max_value=clock.today(), key="audit_start")
        end = st.date_input("截止日期", value=None, max_value=clock.today(), key="audit_end")
    record_id: int | None = None
    if record.strip():
        if not record.strip().isdigit():
            st.error("「记录编号」须为整数。")
            return None
        record_id = int(record.strip())
    if isinstance(start, date) and isinstance(end, date) and start > end:
        st.error("「起始日期」不能晚于「截止日期」。")
        return None
    return {"username": username, "action": action, "table": table, "record_id": record_id, "start": start,
            "end": end}


def _changes(user: CurrentUser, log: Any) -> None:
    labels = {int(r["编号"]): _entry_label(r) for r in log.to_dict("records")}
    picked = st.selectbox("查看一条记录的原值与新值", list(labels), format_func=labels.get, key="audit_pick")
    if picked is None:
        return
    changes = ad.fresh(audit.audit_changes, user, picked)
    if changes.empty:
        st.caption("这条记录没有字段变化或附加信息。")
        return
    show_table(changes, hide_index=True, width="stretch")


def _entry_label(r: dict[str, Any]) -> str:
    record = r["记录编号"]
    target = r["对象"] + (f" #{int(record)}" if record is not None and not pd.isna(record) else "")
    return f"#{r['编号']} · {pd.Timestamp(r['时间']):%Y-%m-%d %H:%M:%S} · {r['用户']} · {r['操作']} · {target}"


def _chain_check(user: CurrentUser) -> None:
    st.markdown("**校验日志链**")
    st.caption("每条记录都含有它自身和前一条记录的校验值：记录被改动或删除，链就会在那里断开。")
    if st.button("校验日志链", key="audit_verify", icon=":material/verified_user:"):
        with st.spinner("正在逐条校验……"):
            report = ad.fresh(operations.check_audit_chain, user)
        (st.success if report.intact else st.error)(report.message())


def _export(user: CurrentUser, filters: dict[str, Any]) -> None:
    st.markdown("**导出当前筛选结果**")
    st.caption(f"Excel 或 CSV，含每条记录的变更内容（最多 {audit.EXPORT_LIMIT:,} 条）；导出本身也记入操作日志。")
    request = tuple(sorted((k, str(v)) for k, v in filters.items()))
    if st.button("生成导出文件", key="audit_export_make", icon=":material/file_export:"):
        try:
            made = operations.export_audit_log(engine(), user, **filters)
        except WriteError as exc:
            st.error(str(exc))
            return
        st.session_state[_EXPORT] = (request, made)
    held = st.session_state.get(_EXPORT)
    if held is None or held[0] != request:
        return
    made = held[1]
    st.caption(f"共 {made.rows:,} 条。")
    with st.container(horizontal=True):
        st.download_button("下载 Excel", made.xlsx, file_name=f"{made.stem}.xlsx", mime=XLSX, key="audit_xlsx",
                           icon=":material/download:", on_click="ignore")
        st.download_button("下载 CSV", made.csv, file_name=f"{made.stem}.csv", mime="text/csv", key="audit_csv",
                           icon=":material/download:", on_click="ignore")
