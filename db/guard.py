"""The last check before a row reaches the database: every value a write stores has its column's type and range,
and every text is clean (``db.fields.text_problem``: no control characters, no links, images or HTML).

The write services check their fields with ``db.fields.Fields`` first and say what is wrong in the form's words;
this check is the net under them, for a field a service forgot or a value of a wrong Python type that got
through. It runs for every ORM flush (rows added or changed through a session) and for ``db.write.update_versioned``;
a refused value raises ``ValidationFailed`` naming the field in Chinese (「字段」原因), before anything is sent to the
database, so the transaction writes nothing. Without it, SQLite would store a NUL, a text in an integer column or
a NaN, and PostgreSQL would refuse them with a database error the user sees as 意外错误.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Table,
    Time,
    event,
    inspect,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from db import vocab
from db.errors import ValidationFailed
from db.fields import text_problem

INT32 = 2**31 - 1  # INTEGER on PostgreSQL; kept alike on SQLite so both backends accept the same values
INT64 = 2**63 - 1

# The form labels of each table's columns (where a column's form field has another name, e.g. a team's name).
_TABLE_LABELS: dict[str, dict[str, str]] = {
    "activity": vocab.FIELD_LABELS,
    "servicerecord": {**vocab.FIELD_LABELS, **vocab.VOLUNTEER_FIELD_LABELS},
    "volunteer": vocab.VOLUNTEER_FIELD_LABELS,
    "volunteerteam": {**vocab.VOLUNTEER_FIELD_LABELS, "name": vocab.VOLUNTEER_FIELD_LABELS["team_name"]},
    "staraward": vocab.VOLUNTEER_FIELD_LABELS,
    "starpreset": {**vocab.VOLUNTEER_FIELD_LABELS, "name": vocab.VOLUNTEER_FIELD_LABELS["preset_name"]},
    "starlevel": {"label": "星级名称", "min_hours": "星级所需时长"},
    "charityresource": {**vocab.CHARITY_FIELD_LABELS, "title": vocab.CHARITY_FIELD_LABELS["resource_title"]},
    "charityneed": {**vocab.CHARITY_FIELD_LABELS, "title": vocab.CHARITY_FIELD_LABELS["need_title"]},
    "charitymatch": {**vocab.CHARITY_FIELD_LABELS, "amount": vocab.CHARITY_FIELD_LABELS["match_amount"]},
    "donation": vocab.CHARITY_FIELD_LABELS,
    "project": vocab.PROJECT_FIELD_LABELS,
    "projecttarget": vocab.PROJECT_FIELD_LABELS,
    "reportedindicator": vocab.INDICATOR_FIELD_LABELS,
    "organization": vocab.ORG_FIELD_LABELS,
    "orggrade": vocab.GRADE_FIELD_LABELS,
    "gradeband": {**vocab.GRADE_FIELD_LABELS, "min_score": "最低分"},
    "socialworker": vocab.SOCIAL_WORKER_FIELD_LABELS,
    "training": vocab.TRAINING_FIELD_LABELS,
    "mediationcase": vocab.MEDIATION_FIELD_LABELS,
    "appuser": {**vocab.FIELD_LABELS, "display_name": "姓名"},
}
_ANY_LABELS = {**vocab.COLUMN_LABELS, **vocab.CHARITY_COLUMNS, **vocab.VOLUNTEER_COLUMNS}


def column_label(table: str, column: str) -> str:
    """「label」 of a column as its form calls it (a generic word if no form shows it)."""
    label = _TABLE_LABELS.get(table, {}).get(column) or _ANY_LABELS.get(column) or "填写的内容"
    return f"「{label}」"


def value_problem(column: Any, value: Any) -> str | None:
    """Why ``value`` cannot be stored in ``column`` (a SQLAlchemy Column), or None. None values are left to the
    database's NOT NULL constraints except where the column has no default (then: 不能为空)."""
    kind = column.type
    while isinstance(kind, TypeDecorator):  # sqlmodel's AutoString is a String underneath
        kind = kind.impl_instance
    if value is None:
        if not column.nullable and not column.primary_key and column.default is None \
                and column.server_default is None:
            return "不能为空"
        return None
    if isinstance(kind, Boolean):
        return None if isinstance(value, bool) else "须为是或否"
    if isinstance(kind, Integer):
        limit = INT64 if isinstance(kind, BigInteger) else INT32
        if isinstance(value, bool) or not isinstance(value, int):
            return "须为整数"
        return None if -limit <= value <= limit else "数值太大"
    if isinstance(kind, Float | Numeric):
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            return "须为数字"
        try:
            number = float(value)
        except OverflowError:
            return "数值太大"
        return None if math.isfinite(number) else "须为有限的数字"
    if isinstance(kind, DateTime):
        if not isinstance(value, datetime):
            return "须为日期和时间"
        return None if value.tzinfo is None else "须为本地时间（不带时区）"
    if isinstance(kind, Date):
        return None if isinstance(value, date) and not isinstance(value, datetime) else "须为日期"
    if isinstance(kind, Time):
        return None if isinstance(value, time) and value.tzinfo is None else "须为时间"
    if isinstance(kind, String):
        if not isinstance(value, str):
            return "须为文字"
        if kind.length is not None and len(value) > kind.length:
            return f"不能超过 {kind.length} 个字"
        return text_problem(value, multiline=True)
    if isinstance(kind, JSON):
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            return "格式不正确"
        return None
    return None


