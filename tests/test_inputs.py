"""db.inputs.typed_inputs: a write service's annotations are the contract for the types of its inputs (issue 14).
Pure functions, no database; tests/test_fuzz_services.py proves it over every real service on both backends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal

import pytest

from db.errors import ValidationFailed
from db.inputs import INT_LIMIT, typed_inputs


@dataclass
class Row:
    volunteer_id: int | None
    hours: float | None


@dataclass
class Form:
    title: str | None
    activity_date: date | None
    start_time: time | None = None
    rows: list[Row] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)
    people_served: Any = 0


@typed_inputs
def service(*, session: object, user: object, data: Form, expected_version: int, approve: bool = True,
            mode: Literal["a", "b"] = "a", amount: Decimal | None = None) -> str:
    return "written"


def ok(**kwargs: Any) -> str:
    base: dict[str, Any] = {"session": None, "user": None, "data": Form("邻里互助", date(2025, 6, 1)),
                            "expected_version": 1}
    return service(**{**base, **kwargs})


def refused(**kwargs: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as exc:
        ok(**kwargs)
    return exc.value.errors


def test_values_of_the_annotated_types_pass_through():
    assert ok() == "written"
    assert ok(data=Form(None, None, time(9), [Row(3, 2), Row(None, None), Row(4, Decimal("1.5"))], {"a"},
                        people_served="12")) == "written"
    assert ok(mode="b", amount=Decimal("3"), expected_version=INT_LIMIT) == "written"


@pytest.mark.parametrize(("kwargs", "field_name", "words"), [
    ({"expected_version": True}, "expected_version", "「版本号」须为整数"),
    ({"expected_version": 2**70}, "expected_version", "超出范围"),
    ({"expected_version": "1"}, "expected_version", "须为整数"),
    ({"expected_version": 1.0}, "expected_version", "须为整数"),
    ({"approve": 1}, "approve", "须为“是”或“否”"),
    ({"mode": "c"}, "mode", "不是可选的值"),
    ({"amount": Decimal("sNaN")}, "amount", "不是数字"),
    ({"amount": [1]}, "amount", "须为数字"),
    ({"data": Form(True, date(2025, 6, 1))}, "title", "「活动名称」须为文字"),
    ({"data": Form("t", datetime(2025, 6, 1, 9))}, "activity_date", "「活动日期」须为日期（不含时间）"),
    ({"data": Form("t", None, start_time="09:00")}, "start_time", "须为时间"),
    ({"data": Form("t", None, rows=True)}, "rows", "须为一组值"),
    ({"data": Form("t", None, rows=[Row(2**40, 1)])}, "volunteer_id", "超出范围"),
    ({"data": Form("t", None, rows=[{"volunteer_id": 1}])}, "rows", "格式不对"),
    ({"data": Form("t", None, tags={1})}, "tags", "须为文字"),
    ({"data": {"title": "t"}}, "data", "格式不对"),
])
def test_a_value_of_a_wrong_type_is_refused_naming_the_field(kwargs, field_name, words):
    errors = refused(**kwargs)
    assert list(errors) == [field_name]
    assert words in errors[field_name]


def test_every_wrong_field_is_named_at_once():
    errors = refused(expected_version=None, approve="yes", data=Form(1, 2))
    assert set(errors) == {"expected_version", "approve", "title", "activity_date"}
    assert errors["expected_version"] == "「版本号」不能为空"


def test_a_caller_mistake_is_a_type_error_not_a_user_message():
    with pytest.raises(TypeError):
        service(session=None, user=None, data=Form("t", None))  # expected_version missing
