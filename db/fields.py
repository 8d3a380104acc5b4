"""Field checks of the write services: one Chinese message per wrong field, 「label」reason, collected before
anything is written (docs/ENGINEERING.md)."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from db.errors import ValidationFailed

EARLIEST = date(2000, 1, 1)


class Fields:
    """Collects one Chinese message per wrong field: 「label」reason."""

    def __init__(self, labels: dict[str, str]):
        self.labels = labels
        self.errors: dict[str, str] = {}

    def label(self, name: str) -> str:
        return f"「{self.labels.get(name, name)}」"

    def fail(self, name: str, reason: str) -> None:
        self.errors.setdefault(name, f"{self.label(name)}{reason}")

    def text(self, name: str, value: Any, max_len: int, *, required: bool = False,
             multiline: bool | None = None) -> str:
        """Text stripped of surrounding spaces. Refused: anything but a string (or None for blank), more than
        ``max_len`` characters, control characters (line feed and tab only in multi-line text: ``multiline``, by
        default the fields of ``MULTILINE_FIELDS``), and links, images or HTML (``text_problem``)."""
        if multiline is None:
            multiline = name in MULTILINE_FIELDS
        if value is None:
            text = ""
        elif isinstance(value, str):
            text = value
        else:
            self.fail(name, "须为文字")
            return ""
        if multiline:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = text.strip()
        if required and not text:
            self.fail(name, "不能为空")
        elif len(text) > max_len:
            self.fail(name, f"不能超过 {max_len} 个字")
        else:
            problem = text_problem(text, multiline=multiline)
            if problem:
                self.fail(name, problem)
        return text

    def choice(self, name: str, value: Any, options, *, required: bool = True) -> Any:
        if value is None or (isinstance(value, str) and value == ""):
            if required:
                self.fail(name, f"不能为空，须为：{'、'.join(options)}")
            return None
        # Options are words (str): a value of any other type is refused, also one equal to an option (True == 1).
        if not isinstance(value, str) or value not in options:
            self.fail(name, f"须为：{'、'.join(options)}")
            return None
        return value

    def integer(self, name: str, value: Any, low: int, high: int, *, required: bool = True,
                noun: str = "整数") -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, "不能为空")
            return None
        try:
            number = as_int(value)
        except (TypeError, ValueError, OverflowError):
            self.fail(name, f"须为 {low} 到 {high} 之间的{noun}")
            return None
        if number is None or not low <= number <= high:
            self.fail(name, f"须为 {low} 到 {high} 之间的{noun}")
            return None
        return number

    def number(self, name: str, value: Any, low: float, high: float, *, required: bool = True,
               low_open: bool = False) -> float | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, "不能为空")
            return None
        try:
            number = as_float(value)
        except (TypeError, ValueError, OverflowError):
            self.fail(name, "须填写数字")
            return None
        if not math.isfinite(number):
            self.fail(name, "须填写有限的数字")
            return None
        if number < low or number > high or (low_open and number == low):
            self.fail(name, f"须{'大于' if low_open else '不小于'} {low:g} 且不大于 {high:g}")
            return None
        return number

    def day(self, name: str, value: Any, today: date, *, required: bool = True, future_ok: bool = False
            ) -> date | None:
        if value is None or (isinstance(value, str) and value == ""):
            if required:
                self.fail(name, "不能为空")
            return None
        if isinstance(value, datetime):
            self.fail(name, "须为日期（不含时间）")
            return None
        if not isinstance(value, date):
            self.fail(name, "须为日期")
            return None
        if value < EARLIEST:
            self.fail(name, f"不能早于 {EARLIEST:%Y-%m-%d}")
            return None
        if not future_ok and value > today:
            self.fail(name, f"不能晚于今天（{today:%Y-%m-%d}）")
            return None
        return value

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


# Pages show user text in Markdown (titles, captions, messages): a Markdown image would make every browser that
# shows it fetch an outside address, and a link could lead users anywhere. Such text is refused where it enters.
_MARKUP = re.compile(r"!\[|\]\s*\(|<\s*/?\s*[A-Za-z]")
# Text fields where a user may break lines (the forms' text areas): line feed and tab are allowed there only.
MULTILINE_FIELDS = frozenset({"description", "note", "reason", "reject_reason", "revoke_reason"})
# Characters no stored text may hold: C0 and C1 control characters (NUL among them: PostgreSQL cannot store it,
# SQLite would), lone surrogates (not text at all), and the bidirectional embeddings, overrides and isolates
# (they make a name read differently from what is stored). Line feed and tab are allowed in multi-line text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_CONTROL_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def markup_problem(text: str) -> str | None:
    """Why ``text`` may not be stored (a Markdown image or link, or an HTML tag; or it is no text), or None."""
    if not isinstance(text, str):
        return "须为文字"
    if _MARKUP.search(text):
        return "不能包含链接、图片或网页标记（如 ![…](…)、[…](…)、<…>）"
    return None


def control_problem(text: str, *, multiline: bool = False) -> str | None:
    """Why ``text`` may not be stored because of a character in it (see ``_CONTROL``), or None."""
    if not isinstance(text, str):
        return "须为文字"
    match = (_CONTROL if multiline else _CONTROL_SINGLE_LINE).search(text)
    if match is None:
        return None
    ch = match.group()
    if ch == "\x00":
        return "不能含有空字符（NUL）"
    if ch == "\n" or (ch == "\r" and not multiline):
        return "不能换行，请写在一行内"
    if ch == "\t":
        return "不能含有制表符（Tab）"
    if "\ud800" <= ch <= "\udfff":
        return "含有无效的字符（不成对的代理码位），请重新输入"
    if unicodedata.category(ch) == "Cf":
        return f"不能含有文字方向控制字符（U+{ord(ch):04X}）"
    return f"不能含有控制字符（U+{ord(ch):04X}）"


def text_problem(text: str, *, multiline: bool = False) -> str | None:
    """Why ``text`` may not be stored (control characters, markup), or None: the one check of every stored text."""
    return control_problem(text, multiline=multiline) or markup_problem(text)


MAX_ID = 2**31 - 1  # INTEGER ids (PostgreSQL's INTEGER; SQLite's are kept to the same range)


def is_id(value: Any) -> bool:
    """True for a value that can be a record's id: a positive int (not a bool) within INTEGER."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def as_int(value: Any) -> int | None:
    """An integer from form or import input; ValueError for fractions, infinities, NaN, text and booleans,
    TypeError for any other type than int, float, Decimal and str."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float | Decimal):
        if not math.isfinite(value) or value != int(value):
            raise ValueError
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    raise TypeError(f"not a number: {type(value).__name__}")


def as_float(value: Any) -> float:
    """A finite or infinite float from form or import input; ValueError for text that is no number and booleans,
    TypeError for any other type than int, float, Decimal and str, OverflowError for an int too big for a float."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, str):
        return float(value.strip())
    if isinstance(value, int | float | Decimal):
        return float(value)
    raise TypeError(f"not a number: {type(value).__name__}")
