"""Summaries kept in the same transaction as every write that changes them (``VolunteerMonth``, ``FigureMonth``,
``VolunteerSpan``, ``VolunteerTotal`` and, through db/active_counts.py, ``ActiveCount``; reads in
db/figures/summaries.py).

One mechanism for every write path, not a call in each service: session events note the keys of every
``ServiceRecord``, ``Activity`` and ``Donation`` row a transaction inserts, changes or deletes — the old key and the
new one — whether through the ORM (seen at flush) or a DML statement run through the session (``insert(...)`` with
rows; ``update``/``delete`` with a WHERE: the rows it matches are read before it runs and, for an update, again
after), and every volunteer moved or deleted. Just before the transaction commits, the summary rows of exactly those
keys are recomputed from the raw rows (a recompute, never an increment: it cannot drift): a volunteer month, that
volunteer's year and quarter and all-time total; a cell (month, street, community, organisation, project). A bulk
load (demo load, a restore, the benchmark) calls ``rebuild_later(session)``: the summaries are rebuilt whole before
the commit (``rebuild(connection)`` outside a session).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import ORMExecuteState, Session

from db import active_counts
from db.active_counts import ActiveCounts
from db.engine import has_table
from db.models import (
    Activity,
    Donation,
    FigureMonth,
    ServiceRecord,
    Volunteer,
    VolunteerMonth,
    VolunteerSpan,
    VolunteerTotal,
)
from db.spans import month_sql, month_start, next_month, span_end, span_start, span_start_sql
from db.vocab import ACTORS

_log = logging.getLogger(__name__)
SR = ServiceRecord
_PLACE = ("street_id", "community_id", "organization_id", "project_id")
_KEYS = "summary_keys"  # session.info: {"volunteer": {(volunteer_id, month)}, "cell": {(month, s, c, o, p)}, "moved"}
_REBUILD = "summary_rebuild"  # session.info: rebuild every summary before commit
_CHUNK = 400  # volunteers per statement


# ------------------------------------------------------------------------------------------ collecting keys


_DATE_COLUMN = {"servicerecord": "service_date", "activity": "starts_at", "donation": "donated_on"}


def _note(session: Session, table: str, row: dict[str, Any]) -> None:
    """Note the summary keys of one raw row (a dict of its columns; missing ones count as None)."""
    day = row.get(_DATE_COLUMN[table])
    if day is None or row.get("street_id") is None:
        return
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    month = month_start(day)
    keys = _keys(session)
    keys["cell"].add((month, *(row.get(k) for k in _PLACE)))
    if table == "servicerecord" and row.get("volunteer_id") is not None:
        keys["volunteer"].add((row["volunteer_id"], month))


def _keys(session: Session) -> dict[str, Any]:
    return session.info.setdefault(_KEYS, {"volunteer": set(), "cell": set(), "moved": {}})


_VOLUNTEER_PLACE = ("street_id", "community_id", "organization_id")


def _note_moved(session: Session, volunteer_id: Any, place: tuple) -> None:
    """Note where a volunteer was registered before this transaction moved or deleted them (the first seen)."""
    if volunteer_id is not None:
        _keys(session)["moved"].setdefault(int(volunteer_id), place)


_TRACKED = {"servicerecord": SR, "activity": Activity, "donation": Donation}
_COLUMNS = {  # what a row's keys are made of
    "servicerecord": ("volunteer_id", "service_date", *_PLACE),
    "activity": ("starts_at", *_PLACE),
    "donation": ("donated_on", *_PLACE)}


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.info.get(_REBUILD):
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table == "volunteer" and obj not in session.new:
            state = inspect(obj)
            old = tuple(state.attrs[n].history.deleted[0] if state.attrs[n].history.deleted else getattr(obj, n)
                        for n in _VOLUNTEER_PLACE)
            if obj in session.deleted or old != tuple(getattr(obj, n) for n in _VOLUNTEER_PLACE):
                _note_moved(session, obj.id, old)
            continue
        if table not in _TRACKED:
            continue
        state = inspect(obj)
        names = _COLUMNS[table]
        _note(session, table, {n: getattr(obj, n) for n in names})  # as it will be
        if obj in session.dirty:  # and as it was
            old = {}
            for n in names:
                history = state.attrs[n].history
                old[n] = history.deleted[0] if history.deleted else getattr(obj, n)
            _note(session, table, old)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> Any:
    session = state.session
    if not (state.is_insert or state.is_update or state.is_delete) or session.info.get(_REBUILD):
        return None
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name == "volunteer" and not state.is_insert:  # a volunteer moved or deleted: their active counts move
        where = state.statement.whereclause
        before = select(Volunteer.id, *(Volunteer.__table__.c[n] for n in _VOLUNTEER_PLACE))
        for row in session.execute(before if where is None else before.where(where)).all():
            _note_moved(session, row[0], tuple(row[1:]))
        return None
    if name not in _TRACKED:
        return None
    model = _TRACKED[name]
    cols = [table.c[n] for n in _COLUMNS[name]]
    if state.is_insert:
        params = state.parameters
        rows = params if isinstance(params, list) else [params] if params else []
        if not rows and getattr(state.statement, "select", None) is None:  # insert(...).values({...})
            values = dict(state.statement.compile().params)
            rows = [values] if _DATE_COLUMN[name] in values else []
        if not rows:  # INSERT … SELECT, or several VALUES rows: the rows are not known here
            _log.warning("summaries: an INSERT without rows into %s; rebuilding every summary", name)
            rebuild_later(session)
            return None
        for row in rows:
            _note(session, name, dict(row))
        return None
    where = state.statement.whereclause
    before = select(model.id, *cols)
    if where is not None:
        before = before.where(where)
    found = session.execute(before).mappings().all()
    for row in found:
        _note(session, name, dict(row))
    result = state.invoke_statement()
    if state.is_update and found:
        ids = [r["id"] for r in found]
        for start in range(0, len(ids), _CHUNK):
            for row in session.execute(select(*cols).where(model.id.in_(ids[start:start + _CHUNK]))).mappings():
                _note(session, name, dict(row))
    return result


def kept_at_commit(conn: Connection) -> bool:
    """True if the commit keeps the summaries (and ``VolunteerTotal``); False on a database not yet migrated to
    revision 0009 (its upgrade fills the summaries)."""
    return has_table(conn, "figuremonth")


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # pending ORM rows are noted (before_flush) and counted before the recompute
    if session.info.get(_REBUILD) or session.info.get(_KEYS):
        if not kept_at_commit(session.connection()):
            return _after_rollback(session)
        if session.info.pop(_REBUILD, False):
            session.info.pop(_KEYS, None)
            rebuild(session.connection())
            return
        keys = session.info.pop(_KEYS, None)
        if keys:
            refresh(session.connection(), keys["volunteer"], keys["cell"], keys["moved"])


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_KEYS, None)
    session.info.pop(_REBUILD, None)


def rebuild_later(session: Session) -> None:
    """Rebuild every summary when this session's transaction commits (bulk loads: no keys are collected)."""
    session.info[_REBUILD] = True
    session.info.pop(_KEYS, None)


