"""Reading one cell of a 台账 file (used by db/transfer/parse.py): text folding, and the value readers — dates as
2024年3月5日, 2024/3/5, 2024-03-05, 2024.3.5, 20240305, Excel serial numbers or real date cells; times as 09:00, 9点,
9点半, 下午2点, Excel day fractions; ranges such as 9:00-11:30; numbers with thousands separators and a unit word
(“1,000元”, “3小时”); the names of a 参与志愿者 cell. A cell that cannot be read raises CellError with a Chinese
reason."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from db.transfer.templates import Column

EXCEL_ERRORS = ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!")


@dataclass(frozen=True)
class VolunteerEntry:
    """One name of a 参与志愿者 cell: the name, and what tells namesakes apart or gives their own hours."""

    name: str
    tail: str | None = None  # last four digits of the phone
    volunteer_id: int | None = None  # the volunteer's number (#123)
    hours: float | None = None
    text: str = ""  # as written


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
