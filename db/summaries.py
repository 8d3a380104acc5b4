"""Monthly summaries kept in the same transaction as every write that changes them (``VolunteerMonth``,
``FigureMonth`` in db/models.py; reads in db/figures/summaries.py).

One mechanism for every write path, not a call in each service: session events note the keys of every
``ServiceRecord``, ``Activity`` and ``Donation`` row a transaction inserts, changes or deletes — the old key and the
new one — whether through the ORM (``session.add`` / ``delete``, seen at flush) or a DML statement run through the
session (``insert(...)`` with rows, ``update(...)`` / ``delete(...)`` with a WHERE: the rows it matches are read
before it runs and, for an update, again after). Just before the transaction commits, the summary rows of exactly
those keys are deleted and recomputed from the raw rows. A recompute, never an increment: it cannot drift, and a
float sum is the database's own.

Keys: a volunteer month (volunteer, month) for ``VolunteerMonth`` (and that volunteer's all-time
``VolunteerTotal``, which the services also refresh themselves for databases older than revision 0009, and its
year and quarter ``VolunteerSpan``); a cell (month, street, community, organisation,
project) for ``FigureMonth``. A bulk load (demo load, a restore, the benchmark) calls ``rebuild_later(session)``:
no keys are collected and the summaries are rebuilt whole before the commit (``rebuild(connection)`` outside a
session).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
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
    cast,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import ORMExecuteState, Session

from db.models import (
    ActiveCount,
    Activity,
    Donation,
    FigureMonth,
    ServiceRecord,
    Volunteer,
    VolunteerMonth,
    VolunteerSpan,
    VolunteerTotal,
)

_log = logging.getLogger(__name__)
SR = ServiceRecord
_PLACE = ("street_id", "community_id", "organization_id", "project_id")
_KEYS = "summary_keys"  # session.info: {"volunteer": set[(volunteer_id, month)], "cell": set[(month, s, c, o, p)],
#                                        "moved": {volunteer_id: (street, community, organisation) before}}
_REBUILD = "summary_rebuild"  # session.info: rebuild every summary before commit
_CHUNK = 400  # volunteers per statement


def month_start(day: date | datetime) -> date:
    """The first day of the month of ``day`` (a datetime counts by its date)."""
    d = day.date() if isinstance(day, datetime) else day
    return d.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_sql(conn: Connection, column: Any) -> Any:
    """SQL for the first day of ``column``'s month, as a date, in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return cast(func.date_trunc("month", column), Date)
    return func.date(column, "start of month")


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
    """Note where a volunteer was registered before this transaction moved or deleted them (the first place seen
    is the one the active counts hold)."""
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


def _has_table(conn: Connection, name: str) -> bool:
    if conn.dialect.name == "postgresql":
        return conn.execute(text(f"SELECT to_regclass('{name}') IS NOT NULL")).scalar_one()
    return conn.execute(text(f"SELECT 1 FROM sqlite_master WHERE name = '{name}'")).first() is not None


def kept_at_commit(conn: Connection) -> bool:
    """True if the commit keeps the summaries (and ``VolunteerTotal``); False on a database not yet migrated to
    revision 0009 (its upgrade fills the summaries)."""
    return _has_table(conn, "figuremonth")


def counts_kept(conn: Connection) -> bool:
    """True if the database has the active counts (revision 0010; its upgrade fills them)."""
    return _has_table(conn, "activecount")


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # pending ORM rows are noted (before_flush) and counted before the recompute
    if session.info.get(_REBUILD) or session.info.get(_KEYS):
        if not kept_at_commit(session.connection()):
            session.info.pop(_KEYS, None)
            session.info.pop(_REBUILD, None)
            return
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
FIGURE_COLS = ["month", *_PLACE, "activities", "linked_activities", "people_served", "records", "hours",
                "credit_hours", "honour_hours", "money", "in_kind"]


def _is(column: Any, value: Any) -> Any:
    return column.is_(None) if value is None else column == value


def _cell_where(model: Any, cell: tuple | None) -> list[Any]:
    if cell is None:
        return []
    return [_is(model.__table__.c[k], v) for k, v in zip(_PLACE, cell[1:], strict=True)]


