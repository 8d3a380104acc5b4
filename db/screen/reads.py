"""The big screen's aggregates (大屏, DESIGN.md §10): one read for a scope and period, everything from the figure
registry so that each number equals its tile for the same place and period.

Aggregates only: figures, activities per area, the 五社联动 index per community with the shares behind it, trends,
communities on the map, and the latest activities as title, place, day and people served — never a person's name
or phone (a kiosk link shows this to a room).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from db import figures, vocab
from db.figures import Change
from db.figures.linkage import ACTOR_FIELDS, STREET_LEVEL, linkage
from db.figures.trends import readable
from db.models import Activity, Community, Organization, Street
from db.periods import Period
from db.places.lists import scope_name
from db.scope import Scope

# The headline figures, large across the top, in order.
HEADLINE = ("activities", "linked_activities", "people_served", "hours", "volunteers", "active_volunteers")
# The rotating panels: (title, figures) — each figure from the registry.
PANELS = (
    ("志愿服务", ("active_volunteers", "active_rate", "credit_hours", "honour_hours")),
    ("纠纷调解", ("disputes", "disputes_resolved", "dispute_success_rate")),
    ("慈善资源", ("money", "in_kind")),
    ("社会组织与社工", ("social_orgs", "orgs_graded", "social_workers", "trainees")),
)
TRENDS = ("activities", "people_served", "hours", "active_volunteers")
SCREEN_FIGURES = tuple(dict.fromkeys([*HEADLINE, *(k for _, keys in PANELS for k in keys)]))
UNASSIGNED = "未归属项目"
LATEST = 12
ACTOR_SHORT = {"with_community": "社区", "with_organization": "社会组织", "with_social_worker": "社工",
               "with_volunteers": "志愿者", "with_charity": "慈善资源"}


@dataclass(frozen=True)
class ScreenData:
    """Everything the big screen shows for one scope and period (plain data: safe to cache)."""

    place: str
    period: Period
    figures: dict[str, Change]
    areas: pd.DataFrame  # area, activities: the five areas (and 未归属项目 when any), adding up to the tile
    ranking: pd.DataFrame  # rank, community, index, activities, the five shares, weakest, why
    ranking_note: str  # why the most active community is not first, when it is not
    trends: dict[str, pd.DataFrame]  # figure → readable series (label, value, grain)
    districts: list[tuple[str, str]]  # (行政区划代码, title) of the districts shown
    points: pd.DataFrame  # communities on the map: name, kind, lng, lat, detail, size, district_code
    latest: pd.DataFrame  # day, title, place, people_served — no names
    has_records: bool = field(default=True)


def screen_data(session: Session, scope: Scope, period: Period) -> ScreenData:
    """The big screen for ``scope`` and ``period``: one read, for one cached loader."""
    changes = figures.changes(session, SCREEN_FIGURES, scope, period)
    linked = linkage(session, scope, period)
    ranking, note = _ranking(linked.ranking, linked.shares)
    trends = {key: readable(figures.monthly(session, key, scope, period), key) for key in TRENDS}
    has_records = any((changes[k].value or 0) > 0 for k in ("activities", "hours", "disputes", "money", "in_kind"))
    return ScreenData(
        place=scope_name(session, scope), period=period, figures=changes, areas=_areas(linked.matrix),
        ranking=ranking, ranking_note=note, trends=trends, districts=_districts(session, scope),
        points=_points(session, scope, linked.shares), latest=latest_activities(session, scope),
        has_records=has_records,
    )


def _areas(matrix: pd.DataFrame) -> pd.DataFrame:
    """Activities per area of the activity's project: the five areas in order, then 未归属项目 if any."""
    totals = matrix.groupby("area")["activities"].sum() if not matrix.empty else pd.Series(dtype=int)
    areas = [*vocab.FIVE_AREAS, *([UNASSIGNED] if totals.get(UNASSIGNED, 0) else [])]
    return pd.DataFrame({"area": areas, "activities": [int(totals.get(a, 0)) for a in areas]})


def _ranking(ranking: pd.DataFrame, shares: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The ranking by the index with the five shares behind each index and the weakest actor (the "why")."""
    df = ranking[["rank", "community_id", "community", "index", "activities"]].merge(
        shares[["community_id", *ACTOR_FIELDS]], on="community_id", how="left")
    weakest, why = [], []
    for row in df.itertuples():
        parts = {f: getattr(row, f) for f in ACTOR_FIELDS}
        if pd.isna(row.index):
            weakest.append("")
            why.append("本期没有活动，不计指数")
            continue
        low = min(parts, key=lambda f: (parts[f], ACTOR_FIELDS.index(f)))
        weakest.append(ACTOR_SHORT[low])
        why.append(f"短板：{ACTOR_SHORT[low]}参与 {parts[low] * 100:.0f}%")
    df = df.assign(weakest=weakest, why=why)
    note = ""
    active = df[df["activities"] > 0]
    if len(active) > 1:
        busiest = active.sort_values(["activities", "rank"], ascending=[False, True]).iloc[0]
        if busiest["rank"] != 1:
            note = (f"{busiest['community']}活动最多（{int(busiest['activities'])} 场），排第 {int(busiest['rank'])}："
                    f"指数看每场活动有几类主体参与，不看场次多少；其{busiest['weakest']}参与偏少。")
    return df.drop(columns="community_id"), note


def _districts(session: Session, scope: Scope) -> list[tuple[str, str]]:
    query = select(Street.district_code, Street.city, Street.district).where(*scope.where(Street))
    rows = session.execute(query.order_by(Street.id)).all()
    out: dict[str, str] = {}
    for code, city, district in rows:
        if code:
            out.setdefault(code, f"{city}{district}" or code)
    return list(out.items())


def _points(session: Session, scope: Scope, shares: pd.DataFrame) -> pd.DataFrame:
    """The communities in scope with a location, sized by their activities in the period."""
    query = (select(Community.id, Community.name, Community.lng, Community.lat, Street.district_code)
             .join(Street, Street.id == Community.street_id).where(*scope.where(Community)))
    places = pd.DataFrame(session.execute(query.order_by(Community.id)).all(),
                          columns=["community_id", "name", "lng", "lat", "district_code"])
    places = places.dropna(subset=["lng", "lat"])
    counts = shares.set_index("community_id")["activities"] if not shares.empty else pd.Series(dtype=int)
    activities = [int(counts.get(c, 0)) for c in places["community_id"]]
    top = max(activities, default=0)
    return places.drop(columns="community_id").assign(
        kind="社区", detail=[f"活动 {n} 场" for n in activities],
        size=[n / top if top else 0.0 for n in activities])


def latest_activities(session: Session, scope: Scope, limit: int = LATEST) -> pd.DataFrame:
    """The newest activities as day, title, place and people served: no names, no phones, no venues of homes."""
    place = func.coalesce(Community.name, Organization.name, Street.name)
    query = (
        select(Activity.starts_at, Activity.title, place.label("place"), Activity.people_served)
        .join(Street, Street.id == Activity.street_id)
        .outerjoin(Community, Community.id == Activity.community_id)
        .outerjoin(Organization, Organization.id == Activity.organization_id)
        .where(*scope.where(Activity)).order_by(Activity.starts_at.desc(), Activity.id.desc()).limit(limit)
    )
    rows = session.execute(query).all()
    return pd.DataFrame([(r.starts_at.date(), r.title, r.place or STREET_LEVEL, int(r.people_served or 0))
                         for r in rows], columns=["day", "title", "place", "people_served"])


def as_of(today: date, period: Period) -> date:
    """The last day the screen's figures cover (the period's end, never after today)."""
    return min(today, period.end)
