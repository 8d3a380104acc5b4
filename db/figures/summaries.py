"""Reading the monthly summaries (``VolunteerMonth``, ``FigureMonth``; kept by db/summaries.py): a period is split
into its whole months, read from a summary, and the partial months at its ends, read from the raw rows as before.
The sum of the two is exactly the raw rows' figure (tests/test_summaries.py checks every summary row against a
full recomputation; tests/test_kpi.py and tests/test_volunteers.py check the figures and boards).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, literal, select, union_all
from sqlmodel import Session

from db.models import FigureMonth, ServiceRecord, Volunteer, VolunteerMonth, VolunteerSpan, VolunteerTotal
from db.periods import Period
from db.scope import Scope
from db.summaries import (
    FIGURE_COLS,
    VOLUNTEER_COLS,
    figure_rows,
    month_sql,
    month_start,
    next_month,
    span_end,
    span_start,
    volunteer_rows,
)


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


# The figures that add up over months and places, each a column of FigureMonth of the same name.
SUMMED = frozenset({"hours", "credit_hours", "honour_hours", "activities", "linked_activities", "people_served",
                    "money", "in_kind"})
PLACES = ("street_id", "community_id", "organization_id", "project_id")


def _summed_where(scope: Scope, whole: tuple[date, date], project_id: int | None) -> list[Any]:
    where = in_months(FigureMonth, whole)
    if project_id is not None:
        return [*where, FigureMonth.project_id == project_id]
    return [*where, *scope.where(FigureMonth)]


def summed_whole(session: Session, key: str, scope: Scope, whole: tuple[date, date], project_id: int | None,
                 by: str | None = None) -> dict[Any, float]:
    """A summed figure over whole months from FigureMonth: {group: value} (by a place or project column, by
    'month' as 'YYYY-MM', or one total under None)."""
    column = func.coalesce(func.sum(FigureMonth.__table__.c[key]), 0)
    where = _summed_where(scope, whole, project_id)
    if by is None:
        return {None: session.execute(select(column).where(*where)).scalar_one()}
    group = FigureMonth.month if by == "month" else FigureMonth.__table__.c[by]
    rows = session.execute(select(group, column).where(*where).group_by(group)).all()
    if by == "month":
        return {f"{m:%Y-%m}" if isinstance(m, date) else str(m)[:7]: v for m, v in rows}
    return dict(rows)


def _whole_span(session: Session, period: Period) -> Any:
    """The volunteers with an approved record in ``period`` from one summary row each, when the period is 累计
    (``VolunteerTotal``) or a calendar year or quarter from its first day (``VolunteerSpan``) and no approved record
    lies in the summary's span after the period's end (or, for 累计, before 2000); else None."""
    sr = ServiceRecord
    if period.kind == "all":
        rows, outside = select(VolunteerTotal.volunteer_id), (sr.service_date > period.end) | (
            sr.service_date < period.start)
    elif period.kind in ("year", "quarter") and period.start == span_start(period.start, period.kind[0].upper()):
        kind = period.kind[0].upper()
        rows = select(VolunteerSpan.volunteer_id).where(VolunteerSpan.kind == kind, VolunteerSpan.start == period.start)
        outside = (sr.service_date > period.end) & (sr.service_date < span_end(period.start, kind))
    else:
        return None
    if session.execute(select(sr.id).where(sr.status == "approved", outside).limit(1)).first() is not None:
        return None
    return rows.subquery()


def active_rows(session: Session, scope: Scope, period: Period, project_id: int | None, by: str | None) -> Any:
    """(group, volunteer_id) of every volunteer active in ``period`` — registered in the scope by its end with an
    approved record in it (db.figures.records.active_record_rows) — from VolunteerMonth for the whole months and
    the raw records for the partial ones; count them distinct. ``by``: None, 'month', a place or 'project_id'."""
    covered = None if project_id is not None or by in ("month", "project_id") else _whole_span(session, period)
    if covered is not None:  # 累计, a year or a quarter from its first day: one row per volunteer who served
        g = literal(None) if by is None else Volunteer.__table__.c[by]
        return (select(g.label("g"), covered.c.volunteer_id).join(Volunteer, Volunteer.id == covered.c.volunteer_id)
                .where(Volunteer.registered_on <= period.end, *scope.where(Volunteer)).subquery())
    parts = split(period)
    selects = []
    vm, sr = VolunteerMonth, ServiceRecord

    def group(model: Any, month: Any) -> Any:
        if by is None:
            return literal(None).label("g")
        if by == "month":
            return month.label("g")
        return (model.project_id if by == "project_id" else Volunteer.__table__.c[by]).label("g")

    def keep(model: Any) -> list[Any]:
        where = [Volunteer.registered_on <= period.end]
        return [*where, model.project_id == project_id] if project_id is not None else \
            [*where, *scope.where(Volunteer)]

    if parts.whole is not None:
        selects.append(select(group(vm, vm.month), vm.volunteer_id.label("volunteer_id"))
                       .join(Volunteer, Volunteer.id == vm.volunteer_id).where(*in_months(vm, parts.whole), *keep(vm)))
    for days in parts.partial:
        selects.append(select(group(sr, month_sql(session.connection(), sr.service_date)),
                              sr.volunteer_id.label("volunteer_id"))
                       .join(Volunteer, Volunteer.id == sr.volunteer_id)
                       .where(sr.status == "approved", sr.service_date >= days.start, sr.service_date <= days.end,
                              *keep(sr)))
    return union_all(*selects).subquery() if len(selects) > 1 else selects[0].subquery()


def _grouped(conn: Connection, query: Any, keys: int) -> dict[tuple, tuple]:
    out: dict[tuple, list] = {}
    for row in conn.execute(query):
        sums = out.setdefault(tuple(str(x) if isinstance(x, date) else x for x in row[:keys]), [0] * (len(row) - keys))
        for i, x in enumerate(row[keys:]):
            sums[i] += x
    return {k: tuple(round(float(x), 6) for x in v) for k, v in out.items() if any(v)}


def in_step(conn: Connection) -> bool:
    """True if every summary equals a full recomputation from the raw rows (values to 1e-6)."""
    for model, cols, rows in ((VolunteerMonth, VOLUNTEER_COLS, volunteer_rows(conn, [])),
                              (FigureMonth, FIGURE_COLS, figure_rows(conn, None))):
        keys = cols.index("hours") if model is VolunteerMonth else cols.index("activities")
        stored = select(*(model.__table__.c[c] for c in cols))
        if _grouped(conn, stored, keys) != _grouped(conn, rows, keys):
            return False
    return True
