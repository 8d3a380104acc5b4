"""Read queries for pages and forms: reference lists within a scope, latest activities, the data version."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from db.models import Activity, Community, Organization, Project, SocialWorker, Street, Volunteer
from db.privacy import mask_name, phone_tail
from db.scope import Scope


def streets(session: Session, scope: Scope) -> list[tuple[int, str]]:
    """(id, name) of the streets the scope can see."""
    query = select(Street.id, Street.name).where(*scope.where(Street)).order_by(Street.id)
    return [(r.id, r.name) for r in session.execute(query)]


def communities(session: Session, scope: Scope, street_id: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the communities the scope can see, optionally within one street."""
    query = select(Community.id, Community.name).where(*scope.where(Community)).order_by(Community.street_id,
                                                                                           Community.id)
    if street_id is not None:
        query = query.where(Community.street_id == street_id)
    return [(r.id, r.name) for r in session.execute(query)]


def street_of_community(session: Session, community_id: int) -> int | None:
    community = session.get(Community, community_id)
    return community.street_id if community else None


def projects_for(session: Session, street_id: int | None, community_id: int | None = None
                 ) -> list[tuple[int, str]]:
    """Projects an activity in this street (and community) may belong to: the community's, then the street's."""
    query = select(Project.id, Project.name, Project.community_id).where(Project.status != "已结项")
    if street_id is not None:
        query = query.where(Project.street_id == street_id)
    rows = session.execute(query.order_by(Project.id)).all()
    mine = [r for r in rows if community_id is not None and r.community_id == community_id]
    rest = [r for r in rows if r not in mine]
    return [(r.id, r.name) for r in mine + rest]


def social_workers_for(session: Session, street_id: int | None) -> list[tuple[int, str]]:
    """(id, "name · level") of the social workers of a street."""
    query = select(SocialWorker.id, SocialWorker.name, SocialWorker.level).order_by(SocialWorker.id)
    if street_id is not None:
        query = query.where(SocialWorker.street_id == street_id)
    return [(r.id, f"{r.name} · {r.level}") for r in session.execute(query)]


def volunteer_options(session: Session, street_id: int | None, community_id: int | None = None
                      ) -> list[tuple[int, str]]:
    """(id, masked label) of volunteers to pick for an activity: the community's first, then the street's."""
    query = select(Volunteer.id, Volunteer.name, Volunteer.phone, Volunteer.community_id)
    if street_id is not None:
        query = query.where(Volunteer.street_id == street_id)
    rows = session.execute(query.order_by(Volunteer.id)).all()
    rows.sort(key=lambda r: (r.community_id != community_id, r.id))
    return [(r.id, f"{mask_name(r.name)} · {phone_tail(r.phone)} · #{r.id}") for r in rows]


def latest_activities(session: Session, scope: Scope, limit: int = 10) -> pd.DataFrame:
    """The newest activities in a scope."""
    query = (
        select(Activity.starts_at, Activity.title, Activity.type, Community.name.label("community"),
               Activity.people_served, Activity.with_social_worker, Activity.with_volunteers)
        .outerjoin(Community, Community.id == Activity.community_id)
        .where(*scope.where(Activity)).order_by(Activity.starts_at.desc()).limit(limit)
    )
    return pd.read_sql(query, session.connection())


def scope_name(session: Session, scope: Scope) -> str:
    """A Chinese name for a scope, e.g. 新港山路社区 or 全部街道."""
    if scope.community_id is not None:
        c = session.get(Community, scope.community_id)
        return c.name if c else "未知社区"
    if scope.organization_id is not None:
        o = session.get(Organization, scope.organization_id)
        return o.name if o else "未知机构"
    if scope.street_id is not None:
        s = session.get(Street, scope.street_id)
        return s.name if s else "未知街道"
    return "全部街道"