def figure_rows(conn: Connection, cell: tuple | None) -> Any:
    """The FigureMonth rows from the raw rows: every cell (``cell`` None) or one (month, street, community,
    organisation, project)."""
    zero, fzero = literal(0), literal(0.0)
    a_month, r_month, d_month = (month_sql(conn, c) for c in (Activity.starts_at, SR.service_date, Donation.donated_on))
    a_where, r_where, d_where = _cell_where(Activity, cell), _cell_where(SR, cell), _cell_where(Donation, cell)
    if cell is not None:  # the month's bounds as parameters (``_cell_statements``)
        a_where += [Activity.starts_at >= bindparam("t0", type_=DateTime),
                    Activity.starts_at < bindparam("t1", type_=DateTime)]
        r_where += [SR.service_date >= bindparam("m0", type_=Date), SR.service_date < bindparam("m1", type_=Date)]
        d_where += [Donation.donated_on >= bindparam("m0", type_=Date),
                    Donation.donated_on < bindparam("m1", type_=Date)]
    linked = and_(Activity.with_social_worker.is_(True), Activity.with_volunteers.is_(True))
    acts = select(a_month.label("month"), *(Activity.__table__.c[k] for k in _PLACE), literal(1).label("a"),
                  case((linked, 1), else_=0).label("l"), Activity.people_served.label("p"), zero.label("r"),
                  fzero.label("h"), fzero.label("ch"), fzero.label("hh"), fzero.label("m"),
                  fzero.label("k")).where(*a_where)
    recs = select(r_month, *(SR.__table__.c[k] for k in _PLACE), zero, zero, zero, literal(1), SR.hours,
                  case((SR.kind == "信用", SR.hours), else_=0.0), case((SR.kind == "荣誉", SR.hours), else_=0.0),
                  fzero, fzero).where(SR.status == "approved", *r_where)
    money = Donation.is_money.is_(True)
    dons = select(d_month, *(Donation.__table__.c[k] for k in _PLACE), zero, zero, zero, zero, fzero, fzero, fzero,
                  case((money, Donation.amount_yuan), else_=0.0),
                  case((money, 0.0), else_=Donation.amount_yuan)).where(*d_where)
    u = union_all(acts, recs, dons).subquery()
    keys = [u.c.month, *(u.c[k] for k in _PLACE)]
    return select(*keys, *(func.sum(u.c[c]) for c in ("a", "l", "p", "r", "h", "ch", "hh", "m", "k"))).group_by(*keys)


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
    """``VolunteerTotal`` (all-time approved hours per volunteer, db/volunteers/totals.py) of some volunteers."""
    key = (conn.dialect.name, "totals")
    if key not in _STATEMENTS:
        ids = bindparam("ids", expanding=True)
        _STATEMENTS[key] = (
            delete(VolunteerTotal).where(VolunteerTotal.volunteer_id.in_(ids)),
            insert(VolunteerTotal).from_select(["volunteer_id", "hours", "records"], select(
                SR.volunteer_id, func.sum(SR.hours), func.count()).where(
                SR.status == "approved", SR.volunteer_id.in_(ids)).group_by(SR.volunteer_id)))
    return _STATEMENTS[key]


def span_start(day: date, kind: str) -> date:
    """The first day of ``day``'s calendar year (kind Y) or quarter (Q)."""
    return date(day.year, 1, 1) if kind == "Y" else date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def span_end(start: date, kind: str) -> date:
    """The first day after the year or quarter starting on ``start``."""
    return date(start.year + 1, 1, 1) if kind == "Y" else next_month(next_month(next_month(start)))


def _span_statements(conn: Connection) -> tuple[Any, Any]:
    """``VolunteerSpan`` of some volunteers in one year or quarter."""
    key = (conn.dialect.name, "span")
    if key not in _STATEMENTS:
        ids, kind = bindparam("ids", expanding=True), bindparam("kind", type_=String)
        s0, s1 = bindparam("s0", type_=Date), bindparam("s1", type_=Date)
        _STATEMENTS[key] = (
            delete(VolunteerSpan).where(VolunteerSpan.kind == kind, VolunteerSpan.start == s0,
                                        VolunteerSpan.volunteer_id.in_(ids)),
            insert(VolunteerSpan).from_select(["volunteer_id", "kind", "start", "hours", "records"], select(
                SR.volunteer_id, kind, s0, func.sum(SR.hours), func.count()).where(
                SR.status == "approved", SR.volunteer_id.in_(ids), SR.service_date >= s0, SR.service_date < s1)
                .group_by(SR.volunteer_id)))
    return _STATEMENTS[key]