# -------------------------------------------------------------------------------------------- recomputing


def volunteer_rows(conn: Connection, where: list[Any]) -> Any:
    month = month_sql(conn, SR.service_date)
    credit = SR.kind == "信用"
    return (
        select(month.label("month"), SR.volunteer_id, SR.street_id, SR.community_id, SR.organization_id,
               SR.project_id, func.sum(SR.hours), func.count(), func.count(SR.activity_id.distinct()),
               func.coalesce(func.sum(case((credit, SR.hours), else_=0.0)), 0.0),
               func.coalesce(func.sum(case((credit, 1), else_=0)), 0),
               func.count(case((credit, SR.activity_id)).distinct()))
        .where(SR.status == "approved", *where)
        .group_by(month, SR.volunteer_id, SR.street_id, SR.community_id, SR.organization_id, SR.project_id)
    )


VOLUNTEER_COLS = ["month", "volunteer_id", *_PLACE, "hours", "records", "activities", "credit_hours",
                   "credit_records", "credit_activities"]
SPAN_COLS = ["volunteer_id", "kind", "start", "hours", "records", "first_day"]
ACTOR_COLS = tuple(name for name, _ in ACTORS)  # activities each of the five actors joined
FIGURE_COLS = ["month", *_PLACE, "activities", "linked_activities", "people_served", "records", "hours",
                "credit_hours", "honour_hours", "money", "in_kind", *ACTOR_COLS]


