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
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree  # the small workbook.xml and its relations only

from db.settings import get_settings
from db.transfer.templates import Column, Template

HEADER_SCAN = 30  # rows searched for the header row
MAX_COLUMNS = 80  # columns read (a template has fewer than 20)
MAX_UNZIPPED = 80 * 1024 * 1024  # an .xlsx whose parts unpack to more than this is refused (zip bombs)
TOTAL_WORDS = ("合计", "小计", "总计", "共计", "总合计")
FOOTER_WORDS = ("填表", "制表", "填报人", "审核人", "负责人签字", "注:", "说明:", "备注:")
EXCEL_ERRORS = ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!")


# ------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    """Why a cell (or a row, column "") cannot be imported."""

    row: int
    column: str
    reason: str


@dataclass(frozen=True)
class VolunteerEntry:
    """One name of a 参与志愿者 cell: the name, and what tells namesakes apart or gives their own hours."""

    name: str
    tail: str | None = None  # last four digits of the phone
    volunteer_id: int | None = None  # the volunteer's number (#123)
    hours: float | None = None
    text: str = ""  # as written


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


class CellError(ValueError):
    """A cell cannot be read; the message is Chinese and follows the column's 「header」."""


# ------------------------------------------------------------------------------------------- text helpers


def fold(value: Any) -> str:
    """NFKC (full-width letters, digits, brackets and spaces to ASCII) and stripped."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def squash(value: Any) -> str:
    """``fold`` with every space removed: how names and choices are compared."""
    return re.sub(r"\s+", "", fold(value))


_MARKS = re.compile(r"[*＊※]|\((必填|选填|可选|可不填)\)|(必填|选填)$")


def header_key(value: Any) -> str:
    """A header as compared with the template's: folded, without spaces, required marks or line breaks."""
    return _MARKS.sub("", squash(value)).lower()


def as_written(value: Any) -> str:
    """A header as the file shows it: only the spaces around it and line breaks inside it removed."""
    return re.sub(r"\s*[\r\n]+\s*", "", display(value)).strip()


