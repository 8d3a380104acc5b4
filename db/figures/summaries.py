"""Reading the monthly summaries (``VolunteerMonth``, ``FigureMonth``; kept by db/summaries.py): a period is split
into its whole months, read from a summary, and the partial months at its ends, read from the raw rows as before.
The sum of the two is exactly the raw rows' figure (tests/test_summaries.py checks every summary row against a
full recomputation; tests/test_kpi.py and tests/test_volunteers.py check the figures and boards).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    distinct,
    event,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from db.active_counts import EVERY_PROJECT
from db.models import (
    ActiveCount,
    Activity,
    Donation,
    FigureMonth,
    FigureYear,
    PlaceYear,
    ServiceRecord,
    Volunteer,
    VolunteerMonth,
    VolunteerSpan,
)
from db.periods import Period
from db.scope import Scope
from db.spans import ALL_TIME, month_sql, month_start, next_month, span_end, span_start


@dataclass(frozen=True)
class Split:
    """A period as whole months [first, after) (None if it holds no whole month) and the partial months' days."""

    whole: tuple[date, date] | None
    partial: tuple[Period, ...]
    less: tuple[Period, ...] = ()  # days inside the whole months that are not in the period (see ``split``)


def split(period: Period, session: Session | None = None, figures: bool = True, subtract: bool = False) -> Split:
    """``period`` as its whole months and the days before the first and after the last of them. With ``session``,
    a last month that the period holds from its first day is whole when nothing of it is dated after the period's
    end (``_nothing_after``: the month's summary row then holds exactly those days — 本月, 本年 and 累计 to
    today, as nothing is dated after today). ``figures``: the rows behind ``FigureMonth`` (service records,
    activities, donations), else those behind ``VolunteerMonth`` and the active counts (service records).
    ``subtract`` (sums only): a partial month with fewer days outside the period than inside it is whole, and its
    days outside the period are in ``less``, to be taken off (the same days of last year on the 20th: the month's
    row less 10 days of raw rows, not 20 days of them)."""
    first = period.start if period.start.day == 1 else next_month(period.start)
    after = month_start(period.end + timedelta(days=1))  # the month after the last whole one
    head = period.start < first
    if session is not None and first <= after <= period.end \
            and _nothing_after(session, period.end, next_month(after), figures):
        after = next_month(after)  # the month to date is the month's row
    less: list[Period] = []
    if subtract:  # a partial month longer than the rest of its month: the month's row less the rest
        if head and period.end >= first - timedelta(days=1) \
                and (period.start - month_start(period.start)).days < (first - period.start).days:
            less.append(Period(month_start(period.start), period.start - timedelta(days=1)))
            first, head = month_start(period.start), False
        if first <= after <= period.end and (next_month(after) - period.end).days - 1 < (period.end - after).days + 1:
            less.append(Period(period.end + timedelta(days=1), next_month(after) - timedelta(days=1)))
            after = next_month(after)
    if first >= after:
        return Split(None, (period,))
    partial = []
    if head:
        partial.append(Period(period.start, first - timedelta(days=1)))
    if after <= period.end:
        partial.append(Period(after, period.end))
    return Split((first, after), tuple(partial), tuple(less))


def _nothing_after(session: Session, end: date, before: date, figures: bool) -> bool:
    """True if no row behind the summaries is dated after ``end`` and before ``before`` (kept for the session
    until it writes, with the sums)."""
    memo = session.info.setdefault(MEMO, {})
    key = ("nothing after", end, before, figures)
    if key not in memo:
        sr = ServiceRecord
        later = [select(sr.id).where(sr.service_date > end, sr.service_date < before, sr.status == "approved")]
        if figures:
            t0, t1 = datetime.combine(end + timedelta(days=1), time()), datetime.combine(before, time())
            later += [select(Activity.id).where(Activity.starts_at >= t0, Activity.starts_at < t1),
                      select(Donation.id).where(Donation.donated_on > end, Donation.donated_on < before)]
        memo[key] = not session.execute(select(or_(*(q.exists() for q in later)))).scalar()
    return memo[key]


def in_months(model: type[VolunteerMonth] | type[FigureMonth], whole: tuple[date, date]) -> list[ColumnElement[bool]]:
    """The summary rows of the months [first, after)."""
    return [model.month >= whole[0], model.month < whole[1]]


# The figures that add up over months and places, each a column of FigureMonth of the same name.
SUMMED = frozenset({"hours", "credit_hours", "honour_hours", "activities", "linked_activities", "people_served",
                    "money", "in_kind"})


