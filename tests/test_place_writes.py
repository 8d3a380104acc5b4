"""Reference data (db.places.writes, db.places.reference): streets, communities and compounds, admin-only in db,
every field checked (「字段」原因) before anything is written, audited with old and new values, stale edits refused."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select

from db import geo
from db.admin.audit import audit_changes
from db.engine import session_scope
from db.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from db.models import AuditLog, Community, Compound, Street
from db.places import reference
from db.places import writes as places
from db.places.writes import CommunityInput, CompoundInput, StreetInput
from db.write import data_version
from tests.factories import build_world, make_user

TODAY = date(2026, 6, 15)
_n = itertools.count(1)


@pytest.fixture
def world(engine):
    return build_world(engine, n_volunteers=1)


def key() -> str:
    return uuid.uuid4().hex


def run(engine, service: Callable, **kwargs):
    with session_scope(engine, write=True) as session:
        return service(session=session, **kwargs)


def state(engine) -> tuple:
    """Everything a refused write must leave as it was: every place row, the audit log's length, the data version."""
    with session_scope(engine) as session:
        return (
            [s.model_dump() for s in session.exec(select(Street).order_by(Street.id)).scalars()],
            [c.model_dump() for c in session.exec(select(Community).order_by(Community.id)).scalars()],
            [c.model_dump() for c in session.exec(select(Compound).order_by(Compound.id)).scalars()],
            session.execute(select(func.count()).select_from(AuditLog)).scalar_one(),
            data_version(session),
        )


def refused(engine, call: Callable[[], object], field: str, *words: str) -> ValidationFailed:
    """``call`` raises ValidationFailed naming ``field`` with every word in ``words``, and nothing changes."""
    before = state(engine)
    with pytest.raises(ValidationFailed) as info:
        call()
    message = info.value.errors.get(field, "")
    assert message.startswith("「"), info.value.errors
    for word in words:
        assert word in message, (word, info.value.errors)
    assert state(engine) == before
    return info.value


def street_input(**values) -> StreetInput:
    return StreetInput(**{"name": f"新建街道{next(_n)}", "province": "山东省", "city": "青岛市",
                          "district": "黄岛区", "district_code": "370211", **values})


def community_input(street_id: int | None = None, **values) -> CommunityInput:
    return CommunityInput(**{"street_id": street_id, "name": f"新建社区{next(_n)}", "founded_year": 2003,
                             "population": 12000, "households": 4100, "area_km2": 2.5, "party_secretary": "王书记",
                             "service_brand": "港好有你", "pilot_status": "区级试点", **values})


def audit_of(engine, table: str, record_id: int) -> list[AuditLog]:
    with session_scope(engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.table_name == table, AuditLog.record_id == record_id)
                                 .order_by(AuditLog.id)).scalars())


# ------------------------------------------------------------------------------------------ streets


def test_admin_creates_a_street_audited(engine, world):
    data = street_input(lng="120.198", lat="35.960")
    street_id = run(engine, places.create_street, user=world.admin, data=data, idempotency_key=key())
    with session_scope(engine) as session:
        row = session.get(Street, street_id)
        assert (row.name, row.district_code, row.city, row.lng, row.lat) == (data.name, "370211", "青岛市", 120.198,
                                                                               35.96)
        assert row.is_demo is False and row.version == 1
    rows = audit_of(engine, "street", street_id)
    assert [r.action for r in rows] == ["create"] and rows[0].user_id == world.admin.id
    assert rows[0].new_values["district_code"] == "370211"


def test_a_repeated_submission_creates_one_street(engine, world):
    token, data = key(), street_input()
    first = run(engine, places.create_street, user=world.admin, data=data, idempotency_key=token)
    second = run(engine, places.create_street, user=world.admin, data=data, idempotency_key=token)
    assert first == second
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(Street).where(Street.name == data.name)).scalar_one() == 1


@pytest.mark.parametrize(("code", "words"), [
    ("", ("不能为空",)),
    ("37021", ("6 位数字",)),
    ("37021a", ("6 位数字",)),
    ("３７０２１１", ("6 位数字",)),  # full-width digits are not an ASCII code
    ("999999", ("999999", "没有区县边界")),
    ("370000", ("370000", "省级")),  # a province has a boundary too, but a street lies in a district
])
def test_bad_district_code_is_refused_and_nothing_is_written(engine, world, code, words):
    refused(engine, lambda: run(engine, places.create_street, user=world.admin,
                                data=street_input(district_code=code), idempotency_key=key()),
            "district_code", "「行政区划代码」", *words)


