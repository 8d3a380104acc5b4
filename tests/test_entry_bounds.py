"""Every form's limits live in its write service, not in a widget (issue 10): the forms no longer clamp numbers,
cut text or grey out later days, so each value a widget used to bound reaches the service — and the service must
refuse it with a Chinese message naming the field and the limit, writing nothing. One case per field that a form's
widget bounded (min_value / max_value / max_chars / a date's max_value), through the valid calls of
tests/service_catalog.py (today = 2025-06-30)."""

from __future__ import annotations

import ast
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from db.migrate import upgrade
from db.places import writes as places
from db.write import run_write
from tests import service_catalog as cat
from tests.asserts import assert_refused

FUTURE = cat.TODAY + timedelta(days=1)
SPECS = {spec.name: spec for spec in cat.SPECS}


@dataclass(frozen=True)
class Case:
    form: str  # the form (and its page) whose widget bounded the value
    service: str
    field: str  # the refused field
    change: Callable[[dict[str, Any]], dict[str, Any]]  # the valid kwargs → with one value out of range
    words: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.service}-{self.field}"


def data(**values: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda kwargs: {**kwargs, "data": replace(kwargs["data"], **values)}


def args(**values: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda kwargs: {**kwargs, **values}


def long(n: int) -> str:
    return "字" * n


CASES = [
    # 志愿者 › 登记/修改志愿者
    Case("志愿者", "create_volunteer", "name", data(name=long(31)), ("30",)),
    Case("志愿者", "create_volunteer", "birth_year", data(birth_year=1800)),
    Case("志愿者", "create_volunteer", "birth_year", data(birth_year=2999)),
    Case("志愿者", "create_volunteer", "registered_on", data(registered_on=FUTURE)),
    Case("志愿者", "create_volunteer", "registered_on", data(registered_on=date(1999, 12, 31))),
    Case("志愿者", "update_volunteer", "birth_year", data(birth_year=2999)),
    # 志愿者 › 队伍
    Case("队伍", "create_team", "team_name", data(name=long(61)), ("60",)),
    Case("队伍", "create_team", "founded_year", data(founded_year=1900)),
    Case("队伍", "create_team", "founded_year", data(founded_year=2999)),
    Case("队伍", "create_team", "description", data(description=long(501)), ("500",)),
    # 志愿者 › 补录荣誉时长
    Case("补录", "backfill_hours", "hours", data(hours=-2)),
    Case("补录", "backfill_hours", "hours", data(hours=30)),
    Case("补录", "backfill_hours", "reason", data(reason=long(201)), ("200",)),
    # 系统管理 › 星级标准 (its levels table had a minimum of 0)
    Case("星级标准", "save_preset", "preset_name", args(name=long(31)), ("30",)),
    Case("星级标准", "save_preset", "levels", args(levels=[cat.star_writes.LevelInput("一星", -10)])),
    # 慈善资源 › 资源、需求、捐赠、对接、完成
    Case("资源", "offer_resource", "title", data(title=long(101)), ("100",)),
    Case("资源", "offer_resource", "provider_name", data(provider_name=long(81)), ("80",)),
    Case("资源", "offer_resource", "amount", data(amount=-1)),
    Case("资源", "offer_resource", "unit", data(unit=long(11)), ("10",)),
    Case("资源", "offer_resource", "offered_on", data(offered_on=FUTURE)),
    Case("资源", "offer_resource", "lng", data(lng=200, lat=30)),
    Case("资源", "offer_resource", "lat", data(lng=120, lat=100)),
    Case("需求", "file_need", "title", data(title=long(101)), ("100",)),
    Case("需求", "file_need", "amount", data(amount=-1)),
    Case("需求", "file_need", "unit", data(unit=long(11)), ("10",)),
    Case("需求", "file_need", "filed_on", data(filed_on=FUTURE)),
    Case("捐赠", "record_donation", "donor_name", data(donor_name=long(81)), ("80",)),
    Case("捐赠", "record_donation", "amount_yuan", data(amount_yuan=-5)),
    Case("捐赠", "record_donation", "items", data(is_money=False, items=long(201)), ("200",)),
    Case("捐赠", "record_donation", "quantity", data(is_money=False, items="米面油", quantity=-1)),
    Case("捐赠", "record_donation", "recipient", data(recipient=long(81)), ("80",)),
    Case("捐赠", "record_donation", "donated_on", data(donated_on=FUTURE)),
    Case("对接", "match_need", "match_amount", args(amount=-1)),
    Case("对接", "match_need", "matched_on", args(matched_on=FUTURE)),
    Case("完成", "complete_need", "completed_on", args(completed_on=FUTURE)),
    # 社会组织与社工 › 机构、评级、分数段、社工、培训、调解
    Case("机构", "create_organization", "name", data(name=long(81)), ("80",)),
    Case("机构", "create_organization", "founded_year", data(founded_year=1800)),
    Case("机构", "create_organization", "founded_year", data(founded_year=2999)),
    Case("机构", "create_organization", "description", data(description=long(1001)), ("1000",)),
    Case("评级", "create_grade", "awarded_on", data(awarded_on=FUTURE)),
    Case("评级", "create_grade", "score", data(score=-1)),
    Case("评级", "create_grade", "score", data(score=1001)),
    Case("分数段", "update_grade_bands", "5A", args(bands={"5A": 1001, "4A": 850, "3A": 750, "2A": 650, "1A": 550})),
    Case("分数段", "update_grade_bands", "1A", args(bands={"5A": 950, "4A": 850, "3A": 750, "2A": 650, "1A": -1})),
    Case("社工", "create_social_worker", "name", data(name=long(31)), ("30",)),
    Case("社工", "create_social_worker", "title", data(title=long(101)), ("100",)),
    Case("社工", "create_social_worker", "certified_year", data(certified_year=1999)),
    Case("社工", "create_social_worker", "certified_year", data(certified_year=2999)),
    Case("社工", "create_social_worker", "training_hours", data(training_hours=-1)),
    Case("社工", "create_social_worker", "training_hours", data(training_hours=10_001)),
    Case("培训", "create_training", "title", data(title=long(101)), ("100",)),
    Case("培训", "create_training", "held_on", data(held_on=FUTURE)),
    Case("培训", "create_training", "sessions", data(sessions=0)),
    Case("培训", "create_training", "sessions", data(sessions=1001)),
    Case("培训", "create_training", "trainees", data(trainees=-1)),
    Case("培训", "create_training", "trainees", data(trainees=100_001)),
    Case("培训", "create_training", "hours", data(hours=-1)),
    Case("培训", "create_training", "hours", data(hours=10_001)),
    Case("调解", "create_mediation_case", "received_on", data(received_on=FUTURE)),
    Case("调解", "create_mediation_case", "people_involved", data(people_involved=-1)),
    Case("调解", "create_mediation_case", "people_involved", data(people_involved=100_001)),
    Case("调解", "create_mediation_case", "location", data(location=long(61)), ("60",)),
    Case("调解", "conclude_mediation_case", "resolved_on", args(resolved_on=FUTURE)),
    # 项目成效 › 项目、目标、引用指标
    Case("项目", "create_project", "name", data(name=long(81)), ("80",)),
    Case("项目", "create_project", "description", data(description=long(2001)), ("2000",)),
    Case("指标", "create_indicator", "subject", data(subject=long(81)), ("80",)),
    Case("指标", "create_indicator", "metric", data(metric=long(61)), ("60",)),
    Case("指标", "create_indicator", "unit", data(unit=long(11)), ("10",)),
    Case("指标", "create_indicator", "as_of", data(as_of=FUTURE)),
    Case("指标", "create_indicator", "source", data(source=long(201)), ("200",)),
    Case("指标", "create_indicator", "note", data(note=long(301)), ("300",)),
]


@pytest.fixture(scope="module")
def ctx(databases):
    import db.auth

    saved, db.auth._hasher = db.auth._hasher, PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    engine = databases.new()
    upgrade(engine)
    try:
        yield cat.build(engine)
    finally:
        db.auth._hasher = saved
        engine.dispose()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_value_a_widget_used_to_bound_is_refused_by_the_service(ctx, case):
    spec = SPECS[case.service]
    kwargs = case.change(spec.prepare(ctx, "A"))
    assert_refused(ctx.engine, lambda: cat.call(ctx, spec, ctx.admin, kwargs), case.field, *case.words)


# 系统管理 › 基础数据: streets, communities, compounds (db/places/writes.py)
PLACE_CASES = [
    ("create_street", "name", {"name": long(61)}, ("60",)),
    ("create_street", "province", {"province": long(31)}, ("30",)),
    ("create_community", "name", {"name": long(61)}, ("60",)),
    ("create_community", "founded_year", {"founded_year": 1900}, ()),
    ("create_community", "founded_year", {"founded_year": 2999}, ()),
    ("create_community", "population", {"population": -1}, ()),
    ("create_community", "population", {"population": places.MAX_POPULATION + 1}, ()),
    ("create_community", "households", {"population": None, "households": places.MAX_HOUSEHOLDS + 1}, ()),
    ("create_community", "area_km2", {"area_km2": -1.0}, ()),
    ("create_community", "area_km2", {"area_km2": places.MAX_AREA_KM2 + 1}, ()),
    ("create_community", "party_secretary", {"party_secretary": long(31)}, ("30",)),
    ("create_community", "service_brand", {"service_brand": long(61)}, ("60",)),
    ("create_community", "pilot_status", {"pilot_status": long(201)}, ("200",)),
    ("create_community", "description", {"description": long(2001)}, ("2000",)),
    ("create_compound", "name", {"name": long(61)}, ("60",)),
    ("create_compound", "households", {"households": -1}, ()),
]


def _place_input(ctx, service: str, values: dict[str, Any]) -> Any:
    n = ctx.seq()
    if service == "create_street":
        return places.StreetInput(**{"name": f"边界街道{n}", "province": "山东省", "city": "青岛市",
                                     "district": "黄岛区", "district_code": "370211", **values})
    if service == "create_community":
        return places.CommunityInput(**{"street_id": ctx.street["A"], "name": f"边界社区{n}", "founded_year": 2003,
                                        "population": 12000, "households": 4100, "area_km2": 2.5, **values})
    return places.CompoundInput(**{"community_id": ctx.community["A"], "name": f"边界小区{n}", **values})


@pytest.mark.parametrize(("service", "field", "values", "words"), PLACE_CASES,
                         ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(PLACE_CASES)])
def test_a_place_value_a_widget_used_to_bound_is_refused_by_the_service(ctx, service, field, values, words):
    fn = getattr(places, service)
    extra = {"today": cat.TODAY} if service == "create_community" else {}
    data_ = _place_input(ctx, service, values)
    assert_refused(ctx.engine, lambda: run_write(ctx.engine, None, lambda s: fn(
        session=s, user=ctx.admin, data=data_, idempotency_key=uuid.uuid4().hex, **extra)), field, *words)


# ------------------------------------------------------------------------------------------ the widgets

ROOT = Path(__file__).resolve().parent.parent
FORM_FILES = sorted({*ROOT.glob("components/*/forms.py"), *ROOT.glob("components/activities/*.py"),
                     ROOT / "components/admin/reference.py"})
WIDGETS = {"text_input", "text_area", "number_input", "date_input", "NumberColumn", "TextColumn"}
BOUNDS = {"max_chars", "min_value", "max_value"}
# Forms that are not records (a user's own login and password) keep Enter-to-submit.
ENTER_SUBMITS = {"components/page.py"}


def _calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node.func.attr, node


def test_no_form_widget_bounds_what_is_typed():
    found = [f"{path.relative_to(ROOT)}:{call.lineno} {name}({kw.arg}=…)" for path in FORM_FILES
             for name, call in _calls(path) if name in WIDGETS
             for kw in call.keywords if kw.arg in BOUNDS]
    assert found == []


def test_every_date_field_of_a_form_takes_any_day():
    found = [f"{path.relative_to(ROOT)}:{call.lineno}" for path in FORM_FILES for name, call in _calls(path)
             if name == "date_input" and not any(kw.arg is None and ast.unparse(kw.value) == "ANY_DAY"
                                                 for kw in call.keywords)]
    assert found == []


def test_enter_never_submits_a_record_form():
    found = []
    for path in sorted(ROOT.glob("components/**/*.py")):
        if str(path.relative_to(ROOT)) in ENTER_SUBMITS:
            continue
        for name, call in _calls(path):
            if name == "form" and not any(kw.arg == "enter_to_submit" and ast.unparse(kw.value) == "False"
                                          for kw in call.keywords):
                found.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert found == []
