"""导入导出: template downloads, the upload with its caps, the preview and report of rejected rows, the import
(all-or-nothing or valid rows only), the monthly 台账 and table exports. The rules live in db.transfer."""

from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd
import streamlit as st

from components import data, filters
from components.cache import engine
from components.downloads import download
from components.tables import show as show_table
from db import clock
from db.auth import CurrentUser
from db.engine import session_scope
from db.errors import WriteError
from db.export import to_csv_bytes, to_excel_bytes
from db.periods import Period
from db.scope import Scope
from db.settings import get_settings
from db.transfer.importers import MODES, ImportResult, preview, report_workbook, run_import
from db.transfer.ledger import TABLES, ledger_workbook, table_frame
from db.transfer.templates import KIND_LABELS, TEMPLATES, template_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PREVIEW = "transfer_preview"  # (preview key, ImportResult) of the file on screen
_UPLOADS = "transfer_upload_n"  # bumped after an import so that the uploader starts empty
_FLASH = "transfer_flash"
_LEDGER = "transfer_ledger"  # (request, file name, bytes)
_TABLE = "transfer_table"

# Streamlit's uploader speaks English; its words are replaced here (the widget's own text is hidden).
_UPLOADER_CSS = """
[data-testid="stFileUploaderDropzone"] > span > button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] > span > button [data-testid="stMarkdownContainer"] p::after {
  content: "选择文件"; font-size: 14px; }
[data-testid="stFileUploaderDropzoneInstructions"] > div > span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::before { content: "或将文件拖到此处"; display: block; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
  content: "单个文件不超过 %d MB、%d 行 · .xlsx 或 .csv"; display: block; font-size: .85em; opacity: .7; }
"""


def template_downloads() -> None:
    st.subheader("1. 下载模板")
    st.caption("模板第 1 行为表头（红色为必填），第 2 行为示例；“说明”工作表列出每一列的填法。已有的台账不必照抄模板："
               "列的顺序、表头上方的标题行、合并的表头、全角数字和常见日期写法都能识别。")
    with st.container(horizontal=True):
        for kind, template in TEMPLATES.items():
            st.download_button(f"{template.label}模板", template_workbook(kind), file_name=template.file_name, mime=XLSX,
                               key=f"template_{kind}", icon=":material/download:", on_click="ignore")


def _rows_frame(result: ImportResult, status: str) -> pd.DataFrame:
    rows = result.with_status(status)
    headers = list(dict.fromkeys(h for r in rows for h in r.original))
    return pd.DataFrame([{"行号": r.row, **{h: r.original.get(h, "") for h in headers}} for r in rows],
                        columns=["行号", *headers])


def _problems_frame(result: ImportResult) -> pd.DataFrame:
    out = [{"行号": r.row, "列": p.column, "原因": p.reason} for r in result.with_status("rejected") for p in r.problems]
    return pd.DataFrame(out, columns=["行号", "列", "原因"])


def _skipped_frame(result: ImportResult) -> pd.DataFrame:
    out = [{"行号": s.rows_text, "原因": s.reason} for s in result.skipped]
    out += [{"行号": f"第 {r.row} 行", "原因": r.note} for r in result.rows if r.status in ("already", "duplicate")]
    return pd.DataFrame(out, columns=["行号", "原因"])


def _show_result(result: ImportResult) -> None:
    ok, rejected = result.with_status("ok"), result.with_status("rejected")
    (st.success if ok and not rejected else st.warning if rejected else st.info)(result.message)
    if result.ignored:
        st.caption(f"以下列不在模板中，未导入：{'、'.join(result.ignored)}")
    labels = [f"可导入（{len(ok)}）", f"未通过（{len(rejected)}）", f"跳过（{len(_skipped_frame(result))}）"]
    good_tab, bad_tab, skip_tab = st.tabs(labels, default=labels[1] if rejected else labels[0])  # problems first
    with good_tab:
        show_table(_rows_frame(result, "ok"), hide_index=True, width="stretch")
    with bad_tab:
        show_table(_problems_frame(result), hide_index=True, width="stretch")
    with skip_tab:
        show_table(_skipped_frame(result), hide_index=True, width="stretch")
    if rejected or result.skipped:
        stem = result.file_name.rsplit(".", 1)[0] or "导入"
        download("下载未导入行报告（Excel）", report_workbook(result), file_name=f"{stem}_未导入行报告.xlsx",
                 mime=XLSX, key="import_report", icon=":material/download:", table="import_report")


