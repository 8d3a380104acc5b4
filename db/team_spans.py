"""The team boards' summary (``TeamSpan``, db/models.py; read by db/volunteers/reads.team_board): per team and span —
month M, calendar quarter Q, year Y, all time A — its members' approved hours, records, distinct activities and how
many members served, every place and project together.

Kept at commit for what a transaction touched (db/recompute.py calls ``refresh`` after the volunteers' months, spans,
totals and active counts): a team's month recomputed from its members' raw records; its quarter, year and all time
summed again from its months, and their members — the one figure here that is not recomputed — the members they had
plus the spans each touched member gained or lost (``ActiveCounts.gained``: the same before/after comparison that
keeps the active counts), so that a write does not look up every member of a team of hundreds. Two statements a
month touched (the month's delete and insert) and two for all the longer spans (an upsert, and a delete of a span
with no month left). Activities add up over months (an activity lies in one month) but members do not, hence the
count per span. The board counts a team's *current* members over all history, so a membership change (noted by
db/summaries.py) recomputes every span of that team from ``VolunteerSpan`` / ``VolunteerTotal`` (``rebuild``); the
random writes of tests/test_summaries.py compare every span with that recomputation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Integer,
    String,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
)

from db.engine import has_table, upsert
from db.models import ServiceRecord, TeamMember, TeamSpan, VolunteerSpan, VolunteerTotal
from db.prepared import Prepared
from db.spans import ALL_TIME, month_sql, span_end, span_start, span_start_sql

SR, TM = ServiceRecord, TeamMember
COLS = ["team_id", "kind", "start", "hours", "records", "activities", "members"]
_CHUNK = 400  # teams or volunteers per statement


def kept(conn: Connection) -> bool:
    """True if the database has the team summary (revision 0011; its upgrade fills it)."""
    return has_table(conn, "teamspan")


def month_rows(conn: Connection, where: list[Any]) -> Any:
    """TeamSpan month rows from the raw records of the teams' current members."""
    month = month_sql(conn, SR.service_date)
    return (select(TM.team_id, literal("M"), month, func.sum(SR.hours), func.count(), func.count(SR.activity_id.distinct()),
                   func.count(SR.volunteer_id.distinct()))
            .join(TM, TM.volunteer_id == SR.volunteer_id).where(SR.status == "approved", *where)
            .group_by(TM.team_id, month))


def span_rows(conn: Connection, kind: str, teams: Any) -> Any:
    """TeamSpan rows of quarters, years or all time, sums of the month rows, with the members who served in each
    (``VolunteerSpan`` / ``VolunteerTotal``): every team (``teams`` None) or these teams, every span."""
    m = TeamSpan.__table__.alias("m")
    where = [m.c.kind == "M"]
    member_where = [] if teams is None else [TM.team_id.in_(teams)]
    if teams is not None:
        where.append(m.c.team_id.in_(teams))
    if kind == "A":
        first = literal(ALL_TIME, Date)
        members = (select(TM.team_id, first.label("start"), func.count().label("n"))
                   .join(VolunteerTotal, VolunteerTotal.volunteer_id == TM.volunteer_id)
                   .where(VolunteerTotal.records > 0, *member_where).group_by(TM.team_id))
    else:
        first = span_start_sql(conn, kind, m.c.start)
        vs = VolunteerSpan
        members = (select(TM.team_id, vs.start, func.count().label("n"))
                   .join(vs, and_(vs.volunteer_id == TM.volunteer_id, vs.kind == kind))
                   .where(*member_where).group_by(TM.team_id, vs.start))
    sums = select(m.c.team_id, first.label("start"), *(func.sum(m.c[c]).label(c) for c in COLS[3:6])) \
        .where(*where).group_by(m.c.team_id, first)
    s, n = sums.subquery(), members.subquery()
    return (select(s.c.team_id, literal(kind), s.c.start, s.c.hours, s.c.records, s.c.activities,
                   func.coalesce(n.c.n, 0))
            .select_from(s.outerjoin(n, and_(n.c.team_id == s.c.team_id, n.c.start == s.c.start))))


def rebuild(conn: Connection, teams: list[int] | None = None) -> None:
    """Recompute every span of every team (after a bulk load or a restore), or of these teams (their members
    changed)."""
    if not kept(conn):
        return
    chunks = [None] if teams is None else [teams[i:i + _CHUNK] for i in range(0, len(teams), _CHUNK)]
    for ids in chunks:
        conn.execute(delete(TeamSpan).where(*([] if ids is None else [TeamSpan.team_id.in_(ids)])))
        conn.execute(insert(TeamSpan).from_select(COLS, month_rows(conn, [] if ids is None else [TM.team_id.in_(ids)])))
        for kind in ("Q", "Y", "A"):
            conn.execute(insert(TeamSpan).from_select(COLS, span_rows(conn, kind, ids)))


