"""Calendar spans — a month (kind M), a calendar quarter (Q), a year (Y), all time (A) — by their first day, in
Python and in SQL. The summaries (db/summaries.py, db/active_counts.py) are kept per span and read per span
(db/figures/summaries.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Date, Integer, String, cast, func, literal

SPAN_KINDS = ("M", "Q", "Y", "A")
ALL_TIME = date(1900, 1, 1)  # the first day of the all-time span


def month_start(day: date | datetime) -> date:
    """The first day of the month of ``day`` (a datetime counts by its date)."""
    d = day.date() if isinstance(day, datetime) else day
    return d.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def span_start(day: date, kind: str) -> date:
    """The first day of the span of ``kind`` holding ``day``."""
    if kind == "A":
        return ALL_TIME
    if kind == "M":
        return month_start(day)
    return date(day.year, 1, 1) if kind == "Y" else date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def span_end(start: date, kind: str) -> date:
    """The first day after the month, quarter or year starting on ``start`` (all time: none, date.max)."""
    if kind == "A":
        return date.max
    if kind == "M":
        return next_month(start)
    return date(start.year + 1, 1, 1) if kind == "Y" else next_month(next_month(next_month(start)))


def month_sql(conn: Connection, column: Any) -> Any:
    """SQL for the first day of ``column``'s month, as a date, in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return cast(func.date_trunc("month", column), Date)
    return func.date(column, "start of month")


def span_start_sql(conn: Connection, kind: str, column: Any) -> Any:
    """SQL for the first day of the span of ``kind`` holding the date in ``column``, as a date."""
    if kind == "M":
        return month_sql(conn, column)
    if kind == "A":
        return literal(ALL_TIME, Date)
    if conn.dialect.name == "postgresql":
        return cast(func.date_trunc("year" if kind == "Y" else "quarter", column), Date)
    if kind == "Y":
        return func.date(column, "start of year")
    back = (cast(func.strftime("%m", column), Integer) - 1) % 3
    return func.date(column, "start of month", "-" + cast(back, String) + " months")