def test_the_district_codes_of_the_demo_streets_have_boundaries():
    assert places.district_code_problem("370211") is None  # 黄岛区 (薛家岛街道)
    assert places.district_code_problem("330113") is None  # 临平区 (乔司街道)


def test_duplicate_street_name_is_refused(engine, world):
    refused(engine, lambda: run(engine, places.create_street, user=world.admin,
                                data=street_input(name="薛家岛街道"), idempotency_key=key()),
            "name", "「街道名称」", "已存在")


def test_street_edit_is_versioned_and_audited_with_old_and_new_values(engine, world):
    with session_scope(engine) as session:
        opened, version = reference.street_for_edit(session, world.admin, world.street2)
    opened.district_code, opened.district = "330113", "临平区"
    assert run(engine, places.update_street, user=world.admin, street_id=world.street2, expected_version=version,
               data=opened) is True
    with session_scope(engine) as session:
        row = session.get(Street, world.street2)
        assert (row.district_code, row.district, row.version) == ("330113", "临平区", version + 1)
    entry = audit_of(engine, "street", world.street2)[-1]
    assert entry.action == "update"
    with session_scope(engine) as session:
        changes = audit_changes(session, world.admin, entry.id)
    shown = {r["字段"]: (r["原值"], r["新值"]) for r in changes.to_dict("records")}
    assert shown == {"行政区划代码": ("370211", "330113"), "区县": ("—", "临平区"), "版本": (str(version),
                                                                                    str(version + 1))}
    # The same form submitted again (the version it was opened at is gone): refused, nothing written.
    before = state(engine)
    opened.district = "余杭区"
    with pytest.raises(StaleEdit):
        run(engine, places.update_street, user=world.admin, street_id=world.street2, expected_version=version,
            data=opened)
    assert state(engine) == before


def test_an_unchanged_street_writes_nothing(engine, world):
    with session_scope(engine) as session:
        opened, version = reference.street_for_edit(session, world.admin, world.street1)
    before = state(engine)
    assert run(engine, places.update_street, user=world.admin, street_id=world.street1, expected_version=version,
               data=opened) is False
    assert state(engine)[:4] == before[:4]


# ------------------------------------------------------------------------------------------ communities


def test_admin_creates_a_community_with_a_wgs84_location_stored_as_gcj02(engine, world):
    data = community_input(world.street1, lng=120.1961, lat=35.9672, coord_system="WGS-84",
                           featured_scenes="雷锋广场、邻里中心, 雷锋广场")
    community_id = run(engine, places.create_community, user=world.admin, data=data, idempotency_key=key(),
                       today=TODAY)
    expected = geo.wgs84_to_gcj02(120.1961, 35.9672)
    with session_scope(engine) as session:
        row = session.get(Community, community_id)
        assert (row.street_id, row.population, row.households, row.area_km2) == (world.street1, 12000, 4100, 2.5)
        assert (row.lng, row.lat) == (round(expected[0], 6), round(expected[1], 6))
        assert (row.lng, row.lat) != (120.1961, 35.9672)  # converted, not stored as typed
        assert row.featured_scenes == ["雷锋广场", "邻里中心"]
    assert [r.action for r in audit_of(engine, "community", community_id)] == ["create"]


