"""The one read rule per table (db/scope.py ``Scope.where``): on a small world of two streets × two communities
and four organisations, every scope sees exactly the rows its rule names, for every table in ``_RULES`` and for
the tables of the default rule (street_id / community_id / organization_id columns). Also the street a scope
lies in, which bounds what a write may refer to (db/places/resolve.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.migrate import upgrade
from db.models import (
    Activity,
    Brand,
    CharityNeed,
    CharityResource,
    Community,
    Compound,
    Donation,
    MediationCase,
    Organization,
    OrgGrade,
    PlaceYear,
    Project,
    ReportedIndicator,
    ServiceRecord,
    ServiceSpace,
    SocialWorker,
    Street,
    Training,
    Volunteer,
    VolunteerTeam,
)
from db.places.resolve import street_of_scope
from db.scope import _RULES, ALL, Scope

DAY = date(2025, 5, 6)


@dataclass
class World:
    """Ids by tag. Streets s1, s2; communities a1, a2 (s1) and b1, b2 (s2); organisations o1 (s1, based in a1),
    o2 (s1, no community), o3 (s2, based in b1), o4 (s2, no community); ``rows[table][id] = tag``."""

    ids: dict[str, int]
    rows: dict[Any, dict[int, str]]


# The scopes every rule is checked under: each level alone, and the two combined scopes the page filters build
# for an organisation's user (its street, or a community of its street, chosen in the filter).
SCOPES: dict[str, Any] = {
    "all": lambda i: ALL,
    "s1": lambda i: Scope(street_id=i["s1"]),
    "s2": lambda i: Scope(street_id=i["s2"]),
    "a1": lambda i: Scope(community_id=i["a1"]),
    "a2": lambda i: Scope(community_id=i["a2"]),
    "b1": lambda i: Scope(community_id=i["b1"]),
    "o1": lambda i: Scope(organization_id=i["o1"]),
    "o2": lambda i: Scope(organization_id=i["o2"]),
    "o3": lambda i: Scope(organization_id=i["o3"]),
    "s1+o1": lambda i: Scope(street_id=i["s1"], organization_id=i["o1"]),
    "a2+o1": lambda i: Scope(community_id=i["a2"], organization_id=i["o1"]),
}

# Places of the rows of the default-rule tables: (street, community, organisation) by tag.
PLACES = {
    "s1": ("s1", None, None), "a1": ("s1", "a1", None), "a1o1": ("s1", "a1", "o1"), "a2": ("s1", "a2", None),
    "o2": ("s1", None, "o2"), "b1o3": ("s2", "b1", "o3"), "b2": ("s2", "b2", None),
}


def _place(ids: dict[str, int], tag: str) -> dict[str, int | None]:
    street, community, org = PLACES[tag]
    return {"street_id": ids[street], "community_id": ids.get(community or ""),
            "organization_id": ids.get(org or "")}


def _default_rows(s, ids: dict[str, int]) -> dict[Any, dict[int, str]]:
    """One row per place in every table of the default rule."""
    made: dict[Any, list[tuple[Any, str]]] = {}
    for n, tag in enumerate(PLACES):
        place = _place(ids, tag)
        volunteer = Volunteer(name=f"志愿者{tag}", registered_on=DAY, **place)
        activity = Activity(title=f"活动{tag}", type="联动服务", starts_at=datetime(2025, 5, 6, 9),
                            ends_at=datetime(2025, 5, 6, 11), **place)
        s.add_all([volunteer, activity])
        s.flush()
        record = ServiceRecord(volunteer_id=volunteer.id, activity_id=activity.id, hours=1.0,
                               service_date=DAY, **place)
        rows = [volunteer, activity, record,
                VolunteerTeam(name=f"队伍{tag}", **place),
                SocialWorker(name=f"社工{tag}", level="社会工作师", **place),
                Project(name=f"项目{tag}", area="志愿互助", **place),
                MediationCase(received_on=DAY, type="邻里", source="纠纷", outcome="处理中", people_involved=2,
                              **place),
                Donation(donor_name=f"捐赠人{n}", donor_type="个人", amount_yuan=100, donated_on=DAY, **place)]
        s.add_all(rows)
        for row in rows:
            made.setdefault(type(row), []).append((row, tag))
    s.flush()
    return {model: {row.id: tag for row, tag in pairs} for model, pairs in made.items()}


def build(engine) -> World:
    with session_scope(engine, write=True) as s:
        ids: dict[str, int] = {}
        rows: dict[Any, dict[int, str]] = {}

        def add(model: Any, tag: str, **values: Any) -> Any:
            row = model(**values)
            s.add(row)
            s.flush()
            rows.setdefault(model, {})[row.id] = tag
            return row

        for tag in ("s1", "s2"):
            ids[tag] = add(Street, tag, name=f"范围街道{tag}").id
        for tag, street in (("a1", "s1"), ("a2", "s1"), ("b1", "s2"), ("b2", "s2")):
            ids[tag] = add(Community, tag, name=f"范围社区{tag}", street_id=ids[street]).id
            add(Compound, tag, name=f"小区{tag}", community_id=ids[tag])
            add(ServiceSpace, tag, name=f"阵地{tag}", community_id=ids[tag])
        for tag, street, community in (("o1", "s1", "a1"), ("o2", "s1", None), ("o3", "s2", "b1"),
                                       ("o4", "s2", None)):
            ids[tag] = add(Organization, tag, name=f"机构{tag}", kind="社会组织", street_id=ids[street],
                           community_id=ids.get(community or "")).id
            add(OrgGrade, tag, organization_id=ids[tag], grade="3A", awarded_on=DAY, expires_on=date(2030, 5, 5))
        for tag, street, org in (("t_s1o1", "s1", "o1"), ("t_s1", "s1", None), ("t_s1o2", "s1", "o2"),
                                 ("t_s2o3", "s2", "o3"), ("t_s2", "s2", None)):
            add(Training, tag, title=f"培训{tag}", street_id=ids[street], organization_id=ids.get(org or ""),
                held_on=DAY)
        for tag, street, community, org in (("r_s1", "s1", None, None), ("r_a1", "s1", "a1", None),
                                            ("r_o1", "s1", None, "o1"), ("r_o2", None, None, "o2"),
                                            ("r_s2", "s2", None, None), ("r_b1o3", "s2", "b1", "o3")):
            add(ReportedIndicator, tag, subject=tag, metric="服务人次", value=1, as_of=DAY, source="年报",
                street_id=ids.get(street or ""), community_id=ids.get(community or ""),
                organization_id=ids.get(org or ""))
        for tag, street, community in (("c_s1", "s1", None), ("c_a1", "s1", "a1"), ("c_a2", "s1", "a2"),
                                       ("c_s2", "s2", None), ("c_b1", "s2", "b1")):
            place = {"street_id": ids[street], "community_id": ids.get(community or "")}
            add(CharityResource, tag, provider_name="爱心企业", provider_type="企业", kind="物资", title=tag,
                amount=1, unit="份", offered_on=DAY, **place)
            add(CharityNeed, tag, title=tag, category="物资", amount=1, unit="份", filed_on=DAY, **place)
        for tag, street, community, org in (("br_s1", "s1", None, None), ("br_a1", "s1", "a1", None),
                                            ("br_o1", None, None, "o1"), ("br_o1s", "s1", "a2", "o1"),
                                            ("br_s2", "s2", None, None), ("br_o3", "s2", "b1", "o3")):
            add(Brand, tag, name=tag, street_id=ids.get(street or ""), community_id=ids.get(community or ""),
                organization_id=ids.get(org or ""))
        for tag, street, community in (("py_s1", "s1", None), ("py_a1", "s1", "a1"), ("py_s2", "s2", None),
                                       ("py_b1", "s2", "b1")):  # 2001: a year no record of this world is in
            add(PlaceYear, tag, year=date(2001, 1, 1), street_id=ids[street], community_id=ids.get(community or ""))
        rows.update(_default_rows(s, ids))
    return World(ids, rows)


@pytest.fixture(scope="module")
def world(databases):
    engine = databases.new()
    upgrade(engine)
    return engine, build(engine)


def seen(engine, w: World, model: Any) -> dict[str, set[str]]:
    """Scope name → the tags of the rows of ``model`` that ``Scope.where(model)`` keeps."""
    key = model.__table__.primary_key.columns[0]
    out = {}
    with session_scope(engine) as s:
        for name, make in SCOPES.items():
            ids = s.execute(select(key).where(key.in_(list(w.rows[model])), *make(w.ids).where(model))).scalars()
            out[name] = {w.rows[model][i] for i in ids}
    return out


ORGS = {"o1", "o2", "o3", "o4"}
COMMUNITIES = {"a1", "a2", "b1", "b2"}
# What each scope sees, table by table (the rule's comment in db/scope.py says why).
EXPECTED: dict[Any, dict[str, set[str]]] = {
    # An organisation scope is the organisation itself; a community scope the organisations based there.
    Organization: {"all": ORGS, "s1": {"o1", "o2"}, "s2": {"o3", "o4"}, "a1": {"o1"}, "a2": set(), "b1": {"o3"},
                   "o1": {"o1"}, "o2": {"o2"}, "o3": {"o3"}, "s1+o1": {"o1"}, "a2+o1": set()},
    # A grade follows its organisation.
    OrgGrade: {"all": ORGS, "s1": {"o1", "o2"}, "s2": {"o3", "o4"}, "a1": {"o1"}, "a2": set(), "b1": {"o3"},
               "o1": {"o1"}, "o2": {"o2"}, "o3": {"o3"}, "s1+o1": {"o1"}, "a2+o1": set()},
    # A training is a street's and its organiser's; a community's when the organiser is based there.
    Training: {"all": {"t_s1o1", "t_s1", "t_s1o2", "t_s2o3", "t_s2"}, "s1": {"t_s1o1", "t_s1", "t_s1o2"},
               "s2": {"t_s2o3", "t_s2"}, "a1": {"t_s1o1"}, "a2": set(), "b1": {"t_s2o3"}, "o1": {"t_s1o1"},
               "o2": {"t_s1o2"}, "o3": {"t_s2o3"}, "s1+o1": {"t_s1o1"}, "a2+o1": set()},
    # The street itself, or the street of the community or organisation.
    Street: {"all": {"s1", "s2"}, "s1": {"s1"}, "s2": {"s2"}, "a1": {"s1"}, "a2": {"s1"}, "b1": {"s2"},
             "o1": {"s1"}, "o2": {"s1"}, "o3": {"s2"}, "s1+o1": {"s1"}, "a2+o1": {"s1"}},
    # An organisation sees the communities of its street.
    Community: {"all": COMMUNITIES, "s1": {"a1", "a2"}, "s2": {"b1", "b2"}, "a1": {"a1"}, "a2": {"a2"},
                "b1": {"b1"}, "o1": {"a1", "a2"}, "o2": {"a1", "a2"}, "o3": {"b1", "b2"}, "s1+o1": {"a1", "a2"},
                "a2+o1": {"a2"}},
    # A reported figure: the narrowest level the scope names decides (community, else organisation, else street).
    ReportedIndicator: {"all": {"r_s1", "r_a1", "r_o1", "r_o2", "r_s2", "r_b1o3"}, "s1": {"r_s1", "r_a1", "r_o1"},
                        "s2": {"r_s2", "r_b1o3"}, "a1": {"r_a1"}, "a2": set(), "b1": {"r_b1o3"}, "o1": {"r_o1"},
                        "o2": {"r_o2"}, "o3": {"r_b1o3"}, "s1+o1": {"r_o1"}, "a2+o1": set()},
    # The charity library: a street's or a community's; an organisation sees its street's.
    CharityResource: {"all": {"c_s1", "c_a1", "c_a2", "c_s2", "c_b1"}, "s1": {"c_s1", "c_a1", "c_a2"},
                      "s2": {"c_s2", "c_b1"}, "a1": {"c_a1"}, "a2": {"c_a2"}, "b1": {"c_b1"},
                      "o1": {"c_s1", "c_a1", "c_a2"}, "o2": {"c_s1", "c_a1", "c_a2"}, "o3": {"c_s2", "c_b1"},
                      "s1+o1": {"c_s1", "c_a1", "c_a2"}, "a2+o1": {"c_a2"}},
    # An organisation's brands are its own wherever filed; otherwise by street and community.
    Brand: {"all": {"br_s1", "br_a1", "br_o1", "br_o1s", "br_s2", "br_o3"}, "s1": {"br_s1", "br_a1", "br_o1s"},
            "s2": {"br_s2", "br_o3"}, "a1": {"br_a1"}, "a2": {"br_o1s"}, "b1": {"br_o3"}, "o1": {"br_o1", "br_o1s"},
            "o2": set(), "o3": {"br_o3"}, "s1+o1": {"br_o1", "br_o1s"}, "a2+o1": {"br_o1", "br_o1s"}},
    # A place's sums over every organisation: by street and community; an organisation scope sees none of them.
    PlaceYear: {"all": {"py_s1", "py_a1", "py_s2", "py_b1"}, "s1": {"py_s1", "py_a1"}, "s2": {"py_s2", "py_b1"},
                "a1": {"py_a1"}, "a2": set(), "b1": {"py_b1"}, "o1": set(), "o2": set(), "o3": set(), "s1+o1": set(),
                "a2+o1": set()},
}
EXPECTED[CharityNeed] = EXPECTED[CharityResource]
EXPECTED[Compound] = EXPECTED[ServiceSpace] = EXPECTED[Community]  # they hang off a community
# The default rule: every level the scope fixes must match the row's column.
DEFAULT_EXPECTED = {
    "all": set(PLACES), "s1": {"s1", "a1", "a1o1", "a2", "o2"}, "s2": {"b1o3", "b2"}, "a1": {"a1", "a1o1"},
    "a2": {"a2"}, "b1": {"b1o3"}, "o1": {"a1o1"}, "o2": {"o2"}, "o3": {"b1o3"}, "s1+o1": {"a1o1"}, "a2+o1": set(),
}
DEFAULT_TABLES = (Activity, ServiceRecord, Volunteer, VolunteerTeam, SocialWorker, Project, MediationCase, Donation)


def test_every_rule_is_tested():
    assert set(_RULES) == set(EXPECTED)
    assert not set(DEFAULT_TABLES) & set(_RULES)


@pytest.mark.parametrize("model", list(EXPECTED), ids=lambda m: m.__name__)
def test_each_scope_sees_exactly_the_rows_of_its_table_rule(world, model):
    engine, w = world
    assert seen(engine, w, model) == EXPECTED[model]


@pytest.mark.parametrize("model", DEFAULT_TABLES, ids=lambda m: m.__name__)
def test_each_scope_sees_exactly_the_rows_of_the_default_rule(world, model):
    engine, w = world
    assert seen(engine, w, model) == DEFAULT_EXPECTED


def test_the_street_of_each_scope(world):
    engine, w = world
    streets = {v: k for k, v in w.ids.items() if k in ("s1", "s2")}
    with session_scope(engine) as s:
        got = {name: streets.get(street_of_scope(s, make(w.ids))) for name, make in SCOPES.items()}
    assert got == {"all": None, "s1": "s1", "s2": "s2", "a1": "s1", "a2": "s1", "b1": "s2", "o1": "s1", "o2": "s1",
                   "o3": "s2", "s1+o1": "s1", "a2+o1": "s1"}
