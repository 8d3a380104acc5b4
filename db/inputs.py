"""The typed input check of every write service (issue 14): ``@typed_inputs`` refuses, before the service runs, any
argument or form field whose Python type the service cannot use, with a ValidationFailed naming the field in
Chinese. The service's own annotations are the contract: ``int`` (an id, a version, a count) is an int within
INTEGER, ``str`` a str, ``date`` a date (not a datetime), ``list[VolunteerHours]`` a list of them, each checked
field by field, ``int | None`` either …

The check is about types only (a ``float`` accepts an int or a Decimal, as arithmetic does; fields the form hands over
as typed or as text are annotated ``Any`` and checked by the service); ranges, lengths, options and scope stay with
each service's ``Fields`` checks. What nothing downstream can use — a bool or a text for an id, ``2**70``,
``Decimal('sNaN')``, a list for a title — is refused here, so that no TypeError, OverflowError or database error
reaches a page.
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import functools
import inspect
import types
import typing
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from db import vocab
from db.errors import ValidationFailed

P = ParamSpec("P")
R = TypeVar("R")

INT_LIMIT = 2**31 - 1  # INTEGER columns (PostgreSQL's INTEGER; SQLite's are kept to the same range)
_COLLECTIONS = (list, tuple, set, frozenset, cabc.Sequence, cabc.Iterable, cabc.Collection, cabc.Set)
# Parameters the services take from the caller's frame, not from a user: not checked here.
_FRAME = frozenset({"session", "user", "actor", "engine", "ctx", "today", "now", "idempotency_key", "progress"})

# Names of service parameters that no form label covers.
_EXTRA_LABELS = {
    "expected_version": "版本号", "activity_id": "活动", "volunteer_id": "志愿者", "record_ids": "服务记录",
    "records": "服务记录", "award_id": "星级认定", "preset_id": "星级标准", "levels": "星级档次", "rank": "星级",
    "resource_id": "慈善资源", "need_id": "慈善需求", "case_id": "调解案件", "team_id": "志愿队伍",
    "team_ids": "志愿队伍", "tags": "标签", "bands": "等级分档", "city": "城市", "scope_id": "数据范围",
    "scope_type": "范围类型", "approve": "审核结果", "withdrawn": "撤下", "label": "名称", "min_hours": "时长下限",
    "targets": "项目目标", "target": "项目目标", "beneficiary_groups": "服务对象", "unit": "单位",
    "user_id": "用户", "link_id": "大屏链接", "decision": "审核结果", "compound_id": "小区", "worker_id": "社工",
    "expected_versions": "版本号", "expires_at": "有效期至", "data": "表单内容",
}


_FORM_LABELS = (vocab.FIELD_LABELS, vocab.PROJECT_FIELD_LABELS, vocab.INDICATOR_FIELD_LABELS, vocab.ORG_FIELD_LABELS,
                vocab.GRADE_FIELD_LABELS, vocab.SOCIAL_WORKER_FIELD_LABELS, vocab.TRAINING_FIELD_LABELS,
                vocab.MEDIATION_FIELD_LABELS, vocab.VOLUNTEER_FIELD_LABELS, vocab.CHARITY_FIELD_LABELS,
                vocab.PLACE_FIELD_LABELS, vocab.USER_FIELD_LABELS, vocab.AUDIT_FIELD_LABELS, _EXTRA_LABELS)
# The first form that labels a name labels it here (a wrong type comes from a program, not from a form's user).
LABELS = {key: text for labels in reversed(_FORM_LABELS) for key, text in labels.items()}


def label(name: str) -> str:
    """「label」of a parameter or field: its form label where it has one, else 「输入项 name」."""
    text = LABELS.get(name)
    return f"「{text}」" if text else f"「输入项 {name}」"


class _Refused(Exception):
    """Fields (by name) whose value cannot be of their type, each with its reason."""

    def __init__(self, name: str = "", reason: str = "", *, reasons: dict[str, str] | None = None):
        self.reasons = reasons if reasons is not None else {name: reason}
        super().__init__(self.reasons)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(value: Any, hint: Any, name: str) -> None:
    """Raise _Refused(field, reason) when ``value`` cannot be a ``hint``; ``name`` is the field's own name."""
    if hint is Any or hint is object or isinstance(hint, TypeVar):
        return
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return
        last: _Refused | None = None
        for option in options:
            if option is type(None):
                continue
            try:
                _check(value, option, name)
                return
            except _Refused as refused:
                last = last or refused
        raise last or _Refused(name, "不能为空")
    if origin is typing.Literal:
        if not any(value == option and type(value) is type(option) for option in typing.get_args(hint)):
            raise _Refused(name, "不是可选的值")
        return
    if origin in _COLLECTIONS:
        if not isinstance(value, list | tuple | set | frozenset):
            raise _Refused(name, "须为一组值（列表）")
        args = typing.get_args(hint)
        homogeneous = len(args) == 1 or (origin is tuple and len(args) == 2 and args[1] is Ellipsis)
        item_hint = args[0] if homogeneous else Any
        for item in value:
            _check(item, item_hint, name)
        return
    if origin is dict:
        if not isinstance(value, dict):
            raise _Refused(name, "须为对照表")
        key_hint, value_hint = (typing.get_args(hint) or (Any, Any))
        for key, item in value.items():
            _check(key, key_hint, name)
            _check(item, value_hint, name)
        return
    if value is None:
        raise _Refused(name, "不能为空")
    if hint is bool:
        if not isinstance(value, bool):
            raise _Refused(name, "须为“是”或“否”")
        return
    if hint is int:
        if not _is_int(value):
            raise _Refused(name, "须为整数")
        if abs(int(value)) > INT_LIMIT:
            raise _Refused(name, f"超出范围（绝对值不能超过 {INT_LIMIT}）")
        return
    if hint is float or hint is Decimal:
        if _is_int(value):
            if abs(value) > 10**15:
                raise _Refused(name, "超出范围")
            return
        if not isinstance(value, float | Decimal):
            raise _Refused(name, "须为数字")
        if isinstance(value, Decimal) and value.is_nan():  # a Decimal NaN raises on comparison
            raise _Refused(name, "不是数字")
        return
    if hint is str:
        if not isinstance(value, str):
            raise _Refused(name, "须为文字")
        return
    if hint is datetime:
        if not isinstance(value, datetime):
            raise _Refused(name, "须为日期和时间")
        return
    if hint is date:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise _Refused(name, "须为日期（不含时间）")
        return
    if hint is time:
        if not isinstance(value, time):
            raise _Refused(name, "须为时间")
        return
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, hint):
            raise _Refused(name, "格式不对")
        reasons: dict[str, str] = {}
        for field_name, field_hint in _hints(hint).items():
            try:
                _check(getattr(value, field_name), field_hint, field_name)
            except _Refused as refused:
                for key, reason in refused.reasons.items():
                    reasons.setdefault(key, reason)
        if reasons:
            raise _Refused(reasons=reasons)
        return
    # Other classes (a row type, a user): the value must be one.
    if isinstance(hint, type) and not isinstance(value, hint):
        raise _Refused(name, "格式不对")


