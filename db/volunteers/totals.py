"""Summaries that write services keep in step with the records, in the same transaction.

``VolunteerTotal``: approved service hours (and records) per volunteer over all history, read by the star levels
instead of summing every record on every read. Recomputed, not incremented, for the volunteers a write touched, so
it cannot drift: each write service that adds, changes or deletes approved service records calls
``refresh_volunteer_totals`` with the volunteers involved before it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Numeric, and_, cast, delete, distinct, func, insert, select, union_all
from sqlmodel import Session

from db import team_spans
from db.active_counts import EVERY_PROJECT
from db.figures.summaries import exact, exact_span, in_months, sources, span_counts, split, years_of
from db.models import (
    ActiveCount,
    ServiceRecord,
    TeamMember,
    TeamSpan,
    Volunteer,
    VolunteerMonth,
    VolunteerSpan,
    VolunteerTotal,
)
from db.spans import span_end, span_start
from db.summaries import kept_at_commit

_CHUNK = 500  # volunteers per statement (bound parameters stay well under every backend's limit)


def _recompute(session: Session, ids: list[int] | None) -> None:
    drop = delete(VolunteerTotal)
    sums = (select(ServiceRecord.volunteer_id, func.sum(ServiceRecord.hours), func.count())
            .where(ServiceRecord.status == "approved").group_by(ServiceRecord.volunteer_id))
    if ids is not None:
        drop = drop.where(VolunteerTotal.volunteer_id.in_(ids))
        sums = sums.where(ServiceRecord.volunteer_id.in_(ids))
    session.execute(drop)
    session.execute(insert(VolunteerTotal).from_select(["volunteer_id", "hours", "records"], sums))


def refresh_volunteer_totals(session: Session, volunteer_ids: Iterable[int] | None) -> None:
    """Recompute the totals of these volunteers from their records (every volunteer when None). On a database
    with the monthly summaries (revision 0009) the commit does it for every volunteer whose records changed
    (db/summaries.py), so a service's call for its volunteers is left to it rather than done twice."""
    if volunteer_ids is not None and kept_at_commit(session.connection()):
        return
    if volunteer_ids is None:
        _recompute(session, None)
        return
    ids = sorted({int(v) for v in volunteer_ids})
    for start in range(0, len(ids), _CHUNK):
        _recompute(session, ids[start:start + _CHUNK])


def _top_candidates(session: Session, f: Any, top: int) -> list[int] | None:
    """For a board of everyone by hours (no place, project, team or 信用 filter) over 累计, a calendar year or a
    calendar quarter from its first day (to date): the volunteers whose hours could place them in the top ``top``,
    from ``VolunteerTotal`` or ``VolunteerSpan`` less the approved records they hold outside the period (after its
    end; for 累计 also before 2000: normally none) — every volunteer within 0.02 h of the ``top``-th largest ranked
    one or above (a superset, which may hold unranked volunteers: the board sums their records exactly and leaves the
    unranked out). None for other boards."""
    p, sr = f.period, ServiceRecord
    if not f.scope.is_all or f.project_id is not None or f.team_id is not None or f.credit_only:
        return None
    if p.kind == "all":
        base = select(VolunteerTotal.volunteer_id, VolunteerTotal.hours, VolunteerTotal.records)
        hours_col, ends = VolunteerTotal.hours, [sr.service_date > p.end, sr.service_date < p.start]
    elif p.kind in ("year", "quarter") and p.start == span_start(p.start, p.kind[0].upper()):
        kind, vs = p.kind[0].upper(), VolunteerSpan
        base = select(vs.volunteer_id, vs.hours, vs.records).where(vs.kind == kind, vs.start == p.start)
        hours_col, ends = vs.hours, [and_(sr.service_date > p.end, sr.service_date < span_end(p.start, kind))]
    else:
        return None
    outside: dict[int, tuple[float, int]] = {}
    for v, h in session.execute(union_all(*(select(sr.volunteer_id, sr.hours).where(sr.status == "approved", e)
                                            for e in ends))):
        was = outside.get(v, (0.0, 0))
        outside[v] = (was[0] + h, was[1] + 1)
    rows = (base.join(Volunteer, Volunteer.id == base.selected_columns[0])
            .where(Volunteer.leaderboard_opt_out.is_(False), Volunteer.is_staff.is_(False)))
    if not outside:  # the usual case: the ranking is the summary's own, read in the database
        cut = session.execute(rows.with_only_columns(hours_col).order_by(hours_col.desc()).offset(top - 1)
                              .limit(1)).scalar()
        if cut is None:  # fewer than ``top`` ranked: all of them
            return list(session.execute(rows.with_only_columns(base.selected_columns[0])).scalars())
        # Everyone at the cut or above from the summary's index alone (the board leaves the unranked out later): a
        # join to the volunteers let PostgreSQL, misjudging how many pass the cut (8,700 for 52), read all 200,000.
        return list(session.execute(base.with_only_columns(base.selected_columns[0])
                                    .where(hours_col >= cut - 0.02)).scalars())
    hours = {v: h - outside.get(v, (0.0, 0))[0] for v, h, n in session.execute(rows) if n > outside.get(v, (0, 0))[1]}
    ranked = sorted(hours.values(), reverse=True)
    cut = ranked[top - 1] if len(ranked) >= top else None
    return [v for v, h in hours.items() if cut is None or h >= cut - 0.02]


