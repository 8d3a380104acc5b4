"""Reading the 台账 files staff really have: pure functions from bytes to typed rows (no database).

``parse_file(template, data, file_name)`` reads an .xlsx or .csv file (UTF-8 with or without BOM, GBK/GB18030,
UTF-16 with BOM) and returns a ``Parsed``: the typed rows with their row numbers as Excel shows them, the problems
of each cell (row, the column header as written in the file, a Chinese reason), the rows skipped (blank rows,
合计/小计 rows, a 填表人 footer), or one file-level ``error`` (too big, too many rows, unreadable, no header row).
It never raises: any bytes give rows or Chinese messages.

What it copes with: title rows above the header; merged cells (the value fills the merged area, so a header
merged over two rows or a date merged down an activity's rows is read in every cell); headers in any order, with
spaces anywhere, full-width letters, digits and brackets, “*” or “（必填）” marks, and each column's aliases;
full-width digits and spaces in values; dates as 2024年3月5日, 2024/3/5, 2024-03-05, 2024.3.5, 20240305, Excel
serial numbers or real date cells; times as 09:00, 9点, 9点半, 下午2点, Excel day fractions; ranges such as
9:00-11:30; numbers with thousands separators and a unit word (“1,000元”, “3小时”).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.etree import ElementTree  # the small workbook.xml and its relations only

from db.settings import get_settings
from db.transfer.cells import (
    CellError,
    VolunteerEntry,
    as_written,
    display,
    fold,
    header_key,
    is_blank,
    read_value,
    squash,
)
from db.transfer.templates import Template

HEADER_SCAN = 30  # rows searched for the header row
MAX_COLUMNS = 80  # columns read (a template has fewer than 20)
MAX_UNZIPPED = 80 * 1024 * 1024  # an .xlsx whose parts unpack to more than this is refused (zip bombs)
TOTAL_WORDS = ("合计", "小计", "总计", "共计", "总合计")
FOOTER_WORDS = ("填表", "制表", "填报人", "审核人", "负责人签字", "注:", "说明:", "备注:")


# ------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    """Why a cell (or a row, column "") cannot be imported."""

    row: int
    column: str
    reason: str



@dataclass
class ParsedRow:
    row: int  # the row number Excel shows
    values: dict[str, Any]  # column key → typed value (None when blank or unreadable)
    original: dict[str, str]  # file header → the cell as shown
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Skipped:
    row: int
    last: int  # the last row of a run of blank rows (= row otherwise)
    reason: str

    @property
    def rows_text(self) -> str:
        return f"第 {self.row} 行" if self.last == self.row else f"第 {self.row}–{self.last} 行"


@dataclass
class Parsed:
    kind: str
    rows: list[ParsedRow] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # column key → header as in the file
    file_headers: list[str] = field(default_factory=list)  # every header read, in file order
    ignored: list[str] = field(default_factory=list)  # headers that match no column of the template
    sheet: str = ""
    header_row: int = 0
    error: str | None = None

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.rows for p in r.problems]


# ------------------------------------------------------------------------------------------- grids


class FileRefused(Exception):
    """The whole file is refused; the message is Chinese."""


def too_many_rows(limit: int) -> str:
    return f"文件超过 {limit} 行数据（单次导入的上限）：请拆分成几个文件分别导入。"


def _sniff_format(data: bytes, file_name: str) -> str:
    name = (file_name or "").lower()
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".xls"):
        raise FileRefused("不支持旧版 .xls 文件：请在 Excel 中“另存为”Excel 工作簿（.xlsx）或 CSV 后再导入。")
    if name.endswith((".xlsx", ".xlsm")):
        raise FileRefused("无法读取该 Excel 文件：文件可能已损坏或不是 .xlsx 格式。请在 Excel 中另存为 .xlsx 后重试。")
    if name and not name.endswith((".csv", ".txt")):
        raise FileRefused("只能导入 .xlsx 或 .csv 文件。")
    return "csv"


def decode_text(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused("无法识别文件的文字编码（不是 UTF-8，也不是 GBK）：请在 Excel 中“另存为”CSV UTF-8 或 .xlsx 后再导入。")


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = decode_text(data)
    if "\x00" in text:
        raise FileRefused("文件中含有无法识别的字符（可能不是文本文件）：请在 Excel 中另存为 CSV 或 .xlsx 后再导入。")
    head = text[:20000].splitlines()[:HEADER_SCAN]
    counts = {d: sum(line.count(d) for line in head) for d in (",", "\t", ";")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise FileRefused(f"CSV 文件第 {number + 1} 行格式有误（引号不成对或单元格过长）：请在 Excel 中打开后另存为 CSV 再导入。"
                              ) from None
        number += 1
        yield number, row[:MAX_COLUMNS]


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_parts(archive: zipfile.ZipFile) -> list[str]:
    """The part name of each sheet, in workbook order (to read its merged ranges)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL_NS}Relationship")}
    parts = []
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        target = targets.get(sheet.get(f"{_REL_NS}id"), "")
        parts.append(target.lstrip("/") if target.startswith("/") else "xl/" + target)
    return parts


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]{1,3}\d{1,7}:[A-Za-z]{1,3}\d{1,7})"')


