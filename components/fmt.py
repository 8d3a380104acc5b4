"""Number formatting for Chinese readers (万 / 亿) through Babel's CLDR data, not by hand."""

from __future__ import annotations

import math

from babel.numbers import format_compact_decimal, format_decimal

from db.figures.registry import format_rate

LOCALE = "zh_CN"


def number(value: float | int | None, unit: str = "") -> str:
    """12 → 12；12345 → 12,345；123456 → 12.3万；123456789 → 1.2亿. None → —.

    Below 100,000 full digits read better than 1.2万 (which would hide 2,000 of them)."""
    if _missing(value):
        return "—"
    if abs(value) >= 100_000:
        text = format_compact_decimal(value, locale=LOCALE, fraction_digits=1)
    elif float(value).is_integer() or abs(value) >= 1000:
        text = format_decimal(round(value), locale=LOCALE)
    else:
        text = format_decimal(round(value, 1), format="#,##0.0", locale=LOCALE)
    return f"{text}{unit}" if unit else text


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