def board_sums(session: Session, f: Any, raw_clauses: Callable[[Any], list], key: Any, top: int | None = None
               ) -> Any:
    """Per volunteer, over a leaderboard's records (``f``: a ``reads.BoardFilter``): volunteer_id, hours (rounded
    to 0.01 h) and activities. Whole months come from ``VolunteerMonth``, the partial months at the ends of the
    period from the raw records (``raw_clauses(filter)``, grouped by ``key``), so a year's board reads 12 months
    of summary rows instead of a year of records. Activities add up over months and places: an activity lies in
    one month, place and project, and a volunteer's records of it (信用 and 荣誉) share its cell. ``top`` (a board
    by hours showing that many): a 累计, year or quarter board of everyone reads only the volunteers who can reach
    the top, found from ``VolunteerTotal`` / ``VolunteerSpan``, and their raw records."""
    candidates = _top_candidates(session, f, top) if top else None
    if candidates is not None:
        return (select(key, func.round(cast(func.sum(ServiceRecord.hours), Numeric(14, 2)), 2).label("hours"),
                       func.count(distinct(ServiceRecord.activity_id)).label("activities"))
                .where(*raw_clauses(f), ServiceRecord.volunteer_id.in_(candidates)).group_by(key).subquery())
    parts = split(f.period, session, figures=False)
    sums = []
    if parts.whole is not None:
        vm = VolunteerMonth
        hours, activities = (vm.credit_hours, vm.credit_activities) if f.credit_only else (vm.hours, vm.activities)
        where = [*in_months(vm, parts.whole), *f.scope.where(vm)]
        if f.credit_only:
            where.append(vm.credit_records > 0)
        if f.project_id is not None:
            where.append(vm.project_id == f.project_id)
        if f.team_id is not None:
            where.append(vm.volunteer_id.in_(select(TeamMember.volunteer_id).where(TeamMember.team_id == f.team_id)))
        sums.append(select(vm.volunteer_id.label("volunteer_id"), hours.label("hours"),
                           activities.label("activities")).where(*where))
    for days in parts.partial:
        sums.append(select(key, func.sum(ServiceRecord.hours).label("hours"),
                           func.count(distinct(ServiceRecord.activity_id)).label("activities"))
                    .where(*raw_clauses(replace(f, period=days))).group_by(key))
    rows = union_all(*sums).subquery() if len(sums) > 1 else sums[0].subquery()
    return (select(rows.c.volunteer_id, func.round(cast(func.sum(rows.c.hours), Numeric(14, 2)), 2).label("hours"),
                   func.sum(rows.c.activities).label("activities"))
            .group_by(rows.c.volunteer_id).subquery())