def _merged_ranges(archive: zipfile.ZipFile, part: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of every merged range of a sheet: its XML read in chunks (constant
    memory, nothing built), the <mergeCell ref="A1:H1"/> elements picked out."""
    from openpyxl.utils.cell import range_boundaries

    out: list[tuple[int, int, int, int]] = []
    if part not in archive.namelist():
        return out
    tail = b""
    with archive.open(part) as source:
        while chunk := source.read(1 << 20):
            text = tail + chunk
            last = 0
            for match in _MERGE_CELL.finditer(text):
                last = match.end()
                try:
                    min_col, min_row, max_col, max_row = range_boundaries(match[1].decode("ascii").upper())
                except ValueError:  # a column past XFD: not a range Excel could have written
                    continue
                out.append((min_row, min_col, max_row, max_col))  # type: ignore[arg-type]
            tail = text[max(last, len(text) - 300):]  # an element cut by the chunk's end is read with the next
    return out


class _Merges:
    """Fills a merged range's cells with its top-left value as rows stream by."""

    def __init__(self, ranges: list[tuple[int, int, int, int]]):
        self.ranges = sorted(r for r in ranges if r[1] <= MAX_COLUMNS)
        self.values: dict[tuple[int, int, int, int], Any] = {}

    def apply(self, number: int, row: list[Any]) -> list[Any]:
        for rng in self.ranges:
            min_row, min_col, max_row, max_col = rng
            if min_row > number:
                break
            if number > max_row:
                continue
            if number == min_row:
                self.values[rng] = row[min_col - 1] if min_col - 1 < len(row) else None
            value = self.values.get(rng)
            if value is None:
                continue
            width = min(max_col, MAX_COLUMNS)
            if len(row) < width:
                row = row + [None] * (width - len(row))
            for c in range(min_col - 1, width):
                if c != min_col - 1 or number != min_row:
                    row[c] = value
        return row


def _xlsx_sheets(data: bytes) -> Iterator[tuple[str, date, Iterator[tuple[int, list[Any]]]]]:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
            raise FileRefused("该 Excel 文件解压后过大：请只保留需要导入的工作表和数据后再导入。")
        parts = _sheet_parts(archive)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except FileRefused:
        raise
    except Exception:  # a damaged or foreign file: openpyxl and zipfile raise many kinds of error
        raise FileRefused("无法读取该 Excel 文件：文件可能已损坏或不是 .xlsx 格式。请在 Excel 中另存为 .xlsx 后重试。"
                          ) from None
    epoch = workbook.epoch.date() if isinstance(workbook.epoch, datetime) else workbook.epoch
    try:
        for index, name in enumerate(workbook.sheetnames):
            sheet = workbook[name]
            try:
                merges = _Merges(_merged_ranges(archive, parts[index]) if index < len(parts) else [])
            except Exception:
                merges = _Merges([])

            def rows(sheet=sheet, merges=merges) -> Iterator[tuple[int, list[Any]]]:
                sheet.reset_dimensions()  # a file's stated size may be wrong: read every row it holds
                for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                    yield number, merges.apply(number, list(values))

            yield name, epoch, rows()
    finally:
        workbook.close()


# ------------------------------------------------------------------------------------------- parsing


_HEADER_NAMES: dict[str, dict[str, str]] = {}


def _header_names(template: Template) -> dict[str, str]:
    """Every header and alias of ``template``, compared form → column key (built once per kind)."""
    names = _HEADER_NAMES.get(template.kind)
    if names is None:
        names = {}
        for col in template.columns:
            for text in (col.header, *col.aliases):
                names.setdefault(header_key(text), col.key)
        _HEADER_NAMES[template.kind] = names
    return names


def _match_headers(template: Template, row: list[Any]) -> dict[int, str]:
    """Column index → template key for the cells of ``row`` that name a column (first one wins)."""
    names = _header_names(template)
    found: dict[int, str] = {}
    for i, cell in enumerate(row):
        if is_blank(cell) or not isinstance(cell, str | int | float):
            continue
        key = names.get(header_key(cell))
        if key is not None and key not in found.values():
            found[i] = key
    return found


def _is_total(row: list[Any]) -> bool:
    for cell in row:
        if isinstance(cell, str) and not is_blank(cell):
            text = squash(cell)
            return text.startswith(TOTAL_WORDS) or text in ("合", "总")
    return False


def _is_footer(row: list[Any]) -> bool:
    """A 填表人 / 审核人 / 注： line under the table: a few cells, the first of them such a word."""
    cells = [c for c in row if not is_blank(c)]
    return (bool(cells) and len(cells) <= 3 and isinstance(cells[0], str)
            and squash(cells[0]).startswith(FOOTER_WORDS))


def parse_rows(template: Template, sheets: Iterable[tuple[str, date, Iterator[tuple[int, list[Any]]]]],
               max_rows: int) -> Parsed:
    """Find the header row in the first sheet that has one, then read its data rows."""
    parsed = Parsed(template.kind)
    best: tuple[int, str, int, list[str]] | None = None  # (matches, sheet, row, missing required)
    required = [c.key for c in template.required]
    for sheet_name, epoch, rows in sheets:
        head: list[tuple[int, list[Any]]] = []
        for number, values in rows:
            head.append((number, values))
            if len(head) >= HEADER_SCAN:
                break
        header_at = None
        header_map: dict[int, str] = {}
        for index, (number, values) in enumerate(head):
            found = _match_headers(template, values)
            missing = [k for k in required if k not in found.values()]
            if not missing and (header_at is None or (index == header_at + 1 and len(found) >= len(header_map))):
                # The first full header row; the row just under it wins a tie (a header merged over two rows).
                header_at, header_map = index, found
            elif found and (best is None or len(found) > best[0]):
                best = (len(found), sheet_name, number, missing)
        if header_at is None:
            continue
        parsed.sheet, parsed.header_row = sheet_name, head[header_at][0]
        header_cells = head[header_at][1]
        parsed.headers = {key: as_written(header_cells[i]) for i, key in sorted(header_map.items())}
        parsed.file_headers = [as_written(c) for c in header_cells if not is_blank(c)]
        parsed.ignored = [as_written(c) for i, c in enumerate(header_cells) if not is_blank(c) and i not in header_map]
        remaining = (row for row in head[header_at + 1:])
        _read_data(parsed, template, header_map, header_cells, epoch, _chain(remaining, rows), max_rows)
        return parsed
    if best is not None:
        _count, sheet_name, number, missing = best
        names = "、".join(f"「{template.column(k).header}」" for k in missing)
        parsed.error = (f"找不到必填列 {names}：工作表“{sheet_name}”第 {number} 行像是表头，但缺少这些列。"
                        "请对照模板检查列名。")
    else:
        parsed.error = (f"没有找到表头：前 {HEADER_SCAN} 行中没有一行包含模板的列名（如"
                        f"「{template.columns[0].header}」）。请使用下载的模板，或把列名改成模板中的名称。")
    return parsed


def _chain(*iterables: Iterable[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    for iterable in iterables:
        yield from iterable


def _read_data(parsed: Parsed, template: Template, header_map: dict[int, str], header_cells: list[Any],
               epoch: date, rows: Iterator[tuple[int, list[Any]]], max_rows: int) -> None:
    columns = {c.key: c for c in template.columns}
    required = [c.key for c in template.required]
    blank_run: list[int] = []
    count = 0
    for number, values in rows:
        cells = {key: values[i] if i < len(values) else None for i, key in header_map.items()}
        if all(is_blank(v) for v in cells.values()):
            if not all(is_blank(v) for v in values) and _is_total(values):
                parsed.skipped.append(Skipped(number, number, "合计行，不导入"))
            else:
                blank_run.append(number)
            continue
        if blank_run:
            parsed.skipped.append(Skipped(blank_run[0], blank_run[-1], "空行"))
            blank_run = []
        if _is_total(values):
            parsed.skipped.append(Skipped(number, number, "合计行，不导入"))
            continue
        if set(_match_headers(template, values).values()) >= set(required):
            parsed.skipped.append(Skipped(number, number, "重复的表头行，不导入"))
            continue
        if _is_footer(values):
            parsed.skipped.append(Skipped(number, number, "表尾说明（填表人、审核人等），不导入"))
            continue
        count += 1
        if count > max_rows:
            parsed.rows, parsed.error = [], too_many_rows(max_rows)
            return
        original = {as_written(header_cells[i]): display(values[i]) if i < len(values) else ""
                    for i in header_map}
        row = ParsedRow(number, {}, original)
        for i, key in header_map.items():
            value = cells[key]
            column = columns[key]
            if is_blank(value):
                row.values[key] = None
                continue
            try:
                row.values[key] = read_value(column, value, epoch)
            except CellError as exc:
                row.values[key] = None
                header = as_written(header_cells[i])
                row.problems.append(Problem(number, header, f"「{header}」{exc}"))
            except Exception:  # a value no reader foresaw: reported, never raised
                row.values[key] = None
                header = as_written(header_cells[i])
                row.problems.append(Problem(number, header, f"「{header}」无法识别“{display(value)[:50]}”"))
        for key in columns:
            row.values.setdefault(key, None)
        parsed.rows.append(row)


def file_size_problem(size: int) -> str | None:
    limit = get_settings().upload_max_mb
    if size > limit * 1024 * 1024:
        return f"文件大小为 {size / 1024 / 1024:.1f} MB，超过上限 {limit} MB：请删去不需要的工作表、图片，或拆分成几个文件。"
    if size == 0:
        return "文件是空的。"
    return None


def parse_file(template: Template, data: bytes, file_name: str = "", max_rows: int | None = None) -> Parsed:
    """Read an uploaded .xlsx or .csv file against ``template``. Never raises: problems are in the result."""
    max_rows = max_rows if max_rows is not None else get_settings().import_max_rows
    if not isinstance(data, bytes | bytearray | memoryview):
        return Parsed(template.kind, error="无法读取该文件：请上传 Excel（.xlsx）或 CSV 文件。")
    data = bytes(data)
    size_problem = file_size_problem(len(data))
    if size_problem:
        return Parsed(template.kind, error=size_problem)
    try:
        fmt = _sniff_format(data, file_name)
        if fmt == "xlsx":
            return parse_rows(template, _xlsx_sheets(data), max_rows)
        return parse_rows(template, [("CSV", date(1899, 12, 30), _csv_rows(data))], max_rows)
    except FileRefused as exc:
        return Parsed(template.kind, error=str(exc))
    except Exception:  # openpyxl streaming a damaged sheet part fails mid-way in many ways
        return Parsed(template.kind,
                      error="无法读取该文件：文件可能已损坏。请在 Excel 中打开后另存为 .xlsx 或 CSV 再导入。")


__all__ = [
    "CellError", "Parsed", "ParsedRow", "Problem", "Skipped", "VolunteerEntry", "display", "fold", "header_key",
    "parse_file", "read_value", "squash",
]
