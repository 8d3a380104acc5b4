"""Find any activity of a scope to correct it (issue 10: not only the user's own latest 20): by date range,
community and title text, a page at a time, newest first. The edit and delete are ``db.activities.writes``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from db.models import Activity, AppUser, Community, Organization, ServiceRecord
from db.scope import Scope

PAGE_SIZE = 50


def find_activities(session: Session, scope: Scope, start: date, end: date, community_id: int | None = None,
                    text: str = "", page: int = 0) -> tuple[pd.DataFrame, int]:
    """Activities of ``scope`` from ``start`` to ``end`` (whole days), of one community if given, whose title
    contains ``text``: (page ``page`` of ``PAGE_SIZE`` rows, how many match in all). Columns: id, starts_at, title,
    type, place (community or organisation), people_served, volunteers, entered_by, version."""
    clauses = [Activity.starts_at >= datetime.combine(start, time()),
               Activity.starts_at < datetime.combine(end + timedelta(days=1), time()), *scope.where(Activity)]
    if community_id is not None:
        clauses.append(Activity.community_id == community_id)
    needle = (text or "").strip()
    if needle:
        clauses.append(Activity.title.like(f"%{needle}%"))
    total = int(session.execute(select(func.count()).select_from(Activity).where(*clauses)).scalar_one())
    people = (select(func.count(ServiceRecord.id)).where(ServiceRecord.activity_id == Activity.id)
              .correlate(Activity).scalar_subquery())
    query = (select(Activity.id, Activity.starts_at, Activity.title, Activity.type,
                    func.coalesce(Community.name, Organization.name).label("place"), Activity.people_served,
                    people.label("volunteers"), AppUser.display_name.label("entered_by"), Activity.version)
             .outerjoin(Community, Community.id == Activity.community_id)
             .outerjoin(Organization, Organization.id == Activity.organization_id)
             .outerjoin(AppUser, AppUser.id == Activity.created_by)
             .where(*clauses).order_by(Activity.starts_at.desc(), Activity.id.desc())
             .offset(max(page, 0) * PAGE_SIZE).limit(PAGE_SIZE))
    return pd.read_sql(query, session.connection()), total


__all__ = ["PAGE_SIZE", "find_activities"]