@functools.cache
def _hints(target: Any) -> dict[str, Any]:
    """The resolved annotations of a function or a dataclass (dataclass fields only, not ClassVars)."""
    resolved = typing.get_type_hints(target)
    if dataclasses.is_dataclass(target):
        return {f.name: resolved.get(f.name, Any) for f in dataclasses.fields(target)}
    resolved.pop("return", None)
    return resolved


def check_inputs(fn: Callable[..., Any], arguments: dict[str, Any]) -> None:
    """Raise ValidationFailed for every argument of ``fn`` (by name) whose type its annotation refuses."""
    errors: dict[str, str] = {}
    hints = _hints(fn)
    for name, value in arguments.items():
        if name in _FRAME or name not in hints:
            continue
        try:
            _check(value, hints[name], name)
        except _Refused as refused:
            for key, reason in refused.reasons.items():
                errors.setdefault(key, f"{label(key)}{reason}")
    if errors:
        raise ValidationFailed(errors)


def typed_inputs(fn: Callable[P, R]) -> Callable[P, R]:
    """Check every argument of a write service against its annotation before the service runs (see the module)."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:  # a caller's mistake (a missing or unknown argument), not a user's
            raise TypeError(f"{fn.__qualname__}: {exc}") from None
        check_inputs(fn, bound.arguments)
        return fn(*args, **kwargs)

    checked.typed_inputs = True  # type: ignore[attr-defined]
    return checked