def _cell_where(model: Any, cell: tuple | None, by_index: bool = False) -> list[Any]:
    """The rows of one cell's places. ``by_index``: only the narrowest place named (community, else organisation,
    else street) may pick the index, the others are written ``column + 0`` (SQLite keeps no statistics here and
    would otherwise read a whole street's month)."""
    if cell is None:
        return []
    named = dict(zip(_PLACE, cell[1:], strict=True))
    narrowest = next(k for k in ("community_id", "organization_id", "street_id") if named[k] is not None)
    columns = {k: model.__table__.c[k] if not by_index or k == narrowest else model.__table__.c[k] + 0 for k in named}
    return [columns[k].is_(None) if v is None else columns[k] == v for k, v in named.items()]


def figure_rows(conn: Connection, cell: tuple | None) -> Any:
    """The FigureMonth rows from the raw rows: every cell (``cell`` None) or one (month, street, community,
    organisation, project)."""
    zero, fzero = literal(0), literal(0.0)
    a_month, r_month, d_month = (month_sql(conn, c) for c in (Activity.starts_at, SR.service_date, Donation.donated_on))
    a_where, r_where, d_where = (_cell_where(m, cell, by_index=True) for m in (Activity, SR, Donation))
    if cell is not None:  # the month's bounds as parameters (``_cell_statements``)
        a_where += [Activity.starts_at >= bindparam("t0", type_=DateTime),
                    Activity.starts_at < bindparam("t1", type_=DateTime)]
        r_where += [SR.service_date >= bindparam("m0", type_=Date), SR.service_date < bindparam("m1", type_=Date)]
        d_where += [Donation.donated_on >= bindparam("m0", type_=Date),
                    Donation.donated_on < bindparam("m1", type_=Date)]
    linked = and_(Activity.with_social_worker.is_(True), Activity.with_volunteers.is_(True))
    actors = [case((Activity.__table__.c[f].is_(True), 1), else_=0).label(f) for f in ACTOR_COLS]
    acts = select(a_month.label("month"), *(Activity.__table__.c[k] for k in _PLACE), literal(1).label("a"),
                  case((linked, 1), else_=0).label("l"), Activity.people_served.label("p"), zero.label("r"),
                  fzero.label("h"), fzero.label("ch"), fzero.label("hh"), fzero.label("m"),
                  fzero.label("k"), *actors).where(*a_where)
    recs = select(r_month, *(SR.__table__.c[k] for k in _PLACE), zero, zero, zero, literal(1), SR.hours,
                  case((SR.kind == "信用", SR.hours), else_=0.0), case((SR.kind == "荣誉", SR.hours), else_=0.0),
                  fzero, fzero, *(zero for _ in ACTOR_COLS)).where(SR.status == "approved", *r_where)
    money = Donation.is_money.is_(True)
    dons = select(d_month, *(Donation.__table__.c[k] for k in _PLACE), zero, zero, zero, zero, fzero, fzero, fzero,
                  case((money, Donation.amount_yuan), else_=0.0),
                  case((money, 0.0), else_=Donation.amount_yuan), *(zero for _ in ACTOR_COLS)).where(*d_where)
    u = union_all(acts, recs, dons).subquery()
    keys = [u.c.month, *(u.c[k] for k in _PLACE)]
    return select(*keys, *(func.sum(u.c[c]) for c in ("a", "l", "p", "r", "h", "ch", "hh", "m", "k", *ACTOR_COLS))
                  ).group_by(*keys)