def test_a_gcj02_location_is_stored_as_given(engine, world):
    community_id = run(engine, places.create_community, user=world.admin,
                       data=community_input(world.street1, lng="120.201234", lat="35.971234"),
                       idempotency_key=key(), today=TODAY)
    with session_scope(engine) as session:
        row = session.get(Community, community_id)
        assert (row.lng, row.lat) == (120.201234, 35.971234)


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"lng": 2.3522, "lat": 48.8566}, "lng", ("「经度」", "「纬度」", "不在中国境内")),  # Paris
    ({"lng": 35.96, "lat": 120.19}, "lng", ("不在中国境内", "填反")),  # swapped
    ({"lng": 120.19, "lat": None}, "lat", ("「纬度」", "未填写")),
    ({"lng": "东经120度", "lat": "35.9"}, "lng", ("须填写数字",)),
    ({"lng": 120.19, "lat": 35.9, "coord_system": "BD-09"}, "coord_system", ("「坐标系」",)),
    ({"name": " "}, "name", ("「社区名称」", "不能为空")),
    ({"name": "新港山路社区"}, "name", ("已存在",)),  # same street
    ({"population": 100, "households": 400}, "households", ("「户数」", "不能多于")),
    ({"population": -5}, "population", ("「常住人口」",)),
    ({"founded_year": 2030}, "founded_year", ("「成立年份」",)),
    ({"area_km2": 0}, "area_km2", ("「面积（平方公里）」", "大于 0")),
    ({"kind": "镇"}, "kind", ("「类型」", "社区、村")),
    ({"party_secretary": "![x](http://example.com/a.png)"}, "party_secretary", ("「党组织书记」", "链接")),
    ({"street_id": 999_999}, "street_id", ("「所属街道」", "不存在")),
])
def test_bad_community_input_is_refused_and_nothing_is_written(engine, world, values, field, words):
    refused(engine, lambda: run(engine, places.create_community, user=world.admin,
                                data=community_input(**{"street_id": world.street1, **values}),
                                idempotency_key=key(), today=TODAY),
            field, *words)


def test_the_same_community_name_in_another_street_is_allowed(engine, world):
    community_id = run(engine, places.create_community, user=world.admin,
                       data=community_input(world.street2, name="新港山路社区"), idempotency_key=key(), today=TODAY)
    assert community_id > 0


def test_community_edit_refuses_a_bad_location_code_or_stale_version_and_writes_nothing(engine, world):
    with session_scope(engine) as session:
        opened, version = reference.community_for_edit(session, world.admin, world.community_a)
    opened.lng, opened.lat = 151.2093, -33.8688  # Sydney
    refused(engine, lambda: run(engine, places.update_community, user=world.admin, community_id=world.community_a,
                                expected_version=version, data=opened, today=TODAY), "lng", "不在中国境内")
    opened.lng, opened.lat, opened.population = 120.19, 35.96, 9800
    assert run(engine, places.update_community, user=world.admin, community_id=world.community_a,
               expected_version=version, data=opened, today=TODAY) is True
    entry = audit_of(engine, "community", world.community_a)[-1]
    with session_scope(engine) as session:
        changes = {r["字段"]: (r["原值"], r["新值"]) for r in
                   audit_changes(session, world.admin, entry.id).to_dict("records")}
    assert changes["常住人口"] == ("—", "9800") and changes["经度"] == ("—", "120.19")
    before = state(engine)
    opened.population = 10000
    with pytest.raises(StaleEdit):  # opened at ``version``, saved since
        run(engine, places.update_community, user=world.admin, community_id=world.community_a,
            expected_version=version, data=opened, today=TODAY)
    assert state(engine) == before


def test_a_community_cannot_move_to_another_street(engine, world):
    with session_scope(engine) as session:
        opened, version = reference.community_for_edit(session, world.admin, world.community_a)
    opened.street_id = world.street2
    refused(engine, lambda: run(engine, places.update_community, user=world.admin, community_id=world.community_a,
                                expected_version=version, data=opened, today=TODAY),
            "street_id", "「所属街道」", "不能更改")


def test_editing_a_missing_community_is_not_found(engine, world):
    with pytest.raises(NotFound):
        run(engine, places.update_community, user=world.admin, community_id=999_999, expected_version=1,
            data=community_input(world.street1), today=TODAY)


# ------------------------------------------------------------------------------------------ compounds


def test_compounds_are_unique_within_their_community(engine, world):
    data = CompoundInput(community_id=world.community_a, name="港湾花园", households=620)
    compound_id = run(engine, places.create_compound, user=world.admin, data=data, idempotency_key=key())
    refused(engine, lambda: run(engine, places.create_compound, user=world.admin, data=data, idempotency_key=key()),
            "name", "「小区名称」", "已存在")
    other = run(engine, places.create_compound, user=world.admin,
                data=CompoundInput(community_id=world.community_b, name="港湾花园"), idempotency_key=key())
    assert other != compound_id
    with session_scope(engine) as session:
        opened, version = reference.compound_for_edit(session, world.admin, compound_id)
        table = reference.compound_table(session, world.admin, world.community_a)
    assert table[["小区", "户数"]].values.tolist() == [["港湾花园", 620]]
    opened.households = 640
    assert run(engine, places.update_compound, user=world.admin, compound_id=compound_id,
               expected_version=version, data=opened) is True
    assert [r.action for r in audit_of(engine, "compound", compound_id)] == ["create", "update"]