def years_of(scope: Scope, project_id: int | None, per_place: bool = True) -> Any:
    """The table whole years are summed from: ``PlaceYear`` (a row per place and year) where neither an organisation
    nor a project is asked for and the figures are wanted in total or per place (``per_place``), else ``FigureYear``
    (a row per cell: place, organisation, project)."""
    return PlaceYear if per_place and project_id is None and scope.organization_id is None else FigureYear


def sources(session: Session, whole: tuple[date, date], year_index: bool = True, years_from: Any = FigureYear
            ) -> list[tuple[Any, list[ColumnElement[bool]], int]]:
    """Where the figures of the whole months [first, after) are summed: (model, WHERE, sign) triples whose signed
    sums are exactly those months. ``FigureYear`` for every calendar year inside them, and for a year they cover
    but for at most three of its months, less ``FigureMonth`` for those three (本年 to date: the year less
    its current month; 累计: every year so); ``FigureMonth`` for the other months. A 累计 reads a row per cell and
    year, not per month. ``year_index`` False: on SQLite the years are compared as ``+year`` (a no-op that keeps
    SQLite, which has no statistics here, from choosing the year index over a covering one). ``years_from``:
    ``PlaceYear`` where no organisation or project is asked for (the same sums per place)."""
    first, after = whole
    years: list[int] = []
    plus: list[tuple[date, date]] = []
    less: list[tuple[date, date]] = []
    for y in range(first.year, (after - timedelta(days=1)).year + 1):
        jan, next_jan = date(y, 1, 1), date(y + 1, 1, 1)
        lo, hi = max(first, jan), min(after, next_jan)
        inside = (hi.year - lo.year) * 12 + hi.month - lo.month
        if 2 * (12 - inside) >= inside:  # more than a third of the year outside: its months
            plus.append((lo, hi))
            continue
        years.append(y)  # only the first and the last year can be partial: the years run without a gap
        less += [m for m in ((jan, lo), (hi, next_jan)) if m[0] < m[1]]
    if not years:
        return [(FigureMonth, in_months(FigureMonth, whole), 1)]
    year = years_from.year
    if not year_index and session.get_bind().dialect.name == "sqlite":
        year = literal_column(f"+{years_from.__tablename__}.year", Date)
    out = [(years_from, [year >= date(years[0], 1, 1), year <= date(years[-1], 1, 1)], 1)]
    out += [(FigureMonth, in_months(FigureMonth, months), 1) for months in plus]
    out += [(FigureMonth, in_months(FigureMonth, months), -1) for months in less]
    return out


_SUMMED = sorted(SUMMED)
MEMO = "summed_whole"  # session.info: {(scope, whole, project, by): {group: {figure: value}}} and the other
# reads kept for a session (raw partial periods, nothing-after checks), until it writes


def summed_whole(session: Session, key: str, scope: Scope, whole: tuple[date, date], project_id: int | None,
                 by: str | None = None) -> dict[Any, float]:
    """A summed figure over whole months from the summaries: {group: value} (by a place or project column, by
    'month' as 'YYYY-MM' from ``FigureMonth``, or one total under None). Every summed figure of the same scope,
    months, project and grouping is read in the same pass and kept for the session (a page's tiles and tables ask
    for several: one read of the summary rows instead of one each); a flush, commit or rollback forgets them."""
    memo = session.info.setdefault(MEMO, {})
    found = memo.get((scope, whole, project_id, by))
    if found is None:
        found = memo[(scope, whole, project_id, by)] = _summed_all(session, scope, whole, project_id, by)
    return {g: values[key] for g, values in found.items()}


def _summed_all(session: Session, scope: Scope, whole: tuple[date, date], project_id: int | None, by: str | None
                ) -> dict[Any, dict[str, float]]:
    out: dict[Any, dict[str, float]] = {}
    # Every place by project or organisation: the years' covering index of that column (db/models.FigureYear), in
    # order, rather than the year index and a sort (99,000 cell-years at 10M records: 43 → 8 ms).
    covered = by in ("project_id", "organization_id") and project_id is None and scope.is_all
    years = years_of(scope, project_id, per_place=by in (None, "street_id", "community_id"))
    terms = (sources(session, whole, year_index=not covered, years_from=years)
             if by != "month"
             else [(FigureMonth, in_months(FigureMonth, whole), 1)])
    for model, when, sign in terms:
        columns = [func.coalesce(func.sum(model.__table__.c[k]), 0) for k in _SUMMED]
        where = [*when, model.project_id == project_id] if project_id is not None else [*when, *scope.where(model)]
        group = literal(None) if by is None else model.month if by == "month" else model.__table__.c[by]
        query = select(group, *columns).where(*where)
        for g, *values in session.execute(query if by is None else query.group_by(group)):
            g = (f"{g:%Y-%m}" if isinstance(g, date) else str(g)[:7]) if by == "month" else g
            sums = out.setdefault(g, dict.fromkeys(_SUMMED, 0))
            for k, v in zip(_SUMMED, values, strict=True):
                sums[k] += sign * v
    if any(sign < 0 for *_, sign in terms):
        out = settled(out)
    return out or ({None: dict.fromkeys(_SUMMED, 0)} if by is None else {})


