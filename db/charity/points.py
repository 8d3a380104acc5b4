"""The resource map of 慈善资源 (DESIGN.md §9): the districts to draw and the points on them — resources, needs,
service spaces and communities (GCJ-02), sized within their kind and unit — with the map's filters; a library of more
than ``MAP_ITEM_LIMIT`` resources and needs (after the filters) is drawn one point per place and kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from db import vocab
from db.charity.reads import matched_per_resource, status_label
from db.models import CharityNeed, CharityResource, Community, ServiceSpace, Street
from db.scope import Scope


def map_districts(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """(行政区划代码, label) of the districts the scope's streets lie in, e.g. ('330113', '杭州市临平区 · 乔司街道')."""
    query = (select(Street.id, Street.name, Street.city, Street.district, Street.district_code)
             .where(*scope.where(Street)).order_by(Street.id))
    districts: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for row in session.execute(query):
        code = row.district_code or ""
        districts.setdefault(code, []).append(row.name)
        names.setdefault(code, f"{row.city}{row.district}")
    return [(code, f"{names[code] or '未知地区'}（{code or '无代码'}）· {'、'.join(streets)}")
            for code, streets in districts.items()]


MAP_COLUMNS = ["name", "kind", "lng", "lat", "size", "detail", "amount", "unit", "provider_type", "status",
               "status_label", "community", "district_code", "own_location", "items"]
# Resources and needs are drawn one by one up to this many (after the filters); beyond it, one point per place
# (community, else street) and kind, sized by how many it stands for: thousands of overlapping points say less than
# 200 counted ones, and drawing them grows with the library's history (issue 13: 6,000 points at 10M records).
MAP_ITEM_LIMIT = 400
# Where a place's grouped resources and needs sit beside its community point (degrees of longitude, ≈ 300 m).
_GROUP_NUDGE = {"资源": -0.003, "需求": 0.003}


