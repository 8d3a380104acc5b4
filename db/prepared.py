"""Statements the write path runs on every write, compiled once per dialect and parameter shape and run on the
driver (``Prepared``). Keeping the summaries takes ≈ 30 statements a write (db/recompute.py, db/active_counts.py,
db/team_spans.py), and SQLAlchemy's work around each execution of a built statement — its cache key generated from
the whole statement tree, its compiled form looked up, each IN list expanded into the SQL text by a regular
expression — cost ≈ 40 µs a statement, more than SQLite's work for most of them. Here that work is done once per
dialect and number of values in each IN list; an execution converts its values with the types' own bind processors
(as SQLAlchemy would) and runs the SQL through ``Connection.exec_driver_sql``, so the connection's events and
transaction are those of every other statement. Rows read come back through the selected columns' result
processors (a date is a ``date`` on SQLite too).

Only Core statements: a named parameter (``bindparam("name")``) is given at every execution (or takes its default
value, ``bindparam("name", value=...)``), an anonymous one (a literal, ``column == 5``) is fixed in the statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import CursorResult

_MAX_SHAPES = 128  # per statement: IN lists of up to 400 values (the callers' chunks) could make many
# Where a value comes from: a named parameter, one value of an IN list, the statement (a literal), a named parameter
# with a default value.
_PARAM, _ITEM, _FIXED, _DEFAULTED = 0, 1, 2, 3


class _Shape:
    """The SQL text of one dialect and IN-list lengths, and where each of its parameters comes from: ``plan`` holds
    (source, key, at, processor) per parameter in order — a named parameter's name, an IN list's name and the value's
    place in it, a fixed value already converted, or a name and its default value."""

    __slots__ = ("sql", "plan", "names")

    def __init__(self, sql: str, plan: list[tuple[int, Any, Any, Any]], names: tuple[str, ...] | None) -> None:
        self.sql, self.plan, self.names = sql, plan, names  # names: None for a positional paramstyle (SQLite)

    def values(self, params: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        out = []
        for source, key, at, processor in self.plan:
            if source == _FIXED:
                out.append(key)
                continue
            value = params[key] if source == _PARAM else params[key][at] if source == _ITEM else params.get(key, at)
            out.append(value if processor is None or value is None else processor(value))
        return tuple(out) if self.names is None else dict(zip(self.names, out, strict=True))


class Prepared:
    """One Core statement run with ``run(conn, params)`` (or a list of parameter sets for an executemany) or read
    with ``rows(conn, params)``."""

    __slots__ = ("statement", "_compiled", "_shapes")

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, str], tuple[Any, tuple[str, ...], list[Any]]] = {}
        self._shapes: dict[tuple, _Shape] = {}

    def _dialect(self, conn: Connection) -> tuple[Any, tuple[str, ...], list[Any]]:
        dialect = conn.dialect
        found = self._compiled.get((dialect.name, dialect.driver))
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            expanding = tuple(sorted({name for name, bind in compiled.binds.items() if bind.expanding}))
            columns = getattr(self.statement, "selected_columns", None)
            results = [] if columns is None or getattr(self.statement, "is_dml", False) else [
                c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
            found = self._compiled[(dialect.name, dialect.driver)] = (compiled, expanding, results)
        return found

    def _shape(self, conn: Connection, params: dict[str, Any]) -> _Shape:
        compiled, expanding, _ = self._dialect(conn)
        key = (conn.dialect.name, conn.dialect.driver, *(len(params[name]) for name in expanding))
        shape = self._shapes.get(key)
        if shape is None:
            state = compiled.construct_expanded_state(params)
            item = {name: (key, at) for key, names in state.parameter_expansion.items()
                    for at, name in enumerate(names)}
            names = list(state.positiontup) if compiled.positional else list(state.parameters)
            plan: list[tuple[int, Any, Any, Any]] = []
            for name in names:
                if name in item:
                    plan.append((_ITEM, *item[name], state.processors.get(name)))
                    continue
                bind = compiled.binds[name]
                processor = bind.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
                if bind.unique:  # an anonymous value of the statement (a literal, ``column == 5``): converted once
                    value = state.parameters[name]
                    plan.append((_FIXED, value if processor is None or value is None else processor(value), 0, None))
                elif bind.required:  # bindparam("name"): given at every execution
                    plan.append((_PARAM, name, 0, processor))
                else:  # bindparam("name", value=...): given or its default
                    plan.append((_DEFAULTED, name, bind.value, processor))
            if len(self._shapes) >= _MAX_SHAPES:
                self._shapes.clear()
            shape = self._shapes[key] = _Shape(state.statement, plan, None if compiled.positional else tuple(names))
        return shape

    def run(self, conn: Connection, params: dict[str, Any] | Sequence[dict[str, Any]]) -> CursorResult:
        """Execute with one parameter set, or with many (an executemany: one shape for all, no IN list)."""
        if isinstance(params, dict):
            shape = self._shape(conn, params)
            return conn.exec_driver_sql(shape.sql, shape.values(params))
        shape = self._shape(conn, params[0])
        return conn.exec_driver_sql(shape.sql, [shape.values(p) for p in params])

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of a SELECT, each value converted as SQLAlchemy converts it (a DATE column read as a date)."""
        processors = self._dialect(conn)[2]
        rows = self.run(conn, params).fetchall()
        if not any(processors):
            return [tuple(r) for r in rows]
        return [tuple(v if p is None or v is None else p(v) for p, v in zip(processors, r, strict=True))
                for r in rows]
