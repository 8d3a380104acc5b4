"""Reading the monthly summaries (``VolunteerMonth``, ``FigureMonth``; kept by db/summaries.py): a period is split
into its whole months, read from a summary, and the partial months at its ends, read from the raw rows as before.
The sum of the two is exactly the raw rows' figure (tests/test_summaries.py checks every summary row against a
full recomputation; tests/test_kpi.py and tests/test_volunteers.py check the figures and boards).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement

from db.models import FigureMonth, VolunteerMonth
from db.periods import Period
from db.summaries import month_start, next_month


@dataclass(frozen=True)
class Split:
    """A period as whole months [first, after) (None if it holds no whole month) and the partial months' days."""

    whole: tuple[date, date] | None
    partial: tuple[Period, ...]


def split(period: Period) -> Split:
    """``period`` as its whole months and the days before the first and after the last of them."""
    first = period.start if period.start.day == 1 else next_month(period.start)
    after = month_start(period.end + timedelta(days=1))  # the month after the last whole one
    if first >= after:
        return Split(None, (period,))
    partial = []
    if period.start < first:
        partial.append(Period(period.start, first - timedelta(days=1)))
    if after <= period.end:
        partial.append(Period(after, period.end))
    return Split((first, after), tuple(partial))


def in_months(model: type[VolunteerMonth] | type[FigureMonth], whole: tuple[date, date]) -> list[ColumnElement[bool]]:
    """The summary rows of the months [first, after)."""
    return [model.month >= whole[0], model.month < whole[1]]