def _statements(conn: Connection) -> tuple[Prepared, ...]:
    """Some teams' (``ids``) month [m0, m1) recomputed from their members' records (a delete and an insert); then,
    once per span — a quarter, year or all time (``team_id``, ``kind``, ``start``, its end ``end`` and its change of
    members ``gained``, executed with many) — the span's sums from its months with the members it had plus those it
    gained (an upsert), and the span dropped if no month of it is left."""
    ids = bindparam("ids", expanding=True)
    m0 = bindparam("m0", type_=Date)
    t = TeamSpan
    drop_month = delete(t).where(t.team_id.in_(ids), t.kind == "M", t.start == m0)
    month = insert(t).from_select(COLS, month_rows(conn, [TM.team_id.in_(ids), SR.service_date >= m0,
                                                          SR.service_date < bindparam("m1", type_=Date)]))
    team, kind, start, end = (bindparam("team_id", type_=Integer), bindparam("kind", type_=String),
                              bindparam("start", type_=Date), bindparam("end", type_=Date))
    m = TeamSpan.__table__.alias("m")
    in_span = [m.c.team_id == team, m.c.kind == "M", m.c.start >= start, m.c.start < end]
    sums = (select(team, kind, start, *(func.sum(m.c[c]) for c in COLS[3:6]), bindparam("gained", type_=Integer))
            .where(*in_span).group_by(m.c.team_id))  # no row when no month is left
    stmt = upsert(conn.dialect.name)(t).from_select(COLS, sums)
    longer = stmt.on_conflict_do_update(index_elements=COLS[:3], set_={
        **{c: stmt.excluded[c] for c in COLS[3:6]}, "members": t.__table__.c.members + stmt.excluded.members})
    empty = delete(t).where(t.team_id == team, t.kind == kind, t.start == start,
                            ~select(m.c.team_id).where(*in_span).exists())
    members = select(TM.team_id, TM.volunteer_id).where(TM.volunteer_id.in_(bindparam("volunteers", expanding=True)))
    return tuple(Prepared(s) for s in (drop_month, month, longer, empty, members))


_STATEMENTS: dict[str, tuple[Prepared, ...]] = {}


def refresh(conn: Connection, by_month: dict[date, set[int]], changed_teams: Iterable[int],
            gained: dict[int, dict[tuple[str, date], int]], checked: bool = False) -> None:
    """Recompute the spans of the teams whose members' months were recomputed (``by_month``: month → volunteers),
    and every span of the teams whose membership changed. ``gained``: volunteer → (kind, start) → +1 for a span they
    now served in and did not before, -1 for the reverse (``ActiveCounts.gained``, every quarter, year and all time
    of the months recomputed): a span's members are those it had plus its members' changes, so that a write does
    not look up every member of a team of hundreds. ``checked``: the caller knows the table is there."""
    if not checked and not kept(conn):
        return
    whole = sorted({int(t) for t in changed_teams})
    if whole:
        rebuild(conn, whole)
    if conn.dialect.name not in _STATEMENTS:
        _STATEMENTS[conn.dialect.name] = _statements(conn)
    drop_month, month_fill, longer, empty, members = _STATEMENTS[conn.dialect.name]
    volunteers = sorted({v for ids in by_month.values() for v in ids})
    teams_of: dict[int, set[int]] = {}
    for at in range(0, len(volunteers), _CHUNK):
        for team, volunteer in members.rows(conn, {"volunteers": volunteers[at:at + _CHUNK]}):
            if team not in whole:
                teams_of.setdefault(volunteer, set()).add(team)
    spans: dict[tuple[int, str, date], int] = {}  # (team, kind, start) → members gained
    for month, volunteers_of_month in sorted(by_month.items()):
        ids = sorted(set().union(*(teams_of.get(v, set()) for v in volunteers_of_month)))
        for at in range(0, len(ids), _CHUNK):
            bounds = {"ids": ids[at:at + _CHUNK], "m0": month, "m1": span_end(month, "M")}
            drop_month.run(conn, bounds)
            month_fill.run(conn, bounds)
        for team in ids:
            for kind in ("Q", "Y", "A"):
                spans.setdefault((team, kind, span_start(month, kind)), 0)
    for volunteer, changes in gained.items():
        for team in teams_of.get(volunteer, ()):
            for (kind, start), n in changes.items():
                if (team, kind, start) in spans:
                    spans[(team, kind, start)] += n
    rows = [{"team_id": team, "kind": kind, "start": start, "end": span_end(start, kind), "gained": n}
            for (team, kind, start), n in sorted(spans.items())]
    if rows:
        longer.run(conn, rows)
        empty.run(conn, rows)
