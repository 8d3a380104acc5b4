"""Figures as text for Chinese readers (万 / 亿 through Babel's CLDR data): the one rule the tiles, the big screen and
the 工作简报 share, so that a figure reads the same wherever it is shown. ``components.fmt.number`` follows the same
rule by calling ``number_text``."""

from __future__ import annotations

from babel.numbers import format_compact_decimal, format_decimal

from db.figures.registry import format_rate, is_rate

LOCALE = "zh_CN"


def number_text(value: float | int | None, unit: str = "") -> str:
    """12 → 12；12345 → 12,345；123456 → 12.3万；123456789 → 1.2亿；None → —.

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


def figure_text(key: str, value: float | None) -> str:
    """A figure of the registry as its tile shows it: 12.3万 for counts and sums, 98.2% for rates, — when undefined."""
    return format_rate(value) if is_rate(key) else number_text(value)