# Built once per dialect (and, for a cell, per pattern of NULL places), executed with parameters: building these
# statements costs more than running them for one activity.
_STATEMENTS: dict[tuple, tuple[Any, Any]] = {}


def _volunteer_statements(conn: Connection) -> tuple[Any, Any]:
    key = (conn.dialect.name, "volunteer")
    if key not in _STATEMENTS:
        ids, m0, m1 = bindparam("ids", expanding=True), bindparam("m0", type_=Date), bindparam("m1", type_=Date)
        _STATEMENTS[key] = (
            delete(VolunteerMonth).where(VolunteerMonth.month == m0, VolunteerMonth.volunteer_id.in_(ids)),
            insert(VolunteerMonth).from_select(VOLUNTEER_COLS, volunteer_rows(conn, [
                SR.volunteer_id.in_(ids), SR.service_date >= m0, SR.service_date < m1])))
    return _STATEMENTS[key]


def _totals_statements(conn: Connection) -> tuple[Any, Any]:
    """``VolunteerTotal`` (all-time approved hours per volunteer, db/volunteers/totals.py) of some volunteers: the
    sum of their years in ``VolunteerSpan`` (recomputed first), a few rows each instead of every record."""
    key = (conn.dialect.name, "totals")
    if key not in _STATEMENTS:
        ids, vs = bindparam("ids", expanding=True), VolunteerSpan
        _STATEMENTS[key] = (
            delete(VolunteerTotal).where(VolunteerTotal.volunteer_id.in_(ids)),
            insert(VolunteerTotal).from_select(["volunteer_id", "hours", "records"], select(
                vs.volunteer_id, func.sum(vs.hours), func.sum(vs.records)).where(
                vs.kind == "Y", vs.volunteer_id.in_(ids)).group_by(vs.volunteer_id)))
    return _STATEMENTS[key]


def _span_statements(conn: Connection) -> tuple[Any, Any]:
    """``VolunteerSpan`` of some volunteers in one year or quarter."""
    key = (conn.dialect.name, "span")
    if key not in _STATEMENTS:
        ids, kind = bindparam("ids", expanding=True), bindparam("kind", type_=String)
        s0, s1 = bindparam("s0", type_=Date), bindparam("s1", type_=Date)
        _STATEMENTS[key] = (
            delete(VolunteerSpan).where(VolunteerSpan.kind == kind, VolunteerSpan.start == s0,
                                        VolunteerSpan.volunteer_id.in_(ids)),
            insert(VolunteerSpan).from_select(SPAN_COLS, select(
                SR.volunteer_id, kind, s0, func.sum(SR.hours), func.count(), func.min(SR.service_date)).where(
                SR.status == "approved", SR.volunteer_id.in_(ids), SR.service_date >= s0, SR.service_date < s1)
                .group_by(SR.volunteer_id)))
    return _STATEMENTS[key]


def _cell_statements(conn: Connection, cell: tuple) -> tuple[Any, Any]:
    nulls = tuple(v is None for v in cell[1:])
    key = (conn.dialect.name, nulls)
    if key not in _STATEMENTS:
        shape = (None, *(None if n else bindparam(k, type_=Integer) for k, n in zip(_PLACE, nulls, strict=True)))
        _STATEMENTS[key] = (
            delete(FigureMonth).where(FigureMonth.month == bindparam("m0", type_=Date),
                                      *_cell_where(FigureMonth, shape)),
            insert(FigureMonth).from_select(FIGURE_COLS, figure_rows(conn, shape)))
    return _STATEMENTS[key]


