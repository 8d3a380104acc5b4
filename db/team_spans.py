"""The team boards' summary (``TeamSpan``, db/models.py; read by db/volunteers/reads.team_board): per team and span —
month M, calendar quarter Q, year Y, all time A — its members' approved hours, records, distinct activities and how
many members served, every place and project together.

Recomputed, never incremented, for what a transaction touched (db/recompute.py calls ``refresh`` at commit, after the
volunteers' months, spans and totals): a team's month from its members' raw records; its quarter and year from its
months plus the members with a ``VolunteerSpan`` of that span; all time from its years plus the members with a
``VolunteerTotal``. Activities add up over months (an activity lies in one month) but members do not, hence the
spans. The board counts a team's *current* members over all history, so a membership change (noted by
db/summaries.py) recomputes every span of that team.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, Date, and_, bindparam, delete, func, insert, literal, select

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
    """TeamSpan rows of quarters or years (from the month rows) or all time (from the year rows), with the members
    who served in each (``VolunteerSpan`` / ``VolunteerTotal``): every team and span, or these teams' one span
    [start, end) (values or bound parameters)."""
    m = TeamSpan.__table__.alias("m")
    part = "Y" if kind == "A" else "M"
    where = [m.c.kind == part]
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


def _statements(conn: Connection, kind: str) -> tuple[Any, Any]:
    """Delete and recompute one span [s0, s1) of some teams (``ids``)."""
    ids, s0 = bindparam("ids", expanding=True), bindparam("s0", type_=Date)
    drop = delete(TeamSpan).where(TeamSpan.kind == kind, TeamSpan.start == s0, TeamSpan.team_id.in_(ids))
    if kind == "M":
        fill = month_rows(conn, [TM.team_id.in_(ids), SR.service_date >= s0,
                                 SR.service_date < bindparam("s1", type_=Date)])
    else:
        fill = span_rows(conn, kind, ids, s0, bindparam("s1", type_=Date))
    return drop, insert(TeamSpan).from_select(COLS, fill)


_STATEMENTS: dict[tuple[str, str], tuple[Any, Any]] = {}


def refresh(conn: Connection, by_month: dict[date, set[int]], changed_teams: Iterable[int]) -> None:
    """Recompute the spans of the teams whose members' months were recomputed (``by_month``: month → volunteers),
    and every span of the teams whose membership changed."""
    if not kept(conn):
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
    spans: dict[tuple[str, date], set[int]] = {}
    for month, ids in by_month.items():
        teams = set().union(*(teams_of.get(v, set()) for v in ids))
        if teams:
            for kind in ("M", "Q", "Y", "A"):
                spans.setdefault((kind, span_start(month, kind)), set()).update(teams)
    order = {"M": 0, "Q": 1, "Y": 2, "A": 3}  # months first: the longer spans sum them
    for (kind, start), teams in sorted(spans.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        key = (conn.dialect.name, kind)
        if key not in _STATEMENTS:
            _STATEMENTS[key] = _statements(conn, kind)
        drop, fill = _STATEMENTS[key]
        ids = sorted(teams)
        for at in range(0, len(ids), _CHUNK):
            params = {"ids": ids[at:at + _CHUNK], "s0": start, "s1": span_end(start, kind)}
            conn.execute(drop, params)
            conn.execute(fill, params)
