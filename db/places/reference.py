"""Reads of the reference data for 系统管理 (administrators only): the tables of streets, communities and
compounds with Chinese columns, a row's values and version for its edit form, and the places a user's scope can
name (the pickers of user administration)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from db.auth import CurrentUser
from db.errors import NotFound
from db.models import Community, Compound, Organization, Street
from db.places.writes import (
    COMMUNITY_MISSING,
    COMPOUND_MISSING,
    STREET_MISSING,
    CommunityInput,
    CompoundInput,
    StreetInput,
    require_reference_admin,
)


def _coords(lng: float | None, lat: float | None) -> str:
    return f"{lng:.6f}, {lat:.6f}" if lng is not None and lat is not None else ""


def street_table(session: Session, actor: CurrentUser) -> pd.DataFrame:
    """Every street: id and version (for the edit form) and what the admin checks."""
    require_reference_admin(actor)
    counts = dict(session.execute(select(Community.street_id, func.count()).group_by(Community.street_id)).all())
    rows = session.execute(select(Street).order_by(Street.id)).scalars().all()
    return pd.DataFrame([{
        "id": r.id, "version": r.version, "编号": r.id, "街道": r.name, "省份": r.province, "城市": r.city,
        "区县": r.district, "行政区划代码": r.district_code, "社区数": counts.get(r.id, 0),
        "位置（GCJ-02）": _coords(r.lng, r.lat), "演示数据": "是" if r.is_demo else "",
    } for r in rows], columns=["id", "version", "编号", "街道", "省份", "城市", "区县", "行政区划代码", "社区数",
                               "位置（GCJ-02）", "演示数据"])


def community_table(session: Session, actor: CurrentUser, street_id: int | None = None) -> pd.DataFrame:
    """Communities (of one street, or all) with their profile facts."""
    require_reference_admin(actor)
    compounds = dict(session.execute(select(Compound.community_id, func.count())
                                     .group_by(Compound.community_id)).all())
    query = select(Community, Street.name).join(Street, Street.id == Community.street_id)
    if street_id is not None:
        query = query.where(Community.street_id == street_id)
    rows = session.execute(query.order_by(Community.street_id, Community.id)).all()
    return pd.DataFrame([{
        "id": c.id, "version": c.version, "编号": c.id, "街道": street, "社区": c.name, "类型": c.kind,
        "成立年份": str(c.founded_year or ""), "常住人口": c.population, "户数": c.households,
        "面积（平方公里）": c.area_km2, "党组织书记": c.party_secretary, "服务品牌": c.service_brand,
        "试点情况": c.pilot_status, "小区数": compounds.get(c.id, 0), "位置（GCJ-02）": _coords(c.lng, c.lat),
        "演示数据": "是" if c.is_demo else "",
    } for c, street in rows], columns=["id", "version", "编号", "街道", "社区", "类型", "成立年份", "常住人口", "户数",
                                       "面积（平方公里）", "党组织书记", "服务品牌", "试点情况", "小区数",
                                       "位置（GCJ-02）", "演示数据"])


def compound_table(session: Session, actor: CurrentUser, community_id: int | None = None) -> pd.DataFrame:
    require_reference_admin(actor)
    query = (select(Compound, Community.name).join(Community, Community.id == Compound.community_id))
    if community_id is not None:
        query = query.where(Compound.community_id == community_id)
    rows = session.execute(query.order_by(Compound.community_id, Compound.id)).all()
    return pd.DataFrame([{
        "id": c.id, "version": c.version, "编号": c.id, "社区": community, "小区": c.name, "户数": c.households,
        "演示数据": "是" if c.is_demo else "",
    } for c, community in rows], columns=["id", "version", "编号", "社区", "小区", "户数", "演示数据"])


def street_for_edit(session: Session, actor: CurrentUser, street_id: int) -> tuple[StreetInput, int]:
    """The street's saved values as the form's input, and its version."""
    require_reference_admin(actor)
    row = session.get(Street, street_id)
    if row is None:
        raise NotFound(STREET_MISSING)
    return StreetInput(name=row.name, province=row.province, city=row.city, district=row.district,
                       district_code=row.district_code, lng=row.lng, lat=row.lat), row.version


def community_for_edit(session: Session, actor: CurrentUser, community_id: int) -> tuple[CommunityInput, int]:
    require_reference_admin(actor)
    row = session.get(Community, community_id)
    if row is None:
        raise NotFound(COMMUNITY_MISSING)
    return CommunityInput(
        street_id=row.street_id, name=row.name, kind=row.kind, founded_year=row.founded_year,
        population=row.population, households=row.households, area_km2=row.area_km2,
        party_secretary=row.party_secretary, service_brand=row.service_brand, pilot_status=row.pilot_status,
        featured_scenes=list(row.featured_scenes or []), description=row.description, lng=row.lng, lat=row.lat,
    ), row.version


def compound_for_edit(session: Session, actor: CurrentUser, compound_id: int) -> tuple[CompoundInput, int]:
    require_reference_admin(actor)
    row = session.get(Compound, compound_id)
    if row is None:
        raise NotFound(COMPOUND_MISSING)
    return CompoundInput(community_id=row.community_id, name=row.name, households=row.households), row.version


@dataclass(frozen=True)
class PlaceChoices:
    """(id, label) of every street, community (with its street) and organisation: what a scope can name."""

    streets: tuple[tuple[int, str], ...]
    communities: tuple[tuple[int, str], ...]
    organizations: tuple[tuple[int, str], ...]


def place_choices(session: Session, actor: CurrentUser) -> PlaceChoices:
    require_reference_admin(actor)
    streets = tuple((r.id, r.name) for r in session.execute(select(Street.id, Street.name).order_by(Street.id)))
    names = dict(streets)
    communities = tuple(
        (r.id, f"{names.get(r.street_id, '')} · {r.name}") for r in session.execute(
            select(Community.id, Community.name, Community.street_id).order_by(Community.street_id, Community.id)))
    organizations = tuple((r.id, r.name) for r in session.execute(
        select(Organization.id, Organization.name).order_by(Organization.id)))
    return PlaceChoices(streets, communities, organizations)
