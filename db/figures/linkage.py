"""五社联动 at a glance: the five areas per community, the 五社联动 index, and the ranking of communities.

All figures are built from the record sets of ``db.figures`` so that they agree with the tiles.

The 五社联动 index of a community for a period (0–100):
    for each of the five actors (社区, 社会组织, 社会工作者, 社区志愿者, 社会慈善资源), the share of the
    community's activities in the period in which that actor took part; the index is the mean of the five
    shares × 100. A community whose every activity joins all five actors scores 100; one with no activity has
    no index ("—"). It rewards breadth of linkage, not volume: volume is in the ranking's other columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Integer, cast, func, select
from sqlmodel import Session

from db.figures import summaries
from db.figures.reads import grouped
from db.figures.records import activity_rows
from db.models import Community, Project
from db.periods import Period
from db.scope import Scope
from db.vocab import ACTOR_FIELDS

INDEX_FORMULA = (
    "五社联动指数 = 五类主体（社区、社会组织、社会工作者、社区志愿者、社会慈善资源）各自参与的活动占比的平均值 × 100。"
    "所有活动都有五类主体参与为 100；没有活动的社区不计指数（显示“—”）。"
)


@dataclass(frozen=True)
class Linkage:
    """五社联动 at a glance for a scope and period."""

    shares: pd.DataFrame  # the five actors' shares per community, with the index
    matrix: pd.DataFrame  # activities per community × area
    ranking: pd.DataFrame  # communities ranked by the index


def linkage(session: Session, scope: Scope, period: Period) -> Linkage:
    """The index with the actors' shares, the area matrix and the ranking of communities."""
    shares = actor_shares(session, scope, period)
    return Linkage(shares, area_matrix(session, scope, period), community_ranking(session, scope, period, shares))


def _activity_counts(session: Session, scope: Scope, period: Period, by: list[Any], sums: list[str]) -> pd.DataFrame:
    """Activities counted per group: ``sums`` (activities, or a count of activities whose flag of that name is
    set) per ``by`` (community_id, and/or the project's area) — whole months from the summaries, the partial
    months at the ends of the period from the activities themselves (db.figures.summaries)."""
    parts, frames = summaries.split(period, session), []
    area = "area" in by  # of the activity's project

    def read(source: Any, count: Callable[[Any, str], Any], where: list[Any], sign: int = 1) -> None:
        keys = [source.c[b] if b != "area" else Project.area for b in by]
        query = select(*keys, *(count(source, c).label(c) for c in sums)).select_from(source)
        if area:
            query = query.outerjoin(Project, Project.id == source.c.project_id)
        df = pd.DataFrame(session.execute(query.where(*where).group_by(*keys)).all(), columns=[*by, *sums])
        df[sums] *= sign
        frames.append(df)

    years = summaries.years_of(scope, None, per_place=not area)  # an area needs each cell's project
    for model, when, sign in (summaries.sources(session, parts.whole, years_from=years) if parts.whole is not None
                              else []):
        read(model.__table__, lambda t, c: func.sum(t.c[c]), [*when, *scope.where(model)], sign)
    for days in parts.partial:
        sub = activity_rows(scope, days).subquery()
        read(sub, lambda t, c: func.count() if c == "activities" else func.sum(cast(t.c[c], Integer)), [])
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*by, *sums])
    df = df.groupby(by, dropna=False, as_index=False)[sums].sum()
    return df[df["activities"] > 0].reset_index(drop=True)


def actor_shares(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Per community: activities, the share of activities each actor joined, and the 五社联动 index."""
    df = _activity_counts(session, scope, period, ["community_id"], ["activities", *ACTOR_FIELDS])
    df = df[df["community_id"].notna()]
    for f in ACTOR_FIELDS:
        df[f] = df[f].astype(float) / df["activities"]
    df["index"] = df[list(ACTOR_FIELDS)].mean(axis=1) * 100
    return _with_names(session, df, scope)


STREET_LEVEL = "街道/机构层面"


def area_matrix(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Long table community × area (of the activity's project) → activities, adding up to the activities tile.

    Activities without a project count under 未归属项目; activities of organisations not tied to one community
    form the row 街道/机构层面."""
    df = _activity_counts(session, scope, period, ["community_id", "area"], ["activities"])
    df["area"] = df["area"].astype(object).fillna("未归属项目")  # all None: a float column of NaN
    named = _with_names(session, df[df["community_id"].notna()], scope, keep_all=False)
    street_level = df[df["community_id"].isna()].assign(community_id=-1, community=STREET_LEVEL, street="")
    return pd.concat([named, street_level], ignore_index=True)


def community_ranking(session: Session, scope: Scope, period: Period, shares: pd.DataFrame | None = None
                      ) -> pd.DataFrame:
    """Communities ranked by the 五社联动 index, with activities, 社工+志愿, hours, people served, volunteers
    (``shares``: the actors' shares of the same scope and period, if read already)."""
    shares = actor_shares(session, scope, period) if shares is None else shares
    base = shares[["community_id", "community", "street", "activities", "index"]]
    for key in ("linked_activities", "hours", "people_served", "active_volunteers"):
        part = grouped(session, key, scope, period, by="community_id")
        base = base.merge(part, on="community_id", how="left")
    base = base.fillna({"activities": 0, "linked_activities": 0, "hours": 0, "people_served": 0,
                        "active_volunteers": 0})
    base = base.sort_values(["index", "activities", "community_id"], ascending=[False, False, True],
                            na_position="last")
    base.insert(0, "rank", range(1, len(base) + 1))
    return base.reset_index(drop=True)


def _with_names(session: Session, df: pd.DataFrame, scope: Scope, keep_all: bool = True) -> pd.DataFrame:
    """Add community and street names; with ``keep_all`` every community in scope appears (index None). An
    organisation's list shows only the communities it worked in (not every community of its street)."""
    from db.models import Street

    query = (select(Community.id.label("community_id"), Community.name.label("community"),
                    Street.name.label("street")).join(Street, Street.id == Community.street_id)
             .where(*scope.where(Community)))
    names = pd.DataFrame(session.execute(query.order_by(Community.id)).all(),
                         columns=["community_id", "community", "street"])
    if scope.organization_id is not None and not df.empty:
        names = names[names["community_id"].isin(df["community_id"])]
    how = "left" if keep_all else "inner"
    out = names.merge(df, on="community_id", how=how)
    if keep_all and "activities" in out:
        out["activities"] = out["activities"].fillna(0).astype(int)
    return out