def _num(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _located(session: Session, model: Any, scope: Scope, *columns: Any) -> list[Any]:
    """Rows of a charity table with their place: own point, else the community's, else the street's."""
    return session.execute(
        select(*columns, model.lng.label("own_lng"), model.lat.label("own_lat"),
               Community.lng.label("c_lng"), Community.lat.label("c_lat"), Street.lng.label("s_lng"),
               Street.lat.label("s_lat"), Community.name.label("community"), Street.district_code)
        .outerjoin(Community, Community.id == model.community_id).join(Street, Street.id == model.street_id)
        .where(*scope.where(model)).order_by(model.id)
    ).all()


def _place(row: Any) -> tuple[float | None, float | None, bool]:
    if row.own_lng is not None and row.own_lat is not None:
        return row.own_lng, row.own_lat, True
    if row.c_lng is not None and row.c_lat is not None:
        return row.c_lng, row.c_lat, False
    return row.s_lng, row.s_lat, False


def _item_where(model: Any, scope: Scope, statuses: tuple[str, ...] | None,
                provider_types: tuple[str, ...] | None = None) -> list[Any]:
    """The filters of the map as SQL, to count and group the items (the rows read one by one are filtered after
    their sizes are set, in ``map_points``: the test of the grouped map checks that both keep the same items)."""
    where = [*scope.where(model)]
    if statuses is not None:
        where.append(model.status.in_(statuses))
    if provider_types is not None:
        where.append(model.provider_type.in_(provider_types))
    return where


def _wanted(scope: Scope, kinds: tuple[str, ...] | None, provider_types: tuple[str, ...] | None,
            resource_statuses: tuple[str, ...] | None, need_statuses: tuple[str, ...] | None
            ) -> dict[str, tuple[Any, list[Any]]]:
    """kind → (table, filters) of the resources and needs the map shows."""
    return {kind: (model, _item_where(model, scope, statuses, providers))
            for kind, model, statuses, providers in (("资源", CharityResource, resource_statuses, provider_types),
                                                     ("需求", CharityNeed, need_statuses, None))
            if kinds is None or kind in kinds}


def _count(session: Session, wanted: dict[str, tuple[Any, list[Any]]]) -> int:
    return sum(session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
               for model, where in wanted.values())


def map_item_count(session: Session, scope: Scope, *, kinds: tuple[str, ...] | None = None,
                   provider_types: tuple[str, ...] | None = None, resource_statuses: tuple[str, ...] | None = None,
                   need_statuses: tuple[str, ...] | None = None) -> int:
    """How many resources and needs the map shows with these filters (those without a place included)."""
    return _count(session, _wanted(scope, kinds, provider_types, resource_statuses, need_statuses))


def _item_rows(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Every resource and need of the scope as a map point of its own."""
    rows: list[dict[str, Any]] = []
    matched = matched_per_resource()
    for r in _located(session, CharityResource, scope, CharityResource.title, CharityResource.provider_name,
                      CharityResource.provider_type, CharityResource.kind.label("category"), CharityResource.amount,
                      CharityResource.unit, CharityResource.status,
                      select(matched.c.matched).where(matched.c.resource_id == CharityResource.id)
                      .scalar_subquery().label("matched")):
        lng, lat, own = _place(r)
        left = r.amount - (r.matched or 0.0)
        label = vocab.RESOURCE_STATUSES.get(r.status, r.status)
        rows.append({"name": r.title, "kind": "资源", "lng": lng, "lat": lat, "amount": r.amount, "unit": r.unit,
                     "group": ("资源", r.unit), "provider_type": r.provider_type, "status": r.status,
                     "status_label": label, "community": r.community, "district_code": r.district_code,
                     "own_location": own, "items": 1,
                     "detail": f"{r.provider_name}（{r.provider_type}）· {r.category} {_num(r.amount)}{r.unit}，"
                               f"剩余 {_num(left)}{r.unit} · {label}"})
    for n in _located(session, CharityNeed, scope, CharityNeed.title, CharityNeed.category, CharityNeed.amount,
                      CharityNeed.unit, CharityNeed.status, CharityNeed.urgency):
        lng, lat, own = _place(n)
        label = status_label(n.status)
        rows.append({"name": n.title, "kind": "需求", "lng": lng, "lat": lat, "amount": n.amount, "unit": n.unit,
                     "group": ("需求", n.unit), "provider_type": None, "status": n.status, "status_label": label,
                     "community": n.community, "district_code": n.district_code, "own_location": own, "items": 1,
                     "detail": f"{n.category} {_num(n.amount)}{n.unit} · {n.urgency} · {label}"})
    return rows


def _grouped_rows(session: Session, wanted: dict[str, tuple[Any, list[Any]]]) -> list[dict[str, Any]]:
    """The resources and needs that pass the filters, one point per place (community, else street) and kind at
    the place's point (nudged apart), with how many of each status it stands for."""
    rows: list[dict[str, Any]] = []
    for kind, (model, where) in wanted.items():
        labels = vocab.RESOURCE_STATUSES if model is CharityResource else vocab.NEED_STATUSES
        places: dict[tuple, dict[str, Any]] = {}
        for r in session.execute(
                select(model.street_id, model.community_id, model.status, func.count().label("n"),
                       Community.name.label("community"), Street.name.label("street"), Street.district_code,
                       func.coalesce(Community.lng, Street.lng).label("lng"),
                       func.coalesce(Community.lat, Street.lat).label("lat"))
                .outerjoin(Community, Community.id == model.community_id).join(Street, Street.id == model.street_id)
                .where(*where)
                .group_by(model.street_id, model.community_id, model.status, Community.name, Street.name,
                          Street.district_code, Community.lng, Community.lat, Street.lng, Street.lat)):
            place = places.setdefault((r.street_id, r.community_id), {
                "name": r.community or r.street, "community": r.community or r.street, "lng": r.lng, "lat": r.lat,
                "district_code": r.district_code, "statuses": {}})
            place["statuses"][r.status] = place["statuses"].get(r.status, 0) + int(r.n)
        for place in places.values():
            total = sum(place["statuses"].values())
            statuses, order = place["statuses"], list(labels)  # in the workflow's order
            parts = "　".join(f"{labels.get(k, k)} {statuses[k]:,}"
                             for k in sorted(statuses, key=lambda k: order.index(k) if k in order else len(order)))
            rows.append({"name": f"{place['name']} · {kind} {total:,} 项", "kind": kind,
                         "lng": None if place["lng"] is None else place["lng"] + _GROUP_NUDGE[kind],
                         "lat": place["lat"], "amount": float(total), "unit": "项", "group": (kind, "项"),
                         "provider_type": None, "status": None, "status_label": None,
                         "community": place["community"], "district_code": place["district_code"],
                         "own_location": False, "items": total, "detail": f"共 {total:,} 项：{parts}"})
    return rows


def map_points(session: Session, scope: Scope, *, kinds: tuple[str, ...] | None = None,
               provider_types: tuple[str, ...] | None = None, resource_statuses: tuple[str, ...] | None = None,
               need_statuses: tuple[str, ...] | None = None, limit: int | None = None,
               counted: int | None = None) -> pd.DataFrame:
    """Resources, needs, service spaces and communities of the scope as GCJ-02 points for the map.

    ``size`` is a point's amount relative to the largest of the same kind and unit (resources and needs),
    floor area (service spaces) or population (communities): amounts of different units are never compared.
    A resource or need without its own coordinates is placed at its community (else its street).
    Filters: ``provider_types`` and ``resource_statuses`` apply to resources, ``need_statuses`` to needs;
    None = no filter. When more than ``limit`` resources and needs pass the filters, they are drawn one point per
    place and kind (``items``: how many a point stands for, sized by it; 1 for every point of its own);
    ``limit`` None: ``MAP_ITEM_LIMIT``; ``counted``: ``map_item_count`` of these filters, if the caller has it.
    """
    wanted = _wanted(scope, kinds, provider_types, resource_statuses, need_statuses)
    shown = _count(session, wanted) if counted is None else counted
    grouped = shown > (MAP_ITEM_LIMIT if limit is None else limit)
    rows = _grouped_rows(session, wanted) if grouped else _item_rows(session, scope)
    space_query = (select(ServiceSpace.name, ServiceSpace.kind, ServiceSpace.area_m2, ServiceSpace.lng,
                          ServiceSpace.lat, Community.name.label("community"), Street.district_code)
                   .join(Community, Community.id == ServiceSpace.community_id)
                   .join(Street, Street.id == Community.street_id)
                   .where(*scope.where(ServiceSpace)).order_by(ServiceSpace.id))
    for s in session.execute(space_query):
        area = s.area_m2
        rows.append({"name": s.name, "kind": "服务阵地", "lng": s.lng, "lat": s.lat, "amount": area, "unit": "㎡",
                     "group": ("服务阵地", "㎡"), "provider_type": None, "status": None, "status_label": None,
                     "community": s.community, "district_code": s.district_code, "own_location": True,
                     "items": 1,
                     "detail": f"{s.community} · {s.kind or '服务阵地'}" + (f" · {_num(area)} ㎡" if area else "")})
    community_query = (select(Community.name, Community.population, Community.lng, Community.lat,
                              Street.name.label("street"), Street.district_code)
                       .join(Street, Street.id == Community.street_id)
                       .where(*scope.where(Community)).order_by(Community.id))
    for c in session.execute(community_query):
        rows.append({"name": c.name, "kind": "社区", "lng": c.lng, "lat": c.lat, "amount": c.population,
                     "unit": "人", "group": ("社区", "人"), "provider_type": None, "status": None,
                     "status_label": None, "community": c.name, "district_code": c.district_code,
                     "own_location": True, "items": 1,
                     "detail": f"{c.street}" + (f" · 人口 {_num(c.population)} 人" if c.population else "")})
    df = pd.DataFrame(rows, columns=[*MAP_COLUMNS, "group"])
    df = df.dropna(subset=["lng", "lat"])
    if df.empty:
        return df[MAP_COLUMNS].reset_index(drop=True)
    amount = pd.to_numeric(df["amount"], errors="coerce")
    biggest = amount.groupby(df["group"]).transform("max")
    df["size"] = (amount / biggest).where((amount > 0) & (biggest > 0)).fillna(0.3).astype("float64")
    keep = pd.Series(True, index=df.index)
    if kinds is not None:
        keep &= df["kind"].isin(kinds)
    if grouped:  # filtered as they were counted
        return df.loc[keep, MAP_COLUMNS].reset_index(drop=True)
    if provider_types is not None:
        keep &= (df["kind"] != "资源") | df["provider_type"].isin(provider_types)
    if resource_statuses is not None:
        keep &= (df["kind"] != "资源") | df["status"].isin(resource_statuses)
    if need_statuses is not None:
        keep &= (df["kind"] != "需求") | df["status"].isin(need_statuses)
    return df.loc[keep, MAP_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class CharityMap:
    """The districts to draw, the points, and how many resources and needs pass the filters (``items``: more than
    ``MAP_ITEM_LIMIT`` are drawn one point per place and kind)."""

    districts: list[tuple[str, str]]
    points: pd.DataFrame
    items: int

    @property
    def grouped(self) -> bool:
        return self.items > MAP_ITEM_LIMIT


def charity_map(session: Session, scope: Scope, kinds: tuple[str, ...], provider_types: tuple[str, ...],
                resource_statuses: tuple[str, ...], need_statuses: tuple[str, ...]) -> CharityMap:
    filters = {"kinds": kinds, "provider_types": provider_types, "resource_statuses": resource_statuses,
               "need_statuses": need_statuses}
    items = map_item_count(session, scope, **filters)
    return CharityMap(map_districts(session, scope), map_points(session, scope, counted=items, **filters), items)