def display(value: Any) -> str:
    """A cell as a user sees it, for the report of rejected rows."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}" if value.time() != time() else f"{value:%Y-%m-%d}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ------------------------------------------------------------------------------------------- value readers


def _excel_day(serial: float, epoch: date) -> date:
    if not 1 <= serial < 2958466:
        raise CellError(f"的数字 {display(serial)} 不是日期：请填写日期，如 2024-03-05")
    if epoch == date(1899, 12, 30) and serial < 61:
        serial += 1  # Excel's phantom 1900-02-29
    return epoch + timedelta(days=int(serial))


_DATE_RE = re.compile(r"^(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*[日号]?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
DATE_HINT = "请填写日期，如 2024-03-05、2024/3/5 或 2024年3月5日"


def read_date(value: Any, epoch: date = date(1899, 12, 30)) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool) or isinstance(value, time):
        raise CellError(f"不是日期：{DATE_HINT}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise CellError(f"不是日期：{DATE_HINT}")
        if 19000101 <= value <= 29991231 and value == int(value):
            return read_date(str(int(value)), epoch)
        return _excel_day(float(value), epoch)
    text = squash(value)
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if match:
        y, m, d = (int(g) for g in match.groups())
        try:
            return date(y, m, d)
        except ValueError:
            raise CellError(f"“{value}”不是有效的日期（没有这一天）") from None
    if re.fullmatch(r"\d{1,7}(\.\d+)?", text):
        return _excel_day(float(text), epoch)
    raise CellError(f"无法识别“{value}”：{DATE_HINT}")


_TIME_RE = re.compile(
    r"^(?P<ampm>上午|早上|早晨|中午|下午|晚上|傍晚|am|pm)?(?P<h>\d{1,2})(?:(?::|：)(?P<m>\d{2})(?::\d{2})?|(?:点|时)"
    r"(?:(?P<half>半)|(?P<m2>\d{1,2})分?|整)?|\.(?P<m3>\d{2}))?(?P<ampm2>am|pm)?$")
TIME_HINT = "请填写时间，如 09:00、9点 或 9点半"


def _time_of(text: str, original: Any) -> tuple[time, bool]:
    """A time and whether it carried an afternoon mark (下午/晚上/pm)."""
    match = _TIME_RE.match(text.lower())
    if match is None:
        raise CellError(f"无法识别“{original}”：{TIME_HINT}")
    hour = int(match["h"])
    minute = 30 if match["half"] else int(match["m"] or match["m2"] or match["m3"] or 0)
    mark = match["ampm"] or match["ampm2"] or ""
    afternoon = mark in ("下午", "晚上", "傍晚", "pm")
    if afternoon and hour < 12:
        hour += 12
    if mark == "中午" and hour < 6:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise CellError(f"“{original}”不是有效的时间")
    return time(hour, minute), afternoon


def read_time(value: Any) -> time:
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, bool) or isinstance(value, date):
        raise CellError(f"不是时间：{TIME_HINT}")
    if isinstance(value, int | float):
        if math.isfinite(value) and 0 <= value < 1:
            minutes = round(value * 24 * 60)
            return time(min(minutes // 60, 23), minutes % 60 if minutes < 24 * 60 else 59)
        if math.isfinite(value) and value == int(value) and 0 <= value <= 23:
            return time(int(value), 0)
        raise CellError(f"的数字 {display(value)} 不是时间：{TIME_HINT}")
    return _time_of(squash(value), value)[0]


_RANGE_SPLIT = re.compile(r"^(.+?)(?:-|~|—|–|－|至|到)(.+)$")


def read_time_range(value: Any) -> tuple[time, time]:
    text = squash(value)
    match = _RANGE_SPLIT.match(text)
    if match is None:
        raise CellError(f"无法识别“{value}”：请写成开始和结束时间，如 9:00-11:30")
    try:
        start, afternoon = _time_of(match[1], match[1])
        end_text = match[2]
        end, end_afternoon = _time_of(end_text, end_text)
    except CellError:
        raise CellError(f"无法识别“{value}”：请写成开始和结束时间，如 9:00-11:30") from None
    if afternoon and not end_afternoon and end.hour < 12 and not re.match(r"^(上午|早上|早晨|中午|am)", end_text):
        end = time(end.hour + 12, end.minute)  # 下午2点-4点: the afternoon runs on
    return start, end


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def read_number(value: Any, units: tuple[str, ...] = ()) -> float:
    if isinstance(value, bool):
        raise CellError("须填写数字")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise CellError("须填写有限的数字")
        return float(value)
    if isinstance(value, datetime | date | time):
        raise CellError(f"须填写数字，而不是日期或时间“{display(value)}”")
    text = squash(value)
    for unit in sorted(units, key=len, reverse=True):
        if text.lower().endswith(unit.lower()) and len(text) > len(unit):
            text = text[: -len(unit)]
            break
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        if re.search(r"\d", text) and re.search(r"[余多约左右上下+]", text):
            raise CellError(f"“{value}”不是确切的数字：请填写数字，如 40")
        raise CellError(f"“{value}”不是数字")
    return float(text)


def read_int(value: Any, units: tuple[str, ...] = ()) -> int:
    number = read_number(value, units)
    if number != int(number):
        raise CellError(f"“{display(value)}”须为整数")
    if abs(number) > 10**12:
        raise CellError(f"“{display(value)}”太大")
    return int(number)


def read_year(value: Any, epoch: date = date(1899, 12, 30)) -> int:
    if isinstance(value, datetime | date):
        return value.year
    if isinstance(value, str):
        text = squash(value)
        if _DATE_RE.match(text):
            return read_date(text, epoch).year
        match = re.fullmatch(r"(\d{4})(?:年|[-/.年]\d{1,2}月?)?", text)
        if match:
            return int(match[1])
    return read_int(value, ("年",))


_TRUE = {"是", "y", "yes", "true", "√", "✓", "1", "对", "有"}
_FALSE = {"否", "n", "no", "false", "×", "✗", "0", "无", "不是"}


def read_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = squash(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"须填写“是”或“否”，而不是“{value}”")


_LIST_SPLIT = re.compile(r"[、,;/|\n\r\t]+|\s+")


def read_list(value: Any) -> list[str]:
    return [p for p in (squash(x) for x in _LIST_SPLIT.split(fold(value))) if p]


def read_choice(value: Any, column: Column) -> str:
    text = squash(value)
    aliases = {squash(k).lower(): v for k, v in column.choice_aliases.items()}
    if text.lower() in aliases:
        return aliases[text.lower()]
    for option in column.choices:  # case and width folded: “gcj-02” is GCJ-02
        if squash(option).lower() == text.lower():
            return option
    return text  # the write service judges it and names the choices


_ENTRY_SPLIT = re.compile(r"[、,;\n\r]+")
_NAME = re.compile(r"^[^\d()\[\]#:=+\-.,\s]+")
ENTRY_HINT = "请写成“姓名”或“姓名:时长”，如“张三:2”；同名志愿者写成“王芳(3418)”（手机尾号）或“王芳(#123)”（编号）"


def _entry(text: str) -> VolunteerEntry:
    """One volunteer of a 参与志愿者 cell (text already folded, no spaces)."""
    match = _NAME.match(text)
    if match is None:
        raise CellError(f"中“{text}”没有姓名：{ENTRY_HINT}")
    name, rest = match[0], text[match.end():]
    tail = vid = None
    hours: float | None = None
    while rest:
        if m := re.match(r"^\((?:编号)?#(\d{1,9})\)|^\(编号(\d{1,9})\)|^#(\d{1,9})", rest):
            vid = int(m[1] or m[2] or m[3])
        elif m := re.match(r"^\((?:手机)?(?:尾号)?(\d{4})\)", rest):
            tail = m[1]
        elif m := re.match(r"^\(([+-]?\d+(?:\.\d+)?)(?:小时|个小时|h)\)", rest, re.IGNORECASE):
            hours = float(m[1])
        elif m := re.match(r"^[:=]?([+-]?\d+(?:\.\d+)?)(?:小时|个小时|h)?$", rest, re.IGNORECASE):
            hours = float(m[1])
        else:
            raise CellError(f"中“{text}”无法识别：{ENTRY_HINT}")
        rest = rest[m.end():]
    return VolunteerEntry(name=name, tail=tail, volunteer_id=vid, hours=hours, text=text)


def read_volunteers(value: Any) -> list[VolunteerEntry]:
    """“张三、李四:1.5、王芳(3418)”, one name per line, or names apart by spaces (“张三 李四”); a name written
    with spaces to align it (“张  三”) stays one name."""
    out: list[VolunteerEntry] = []
    for piece in _ENTRY_SPLIT.split(fold(value)):
        tokens = piece.split()
        if not tokens:
            continue
        if len(tokens) == 1 or all(len(t) == 1 and not t.isdigit() for t in tokens):
            out.append(_entry("".join(tokens)))
            continue
        parts: list[VolunteerEntry] = []
        for token in tokens:
            try:
                parts.append(_entry(token))
            except CellError:
                parts = []
                break
        out.extend(parts or [_entry("".join(tokens))])
    return out


def read_value(column: Column, value: Any, epoch: date = date(1899, 12, 30)) -> Any:
    """The typed value of a non-blank cell of ``column``; CellError (Chinese) when it cannot be read."""
    if isinstance(value, str) and fold(value).upper() in EXCEL_ERRORS:
        raise CellError(f"是 Excel 错误值 {fold(value)}：请检查该单元格的公式")
    kind = column.kind
    if kind == "text":
        return display(value).strip()
    if kind == "name":
        return squash(display(value))
    if kind == "date":
        return read_date(value, epoch)
    if kind == "time":
        return read_time(value)
    if kind == "timerange":
        return read_time_range(value)
    if kind == "number":
        return read_number(value, column.units)
    if kind == "int":
        return read_int(value, column.units)
    if kind == "year":
        return read_year(value, epoch)
    if kind == "bool":
        return read_bool(value)
    if kind == "choice":
        return read_choice(value, column)
    if kind == "list":
        return read_list(value)
    if kind == "volunteers":
        return read_volunteers(value)
    raise CellError("无法识别")


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
    "parse_file", "read_date", "read_number", "read_time", "read_time_range", "read_value", "read_volunteers",
    "squash",
]