def row_problems(table: Table, values: dict[str, Any], checked: set | None = None) -> dict[str, str]:
    """{column: 「label」reason} for every value of ``values`` (column name → value) that ``table`` cannot store.
    ``checked``: (column, type, value) already found storable, skipped and added to (rows of one statement share
    most values: 20 service records of an activity, 340 values, 20 of them different)."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        column = table.c.get(name)
        if column is None:
            continue
        key = None
        if checked is not None and isinstance(value, str | int | float | bool | date | time | type(None)):
            key = (name, type(value), value)
            if key in checked:
                continue
        problem = value_problem(column, value)
        if problem:
            errors[name] = f"{column_label(table.name, name)}{problem}"
        elif key is not None:
            checked.add(key)
    return errors


def check_row(table: Table, values: dict[str, Any]) -> None:
    """Raise ValidationFailed if ``table`` cannot store ``values`` (see ``value_problem``)."""
    errors = row_problems(table, values)
    if errors:
        raise ValidationFailed(errors)


def _object_values(obj: Any, new: bool) -> tuple[Table, dict[str, Any]]:
    state = inspect(obj)
    mapper = state.mapper
    table = mapper.local_table
    values: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if column.table is not table:
            continue
        if new:
            value = state.dict.get(attr.key)
            if value is None and (column.default is not None or column.primary_key):
                continue  # filled in by the insert
            values[column.name] = value
        else:
            history = state.attrs[attr.key].history
            if history.added:
                values[column.name] = history.added[0]
    return table, values


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    errors: dict[str, str] = {}
    for obj, new in [(o, True) for o in session.new] + [(o, False) for o in session.dirty]:
        try:
            table, values = _object_values(obj, new)
        except Exception:  # noqa: BLE001 - not a mapped row: nothing of ours to check
            continue
        for name, message in row_problems(table, values).items():
            errors.setdefault(name, message)
    if errors:
        raise ValidationFailed(errors)


def _before_bulk(state: Any) -> None:
    """ORM statements with rows as parameters: ``session.execute(insert(Model), [row, ...])``."""
    if not (state.is_insert or state.is_update):
        return
    params = state.parameters
    if not params:
        return
    table = getattr(state.statement, "table", None)
    if not isinstance(table, Table):
        return
    rows = params if isinstance(params, list) else [params]
    errors: dict[str, str] = {}
    checked: set = set()
    for row in rows:
        if isinstance(row, dict):
            for name, message in row_problems(table, row, checked).items():
                errors.setdefault(name, message)
    if errors:
        raise ValidationFailed(errors)


def install() -> None:
    """Check every session's flushes and row-parameter statements (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    if not event.contains(Session, "do_orm_execute", _before_bulk):
        event.listen(Session, "do_orm_execute", _before_bulk)


install()
