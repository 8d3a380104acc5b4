"""Recomputing the summaries from the raw rows (the tables in db/models.py; the session hook that decides what to
recompute is db/summaries.py, the reads db/figures/summaries.py): ``refresh`` the rows of some volunteer months and
cells — and what follows from them: the volunteers' years, quarters and all-time totals, the cells' years, the active
counts (db/active_counts.py) — or ``rebuild`` everything after a bulk load or a restore; ``in_step``: whether every
summary equals such a recomputation. Each statement is built once per dialect (and, for a cell, per pattern of NULL
places) and executed with parameters.
"""

from __future__ import annotations

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
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
)

from db import active_counts, team_spans
from db.active_counts import ActiveCounts
from db.engine import has_table, upsert
from db.models import (
    FIGURE_SUMS,
    ActiveCount,
    Activity,
    Donation,
    FigureMonth,
    FigureYear,
    PlaceYear,
    ServiceRecord,
    TeamSpan,
    VolunteerMonth,
    VolunteerSpan,
    VolunteerTotal,
)
from db.prepared import Prepared
from db.spans import SPAN_KINDS, month_sql, next_month, span_end, span_start, span_start_sql
from db.vocab import ACTOR_FIELDS

SR = ServiceRecord
PLACE = ("street_id", "community_id", "organization_id", "project_id")
_CHUNK = 400  # volunteers per statement


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


VOLUNTEER_COLS = ["month", "volunteer_id", *PLACE, "hours", "records", "activities", "credit_hours",
                   "credit_records", "credit_activities"]
SPAN_COLS = ["volunteer_id", "kind", "start", "hours", "records", "first_day"]
SUM_COLS = list(FIGURE_SUMS)  # with the activities each of the five actors joined, and the activities that have an
# approved service record (counted distinct: an activity lies in one cell)
FIGURE_COLS = ["month", *PLACE, *SUM_COLS]
YEAR_COLS = ["year", *PLACE, *SUM_COLS]
PLACE_YEAR_COLS = ["year", "street_id", "community_id", *SUM_COLS]


def _cell_where(model: Any, cell: tuple | None, by_index: bool = False) -> list[Any]:
    """The rows of one cell's places. ``by_index``: only the narrowest place named (community, else organisation,
    else street) may pick the index, the others are written ``column + 0`` (SQLite keeps no statistics here and
    would otherwise read a whole street's month)."""
    if cell is None:
        return []
    named = dict(zip(PLACE, cell[1:], strict=True))
    narrowest = next(k for k in ("community_id", "organization_id", "street_id") if named[k] is not None)
    columns = {k: model.__table__.c[k] if not by_index or k == narrowest else model.__table__.c[k] + 0 for k in named}
    return [columns[k].is_(None) if v is None else columns[k] == v for k, v in named.items()]


def figure_rows(conn: Connection, cell: tuple | None) -> Any:
    """The FigureMonth rows from the raw rows: every cell (``cell`` None) or one (month, street, community,
    organisation, project)."""
    zero, fzero, null_id = literal(0), literal(0.0), cast(null(), Integer)
    a_month, r_month, d_month = (month_sql(conn, c) for c in (Activity.starts_at, SR.service_date, Donation.donated_on))
    a_where, r_where, d_where = (_cell_where(m, cell, by_index=True) for m in (Activity, SR, Donation))
    if cell is not None:  # the month's bounds as parameters (``_cell_statements``)
        a_where += [Activity.starts_at >= bindparam("t0", type_=DateTime),
                    Activity.starts_at < bindparam("t1", type_=DateTime)]
        r_where += [SR.service_date >= bindparam("m0", type_=Date), SR.service_date < bindparam("m1", type_=Date)]
        d_where += [Donation.donated_on >= bindparam("m0", type_=Date),
                    Donation.donated_on < bindparam("m1", type_=Date)]
    linked = and_(Activity.with_social_worker.is_(True), Activity.with_volunteers.is_(True))
    actors = [case((Activity.__table__.c[f].is_(True), 1), else_=0).label(f) for f in ACTOR_FIELDS]
    acts = select(a_month.label("month"), *(Activity.__table__.c[k] for k in PLACE), literal(1).label("a"),
                  case((linked, 1), else_=0).label("l"), Activity.people_served.label("p"), zero.label("r"),
                  fzero.label("h"), fzero.label("ch"), fzero.label("hh"), fzero.label("m"),
                  fzero.label("k"), *actors, null_id.label("served")).where(*a_where)
    recs = select(r_month, *(SR.__table__.c[k] for k in PLACE), zero, zero, zero, literal(1), SR.hours,
                  case((SR.kind == "信用", SR.hours), else_=0.0), case((SR.kind == "荣誉", SR.hours), else_=0.0),
                  fzero, fzero, *(zero for _ in ACTOR_FIELDS), SR.activity_id).where(SR.status == "approved",
                                                                                      *r_where)
    money = Donation.is_money.is_(True)
    dons = select(d_month, *(Donation.__table__.c[k] for k in PLACE), zero, zero, zero, zero, fzero, fzero, fzero,
                  case((money, Donation.amount_yuan), else_=0.0),
                  case((money, 0.0), else_=Donation.amount_yuan), *(zero for _ in ACTOR_FIELDS), null_id
                  ).where(*d_where)
    u = union_all(acts, recs, dons).subquery()
    keys = [u.c.month, *(u.c[k] for k in PLACE)]
    return select(*keys, *(func.sum(u.c[c]) for c in ("a", "l", "p", "r", "h", "ch", "hh", "m", "k", *ACTOR_FIELDS)),
                  func.count(u.c.served.distinct())).group_by(*keys)


