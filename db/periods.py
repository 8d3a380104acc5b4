"""Reporting periods (本月 / 本季度 / 本年 / 累计 / 自定义) and the periods to compare with (环比, 同比)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

EPOCH = date(2000, 1, 1)  # "累计" starts here: before any record this product can hold

PERIOD_KINDS = {"month": "本月", "quarter": "本季度", "year": "本年", "all": "累计", "custom": "自定义"}


@dataclass(frozen=True)
class Period:
    """An inclusive range of days, with the kind it was built as (for 环比)."""

    start: date
    end: date
    kind: str = "custom"

    @property
    def start_dt(self) -> datetime:
        return datetime.combine(self.start, time.min)

    @property
    def end_dt_exclusive(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        if self.kind == "all":
            return f"累计（截至 {self.end:%Y-%m-%d}）"
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def add_months(d: date, months: int) -> date:
    """``d`` plus whole months; a day the target month lacks becomes its last day (31 Aug + 6 months → 28 Feb)."""
    first = _add_months(d, months)
    return min(first.replace(day=1) + timedelta(days=d.day - 1), _month_end(first))


def _month_end(d: date) -> date:
    return _add_months(d, 1) - timedelta(days=1)


def period_of(kind: str, today: date, start: date | None = None, end: date | None = None) -> Period:
    """The period of ``kind`` containing ``today`` (to date); ``custom`` takes ``start``/``end``."""
    if kind == "month":
        return Period(today.replace(day=1), today, "month")
    if kind == "quarter":
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return Period(first, today, "quarter")
    if kind == "year":
        return Period(date(today.year, 1, 1), today, "year")
    if kind == "all":
        return Period(EPOCH, today, "all")
    if start is None or end is None or end < start:
        raise ValueError("自定义时段需要开始和结束日期，且结束不早于开始")
    return Period(start, end, "custom")


def _shift_months(p: Period, months: int) -> Period:
    """Shift a calendar-aligned period by whole months. An end on a month's last day stays on the last day
    (a complete month compares with a complete month); otherwise the day is kept, clamped to the month."""
    start = _add_months(p.start, months)
    target = _add_months(p.end.replace(day=1), months)
    if p.end == _month_end(p.end):
        end = _month_end(target)
    else:
        end = min(target + timedelta(days=p.end.day - 1), _month_end(target))
    return Period(start, end, p.kind)


def previous_period(p: Period) -> Period | None:
    """环比: the period just before ``p`` of the same kind and length to date; None for 累计."""
    if p.kind == "all":
        return None
    if p.kind == "month":
        return _shift_months(p, -1)
    if p.kind == "quarter":
        return _shift_months(p, -3)
    if p.kind == "year":
        return _shift_months(p, -12)
    length = timedelta(days=p.days)
    return Period(p.start - length, p.end - length, "custom")


def _year_earlier(d: date) -> date:
    # 29 February has no twin a year earlier: use 28 February.
    return d.replace(year=d.year - 1) if not (d.month == 2 and d.day == 29) else date(d.year - 1, 2, 28)


def same_period_last_year(p: Period) -> Period | None:
    """同比: the same days one year earlier; None for 累计."""
    if p.kind == "all":
        return None
    if p.kind == "custom":
        return Period(_year_earlier(p.start), _year_earlier(p.end), "custom")
    return _shift_months(p, -12)
