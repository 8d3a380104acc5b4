"""Exports (CSV in UTF-8 with BOM, Excel) that a spreadsheet can never run as formulas (DESIGN.md §7).

Every text cell is neutralised line by line: a line (the cell's first, or any after a line break) that starts
with = + - @ — also after spaces, tabs or control characters, and in their full-width forms ＝＋－＠ — gets an
apostrophe in front, and so does a cell that starts with a tab or carriage return. In .xlsx files text is also
written as text (data type “s”), never as a formula. Booleans are written 是/否, missing values as empty cells,
dates as YYYY-MM-DD (real date cells in .xlsx, shown that way).
"""

from __future__ import annotations

import io
import math
import re
from datetime import date, datetime, time
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from db.periods import Period

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # kept for callers of the earlier version
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
_DANGEROUS_LINE = re.compile(r"^[\s\x00-\x1f\x7f\u3000]*[=+\-@＝＋－＠]")


def neutralise(value: object) -> object:
    """Text that a spreadsheet could read as a formula, on any of its lines, gets an apostrophe before that line;
    anything else (numbers too) is returned unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in "\t\r":
        value = "'" + value
    parts = _LINE_BREAK.split(value)
    changed = False
    for i in range(0, len(parts), 2):  # lines at even places, the breaks between them at odd places
        if _DANGEROUS_LINE.match(parts[i]):
            parts[i] = "'" + parts[i]
            changed = True
    return "".join(parts) if changed else value


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, list | tuple | dict | set) else False
    except (TypeError, ValueError):
        return False


def plain(value: Any) -> Any:
    """A cell as an export writes it: 是/否, "" for missing, dates as text YYYY-MM-DD (with HH:MM when there is a
    time), neutralised text, Python numbers."""
    if _missing(value):
        return ""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "是" if value else "否"
    if isinstance(value, datetime | pd.Timestamp):
        stamp = pd.Timestamp(value)
        return f"{stamp:%Y-%m-%d}" if stamp.time() == time() else f"{stamp:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, str):
        return neutralise(value)
    if hasattr(value, "item") and not isinstance(value, list | tuple | dict):
        return value.item()  # numpy scalars
    if isinstance(value, list | tuple | set):
        return neutralise("、".join(str(plain(v)) for v in value))
    if isinstance(value, dict):  # words, never Python's True/None
        return neutralise("；".join(f"{k}：{plain(v)}" for k, v in value.items()))
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` as an export writes it: every cell through ``plain``, headers neutralised."""
    out = pd.DataFrame({i: [plain(v) for v in df.iloc[:, i].tolist()] for i in range(df.shape[1])},
                       index=range(len(df)), dtype=object)
    out.columns = [neutralise(str(c)) for c in df.columns]
    return out


def to_csv_bytes(df: pd.DataFrame, title: str | None = None) -> bytes:
    """CSV in UTF-8 with a BOM, so that Excel opens Chinese text correctly. ``title`` (e.g. what a row is and how
    many there are) is a first line of its own above the header."""
    body = safe_frame(df).to_csv(index=False)
    if title:
        body = pd.DataFrame([[neutralise(title)]]).to_csv(index=False, header=False) + body
    return body.encode("utf-8-sig")


_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def put(cell: Any, value: Any) -> None:
    """Write one value into an openpyxl cell: text as text (never a formula), dates as date cells shown
    YYYY-MM-DD, 是/否 for booleans, nothing for missing values."""
    if _missing(value):
        cell.value = None
        return
    if isinstance(value, datetime | pd.Timestamp):
        stamp = pd.Timestamp(value).to_pydatetime()
        cell.value = stamp
        cell.number_format = "yyyy-mm-dd" if stamp.time() == time() else "yyyy-mm-dd hh:mm"
        return
    if isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
        return
    value = plain(value)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl would take a leading "=" as a formula; an export never holds one
    else:
        cell.value = value


def write_sheet(ws: Any, df: pd.DataFrame, start_row: int = 1) -> int:
    """Write ``df`` (header row, then its rows) into worksheet ``ws`` from ``start_row``; returns the next free
    row. Column widths follow the content."""
    widths: dict[int, int] = {}
    for c, name in enumerate(df.columns, start=1):
        cell = ws.cell(row=start_row, column=c)
        put(cell, str(name))
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
        widths[c] = _width(str(name))
    for r, values in enumerate(df.itertuples(index=False, name=None), start=start_row + 1):
        for c, value in enumerate(values, start=1):
            put(ws.cell(row=r, column=c), value)
            widths[c] = max(widths[c], _width(plain(value)))
    for c, width in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 60)
    return start_row + len(df) + 1


def _width(value: Any) -> int:
    text = str(value).split("\n")[0] if value is not None else ""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text[:60])


def to_excel_bytes(df: pd.DataFrame, sheet: str = "数据") -> bytes:
    """An .xlsx workbook of ``df``: neutralised, text as text, dates shown YYYY-MM-DD."""
    return workbook_bytes({sheet: df})


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per frame (sheet names cut to Excel's 31 characters)."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(safe_sheet_name(name))
        write_sheet(ws, df)
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def titled_workbook(title: str, df: pd.DataFrame, sheet: str = "数据") -> bytes:
    """An .xlsx workbook of one sheet: ``title`` in bold in A1 (what a row is, how many, the place and period),
    ``df`` from row 3 (its header frozen)."""
    wb = Workbook()
    ws = wb.active
    ws.title = safe_sheet_name(sheet)
    put(ws.cell(row=1, column=1), title)
    ws.cell(row=1, column=1).font = _HEAD_FONT
    write_sheet(ws, df, start_row=3)
    ws.freeze_panes = "A4"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def safe_sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "数据"


# ------------------------------------------------------------------------------------------- file names


def period_file_label(period: Period) -> str:
    """How a file name says the period: 2026年11月, 2026年第4季度, 2026年, 截至2026-11-28, 2026-11-01至2026-11-15."""
    month_end = (pd.Timestamp(period.start) + pd.offsets.MonthEnd(0)).date()
    if period.kind == "all":
        return f"截至{period.end:%Y-%m-%d}"
    if period.start.day == 1 and period.start.month == period.end.month and period.start.year == period.end.year \
            and (period.kind == "month" or period.end == month_end):
        return f"{period.start.year}年{period.start.month}月"
    if period.kind == "quarter":
        return f"{period.start.year}年第{(period.start.month - 1) // 3 + 1}季度"
    if period.kind == "year":
        return f"{period.start.year}年"
    return f"{period.start:%Y-%m-%d}至{period.end:%Y-%m-%d}"


def export_file_name(place: str, period: Period | str | None, what: str, ext: str = "xlsx") -> str:
    """A file name that says the place and period, e.g. 新港山路社区_2026年11月_活动台账.xlsx (characters that
    file systems refuse are replaced)."""
    when = period_file_label(period) if isinstance(period, Period) else (period or "")
    parts = [p for p in (place, when, what) if p]
    name = "_".join(re.sub(r'[\\/:*?"<>|\s]+', "-", p).strip("-") for p in parts)
    return f"{name or '导出'}.{ext.lstrip('.')}"


__all__ = ["export_file_name", "neutralise", "period_file_label", "plain", "put", "safe_frame", "to_csv_bytes",
           "titled_workbook", "to_excel_bytes", "workbook_bytes", "write_sheet"]
