"""Summaries kept in the same transaction as every write that changes them (``VolunteerMonth``, ``FigureMonth``,
``VolunteerSpan``, ``VolunteerTotal`` and, through db/active_counts.py, ``ActiveCount``; reads in
db/figures/summaries.py).

One mechanism for every write path, not a call in each service: session events note the keys of every
``ServiceRecord``, ``Activity`` and ``Donation`` row a transaction inserts, changes or deletes — the old key and the
new one — whether through the ORM (seen at flush) or a DML statement run through the session (``insert(...)`` with
rows; ``update``/``delete`` with a WHERE: the rows it matches are read before it runs and, for an update, again
after), and every volunteer moved or deleted. Just before the transaction commits, the summary rows of exactly those
keys are recomputed from the raw rows (a recompute, not an increment: it cannot drift — but for the active counts and
the team spans' members, db/active_counts.py and db/team_spans.py): a volunteer month, that
volunteer's year and quarter and all-time total; a cell (month, street, community, organisation, project). A bulk
load (demo load, a restore, the benchmark) calls ``rebuild_later(session)``: the summaries are rebuilt whole before
the commit (``rebuild(connection)`` outside a session). The recomputing itself is db/recompute.py.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import Connection, event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session

from db.engine import has_table, tables_present
from db.models import Activity, Donation, ServiceRecord, TeamMember, Volunteer, VolunteerTeam
from db.recompute import PLACE, rebuild, refresh
from db.spans import month_start

_log = logging.getLogger(__name__)
SR = ServiceRecord
_KEYS = "summary_keys"  # session.info: {"volunteer": {(volunteer_id, month)}, "cell": {(month, s, c, o, p)}, "moved",
#                                        "team": {team_id whose members changed}}
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
    keys["cell"].add((month, *(row.get(k) for k in PLACE)))
    if table == "servicerecord" and row.get("volunteer_id") is not None:
        keys["volunteer"].add((row["volunteer_id"], month))


def _keys(session: Session) -> dict[str, Any]:
    return session.info.setdefault(_KEYS, {"volunteer": set(), "cell": set(), "moved": {}, "team": set()})


def _note_team(session: Session, team_id: Any) -> None:
    """Note a team whose membership this transaction changes (its team board summary is recomputed whole)."""
    if team_id is not None:
        _keys(session)["team"].add(int(team_id))


_VOLUNTEERPLACE = ("street_id", "community_id", "organization_id")


def _note_moved(session: Session, volunteer_id: Any, place: tuple) -> None:
    """Note where a volunteer was registered before this transaction moved or deleted them (the first seen)."""
    if volunteer_id is not None:
        _keys(session)["moved"].setdefault(int(volunteer_id), place)


_TRACKED = {"servicerecord": SR, "activity": Activity, "donation": Donation}
_COLUMNS = {  # what a row's keys are made of
    "servicerecord": ("volunteer_id", "service_date", *PLACE),
    "activity": ("starts_at", *PLACE),
    "donation": ("donated_on", *PLACE)}


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.info.get(_REBUILD):
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table == "teammember":
            history = inspect(obj).attrs["team_id"].history
            for team in (obj.team_id, *history.deleted):
                _note_team(session, team)
            continue
        if table == "volunteer" and obj not in session.new:
            state = inspect(obj)
            old = tuple(state.attrs[n].history.deleted[0] if state.attrs[n].history.deleted else getattr(obj, n)
                        for n in _VOLUNTEERPLACE)
            if obj in session.deleted or old != tuple(getattr(obj, n) for n in _VOLUNTEERPLACE):
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
    if name == "teammember":  # members joined or left: the teams' board summary is recomputed
        _note_teams(state)
        return None
    if name == "volunteer" and not state.is_insert:  # a volunteer moved or deleted: their active counts move
        where = state.statement.whereclause
        before = select(Volunteer.id, *(Volunteer.__table__.c[n] for n in _VOLUNTEERPLACE))
        for row in session.execute(before if where is None else before.where(where)).all():
            _note_moved(session, row[0], tuple(row[1:]))
        return None
    if name not in _TRACKED:
        return None
    model = _TRACKED[name]
    cols = [table.c[n] for n in _COLUMNS[name]]
    if state.is_insert:
        rows = _insert_rows(state, _DATE_COLUMN[name])
        if rows is None:  # INSERT … SELECT, or several VALUES rows: the rows are not known here
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


def _insert_rows(state: ORMExecuteState, needed: str) -> list[dict[str, Any]] | None:
    """The rows an INSERT run through the session writes — its parameter list, or the one row of
    ``insert(...).values({...})`` — or None where they are not known here (INSERT … SELECT, several VALUES rows, a
    row without the ``needed`` column)."""
    params = state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    if not rows and getattr(state.statement, "select", None) is None:  # insert(...).values({...})
        rows = [dict(state.statement.compile().params)]
    rows = [dict(r) for r in rows]
    return rows if rows and all(needed in r for r in rows) else None


def _note_teams(state: ORMExecuteState) -> None:
    """The teams an INSERT or DELETE of ``teammember`` rows changes (an UPDATE, or an INSERT whose rows are not
    known here: every team)."""
    session, statement = state.session, state.statement
    rows = _insert_rows(state, "team_id") if state.is_insert else None
    if rows is not None:
        for row in rows:
            _note_team(session, row["team_id"])
        return
    if state.is_insert or state.is_update:
        for team in session.execute(select(VolunteerTeam.id)).scalars():
            _note_team(session, team)
        return
    where = statement.whereclause
    before = select(TeamMember.team_id).distinct()
    for team in session.execute(before if where is None else before.where(where)).scalars():
        _note_team(session, team)


def kept_at_commit(conn: Connection) -> bool:
    """True if the commit keeps the summaries (and ``VolunteerTotal``); False on a database not yet migrated to
    revision 0009 (its upgrade fills the summaries)."""
    return has_table(conn, "figuremonth")


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # pending ORM rows are noted (before_flush) and counted before the recompute
    if session.info.get(_REBUILD) or session.info.get(_KEYS):
        tables = tables_present(session.connection(), ("figuremonth", "activecount", "teamspan", "placeyear"))
        if "figuremonth" not in tables:  # not yet migrated to 0009 (see ``kept_at_commit``)
            return _after_rollback(session)
        if session.info.pop(_REBUILD, False):
            session.info.pop(_KEYS, None)
            rebuild(session.connection())
            return
        keys = session.info.pop(_KEYS, None)
        if keys:
            refresh(session.connection(), keys["volunteer"], keys["cell"], keys["moved"], keys["team"], tables)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_KEYS, None)
    session.info.pop(_REBUILD, None)


def rebuild_later(session: Session) -> None:
    """Rebuild every summary when this session's transaction commits (bulk loads: no keys are collected)."""
    session.info[_REBUILD] = True
    session.info.pop(_KEYS, None)
