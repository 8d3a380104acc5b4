"""Reading the figures of the registry: a value, several values, the records behind a figure, a monthly series,
values per group, and 环比/同比 changes — each for a scope and period, or for one project's own records.

Everything here is computed from a figure's record set (``db.figures.records``) and its aggregate
(``db.figures.registry``): a tile, its chart, its drill-down and its export cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, case, distinct, func, literal, select, true
from sqlmodel import Session

from db.figures import summaries
from db.figures.records import volunteer_rows
from db.figures.registry import FIGURES, RATES, Kpi
from db.models import Community, MediationCase, Project, Street, Volunteer
from db.periods import Period, previous_period, same_period_last_year
from db.recompute import PLACE
from db.scope import ALL, Scope

# The date column of each record set (named by its first, id column) that places a row in a month.
_DATE_COLUMN = {"volunteer_id": "registered_on", "record_id": "service_date", "activity_id": "starts_at",
                "case_id": "received_on", "donation_id": "donated_on", "training_id": "held_on"}

# A grouping: a column name of the record set, or ``by(sub) -> (expression, [(table, on), …])`` over its
# subquery with the joins it needs (e.g. to the mediation case for its team).
GroupBy = str | Callable[[Any], tuple[Any, list[tuple[Any, Any]]]]


def record_set(key: str, scope: Scope, period: Period, project_id: int | None = None) -> Select:
    """The SELECT of the rows behind figure ``key``; with ``project_id``, that project's own records over every
    place (``scope`` is then not used)."""
    kpi = FIGURES[key]
    if project_id is None:
        return kpi.records(scope, period)
    sub = kpi.records(ALL, period).subquery()
    if "case_id" in sub.c:
        keep = sub.c.case_id.in_(select(MediationCase.id).where(MediationCase.project_id == project_id))
    elif "project_id" in sub.c:
        keep = sub.c.project_id == project_id
    else:
        raise ValueError(f"{key} is not a figure of a project")
    return select(sub).where(keep)


def _aggregate(kpi: Kpi, sub: Any) -> Any:
    if kpi.distinct_on:
        return func.count(distinct(sub.c[kpi.distinct_on]))
    if kpi.measure:
        return func.coalesce(func.sum(sub.c[kpi.measure]), literal(0))
    return func.count()


def _typed(kpi: Kpi, value: Any) -> float | int:
    return float(value) if kpi.measure else int(value)


def value(session: Session, key: str, scope: Scope, period: Period, *, project_id: int | None = None
          ) -> float | None:
    """The value of one figure or rate (a rate is a fraction 0–1, or None when its denominator is zero)."""
    if key in RATES:
        rate = RATES[key]
        den = value(session, rate.denominator, scope, period, project_id=project_id) or 0
        if den == 0:
            return None
        return (value(session, rate.numerator, scope, period, project_id=project_id) or 0) / den
    return _typed(FIGURES[key], _by_group(session, key, scope, period, project_id, None).get(None, 0))


def _raw_by_group(session: Session, key: str, scope: Scope, period: Period, project_id: int | None,
                  by: str | None) -> dict[Any, Any]:
    """{group: value} of a figure straight from its record set (``by`` None: one total under None; 'month':
    'YYYY-MM')."""
    kpi = FIGURES[key]
    sub = record_set(key, scope, period, project_id).subquery()
    if by is None:
        return {None: session.execute(select(_aggregate(kpi, sub)).select_from(sub)).scalar_one()}
    group = month_of(session, sub.c[_DATE_COLUMN[sub.c.keys()[0]]]) if by == "month" else sub.c[by]
    return dict(session.execute(select(group, _aggregate(kpi, sub)).group_by(group)).all())


def _raw_summed(session: Session, key: str, scope: Scope, period: Period, project_id: int | None,
                by: str | None) -> dict[Any, Any]:
    """``_raw_by_group`` of a summed figure, every summed figure of the same record set read in the same pass and
    kept for the session: hours, 信用 and 荣誉 hours from the records (the last two narrow the first), activities,
    社工+志愿 and people served from the activities, money and goods each from theirs (a partial month of a
    page's tiles: four statements, not eight). A flush, commit or rollback forgets them."""
    memo = session.info.setdefault(summaries.MEMO, {})  # forgotten with the summed whole months
    found = memo.get(("raw", scope, period, project_id, by))
    if found is None:
        found = memo[("raw", scope, period, project_id, by)] = {}
        keys, done = sorted(summaries.SUMMED), set()
        for first in keys:
            if first in done:
                continue
            base = record_set(first, scope, period, project_id)
            family = [(first, None)]
            for other in keys:
                if other not in done and other != first:
                    sub_set = record_set(other, scope, period, project_id)
                    extra = _narrowed(base, sub_set)
                    if extra is not None:
                        family.append((other, extra))
            done |= {k for k, _e in family}
            for group, values in _read_family(session, base, family, by).items():
                found.setdefault(group, {}).update(values)
    return {g: values[key] for g, values in found.items() if key in values}


def _read_family(session: Session, base: Select, family: list[tuple[str, Any]], by: str | None
                 ) -> dict[Any, dict[str, Any]]:
    """Each figure of ``family`` (key, its criteria beyond ``base``'s or None) aggregated over ``base``'s rows."""
    marks = [(k, e) for k, e in family if e is not None]
    sub = base.add_columns(*(case((e, 1), else_=0).label(f"_k{i}") for i, (_k, e) in enumerate(marks))).subquery()
    index = {k: i for i, (k, _e) in enumerate(marks)}
    columns = []
    for k, e in family:
        kpi, mark = FIGURES[k], (sub.c[f"_k{index[k]}"] if e is not None else None)
        if kpi.measure:
            value = sub.c[kpi.measure] if mark is None else case((mark == 1, sub.c[kpi.measure]), else_=0)
            columns.append(func.coalesce(func.sum(value), literal(0)))
        else:
            columns.append(func.count() if mark is None else func.coalesce(func.sum(mark), literal(0)))
    group = literal(None) if by is None else \
        month_of(session, sub.c[_DATE_COLUMN[sub.c.keys()[0]]]) if by == "month" else sub.c[by]
    query = select(group, *columns).select_from(sub)
    rows = session.execute(query if by is None else query.group_by(group)).all()
    if by is None and not rows:
        rows = [(None, *[0] * len(family))]
    return {g: {k: v for (k, _e), v in zip(family, values, strict=True) if by is None or v}
            for g, *values in rows}


def _by_group(session: Session, key: str, scope: Scope, period: Period, project_id: int | None,
              by: str | None) -> dict[Any, Any]:
    """{group: value} of a figure: whole months from the monthly summaries where the figure adds up, the partial
    months at the ends from the raw rows; active volunteers (a distinct count) from the per-span counts where they
    answer exactly, else from the volunteer months (db.figures.summaries); anything else from its record set."""
    if key in summaries.SUMMED and by in (None, "month", *PLACE):
        parts = summaries.split(period, session, subtract=True)
        out = summaries.summed_whole(session, key, scope, parts.whole, project_id, by) if parts.whole else {}
        for days, sign in [(d, 1) for d in parts.partial] + [(d, -1) for d in parts.less]:
            for group, v in _raw_summed(session, key, scope, days, project_id, by).items():
                out[group] = out.get(group, 0) + sign * v
        if parts.less:  # no residue of the days taken off, no group left at 0 (summaries.settled)
            out = {g: v for g, v in ((g, summaries.exact(v)) for g, v in out.items()) if v}
        return out
    if key == "active_volunteers" and by in (None, "month", *PLACE):
        got = summaries.counted(session, scope, period, project_id, by)
        if got is not None:
            return {None: 0} | got if by is None else got
    # Else from the volunteer months; per project the raw records are faster (a volunteer serves ~1 record a month
    # in a project, bench/scale.py).
    if key == "active_volunteers" and by in (None, "month", "street_id", "community_id", "organization_id"):
        rows = summaries.active_rows(session, scope, period, project_id, by)
        counted = session.execute(select(rows.c.g, func.count(distinct(rows.c.volunteer_id))).group_by(rows.c.g))
        if by == "month":
            return {str(g)[:7]: n for g, n in counted}
        return {None: 0} | dict(counted.all()) if by is None else dict(counted.all())
    return _raw_by_group(session, key, scope, period, project_id, by)


def values(session: Session, keys: Sequence[str], scope: Scope, period: Period, *, project_id: int | None = None
           ) -> dict[str, float | None]:
    """Several figures and rates at once, each from its own definition (a rate's parts are read once)."""
    got: dict[str, float | None] = {}

    def one(key: str) -> float | None:
        if key not in got:
            if key in RATES:
                rate = RATES[key]
                den = one(rate.denominator) or 0
                got[key] = None if den == 0 else (one(rate.numerator) or 0) / den
            else:
                got[key] = value(session, key, scope, period, project_id=project_id)
        return got[key]

    return {key: one(key) for key in keys}


def records(session: Session, key: str, scope: Scope, period: Period, *, project_id: int | None = None,
            limit: int | None = None) -> pd.DataFrame:
    """The rows behind a figure, newest first, with street / community / project names: its drill-down and
    export."""
    sub = record_set(key, scope, period, project_id).subquery()
    query = select(sub)
    if "street_id" in sub.c:
        query = query.add_columns(Street.name.label("street")).outerjoin(Street, Street.id == sub.c.street_id)
    if "community_id" in sub.c:
        query = query.add_columns(Community.name.label("community")).outerjoin(
            Community, Community.id == sub.c.community_id)
    if "project_id" in sub.c:
        query = query.add_columns(Project.name.label("project")).outerjoin(Project, Project.id == sub.c.project_id)
    order = [c for c in ("starts_at", "service_date", "received_on", "donated_on", "registered_on", "held_on")
             if c in sub.c]
    if order:
        query = query.order_by(sub.c[order[0]].desc())
    if limit is not None:
        query = query.limit(limit)
    return pd.read_sql(query, session.connection())


def month_of(session: Session, column: Any) -> Any:
    """The 'YYYY-MM' of a date or datetime column, in the session's SQL dialect (for trends by month)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def monthly(session: Session, key: str, scope: Scope, period: Period, *, project_id: int | None = None
            ) -> pd.DataFrame:
    """A figure month by month over ``period`` (columns month 'YYYY-MM', value), from its own record set.

    Months with no rows appear with 0, so charts show gaps as zero rather than skipping them. 累计 runs from the
    first month that has records. ``volunteers`` (a stock, not a flow) is the cumulative count registered by each
    month's end. A project with no records at all gives an empty frame.
    """
    got = {m: float(v) for m, v in _by_group(session, key, scope, period, project_id, "month").items() if v}
    if project_id is not None and not got:
        return pd.DataFrame({"month": [], "value": []})
    start = period.start
    if period.kind == "all" and got:
        start = max(start, pd.Period(min(got), freq="M").start_time.date())
    months = pd.period_range(start, period.end, freq="M").strftime("%Y-%m").tolist()
    if key == "volunteers" and project_id is None:
        # Registered volunteers is a stock: each month shows the count registered by that month's end.
        before = session.execute(select(func.count()).select_from(
            volunteer_rows(scope, period).where(Volunteer.registered_on < start).subquery())).scalar_one()
        total, series = float(before), []
        for m in months:
            total += got.get(m, 0.0)
            series.append(total)
        return pd.DataFrame({"month": months, "value": series})
    return pd.DataFrame({"month": months, "value": [got.get(m, 0.0) for m in months]})


def grouped(session: Session, key: str, scope: Scope, period: Period, by: GroupBy = "community_id", *,
            label: str | None = None, project_id: int | None = None) -> pd.DataFrame:
    """A figure per group, from its own record set: columns (``label`` or the column name, ``key``).

    ``by`` is a column of the record set (community_id, street_id, organization_id, project_id …) or a function
    of the record set's subquery giving the group expression and the joins it needs."""
    if isinstance(by, str) and by in PLACE and (key in summaries.SUMMED or key == "active_volunteers"):
        got = _by_group(session, key, scope, period, project_id, by)
        return pd.DataFrame([(g, v) for g, v in got.items() if v], columns=[label or by, key])
    kpi = FIGURES[key]
    sub = record_set(key, scope, period, project_id).subquery()
    if isinstance(by, str):
        group, joins, name = sub.c[by], [], label or by
    else:
        (group, joins), name = by(sub), label or "group"
    query = select(group.label(name), _aggregate(kpi, sub).label(key)).select_from(sub)
    for target, on in joins:
        query = query.outerjoin(target, on)
    rows = session.execute(query.group_by(group)).all()
    return pd.DataFrame(rows, columns=[name, key])


def _narrowed(base: Select, other: Select) -> Any | None:
    """The WHERE that ``other`` adds to ``base`` when it selects the same columns from the same rows with all of
    ``base``'s criteria first (a record set that narrows another, as 化解成功 narrows 受理纠纷; ``true()`` for the
    same rows, as 服务人次 and 活动场次), else None."""
    mine, theirs = base._where_criteria, other._where_criteria
    same = (len(theirs) >= len(mine) and [str(c) for c in base.selected_columns] == [str(c) for c in other.selected_columns]
            and [str(f) for f in base.get_final_froms()] == [str(f) for f in other.get_final_froms()]
            and all(a.compare(b) for a, b in zip(mine, theirs, strict=False)))
    if not same:
        return None
    return and_(*theirs[len(mine):]) if len(theirs) > len(mine) else true()


def grouped_together(session: Session, keys: Sequence[str], scope: Scope, period: Period, by: GroupBy, *,
                     label: str | None = None, project_id: int | None = None) -> pd.DataFrame:
    """Several counted figures per group (columns ``label``, *keys), as ``grouped`` gives each: where every later
    record set narrows the first (``_narrowed``), in one pass over the first's rows, each later figure counting the
    rows its own criteria keep; else one ``grouped`` each."""
    sets = [record_set(k, scope, period, project_id) for k in keys]
    extra = [_narrowed(sets[0], s) for s in sets[1:]]
    counted = all(FIGURES[k].measure is None and FIGURES[k].distinct_on is None for k in keys)
    name = label or (by if isinstance(by, str) else "group")
    if not counted or any(e is None for e in extra) or (isinstance(by, str) and by in PLACE):
        frames = [grouped(session, k, scope, period, by, label=label, project_id=project_id).set_index(name)
                  for k in keys]
        return pd.concat(frames, axis=1).fillna(0).reset_index()
    sub = sets[0].add_columns(*(case((e, 1), else_=0).label(f"_k{i}") for i, e in enumerate(extra))).subquery()
    group, joins = (sub.c[by], []) if isinstance(by, str) else by(sub)
    query = select(group.label(name), func.count().label(keys[0]),
                   *(func.sum(sub.c[f"_k{i}"]).label(k) for i, k in enumerate(keys[1:]))).select_from(sub)
    for target, on in joins:
        query = query.outerjoin(target, on)
    rows = session.execute(query.group_by(group)).all()
    return pd.DataFrame(rows, columns=[name, *keys]).astype(dict.fromkeys(keys, int))


@dataclass(frozen=True)
class Change:
    """A figure with its 环比 (previous period) and 同比 (same period last year) values."""

    value: float | None
    previous: float | None
    last_year: float | None

    @staticmethod
    def _ratio(now: float | None, before: float | None) -> float | None:
        # A change against nothing (no earlier period, or an earlier value of 0) is undefined: shown as "—".
        if now is None or before is None or before == 0:
            return None
        return (now - before) / before

    @property
    def mom(self) -> float | None:
        """环比 as a fraction, None when undefined."""
        return self._ratio(self.value, self.previous)

    @property
    def yoy(self) -> float | None:
        """同比 as a fraction, None when undefined."""
        return self._ratio(self.value, self.last_year)


def changes(session: Session, keys: Sequence[str], scope: Scope, period: Period) -> dict[str, Change]:
    """Each figure for ``period`` with its 环比 and 同比 values."""
    now = values(session, keys, scope, period)
    prev_p, last_p = previous_period(period), same_period_last_year(period)
    prev = values(session, keys, scope, prev_p) if prev_p else dict.fromkeys(keys)
    # 本年's 环比 and 同比 are the same days a year ago: read once.
    last = prev if last_p is not None and last_p == prev_p else \
        values(session, keys, scope, last_p) if last_p else dict.fromkeys(keys)
    return {k: Change(now[k], prev[k], last[k]) for k in keys}
