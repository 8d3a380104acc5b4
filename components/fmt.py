"""Number formatting for Chinese readers (万 / 亿) through Babel's CLDR data, not by hand."""

from __future__ import annotations

import math

from babel.numbers import format_decimal

from db.figures.formats import LOCALE, number_text
from db.figures.registry import format_rate


def number(value: float | int | None, unit: str = "") -> str:
    """12 → 12；12345 → 12,345；123456 → 12.3万；123456789 → 1.2亿. None or NaN → —. The one rule of
    ``db.figures.formats.number_text`` (tiles, 大屏 and 简报 read alike)."""
    return "—" if _missing(value) else number_text(value, unit)


def exact(value: float | int | None) -> str:
    """Full digits with grouping (for tables and tooltips): 123456 → 123,456. None or NaN → —."""
    if _missing(value):
        return "—"
    return format_decimal(value, locale=LOCALE)


def year(value: float | int | None) -> str:
    """A year as people write it: 2010 (never 2,010); — when unknown."""
    return "—" if _missing(value) else str(int(value))  # type: ignore[arg-type]


def _missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def percent(value: float | None) -> str:
    """A rate (0–1) as 98.2%, or — when undefined."""
    return format_rate(value)