def import_section(user: CurrentUser) -> None:
    settings = get_settings()
    st.subheader("2. 上传并预览")
    message = st.session_state.pop(_FLASH, None)
    if message:
        st.success(message)
    st.html(f"<style>{_UPLOADER_CSS % (settings.upload_max_mb, settings.import_max_rows)}</style>")
    kind = st.selectbox("导入内容", list(TEMPLATES), format_func=KIND_LABELS.get, key="import_kind")
    uploaded = st.file_uploader("选择文件（.xlsx 或 .csv，UTF-8 或 GBK 编码）", type=["xlsx", "csv"],
                                key=f"import_file_{st.session_state.get(_UPLOADS, 0)}",
                                max_upload_size=settings.upload_max_mb)
    st.caption(f"单个文件不超过 {settings.upload_max_mb} MB、{settings.import_max_rows} 行。上传后先逐行检查并预览，不写入任何数据。")
    if uploaded is None:
        st.session_state.pop(_PREVIEW, None)
        return
    content, name = uploaded.getvalue(), uploaded.name
    key = f"{kind}:{hashlib.sha256(content).hexdigest()}:{data.version()}"
    held = st.session_state.get(_PREVIEW)
    if held is None or held[0] != key:
        try:
            with st.spinner("正在逐行检查……"):
                result = preview(engine(), user, kind, content, name)
        except WriteError as exc:
            st.error(str(exc))
            return
        st.session_state[_PREVIEW] = held = (key, result)
    result = held[1]
    _show_result(result)
    if result.error:
        return
    st.subheader("3. 导入")
    mode = st.radio("导入方式", list(MODES), format_func=MODES.get, horizontal=True, key="import_mode",
                    help="默认全部导入或都不导入：有任何一行未通过，就不写入任何数据。")
    ok, rejected = result.with_status("ok"), result.with_status("rejected")
    blocked = not ok or (mode == "all_or_nothing" and bool(rejected))
    if blocked and ok:
        st.caption(f"有未通过的行：请修改文件后重新上传，或选择“{MODES['valid_only']}”。")
    if st.button(f"导入 {len(ok)} 行", type="primary", disabled=blocked, key="import_run"):
        try:
            with st.spinner("正在导入……"):
                done = run_import(engine(), user, kind, content, name, mode=mode)
        except WriteError as exc:
            st.error(f"未导入：{exc}")
            return
        if done.written:
            st.session_state[_FLASH] = done.message
            st.session_state[_UPLOADS] = st.session_state.get(_UPLOADS, 0) + 1
            st.session_state.pop(_PREVIEW, None)
            st.rerun()
        st.session_state[_PREVIEW] = (key, done)
        st.warning(done.message)


def _months(today: date, n: int = 24) -> list[date]:
    out, month = [], today.replace(day=1)
    for _ in range(n):
        out.append(month)
        month = (month.replace(day=1) - pd.Timedelta(days=1)).replace(day=1)
    return out


def _place_scope(picked: tuple[str, int]) -> Scope:
    kind, place_id = picked
    return Scope(street_id=place_id) if kind == "street" else Scope(community_id=place_id)


def ledger_section(user: CurrentUser) -> None:
    st.subheader("月度台账")
    st.caption("一个社区或街道一个月的台账：汇总（与总览的数字一致）、活动及参与志愿者和时长、志愿服务记录、捐赠、纠纷调解、培训。")
    ver = data.version()
    today = clock.today()
    picked = filters.place_picker(user.scope, ver, key="ledger_place")
    if picked is None:
        return
    month = st.selectbox("月份", _months(today), format_func=lambda d: f"{d.year}年{d.month}月", key="ledger_month")
    real = st.checkbox("包含志愿者实名（仅供内部存档；默认脱敏，如 张*明）", key="ledger_real_names")
    request = (picked, month, real, ver)
    if st.button("生成台账", key="ledger_make", icon=":material/table_view:"):
        try:
            with session_scope(engine()) as session:
                name, content = ledger_workbook(session, user, _place_scope(picked), month, today=today,
                                                real_names=real)
        except WriteError as exc:
            st.error(str(exc))
            return
        st.session_state[_LEDGER] = (request, name, content)
    held = st.session_state.get(_LEDGER)
    if held is not None and held[0] == request:
        download(f"下载 {held[1]}", held[2], file_name=held[1], mime=XLSX, key="ledger_download",
                 type="primary", icon=":material/download:", table="ledger")


def table_exports(user: CurrentUser) -> None:
    st.subheader("数据表导出")
    st.caption("Excel（.xlsx）或 CSV（UTF-8，Excel 可直接打开）；以 = + - @ 开头的内容已作防公式处理。")
    ver = data.version()
    with st.container(horizontal=True, vertical_alignment="bottom"):
        picked = filters.place_picker(user.scope, ver, key="export_place")
        table = st.selectbox("数据表", TABLES, key="export_table")
    if picked is None:
        return
    period: Period = filters.period_filter(default="month", key="export_period")
    real = st.checkbox("包含志愿者实名（仅供内部存档）", key="export_real_names")
    request = (picked, table, period, real, ver)
    if st.button("生成导出文件", key="export_make", icon=":material/file_export:"):
        try:
            with session_scope(engine()) as session:
                stem, frame = table_frame(session, user, _place_scope(picked), table, period, real_names=real)
        except WriteError as exc:
            st.error(str(exc))
            return
        st.session_state[_TABLE] = (request, stem, to_excel_bytes(frame, table), to_csv_bytes(frame), len(frame))
    held = st.session_state.get(_TABLE)
    if held is not None and held[0] == request:
        _request, stem, xlsx, csv, lines = held
        st.caption(f"共 {max(lines - 1, 0)} 条记录（最后一行为合计）。")
        with st.container(horizontal=True):
            download("下载 Excel", xlsx, file_name=f"{stem}.xlsx", mime=XLSX, key="export_xlsx",
                     icon=":material/download:", table="export")
            download("下载 CSV", csv, file_name=f"{stem}.csv", mime="text/csv", key="export_csv",
                     icon=":material/download:", table="export")