# Built once per dialect (and, for a cell, per pattern of NULL places), executed with parameters: building these
# statements costs more than running them for one activity; and run on the driver (db/prepared.py).
_STATEMENTS: dict[tuple, tuple[Any, ...]] = {}


def _prepared(*statements: Any) -> tuple[Prepared, ...]:
    return tuple(Prepared(s) for s in statements)


def _volunteer_statements(conn: Connection) -> tuple[Prepared, ...]:
    key = (conn.dialect.name, "volunteer")
    if key not in _STATEMENTS:
        ids, m0, m1 = bindparam("ids", expanding=True), bindparam("m0", type_=Date), bindparam("m1", type_=Date)
        _STATEMENTS[key] = _prepared(
            delete(VolunteerMonth).where(VolunteerMonth.month == m0, VolunteerMonth.volunteer_id.in_(ids)),
            insert(VolunteerMonth).from_select(VOLUNTEER_COLS, volunteer_rows(conn, [
                SR.volunteer_id.in_(ids), SR.service_date >= m0, SR.service_date < m1])))
    return _STATEMENTS[key]


def _totals_statements(conn: Connection) -> tuple[Prepared, ...]:
    """``VolunteerTotal`` (all-time approved hours per volunteer, db/volunteers/totals.py) of some volunteers: the
    sum of their years in ``VolunteerSpan`` (recomputed first), a few rows each instead of every record."""
    key = (conn.dialect.name, "totals")
    if key not in _STATEMENTS:
        ids, vs = bindparam("ids", expanding=True), VolunteerSpan
        _STATEMENTS[key] = _prepared(
            delete(VolunteerTotal).where(VolunteerTotal.volunteer_id.in_(ids)),
            insert(VolunteerTotal).from_select(["volunteer_id", "hours", "records"], select(
                vs.volunteer_id, func.sum(vs.hours), func.sum(vs.records)).where(
                vs.kind == "Y", vs.volunteer_id.in_(ids)).group_by(vs.volunteer_id)))
    return _STATEMENTS[key]


def _span_statements(conn: Connection) -> tuple[Prepared, ...]:
    """``VolunteerSpan`` of some volunteers in the year [y0, y1) and the quarter [q0, q1) of a month: one upsert of
    both from the records (a span a write changes is updated in place: a delete and an insert wrote each row and its
    three indexes twice), and one delete of the spans no approved record is left in."""
    key = (conn.dialect.name, "span")
    if key not in _STATEMENTS:
        ids, vs = bindparam("ids", expanding=True), VolunteerSpan
        bounds = {k: bindparam(k, type_=Date) for k in ("y0", "y1", "q0", "q1")}
        one = [select(SR.volunteer_id, literal(kind, String), bounds[f"{kind.lower()}0"], func.sum(SR.hours),
                      func.count(), func.min(SR.service_date))
               .where(SR.status == "approved", SR.volunteer_id.in_(ids), SR.service_date >= bounds[f"{kind.lower()}0"],
                      SR.service_date < bounds[f"{kind.lower()}1"]).group_by(SR.volunteer_id) for kind in ("Y", "Q")]
        stmt = upsert(conn.dialect.name)(vs).from_select(SPAN_COLS, union_all(*one))
        end = case((vs.kind == "Y", bounds["y1"]), else_=bounds["q1"])
        served = select(SR.volunteer_id).where(SR.volunteer_id == vs.volunteer_id, SR.status == "approved",
                                               SR.service_date >= vs.start, SR.service_date < end).exists()
        _STATEMENTS[key] = _prepared(
            stmt.on_conflict_do_update(index_elements=SPAN_COLS[:3],
                                       set_={c: stmt.excluded[c] for c in SPAN_COLS[3:]}),
            delete(vs).where(vs.volunteer_id.in_(ids), or_(and_(vs.kind == "Y", vs.start == bounds["y0"]),
                                                           and_(vs.kind == "Q", vs.start == bounds["q0"])), ~served))
    return _STATEMENTS[key]