def _span_sql(conn: Connection, kind: str) -> Any:
    column = SR.service_date
    if conn.dialect.name == "postgresql":
        return cast(func.date_trunc("year" if kind == "Y" else "quarter", column), Date)
    if kind == "Y":
        return func.date(column, "start of year")
    back = (cast(func.strftime("%m", column), Integer) - 1) % 3
    return func.date(column, "start of month", "-" + cast(back, String) + " months")


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
    counts = ActiveCounts(conn, by_month, moved or {}) if counts_kept(conn) else None
    drop, fill = _volunteer_statements(conn)
    for month, volunteers in sorted(by_month.items()):
        ids = sorted(volunteers)
        for start in range(0, len(ids), _CHUNK):
            params = {"ids": ids[start:start + _CHUNK], "m0": month, "m1": next_month(month)}
            conn.execute(drop, params)
            conn.execute(fill, params)
    if counts is not None:
        counts.apply()
    everyone = sorted({v for ids in by_month.values() for v in ids})
    drop, fill = _totals_statements(conn)  # the star levels' all-time totals follow the same keys
    for start in range(0, len(everyone), _CHUNK):
        conn.execute(drop, {"ids": everyone[start:start + _CHUNK]})
        conn.execute(fill, {"ids": everyone[start:start + _CHUNK]})
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
    for cell in sorted(set(cells), key=repr):
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
        start = _span_sql(conn, kind)
        conn.execute(insert(VolunteerSpan).from_select(["volunteer_id", "kind", "start", "hours", "records"], select(
            SR.volunteer_id, literal(kind), start, func.sum(SR.hours), func.count())
            .where(SR.status == "approved").group_by(SR.volunteer_id, start)))
    conn.execute(delete(VolunteerMonth))
    conn.execute(insert(VolunteerMonth).from_select(VOLUNTEER_COLS, volunteer_rows(conn, [])))
    conn.execute(delete(FigureMonth))
    conn.execute(insert(FigureMonth).from_select(FIGURE_COLS, figure_rows(conn, None)))
    if counts_kept(conn):
        conn.execute(delete(ActiveCount))
        for kind in SPAN_KINDS:
            for per_project in (False, True):
                conn.execute(insert(ActiveCount).from_select(COUNT_COLS, count_rows(conn, kind, per_project)))


# ------------------------------------------------------------------------------ active counts (distinct volunteers)
# ``ActiveCount``: per span (month M, quarter Q, year Y, all time A) and the place a volunteer is registered in, how
# many volunteers have an approved record in it, in every project (-1) or per project (0: none). A distinct count
# cannot be summed from months, so it is kept per span. At commit, for every volunteer whose months were recomputed
# (or who moved), the spans they were active in before and after the recompute are compared, and each span gained or
# lost counts one up or down at the place they are (were) registered. Writers are serial (db/write.py: one write
# lock, always taken first), so a count never misses a concurrent change.

SPAN_KINDS = ("M", "Q", "Y", "A")
ALL_TIME = date(1900, 1, 1)  # the start of the all-time span
EVERY_PROJECT = -1
COUNT_COLS = ["kind", "start", "project_id", "street_id", "community_id", "organization_id", "volunteers"]


def span_of(month: date, kind: str) -> date:
    """The first day of the span of ``kind`` holding ``month``."""
    if kind == "M":
        return month
    return ALL_TIME if kind == "A" else span_start(month, kind)


def _span_start_sql(conn: Connection, kind: str, month: Any) -> Any:
    if kind == "M":
        return month
    if kind == "A":
        return literal(ALL_TIME, Date)
    if conn.dialect.name == "postgresql":
        return cast(func.date_trunc("year" if kind == "Y" else "quarter", month), Date)
    if kind == "Y":
        return func.date(month, "start of year")
    back = (cast(func.strftime("%m", month), Integer) - 1) % 3
    return func.date(month, "-" + cast(back, String) + " months")


def count_rows(conn: Connection, kind: str, per_project: bool) -> Any:
    """The ActiveCount rows of one kind of span, from ``VolunteerMonth`` and where each volunteer is registered."""
    vm, v = VolunteerMonth, Volunteer
    start = _span_start_sql(conn, kind, vm.month)
    project = func.coalesce(vm.project_id, 0) if per_project else literal(EVERY_PROJECT)
    place = (v.street_id, func.coalesce(v.community_id, 0), func.coalesce(v.organization_id, 0))
    varying = [x for x, fixed in ((start, kind == "A"), (project, not per_project)) if not fixed]
    return (select(literal(kind), start, project, *place, func.count(vm.volunteer_id.distinct()))
            .join(v, v.id == vm.volunteer_id).group_by(*varying, *place))


