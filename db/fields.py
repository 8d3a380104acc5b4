"""Field checks of the write services: one Chinese message per wrong field, 「label」reason, collected before
anything is written (docs/ENGINEERING.md)."""

from __future__ import annotations

import math
import re
from datetime import date
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

    def text(self, name: str, value: Any, max_len: int, *, required: bool = False) -> str:
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.fail(name, "不能为空")
        elif len(text) > max_len:
            self.fail(name, f"不能超过 {max_len} 个字")
        elif markup_problem(text):
            self.fail(name, markup_problem(text))
        return text

    def choice(self, name: str, value: Any, options, *, required: bool = True) -> Any:
        if value is None or value == "":
            if required:
                self.fail(name, f"不能为空，须为：{'、'.join(options)}")
            return None
        if value not in options:
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
            if isinstance(value, bool):
                raise ValueError
            number = float(str(value).strip()) if isinstance(value, str) else float(value)
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
        if value is None or value == "":
            if required:
                self.fail(name, "不能为空")
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


def markup_problem(text: str) -> str | None:
    """Why ``text`` may not be stored (a Markdown image or link, or an HTML tag), or None."""
    if _MARKUP.search(text):
        return "不能包含链接、图片或网页标记（如 ![…](…)、[…](…)、<…>）"
    return None


def as_int(value: Any) -> int | None:
    """An integer from form or import input; ValueError for fractions, infinities, NaN, text and booleans."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise ValueError
        return int(value)
    return int(str(value).strip())