def _cell_statements(conn: Connection, cell: tuple) -> tuple[Prepared, ...]:
    nulls = tuple(v is None for v in cell[1:])
    key = (conn.dialect.name, nulls)
    if key not in _STATEMENTS:
        shape = (None, *(None if n else bindparam(k, type_=Integer) for k, n in zip(PLACE, nulls, strict=True)))
        _STATEMENTS[key] = _prepared(
            delete(FigureMonth).where(FigureMonth.month == bindparam("m0", type_=Date),
                                      *_cell_where(FigureMonth, shape)),
            insert(FigureMonth).from_select(FIGURE_COLS, figure_rows(conn, shape)))
    return _STATEMENTS[key]


def year_rows(conn: Connection, cell: tuple | None) -> Any:
    """The FigureYear rows, sums of FigureMonth: every cell (``cell`` None) or one (its year's first day and its
    months as parameters y0, months)."""
    fm = FigureMonth
    places = [fm.__table__.c[k] for k in PLACE]
    sums = [func.sum(fm.__table__.c[c]) for c in SUM_COLS]
    if cell is None:
        year = span_start_sql(conn, "Y", fm.month)
        return select(year, *places, *sums).group_by(year, *places)
    # The year's twelve months by the (month, street, community) index, the project unindexed: SQLite, without
    # statistics, would otherwise read every cell of the year without a project (3 ms a write at 10M records).
    named = dict(zip(PLACE, cell[1:], strict=True))
    columns = {k: fm.__table__.c[k] + 0 if k == "project_id" else fm.__table__.c[k] for k in PLACE}
    where = [columns[k].is_(None) if v is None else columns[k] == v for k, v in named.items()]
    return (select(bindparam("y0", type_=Date), *places, *sums)
            .where(fm.month.in_(bindparam("months", expanding=True)), *where).group_by(*places))


def _year_statements(conn: Connection, cell: tuple) -> tuple[Prepared, ...]:
    nulls = tuple(v is None for v in cell[1:])
    key = (conn.dialect.name, "year", nulls)
    if key not in _STATEMENTS:
        shape = (None, *(None if n else bindparam(k, type_=Integer) for k, n in zip(PLACE, nulls, strict=True)))
        _STATEMENTS[key] = _prepared(
            delete(FigureYear).where(FigureYear.year == bindparam("y0", type_=Date),
                                     *_cell_where(FigureYear, shape)),
            insert(FigureYear).from_select(YEAR_COLS, year_rows(conn, shape)))
    return _STATEMENTS[key]


def place_year_rows(where: list[Any] | None) -> Any:
    """The PlaceYear rows, sums of FigureYear over organisations and projects: every place and year (``where``
    None) or one (parameters y0, street_id and community_id; a street's own row when community_id is None)."""
    fy = FigureYear
    keys = (fy.year, fy.street_id, fy.community_id)
    return select(*keys, *(func.sum(fy.__table__.c[c]) for c in SUM_COLS)).where(*(where or [])).group_by(*keys)


def _place_year_statements(conn: Connection) -> tuple[Prepared, ...]:
    key = (conn.dialect.name, "place_year")
    if key not in _STATEMENTS:
        y0, street, community = (bindparam("y0", type_=Date), bindparam("street_id", type_=Integer),
                                 bindparam("community_id", type_=Integer))
        _STATEMENTS[key] = tuple(
            _prepared(delete(PlaceYear).where(PlaceYear.year == y0, PlaceYear.street_id == street,
                                              PlaceYear.community_id.is_(None) if own
                                              else PlaceYear.community_id == community),
                      insert(PlaceYear).from_select(PLACE_YEAR_COLS, place_year_rows([
                          FigureYear.year == y0, FigureYear.street_id == street,
                          FigureYear.community_id.is_(None) if own else FigureYear.community_id == community])))
            for own in (False, True))
    return _STATEMENTS[key]