def board_figures(session: Session, f: Any, raw_clauses: Callable[[Any], list]) -> tuple[float, int, int] | None:
    """Hours, records and activities of a leaderboard's records (``f``: a ``reads.BoardFilter``) from the figure
    summaries — ``FigureYear`` / ``FigureMonth`` for the whole months, the raw records (``raw_clauses``) for the
    partial ones; activities add up over cells and months (an activity lies in one). None for a team's or a 信用-only
    board (the summaries hold neither)."""
    if f.team_id is not None or f.credit_only:
        return None
    parts = split(f.period, session)
    hours, records, activities = 0.0, 0, 0
    if parts.whole is not None:
        for model, when, sign in sources(session, parts.whole, years_from=years_of(f.scope, f.project_id)):
            where = [*when, *f.scope.where(model)]
            if f.project_id is not None:
                where.append(model.project_id == f.project_id)
            h, r, a = session.execute(select(*(func.coalesce(func.sum(c), 0) for c in (
                model.hours, model.records, model.served_activities))).where(*where)).one()
            hours, records, activities = hours + sign * h, records + sign * r, activities + sign * a
        hours = exact(hours)  # a year's row less its months: no residue
    sr = ServiceRecord
    for days in parts.partial:
        h, r, a = session.execute(select(func.coalesce(func.sum(sr.hours), 0.0), func.count(),
                                         func.count(distinct(sr.activity_id)))
                                  .where(*raw_clauses(replace(f, period=days)))).one()
        hours, records, activities = hours + h, records + r, activities + a
    return float(hours), int(records), int(activities)


def board_span(session: Session, f: Any) -> tuple[str, date] | None:
    """The span (kind, start) that is exactly the period of a leaderboard of everywhere — no place, team or 信用
    filter; a project may be chosen — whose counts and summaries the board can read (``exact_span``, everyone who
    served: the board does not ask when they registered); None for other boards and periods."""
    if not f.scope.is_all or f.team_id is not None or f.credit_only:
        return None
    return exact_span(session, f.period, registered=False)


def board_volunteers(session: Session, f: Any, span: tuple[str, date] | None) -> int | None:
    """How many volunteers a leaderboard of everywhere counts (every approved record of the period, of a project or
    all), from ``ActiveCount`` when ``span`` (``board_span``) is exactly the period; None otherwise (count the
    records then). The counts are by the place volunteers are registered in, so only a board of every place adds
    them up."""
    if span is None:
        return None
    project = EVERY_PROJECT if f.project_id is None else f.project_id
    return span_counts(session, span, [ActiveCount.project_id == project], None)[None]


def team_sums(session: Session, f: Any) -> Any | None:
    """Per team — team_id, hours (rounded to 0.01 h), activities, members — of a team board of everywhere, every
    project, 信用 and 荣誉, from ``TeamSpan`` when one of its spans is exactly the period; None otherwise (the board
    then reads the records)."""
    if f.project_id is not None or not team_spans.kept(session.connection()):
        return None
    span = board_span(session, replace(f, team_id=None))  # one team's row is read like every team's
    if span is None:
        return None
    ts = TeamSpan
    where = [ts.kind == span[0], ts.start == span[1]]
    if f.team_id is not None:
        where.append(ts.team_id == f.team_id)
    return (select(ts.team_id, func.round(cast(ts.hours, Numeric(14, 2)), 2).label("hours"),
                   ts.activities, ts.members).where(*where).subquery())


def board_unranked(session: Session, f: Any, raw_clauses: Callable[[Any], list], span: tuple[str, date] | None
                   ) -> tuple[int, float]:
    """How many of a leaderboard's volunteers the ranking leaves out (opted out or staff), and their hours: for a
    board of everywhere and every project whose period is exactly ``span`` (``board_span``), from their rows of
    ``VolunteerMonth`` / ``VolunteerSpan`` / ``VolunteerTotal`` (a few each); else from their records."""
    unranked = select(Volunteer.id).where((Volunteer.leaderboard_opt_out.is_(True)) | (Volunteer.is_staff.is_(True)))
    if f.project_id is not None:
        span = None
    if span is None:
        sr = ServiceRecord
        query = select(func.count(distinct(sr.volunteer_id)), func.coalesce(func.sum(sr.hours), 0.0)).where(
            *raw_clauses(f), sr.volunteer_id.in_(unranked))
    elif span[0] == "A":
        vt = VolunteerTotal
        query = select(func.count(), func.coalesce(func.sum(vt.hours), 0.0)).where(vt.volunteer_id.in_(unranked),
                                                                                  vt.records > 0)
    elif span[0] == "M":
        vm = VolunteerMonth
        query = select(func.count(distinct(vm.volunteer_id)), func.coalesce(func.sum(vm.hours), 0.0)).where(
            vm.month == span[1], vm.volunteer_id.in_(unranked))
    else:
        vs = VolunteerSpan
        query = select(func.count(), func.coalesce(func.sum(vs.hours), 0.0)).where(
            vs.kind == span[0], vs.start == span[1], vs.volunteer_id.in_(unranked))
    n, hours = session.execute(query).one()
    return int(n), float(hours)
