"""Places (streets, communities, compounds): profiles of a community or a street (社区画像)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from db.models import (
    Brand,
    Community,
    Compound,
    Organization,
    Project,
    ServiceSpace,
    Street,
    TeamMember,
    VolunteerTeam,
)
from db.scope import Scope


@dataclass
class Place:
    """A point on the map (GCJ-02)."""

    name: str
    kind: str
    lng: float
    lat: float
    detail: str = ""


@dataclass
class Profile:
    """What the profile card shows, for a community or a street."""

    kind: str  # community / street
    id: int
    name: str
    street: str
    district: str
    district_code: str
    facts: dict[str, str] = field(default_factory=dict)  # label → text, in display order
    featured_scenes: list[str] = field(default_factory=list)
    compounds: list[str] = field(default_factory=list)
    spaces: pd.DataFrame = field(default_factory=pd.DataFrame)
    teams: pd.DataFrame = field(default_factory=pd.DataFrame)
    projects: pd.DataFrame = field(default_factory=pd.DataFrame)
    brands: list[str] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)

    @property
    def scope(self) -> Scope:
        return Scope(community_id=self.id) if self.kind == "community" else Scope(street_id=self.id)


def _teams(session: Session, *clauses) -> pd.DataFrame:
    members = (select(TeamMember.team_id, func.count().label("members")).group_by(TeamMember.team_id).subquery())
    rows = session.execute(
        select(VolunteerTeam.name, VolunteerTeam.founded_year, func.coalesce(members.c.members, 0).label("members"),
               VolunteerTeam.description)
        .outerjoin(members, members.c.team_id == VolunteerTeam.id).where(*clauses).order_by(VolunteerTeam.id)
    ).all()
    return pd.DataFrame(rows, columns=["name", "founded_year", "members", "description"])


def _projects(session: Session, *clauses) -> pd.DataFrame:
    rows = session.execute(
        select(Project.name, Project.area, Project.status, Project.brand_level, Project.beneficiary_groups,
               Project.description).where(*clauses).order_by(Project.id)
    ).all()
    df = pd.DataFrame(rows, columns=["name", "area", "status", "brand_level", "beneficiary_groups", "description"])
    df["beneficiary_groups"] = df["beneficiary_groups"].map(lambda g: "、".join(g or []))
    return df


def _spaces(session: Session, *clauses) -> pd.DataFrame:
    rows = session.execute(
        select(ServiceSpace.name, ServiceSpace.kind, ServiceSpace.area_m2, ServiceSpace.indoor,
               ServiceSpace.description, ServiceSpace.lng, ServiceSpace.lat, Community.name.label("community"))
        .join(Community, Community.id == ServiceSpace.community_id).where(*clauses).order_by(ServiceSpace.id)
    ).all()
    return pd.DataFrame(rows, columns=["name", "kind", "area_m2", "indoor", "description", "lng", "lat",
                                       "community"])


def _fmt_int(value: int | float | None, unit: str) -> str:
    return "—" if value is None else f"{value:,.0f} {unit}"


def place_profile(session: Session, kind: str, place_id: int) -> Profile | None:
    """The profile of a community (``kind`` "community") or a street ("street"); None if it does not exist."""
    return community_profile(session, place_id) if kind == "community" else street_profile(session, place_id)


def community_profile(session: Session, community_id: int) -> Profile | None:
    """The profile of one community, or None if it does not exist."""
    c = session.get(Community, community_id)
    if c is None:
        return None
    street = session.get(Street, c.street_id)
    compounds = list(session.execute(select(Compound.name).where(Compound.community_id == c.id)
                                     .order_by(Compound.id)).scalars())
    spaces = _spaces(session, ServiceSpace.community_id == c.id)
    brands = list(session.execute(select(Brand.name).where(Brand.community_id == c.id).order_by(Brand.id)).scalars())
    facts = {
        "类型": c.kind,
        "所属街道": street.name if street else "—",
        "成立年份": f"{c.founded_year} 年" if c.founded_year else "—",
        "常住人口": _fmt_int(c.population, "人"),
        "户数": _fmt_int(c.households, "户"),
        "面积": f"{c.area_km2:g} 平方公里" if c.area_km2 else "—",
        "居民小区": f"{len(compounds)} 个：{'、'.join(compounds)}" if compounds else "—",
        "党组织书记": c.party_secretary or "—",
        "服务品牌": c.service_brand or "—",
        "试点情况": c.pilot_status or "—",
    }
    total_m2 = spaces["area_m2"].dropna().sum() if not spaces.empty else 0
    if total_m2:
        facts["服务阵地"] = f"{len(spaces)} 处，其中最大 {spaces['area_m2'].max():,.0f} ㎡"
    places = [Place(c.name, "社区", c.lng, c.lat, f"人口 {_fmt_int(c.population, '人')}")] if c.lng and c.lat else []
    places += [Place(r.name, "服务阵地", r.lng, r.lat, f"{r.area_m2:,.0f} ㎡" if pd.notna(r.area_m2) else "")
               for r in spaces.itertuples() if pd.notna(r.lng) and pd.notna(r.lat)]
    return Profile(
        kind="community", id=c.id or 0, name=c.name, street=street.name if street else "",
        district=street.district if street else "", district_code=street.district_code if street else "",
        facts=facts, featured_scenes=list(c.featured_scenes or []), compounds=compounds, spaces=spaces,
        teams=_teams(session, VolunteerTeam.community_id == c.id),
        projects=_projects(session, Project.community_id == c.id), brands=[*([c.service_brand] if c.service_brand
                                                                              else []), *[b for b in brands
                                                                                          if b != c.service_brand]],
        places=places,
    )


def street_profile(session: Session, street_id: int) -> Profile | None:
    """The profile of a street: its communities, organisations, brands, teams and projects."""
    s = session.get(Street, street_id)
    if s is None:
        return None
    comms = session.execute(select(Community).where(Community.street_id == s.id).order_by(Community.id)).scalars().all()
    population = sum(c.population or 0 for c in comms)
    reg = dict(session.execute(
        select(Organization.reg_status, func.count()).where(Organization.street_id == s.id,
                                                            Organization.reg_status.is_not(None))
        .group_by(Organization.reg_status)).all())
    brands = list(session.execute(select(Brand.name).where(Brand.street_id == s.id, Brand.community_id.is_(None))
                                  .order_by(Brand.id)).scalars())
    facts = {
        "所在地区": f"{s.province}{s.city}{s.district}",
        "行政区划代码": s.district_code or "—",
        "社区/村": f"{len(comms)} 个：{'、'.join(c.name for c in comms)}" if comms else "—",
        "常住人口（各社区合计）": _fmt_int(population, "人") if population else "—",
        "社会组织": f"登记 {reg.get('登记', 0)} 家 · 备案 {reg.get('备案', 0)} 家",
    }
    spaces = _spaces(session, Community.street_id == s.id)
    places = [Place(c.name, "社区", c.lng, c.lat, f"人口 {_fmt_int(c.population, '人')}")
              for c in comms if c.lng and c.lat]
    return Profile(
        kind="street", id=s.id or 0, name=s.name, street=s.name, district=s.district,
        district_code=s.district_code, facts=facts, spaces=spaces,
        teams=_teams(session, VolunteerTeam.street_id == s.id),
        projects=_projects(session, Project.street_id == s.id), brands=brands, places=places,
    )
