"""Active volunteers counted per span and place (``ActiveCount``, db/models.py; read by db/figures/summaries.py).

Per span (month M, quarter Q, year Y, all time A) and the place a volunteer is registered in, how
many volunteers have an approved record in it, in every project (-1) or per project (0: none). A distinct count
cannot be summed from months, so it is kept per span. At commit, for every volunteer whose months were recomputed
(or who moved), the spans they were active in before and after the recompute are compared, and each span gained or
lost counts one up or down at the place they are (were) registered. Writers are serial (db/write.py: one write
lock, always taken first), so a count never misses a concurrent change.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Date, bindparam, case, delete, func, insert, literal, or_, select

from db.engine import has_table, upsert
from db.models import ActiveCount, Volunteer, VolunteerMonth
from db.prepared import Prepared
from db.spans import ALL_TIME, SPAN_KINDS, span_end, span_start, span_start_sql

_CHUNK = 400  # volunteers per statement

EVERY_PROJECT = -1
_UNTOUCHED = -2  # (reading the spans before and after a change) a row of a project the change did not touch
COUNT_COLS = ["kind", "start", "project_id", "street_id", "community_id", "organization_id", "volunteers"]


def count_rows(conn: Connection, kind: str, per_project: bool) -> Any:
    """The ActiveCount rows of one kind of span, from ``VolunteerMonth`` and where each volunteer is registered."""
    vm, v = VolunteerMonth, Volunteer
    start = span_start_sql(conn, kind, vm.month)
    project = func.coalesce(vm.project_id, 0) if per_project else literal(EVERY_PROJECT)
    place = (v.street_id, func.coalesce(v.community_id, 0), func.coalesce(v.organization_id, 0))
    varying = [x for x, fixed in ((start, kind == "A"), (project, not per_project)) if not fixed]
    return (select(literal(kind), start, project, *place, func.count(vm.volunteer_id.distinct()))
            .join(v, v.id == vm.volunteer_id).group_by(*varying, *place))


def kept(conn: Connection) -> bool:
    """True if the database has the active counts (revision 0010; its upgrade fills them)."""
    return has_table(conn, "activecount")


def rebuild(conn: Connection) -> None:
    """Recount every span from ``VolunteerMonth`` (after the volunteer months are rebuilt)."""
    if kept(conn):
        conn.execute(delete(ActiveCount))
        for kind in SPAN_KINDS:
            for per_project in (False, True):
                conn.execute(insert(ActiveCount).from_select(COUNT_COLS, count_rows(conn, kind, per_project)))


def _place(row: Any) -> tuple[int, int, int]:
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)


class ActiveCounts:
    """The change of the active counts that recomputing some volunteers' months makes: create it before
    ``VolunteerMonth`` is recomputed (it reads the spans those volunteers served in), call ``apply`` after.

    What is read is kept small: a volunteer's months in the calendar years the change touched (their months, quarters
    and years), and, for all time, only whether they served outside those years and in which of the projects the
    change touched (``projects``: 0 for none; the other projects' all-time spans cannot change)."""

    def __init__(self, conn: Connection, by_month: dict[date, set[int]], moved: dict[int, tuple],
                 projects: set[int] | None = None) -> None:
        self.conn, self.projects = conn, projects
        self.touched: dict[int, set[date]] = {}
        for month, ids in by_month.items():
            for v in ids:
                self.touched.setdefault(v, set()).add(month)
        self.moved = {int(v): (int(p[0]), int(p[1] or 0), int(p[2] or 0)) for v, p in moved.items() if p[0] is not None}
        self.ids = sorted(set(self.touched) | set(self.moved))
        months = sorted({m for ms in self.touched.values() for m in ms})
        # A move carries every span of the volunteer: then everything is read.
        self.window = None if self.moved or not months else (span_start(months[0], "Y"),
                                                               span_end(span_start(months[-1], "Y"), "Y"))
        self.inside = self._months(None)
        self.outside = self._outside()
        self.places = self._places()
        self.before = self._spans()
        self.gained: dict[int, dict[tuple[str, date], int]] = {}  # after ``apply``: volunteer → (kind, start) → ±1

    def _chunks(self) -> Any:
        return (self.ids[at:at + _CHUNK] for at in range(0, len(self.ids), _CHUNK))

    def _months(self, only: list[date] | None) -> dict[int, dict[date, set[int]]]:
        """volunteer → month → the projects they served in it (0: none), in the window (or only these months)."""
        out: dict[int, dict[date, set[int]]] = {v: {} for v in self.ids}
        statement = _READS["only" if only is not None else "window" if self.window is not None else "all"]
        bounds = {"months": only} if only is not None else \
            {"w0": self.window[0], "w1": self.window[1]} if self.window is not None else {}
        for ids in self._chunks():
            for v, month, project in statement.rows(self.conn, {"ids": ids, **bounds}):
                out[v].setdefault(month, set()).add(0 if project is None else project)
        return out

    def _outside(self) -> dict[int, set[int]]:
        """volunteer → the touched projects they served in outside the window, and ``_UNTOUCHED`` for any other row
        there (it says they served, not where)."""
        out: dict[int, set[int]] = {}
        if self.window is None:
            return out
        touched = {"projects": sorted(self.projects)} if self.projects is not None else {}
        statement = _READS["outside_touched" if self.projects is not None else "outside"]
        for ids in self._chunks():
            for v, p in statement.rows(self.conn, {"ids": ids, "w0": self.window[0], "w1": self.window[1],
                                                   **touched}):
                out.setdefault(v, set()).add(p)
        return out

    def _spans(self) -> dict[int, set[tuple[str, date, int]]]:
        """{volunteer: {(kind, start, project)}} of the spans each volunteer served in that this change can touch
        (a moved volunteer: every span they served in)."""
        out: dict[int, set[tuple[str, date, int]]] = {}
        spans_of: dict[date, tuple[tuple[str, date], ...]] = {}  # a month's spans, worked out once
        for v in self.ids:
            months = self.inside[v]
            for m in months.keys() - spans_of.keys():
                spans_of[m] = tuple((k, span_start(m, k)) for k in SPAN_KINDS)
            picked = months if v in self.moved else self.touched.get(v, ())
            wanted = {key for m in picked for key in spans_of.get(m) or ((k, span_start(m, k)) for k in SPAN_KINDS)}
            served: dict[tuple[str, date], set[int]] = {}
            for m, projects in months.items():  # each month once, into every wanted span holding it
                for key in spans_of[m]:
                    if key in wanted:
                        served.setdefault(key, set()).update(projects)
            if self.outside.get(v) and ("A", ALL_TIME) in wanted:
                served.setdefault(("A", ALL_TIME), set()).update(self.outside[v])
            spans = out[v] = set()
            for (kind, start), projects in served.items():
                spans.add((kind, start, EVERY_PROJECT))
                spans.update((kind, start, p) for p in projects - {_UNTOUCHED})
        return out

    def _places(self) -> dict[int, tuple[int, int, int]]:
        found: dict[int, tuple[int, int, int]] = {}
        for ids in self._chunks():
            for row in _READS["places"].rows(self.conn, {"ids": ids}):
                found[row[0]] = _place(row[1:])
        return found

    def apply(self) -> None:
        """Count every span gained or lost, at the place each volunteer is (or was) registered."""
        recomputed = sorted({m for ms in self.touched.values() for m in ms})
        fresh = self._months(recomputed) if recomputed else {}
        for v, months in self.touched.items():
            for m in months:
                self.inside[v].pop(m, None)
            self.inside[v].update(fresh.get(v, {}))
        after, now = self._spans(), self.places
        delta: dict[tuple, int] = {}
        for v in self.ids:
            was, place = self.moved.get(v), now.get(v)
            old_place = was or place
            gone, new = self.before[v], after[v]
            changed = {(k, s): n for n, keys in ((-1, gone - new), (1, new - gone))
                       for k, s, p in keys if p == EVERY_PROJECT}
            if changed:
                self.gained[v] = changed
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


def _reads() -> dict[str, Prepared]:
    """The reads of ``ActiveCounts``, built once (they differ only by their parameters)."""
    vm, v, ids = VolunteerMonth, Volunteer, bindparam("ids", expanding=True)
    w0, w1 = bindparam("w0", type_=Date), bindparam("w1", type_=Date)
    months = select(vm.volunteer_id, vm.month, vm.project_id).where(vm.volunteer_id.in_(ids))
    project = func.coalesce(vm.project_id, 0)
    outside = [vm.volunteer_id.in_(ids), or_(vm.month < w0, vm.month >= w1)]
    touched = case((project.in_(bindparam("projects", expanding=True)), project), else_=_UNTOUCHED)
    return {name: Prepared(statement) for name, statement in {
        "all": months, "window": months.where(vm.month >= w0, vm.month < w1),
        "only": months.where(vm.month.in_(bindparam("months", expanding=True, type_=Date))),
        "outside": select(vm.volunteer_id, project).where(*outside).group_by(vm.volunteer_id, project),
        "outside_touched": select(vm.volunteer_id, touched).where(*outside).group_by(vm.volunteer_id, touched),
        "places": select(v.id, v.street_id, v.community_id, v.organization_id).where(v.id.in_(ids))}.items()}


_READS = _reads()


def _upsert(dialect: str) -> Prepared:
    if dialect not in _UPSERTS:
        stmt = upsert(dialect)(ActiveCount)
        _UPSERTS[dialect] = Prepared(stmt.on_conflict_do_update(
            index_elements=COUNT_COLS[:-1], set_={"volunteers": ActiveCount.__table__.c.volunteers + stmt.excluded.volunteers}))
    return _UPSERTS[dialect]


_UPSERTS: dict[str, Prepared] = {}
_DROP_EMPTY = Prepared(delete(ActiveCount).where(
    *(ActiveCount.__table__.c[k] == bindparam(f"k_{k}") for k in COUNT_COLS[:-1]), ActiveCount.__table__.c.volunteers == 0))


def _apply_deltas(conn: Connection, changes: list[dict[str, Any]]) -> None:
    """Add each change's ``volunteers`` to its ActiveCount row (made if missing), then drop rows counting none."""
    _upsert(conn.dialect.name).run(conn, changes)
    drops = [c for c in changes if c["volunteers"] < 0]
    if drops:
        _DROP_EMPTY.run(conn, [{f"k_{k}": c[k] for k in COUNT_COLS[:-1]} for c in drops])