def test_bad_compound_input_is_refused(engine, world):
    refused(engine, lambda: run(engine, places.create_compound, user=world.admin,
                                data=CompoundInput(community_id=world.community_a, name="", households=1.5),
                                idempotency_key=key()), "name", "不能为空")
    refused(engine, lambda: run(engine, places.create_compound, user=world.admin,
                                data=CompoundInput(community_id=None, name="某小区"), idempotency_key=key()),
            "community_id", "「所属社区」")


# ------------------------------------------------------------------------------------------ roles


def _services(world) -> dict[str, tuple[Callable, dict]]:
    return {
        "create_street": (places.create_street, {"data": street_input(), "idempotency_key": key()}),
        "update_street": (places.update_street, {"street_id": world.street1, "expected_version": 1,
                                                 "data": street_input()}),
        "create_community": (places.create_community, {"data": community_input(world.street1),
                                                       "idempotency_key": key()}),
        "update_community": (places.update_community, {"community_id": world.community_a, "expected_version": 1,
                                                       "data": community_input(world.street1)}),
        "create_compound": (places.create_compound, {"data": CompoundInput(world.community_a, "某小区"),
                                                     "idempotency_key": key()}),
        "update_compound": (places.update_compound, {"compound_id": 1, "expected_version": 1,
                                                     "data": CompoundInput(world.community_a, "某小区")}),
    }


@pytest.fixture(scope="module")
def shared(databases):
    """One database for the refusals (each checks that it changed nothing), with a compound to edit."""
    from db.migrate import upgrade

    engine = databases.new()
    upgrade(engine)
    world = build_world(engine, n_volunteers=1)
    run(engine, places.create_compound, user=world.admin, data=CompoundInput(world.community_a, "已有小区"),
        idempotency_key=key())
    yield engine, world
    engine.dispose()


@pytest.mark.parametrize("service", ["create_street", "update_street", "create_community", "update_community",
                                     "create_compound", "update_compound"])
@pytest.mark.parametrize("role", ["leader", "staff_a", "staff_s1"])
def test_every_reference_write_is_refused_in_db_for_non_admins(shared, role, service):
    engine, world = shared
    fn, kwargs = _services(world)[service]
    before = state(engine)
    with pytest.raises(PermissionDenied) as info:
        run(engine, fn, user=getattr(world, role), **kwargs)
    assert "管理员" in str(info.value)
    assert state(engine) == before


@pytest.mark.parametrize("role", ["leader", "staff_a"])
def test_reference_reads_for_the_admin_page_are_refused_for_non_admins(shared, role):
    engine, world = shared
    user = getattr(world, role)
    with session_scope(engine) as session:
        for read in (lambda: reference.street_table(session, user),
                     lambda: reference.community_table(session, user),
                     lambda: reference.compound_table(session, user),
                     lambda: reference.street_for_edit(session, user, world.street1),
                     lambda: reference.community_for_edit(session, user, world.community_a),
                     lambda: reference.place_choices(session, user)):
            with pytest.raises(PermissionDenied):
                read()


def test_an_admin_who_must_change_the_password_is_refused(engine, world):
    with session_scope(engine, write=True) as session:
        fresh = make_user(session, "admin")
    fresh = type(fresh)(**{**fresh.__dict__, "must_change_password": True})
    before = state(engine)
    with pytest.raises(PermissionDenied) as info:
        run(engine, places.create_street, user=fresh, data=street_input(), idempotency_key=key())
    assert "修改密码" in str(info.value)
    assert state(engine) == before


def test_reference_tables_show_the_places(engine, world):
    with session_scope(engine) as session:
        streets = reference.street_table(session, world.admin)
        communities = reference.community_table(session, world.admin, world.street1)
        choices = reference.place_choices(session, world.admin)
    assert streets["街道"].tolist() == ["薛家岛街道", "乔司街道"]
    assert streets.set_index("街道").loc["薛家岛街道", "社区数"] == 2
    assert communities["社区"].tolist() == ["新港山路社区", "东山社区"]
    assert (world.community_a, "薛家岛街道 · 新港山路社区") in choices.communities
