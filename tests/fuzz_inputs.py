"""The inputs of a write service as slots to replace (tests/test_fuzz_services.py): every keyword argument, every
field of a form dataclass, and the fields of the rows inside it (volunteers' hours, a project's targets, a
preset's levels), with values of wrong and of right types."""

from __future__ import annotations

import copy
import dataclasses
import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

Slot = tuple  # a path: ("data", "title"), ("data", "volunteers", 0, "hours"), ("expected_version",)


def slots(kwargs: dict[str, Any]) -> list[Slot]:
    """Every path that can be replaced in a service's keyword arguments."""
    out: list[Slot] = []

    def walk(value: Any, path: Slot, depth: int) -> None:
        out.append(path)
        if depth >= 3:
            return
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name), (*path, f.name), depth + 1)
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            walk(value[0], (*path, 0), depth + 1)
        elif isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
            for k in value:
                walk(value[k], (*path, k), depth + 1)

    for name, value in kwargs.items():
        walk(value, (name,), 0)
    return out


def get(kwargs: dict[str, Any], path: Slot) -> Any:
    value: Any = kwargs
    for step in path:
        value = value[step] if isinstance(value, dict | list) else getattr(value, step)
    return value


def replaced(kwargs: dict[str, Any], path: Slot, new: Any) -> dict[str, Any]:
    """A deep copy of ``kwargs`` with the value at ``path`` replaced by ``new``."""
    out = copy.deepcopy(kwargs)
    target: Any = out
    for step in path[:-1]:
        target = target[step] if isinstance(target, dict | list) else getattr(target, step)
    last = path[-1]
    if isinstance(target, dict | list):
        target[last] = new
    else:
        object.__setattr__(target, last, new)
    return out


def label(path: Slot) -> str:
    return ".".join(str(p) for p in path)


# ------------------------------------------------------------------------------------------ values

_AWARE = timezone(timedelta(hours=8))

WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([2**31, 2**63, -(2**63) - 1, 10**30, 0, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0, 0.5]),
    st.decimals(allow_nan=True, allow_infinity=True, places=3),
    st.text(max_size=12),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "So"]), max_size=6),
    st.sampled_from(["", " ", "12", "1e999", "nan", "-inf", "2025-06-10", "09:00", "１２", "true", "None",
                     "![x](http://203.0.113.9/a.png)", "a\x00b", "x" * 3000, "社区", "#1"]),
    st.binary(max_size=8),
    st.lists(st.integers(-3, 3), max_size=3),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(-3, 3), max_size=2),
    st.tuples(st.integers(), st.text(max_size=2)),
    st.sets(st.integers(-3, 3), max_size=2),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(timezones=st.sampled_from([None, UTC, _AWARE])),
    st.times(),
    st.timedeltas(),
    st.builds(object),
)


def right(example: Any) -> st.SearchStrategy[Any]:
    """Values of the same type as ``example`` (a valid value of the slot), edges included."""
    if isinstance(example, bool):
        return st.booleans()
    if isinstance(example, int):
        return st.one_of(st.integers(-5, 5), st.integers(-(2**40), 2**40), st.just(example))
    if isinstance(example, float):
        return st.one_of(st.floats(-1e6, 1e6), st.floats(allow_nan=True, allow_infinity=True), st.just(example))
    if isinstance(example, datetime):
        return st.datetimes()
    if isinstance(example, date):
        return st.one_of(st.dates(), st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 1, 1)))
    if isinstance(example, time):
        return st.times()
    if isinstance(example, str):
        return st.one_of(st.text(max_size=30), st.just(example), st.just(""), st.text(min_size=90, max_size=300))
    if isinstance(example, Decimal):
        return st.decimals(allow_nan=True)
    if isinstance(example, list | set):
        return st.one_of(st.just(type(example)()), st.lists(st.integers(-2, 50), max_size=3).map(type(example)),
                         st.lists(st.text(max_size=4), max_size=3).map(type(example)))
    if isinstance(example, dict):
        return st.dictionaries(st.integers(-2, 50), st.integers(-2, 5), max_size=3)
    return st.nothing()


def value_for(example: Any) -> st.SearchStrategy[Any]:
    """A replacement: mostly of a wrong type, sometimes of the right one."""
    same = right(example)
    return st.one_of(WRONG, same, same) if same is not st.nothing() else WRONG