def refresh(conn: Connection, volunteer_months: Iterable[tuple[int, date]], cells: Iterable[tuple],
            moved: dict[int, tuple] | None = None) -> None:
    """Recompute the summary rows of these volunteer months and cells from the raw rows; ``moved``: volunteers
    moved to another place or deleted, with the place they had (their active counts move with them)."""
    by_month: dict[date, set[int]] = {}
    for volunteer_id, month in volunteer_months:
        by_month.setdefault(month, set()).add(int(volunteer_id))
    cells = set(cells)
    projects = {0 if c[4] is None else c[4] for c in cells}  # of every record changed (old and new)
    counts = ActiveCounts(conn, by_month, moved or {}, projects) if active_counts.kept(conn) else None
    drop, fill = _volunteer_statements(conn)
    for month, volunteers in sorted(by_month.items()):
        ids = sorted(volunteers)
        for start in range(0, len(ids), _CHUNK):
            params = {"ids": ids[start:start + _CHUNK], "m0": month, "m1": next_month(month)}
            conn.execute(drop, params)
            conn.execute(fill, params)
    if counts is not None:
        counts.apply()
    spans: dict[tuple[str, date], set[int]] = {}
    for month, volunteers in by_month.items():
        for kind in ("Y", "Q"):
            spans.setdefault((kind, span_start(month, kind)), set()).update(volunteers)
    drop, fill = _span_statements(conn)
    for (kind, start_day), volunteers in sorted(spans.items()):
        ids = sorted(volunteers)
        for start in range(0, len(ids), _CHUNK):
            params = {"ids": ids[start:start + _CHUNK], "kind": kind, "s0": start_day,
                      "s1": span_end(start_day, kind)}
            conn.execute(drop, params)
            conn.execute(fill, params)
    everyone = sorted({v for ids in by_month.values() for v in ids})
    drop, fill = _totals_statements(conn)  # the star levels' all-time totals follow, from their years
    for start in range(0, len(everyone), _CHUNK):
        conn.execute(drop, {"ids": everyone[start:start + _CHUNK]})
        conn.execute(fill, {"ids": everyone[start:start + _CHUNK]})
    for cell in sorted(cells, key=repr):
        drop, fill = _cell_statements(conn, cell)
        month, after = cell[0], next_month(cell[0])
        params = {"m0": month, "m1": after, "t0": datetime.combine(month, datetime.min.time()),
                  "t1": datetime.combine(after, datetime.min.time()),
                  **{k: v for k, v in zip(_PLACE, cell[1:], strict=True) if v is not None}}
        conn.execute(drop, params)
        conn.execute(fill, params)


def rebuild(conn: Connection) -> None:
    """Recompute every summary from the raw rows (after a bulk load or a restore)."""
    conn.execute(delete(VolunteerTotal))
    conn.execute(insert(VolunteerTotal).from_select(["volunteer_id", "hours", "records"], select(
        SR.volunteer_id, func.sum(SR.hours), func.count()).where(SR.status == "approved").group_by(SR.volunteer_id)))
    conn.execute(delete(VolunteerSpan))
    for kind in ("Y", "Q"):
        start = span_start_sql(conn, kind, SR.service_date)
        conn.execute(insert(VolunteerSpan).from_select(SPAN_COLS, select(
            SR.volunteer_id, literal(kind), start, func.sum(SR.hours), func.count(), func.min(SR.service_date))
            .where(SR.status == "approved").group_by(SR.volunteer_id, start)))
    conn.execute(delete(VolunteerMonth))
    conn.execute(insert(VolunteerMonth).from_select(VOLUNTEER_COLS, volunteer_rows(conn, [])))
    conn.execute(delete(FigureMonth))
    conn.execute(insert(FigureMonth).from_select(FIGURE_COLS, figure_rows(conn, None)))
    active_counts.rebuild(conn)
