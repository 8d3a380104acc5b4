"""Number formatting for Chinese readers (万 / 亿) through Babel's CLDR data, not by hand."""

from __future__ import annotations

from babel.numbers import format_compact_decimal, format_decimal

from db.figures.registry import format_rate

LOCALE = "zh_CN"


def number(value: float | int | None, unit: str = "") -> str:
    """12 → 12；12345 → 12,345；123456 → 12.3万；123456789 → 1.2亿. None → —.

    Below 100,000 full digits read better than 1.2万 (which would hide 2,000 of them)."""
    if value is None:
        return "—"
    if abs(value) >= 100_000:
        text = format_compact_decimal(value, locale=LOCALE, fraction_digits=1)
    elif float(value).is_integer() or abs(value) >= 1000:
        text = format_decimal(round(value), locale=LOCALE)
    else:
        text = format_decimal(round(value, 1), format="#,##0.0", locale=LOCALE)
    return f"{text}{unit}" if unit else text


def exact(value: float | int | None) -> str:
    """Full digits with grouping (for tables and tooltips): 123456 → 123,456."""
    if value is None:
        return "—"
    return format_decimal(value, locale=LOCALE)


def percent(value: float | None) -> str:
    """A rate (0–1) as 98.2%, or — when undefined."""
    return format_rate(value)