def _place(row: Any) -> tuple[int, int, int]:
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)


class ActiveCounts:
    """The change of the active counts that recomputing some volunteers' months makes: create it before
    ``VolunteerMonth`` is recomputed (it reads the spans those volunteers were active in), call ``apply`` after."""

    def __init__(self, conn: Connection, by_month: dict[date, set[int]], moved: dict[int, tuple]) -> None:
        self.conn = conn
        self.touched: dict[int, set[date]] = {}
        for month, ids in by_month.items():
            for v in ids:
                self.touched.setdefault(v, set()).add(month)
        self.moved = {int(v): (int(p[0]), int(p[1] or 0), int(p[2] or 0)) for v, p in moved.items() if p[0] is not None}
        self.everything = set(self.moved)  # a moved volunteer's every span moves with them
        self.ids = sorted(set(self.touched) | set(self.moved))
        self.before = self._spans()

    def _spans(self) -> dict[int, set[tuple[str, date, int]]]:
        """{volunteer: {(kind, start, project)}} of the spans each volunteer served in that this change can touch."""
        out: dict[int, set[tuple[str, date, int]]] = {v: set() for v in self.ids}
        wanted = {v: {(k, span_of(m, k)) for m in self.touched.get(v, ()) for k in SPAN_KINDS} for v in self.ids}
        vm = VolunteerMonth
        for at in range(0, len(self.ids), _CHUNK):
            rows = self.conn.execute(select(vm.volunteer_id, vm.month, vm.project_id).distinct().where(
                vm.volunteer_id.in_(self.ids[at:at + _CHUNK])))
            for v, month, project in rows:
                if isinstance(month, str):
                    month = date.fromisoformat(month[:10])
                spans = out[v]
                for kind in SPAN_KINDS:
                    key = (kind, span_of(month, kind))
                    if v in self.everything or key in wanted[v]:
                        spans.add((*key, EVERY_PROJECT))
                        spans.add((*key, 0 if project is None else int(project)))
        return out

    def _places(self) -> dict[int, tuple[int, int, int]]:
        v = Volunteer
        found: dict[int, tuple[int, int, int]] = {}
        for at in range(0, len(self.ids), _CHUNK):
            for row in self.conn.execute(select(v.id, v.street_id, v.community_id, v.organization_id)
                                         .where(v.id.in_(self.ids[at:at + _CHUNK]))):
                found[row[0]] = _place(row[1:])
        return found

    def apply(self) -> None:
        """Count every span gained or lost, at the place each volunteer is (or was) registered."""
        after, now = self._spans(), self._places()
        delta: dict[tuple, int] = {}
        for v in self.ids:
            was, place = self.moved.get(v), now.get(v)
            old_place = was or place
            gone, new = self.before[v], after[v]
            if was == place:  # not moved (or moved back): only the spans that changed
                gone, new = gone - new, new - gone
            for key in gone:
                if old_place is not None:
                    delta[(*key, *old_place)] = delta.get((*key, *old_place), 0) - 1
            for key in new:
                if place is not None:
                    delta[(*key, *place)] = delta.get((*key, *place), 0) + 1
        changes = [dict(zip(COUNT_COLS, (*k, d), strict=True)) for k, d in sorted(delta.items()) if d]
        if changes:
            _apply_deltas(self.conn, changes)


def _apply_deltas(conn: Connection, changes: list[dict[str, Any]]) -> None:
    """Add each change's ``volunteers`` to its ActiveCount row (made if missing), then drop rows counting none."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    t = ActiveCount.__table__
    keys = COUNT_COLS[:-1]
    stmt = upsert(ActiveCount)
    stmt = stmt.on_conflict_do_update(index_elements=keys,
                                      set_={"volunteers": t.c.volunteers + stmt.excluded.volunteers})
    conn.execute(stmt, changes)
    drops = [c for c in changes if c["volunteers"] < 0]
    if drops:
        conn.execute(delete(ActiveCount).where(*(t.c[k] == bindparam(f"k_{k}") for k in keys),
                                               t.c.volunteers == 0),
                     [{f"k_{k}": c[k] for k in keys} for c in drops])