def refresh(conn: Connection, volunteer_months: Iterable[tuple[int, date]], cells: Iterable[tuple],
            moved: dict[int, tuple] | None = None, teams: Iterable[int] = (), tables: set[str] | None = None) -> None:
    """Recompute the summary rows of these volunteer months and cells from the raw rows; ``moved``: volunteers
    moved to another place or deleted, with the place they had (their active counts move with them); ``teams``:
    teams whose members changed (every span of theirs); ``tables``: which of the later revisions' summary tables
    the database holds, if the caller knows (else each is looked up)."""
    by_month: dict[date, set[int]] = {}
    for volunteer_id, month in volunteer_months:
        by_month.setdefault(month, set()).add(int(volunteer_id))
    cells = set(cells)
    projects = {0 if c[4] is None else c[4] for c in cells}  # of every record changed (old and new)
    kept = active_counts.kept(conn) if tables is None else "activecount" in tables
    counts = ActiveCounts(conn, by_month, moved or {}, projects) if kept else None
    drop, fill = _volunteer_statements(conn)
    for month, volunteers in sorted(by_month.items()):
        ids = sorted(volunteers)
        for start in range(0, len(ids), _CHUNK):
            params = {"ids": ids[start:start + _CHUNK], "m0": month, "m1": next_month(month)}
            drop.run(conn, params)
            fill.run(conn, params)
    if counts is not None:
        counts.apply()
    fill, drop = _span_statements(conn)  # the year and quarter of each month (again if two months share them)
    for month, volunteers in sorted(by_month.items()):
        ids = sorted(volunteers)
        y0, q0 = span_start(month, "Y"), span_start(month, "Q")
        bounds = {"y0": y0, "y1": span_end(y0, "Y"), "q0": q0, "q1": span_end(q0, "Q")}
        for start in range(0, len(ids), _CHUNK):
            params = {"ids": ids[start:start + _CHUNK], **bounds}
            fill.run(conn, params)
            drop.run(conn, params)
    everyone = sorted({v for ids in by_month.values() for v in ids})
    drop, fill = _totals_statements(conn)  # the star levels' all-time totals follow, from their years
    for start in range(0, len(everyone), _CHUNK):
        drop.run(conn, {"ids": everyone[start:start + _CHUNK]})
        fill.run(conn, {"ids": everyone[start:start + _CHUNK]})
    # After the volunteers' spans and totals (a team whose members changed is recounted from them) and the active
    # counts (whose changes move the other teams' members); revision 0011's teamspan comes after 0010's activecount.
    if counts is not None and (tables is None or "teamspan" in tables):
        team_spans.refresh(conn, by_month, teams, counts.gained, checked=tables is not None)
    for cell in sorted(cells, key=repr):
        drop, fill = _cell_statements(conn, cell)
        month, after = cell[0], next_month(cell[0])
        params = {"m0": month, "m1": after, "t0": datetime.combine(month, datetime.min.time()),
                  "t1": datetime.combine(after, datetime.min.time()),
                  **{k: v for k, v in zip(PLACE, cell[1:], strict=True) if v is not None}}
        drop.run(conn, params)
        fill.run(conn, params)
    for year, *places in sorted({(span_start(c[0], "Y"), *c[1:]) for c in cells}, key=repr):
        drop, fill = _year_statements(conn, (year, *places))
        months = [date(year.year, m, 1) for m in range(1, 13)]
        params = {"y0": year, "months": months, **{k: v for k, v in zip(PLACE, places, strict=True) if v is not None}}
        drop.run(conn, params)
        fill.run(conn, params)
    if ("placeyear" in tables) if tables is not None else has_table(conn, "placeyear"):  # revision 0015
        statements = _place_year_statements(conn)
        for year, street, community in sorted({(span_start(c[0], "Y"), c[1], c[2]) for c in cells}, key=repr):
            for statement in statements[community is None]:
                statement.run(conn, {"y0": year, "street_id": street, "community_id": community})


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
    conn.execute(delete(FigureYear))
    conn.execute(insert(FigureYear).from_select(YEAR_COLS, year_rows(conn, None)))
    if has_table(conn, "placeyear"):
        conn.execute(delete(PlaceYear))
        conn.execute(insert(PlaceYear).from_select(PLACE_YEAR_COLS, place_year_rows(None)))
    active_counts.rebuild(conn)
    team_spans.rebuild(conn)


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
    stored = select(*(FigureYear.__table__.c[c] for c in YEAR_COLS))
    if _grouped(conn, stored, 5) != _grouped(conn, year_rows(conn, None), 5):
        return False
    stored = select(*(ActiveCount.__table__.c[c] for c in active_counts.COUNT_COLS))
    recount = union_all(*(active_counts.count_rows(conn, k, p) for k in SPAN_KINDS for p in (False, True)))
    keys = len(active_counts.COUNT_COLS) - 1
    if _grouped(conn, stored, keys) != _grouped(conn, recount, keys):
        return False
    if not team_spans.kept(conn):
        return True
    # The months from the records; the longer spans from the (so checked) months and years and the members.
    stored = select(*(TeamSpan.__table__.c[c] for c in team_spans.COLS))
    recount = union_all(team_spans.month_rows(conn, []), *(team_spans.span_rows(conn, k, None) for k in "QYA"))
    return _grouped(conn, stored, 3) == _grouped(conn, recount, 3)