def exact(value: Any) -> Any:
    """A sum that had rows taken off it: a float to 6 places (cents leave 1e-12), never -0.0; others as they are."""
    return round(value, 6) + 0.0 if isinstance(value, float) else value


def settled(sums: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """Sums that had months taken off a year's row, each ``exact``; a group whose every sum came to 0 left out (it
    had records only in the months taken off), as if its months had been added."""
    out = {}
    for g, values in sums.items():
        values = {k: exact(v) for k, v in values.items()}
        if any(values.values()):
            out[g] = values
    return out


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_sums(session: Session, *_args: Any) -> None:
    session.info.pop(MEMO, None)


def exact_span(session: Session, period: Period, registered: bool = True) -> tuple[str, date] | None:
    """The one span of ``ActiveCount`` — (kind, start) — whose volunteers are exactly the active volunteers of
    ``period``, or None: 累计 is the all-time span when no approved record lies outside the period; otherwise the
    shortest month, quarter or year starting on the period's first day and not ending before its last, when no
    approved record lies in the span after the period. And in either case no volunteer registered after the period
    served in it (the counts hold volunteers registered at any time; the figure only those registered by its end),
    unless ``registered`` is False (a count of everyone who served, as the leaderboards' totals)."""
    sr = ServiceRecord
    if period.kind == "all":
        kind, start = "A", ALL_TIME
        outside = (sr.service_date > period.end) | (sr.service_date < period.start)
    else:
        for kind in ("M", "Q", "Y"):
            start = span_start(period.start, kind)
            after = span_end(start, kind)
            if start == period.start and period.end < after:
                break
        else:
            return None
        outside = (sr.service_date > period.end) & (sr.service_date < after)
    if session.execute(select(sr.id).where(sr.status == "approved", outside).limit(1)).first() is not None:
        return None
    return None if registered and _late_registrants(session, period.end) else (kind, start)


def _late_registrants(session: Session, end: date) -> bool:
    """True if a volunteer registered after ``end`` may have served by then (a month of theirs starts by it)."""
    vm = VolunteerMonth
    late = select(Volunteer.id).where(Volunteer.registered_on > end)  # by ix_volunteer_registered: usually none
    return session.execute(select(vm.volunteer_id).where(vm.volunteer_id.in_(late), vm.month <= end).limit(1)
                           ).first() is not None


def counted(session: Session, scope: Scope, period: Period, project_id: int | None, by: str | None
            ) -> dict[Any, int] | None:
    """Active volunteers {group: count} from ``ActiveCount`` (``by`` None, 'month', a place or 'project_id';
    months as 'YYYY-MM'), or None where the counts cannot answer exactly (read the rows then: ``active_rows``).
    By month, each whole month of the period is its own span and the partial ones come from the raw records."""
    ac = ActiveCount
    if project_id is not None:
        keep = [ac.project_id == project_id]
    elif by == "project_id":
        keep = [ac.project_id >= 0, *scope.where(ac)]
    else:
        keep = [ac.project_id == EVERY_PROJECT, *scope.where(ac)]
    if by == "month":
        if _late_registrants(session, period.end):
            return None
        parts = split(period, session, figures=False)
        out: dict[Any, int] = {}
        if parts.whole is not None:
            rows = session.execute(select(ac.start, func.sum(ac.volunteers)).where(
                ac.kind == "M", ac.start >= parts.whole[0], ac.start < parts.whole[1], *keep).group_by(ac.start))
            out = {(f"{m:%Y-%m}" if isinstance(m, date) else str(m)[:7]): int(n) for m, n in rows}
        for days in parts.partial:
            rows = active_rows(session, scope, days, project_id, "month", registered_by=period.end)
            out.update((str(g)[:7], n) for g, n in session.execute(
                select(rows.c.g, func.count(distinct(rows.c.volunteer_id))).group_by(rows.c.g)))
        return out
    span = exact_span(session, period)
    if span is None:
        return None if project_id is not None or by == "project_id" else _from_first_days(session, scope, period, by)
    return span_counts(session, span, keep, by)


def span_counts(session: Session, span: tuple[str, date], keep: list[Any], by: str | None) -> dict[Any, int]:
    """{group: volunteers} of one span of ``ActiveCount`` (rows kept by ``keep``), by a place or project, or one
    total under None."""
    ac = ActiveCount
    where = [ac.kind == span[0], ac.start == span[1], *keep]
    if by is None:
        return {None: int(session.execute(select(func.coalesce(func.sum(ac.volunteers), 0)).where(*where))
                          .scalar_one())}
    group = ac.__table__.c[by]
    rows = session.execute(select(group, func.sum(ac.volunteers)).where(*where).group_by(group))
    return {(g or None): int(n) for g, n in rows}


def _from_first_days(session: Session, scope: Scope, period: Period, by: str | None) -> dict[Any, int] | None:
    """Active volunteers {group: count} of a period from the first day of a calendar year or quarter to a day in
    it (本年 to date a year ago): the volunteers whose first approved service in the span (``VolunteerSpan``) is by
    the period's end, registered in the scope by then — one row per volunteer of the span; None for other periods."""
    for kind in ("Q", "Y"):
        if span_start(period.start, kind) == period.start and period.end < span_end(period.start, kind):
            break
    else:
        return None
    vs, v = VolunteerSpan, Volunteer
    group = literal(None) if by is None else v.__table__.c[by]

    def volunteers(first: Any, registered: bool) -> dict[Any, int]:
        span = [vs.kind == kind, vs.start == period.start, first]
        if scope.is_all and by is None:  # the span's index alone, less those registered after the period (few)
            def count(*where: Any) -> int:
                return session.execute(select(func.count()).select_from(vs).where(*span, *where)).scalar_one()
            late = vs.volunteer_id.in_(select(v.id).where(v.registered_on > period.end))
            n = count() - (count(late) if registered else 0)
            return {None: n} if n else {}
        where = [v.registered_on <= period.end] if registered else []
        if not scope.is_all:  # the scope's volunteers, each looked up by its span's key: fewer than the span's rows
            served = select(vs.volunteer_id).where(vs.volunteer_id == v.id, *span).exists()
            return {g: int(n) for g, n in session.execute(
                select(group, func.count()).select_from(v).where(served, *where, *scope.where(v)).group_by(group))}
        return {g: int(n) for g, n in session.execute(
            select(group, func.count()).select_from(vs).join(v, v.id == vs.volunteer_id)
            .where(*span, *where, *scope.where(v)).group_by(group))}

    # Most of the span: everyone who served in it (ActiveCount) less those who first served after the period —
    # the fewer rows — unless someone registered after the period served in it (the counts hold them too).
    if 2 * (period.end - period.start).days > (span_end(period.start, kind) - period.start).days and \
            not _late_registrants(session, period.end):
        later = volunteers(vs.first_day > period.end, registered=False)
        served = span_counts(session, (kind, period.start), [ActiveCount.project_id == EVERY_PROJECT,
                                                               *scope.where(ActiveCount)], by)
        return {g: n - later.get(g, 0) for g, n in served.items() if n - later.get(g, 0)}
    return volunteers(vs.first_day <= period.end, registered=True)


def active_rows(session: Session, scope: Scope, period: Period, project_id: int | None, by: str | None,
                registered_by: date | None = None) -> Any:
    """(group, volunteer_id) of every volunteer active in ``period`` — registered in the scope by its end (or by
    ``registered_by``) with an approved record in it (db.figures.records.active_record_rows) — from VolunteerMonth
    for the whole months and the raw records for the partial ones; count them distinct. ``by``: None, 'month', a
    place or 'project_id'."""
    parts = split(period, session, figures=False)
    selects = []
    vm, sr = VolunteerMonth, ServiceRecord

    def group(model: Any, month: Any) -> Any:
        if by is None:
            return literal(None).label("g")
        if by == "month":
            return month.label("g")
        return (model.project_id if by == "project_id" else Volunteer.__table__.c[by]).label("g")

    def keep(model: Any) -> list[Any]:
        where = [Volunteer.registered_on <= (registered_by or period.end)]
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

