"""The team boards' summary (``TeamSpan``, db/models.py; read by db/volunteers/reads.team_board): per team and span —
month M, calendar quarter Q, year Y, all time A — its members' approved hours, records, distinct activities and how
many members served, every place and project together.

Recomputed, never incremented, for what a transaction touched (db/recompute.py calls ``refresh`` at commit, after the
volunteers' months, spans and totals): a team's month from its members' raw records; its quarter, year and all time
from its months plus the members with a ``VolunteerSpan`` of that span (a ``VolunteerTotal`` for all time) — three
statements a month touched: one delete, the month, the longer spans. Activities add up over months (an activity lies
in one month) but members do not, hence the spans. The board counts a team's *current* members over all history, so a membership change (noted by
db/summaries.py) recomputes every span of that team.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
)

from db.engine import has_table
from db.models import ServiceRecord, TeamMember, TeamSpan, VolunteerSpan, VolunteerTotal
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


def span_rows(conn: Connection, kind: str, teams: Any, start: Any = None, end: Any = None) -> Any:
    """TeamSpan rows of quarters, years or all time, sums of the month rows, with the members who served in each
    (``VolunteerSpan`` / ``VolunteerTotal``): every team and span, or these teams' one span [start, end) (values or
    bound parameters)."""
    m = TeamSpan.__table__.alias("m")
    where = [m.c.kind == "M"]
    member_where = [] if teams is None else [TM.team_id.in_(teams)]
    if teams is not None:
        where.append(m.c.team_id.in_(teams))
    if kind == "A":
        first = literal(ALL_TIME, Date)
        sums = select(m.c.team_id, first.label("start"), *(func.sum(m.c[c]).label(c) for c in COLS[3:6])) \
            .where(*where).group_by(m.c.team_id)
        members = (select(TM.team_id, first.label("start"), func.count().label("n"))
                   .join(VolunteerTotal, VolunteerTotal.volunteer_id == TM.volunteer_id)
                   .where(VolunteerTotal.records > 0, *member_where).group_by(TM.team_id))
    else:
        first = span_start_sql(conn, kind, m.c.start)
        sums = select(m.c.team_id, first.label("start"), *(func.sum(m.c[c]).label(c) for c in COLS[3:6]))
        vs = VolunteerSpan
        if start is None:
            members = (select(TM.team_id, vs.start, func.count().label("n"))
                       .join(vs, and_(vs.volunteer_id == TM.volunteer_id, vs.kind == kind))
                       .where(*member_where).group_by(TM.team_id, vs.start))
        else:
            where += [m.c.start >= start, m.c.start < end]
            # A few teams' members, each looked up by the key of their span (a join would let SQLite, which keeps
            # no statistics, read every volunteer's span of the period first: 150 ms a write at 10M records).
            served = select(vs.volunteer_id).where(vs.volunteer_id == TM.volunteer_id, vs.kind == kind,
                                                   vs.start == start).exists()
            first_day = start if hasattr(start, "label") else literal(start, Date)
            members = (select(TM.team_id, first_day.label("start"), func.count().label("n"))
                       .where(*member_where, served).group_by(TM.team_id))
        sums = sums.where(*where).group_by(m.c.team_id, first)
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
            conn.execute(insert(TeamSpan).from_select(COLS, span_rows(conn, kind, ids, None)))


def _statements(conn: Connection) -> tuple[Any, Any, Any]:
    """Delete and recompute some teams' (``ids``) month [m0, m1) and the quarter [q0, q1), year [y0, y1) and all
    time that hold it: the month first, the longer spans from the months."""
    ids = bindparam("ids", expanding=True)
    m0, q0, y0 = (bindparam(k, type_=Date) for k in ("m0", "q0", "y0"))
    t = TeamSpan
    drop = delete(t).where(t.team_id.in_(ids), or_(and_(t.kind == "M", t.start == m0), and_(t.kind == "Q", t.start == q0),
                                                   and_(t.kind == "Y", t.start == y0), t.kind == "A"))
    month = insert(t).from_select(COLS, month_rows(conn, [TM.team_id.in_(ids), SR.service_date >= m0,
                                                          SR.service_date < bindparam("m1", type_=Date)]))
    longer = insert(t).from_select(COLS, union_all(
        span_rows(conn, "Q", ids, q0, bindparam("q1", type_=Date)),
        span_rows(conn, "Y", ids, y0, bindparam("y1", type_=Date)), span_rows(conn, "A", ids)))
    return drop, month, longer


_STATEMENTS: dict[str, tuple[Any, Any, Any]] = {}


def refresh(conn: Connection, by_month: dict[date, set[int]], changed_teams: Iterable[int],
            checked: bool = False) -> None:
    """Recompute the spans of the teams whose members' months were recomputed (``by_month``: month → volunteers),
    and every span of the teams whose membership changed. ``checked``: the caller knows the table is there."""
    if not checked and not kept(conn):
        return
    whole = sorted({int(t) for t in changed_teams})
    if whole:
        rebuild(conn, whole)
    volunteers = sorted({v for ids in by_month.values() for v in ids})
    teams_of: dict[int, set[int]] = {}
    for at in range(0, len(volunteers), _CHUNK):
        for team, volunteer in conn.execute(select(TM.team_id, TM.volunteer_id)
                                            .where(TM.volunteer_id.in_(volunteers[at:at + _CHUNK]))):
            if team not in whole:
                teams_of.setdefault(volunteer, set()).add(team)
    if conn.dialect.name not in _STATEMENTS:
        _STATEMENTS[conn.dialect.name] = _statements(conn)
    statements = _STATEMENTS[conn.dialect.name]
    for month, volunteers_of_month in sorted(by_month.items()):
        ids = sorted(set().union(*(teams_of.get(v, set()) for v in volunteers_of_month)))
        q0, y0 = span_start(month, "Q"), span_start(month, "Y")
        bounds = {"m0": month, "m1": span_end(month, "M"), "q0": q0, "q1": span_end(q0, "Q"), "y0": y0,
                  "y1": span_end(y0, "Y")}
        for at in range(0, len(ids), _CHUNK):
            for statement in statements:
                conn.execute(statement, {"ids": ids[at:at + _CHUNK], **bounds})
