"""Summaries that write services keep in step with the records, in the same transaction.

``VolunteerTotal``: approved service hours (and records) per volunteer over all history, read by the star levels
instead of summing every record on every read. Recomputed, not incremented, for the volunteers a write touched, so
it cannot drift: each write service that adds, changes or deletes approved service records calls
``refresh_volunteer_totals`` with the volunteers involved before it commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session

from db.models import ServiceRecord, VolunteerTotal

_CHUNK = 500  # volunteers per statement (bound parameters stay well under every backend's limit)


def _recompute(session: Session, ids: list[int] | None) -> None:
    drop = delete(VolunteerTotal)
    sums = (select(ServiceRecord.volunteer_id, func.sum(ServiceRecord.hours), func.count())
            .where(ServiceRecord.status == "approved").group_by(ServiceRecord.volunteer_id))
    if ids is not None:
        drop = drop.where(VolunteerTotal.volunteer_id.in_(ids))
        sums = sums.where(ServiceRecord.volunteer_id.in_(ids))
    session.execute(drop)
    session.execute(insert(VolunteerTotal).from_select(["volunteer_id", "hours", "records"], sums))


def refresh_volunteer_totals(session: Session, volunteer_ids: Iterable[int] | None) -> None:
    """Recompute the totals of these volunteers from their records (every volunteer when None)."""
    if volunteer_ids is None:
        _recompute(session, None)
        return
    ids = sorted({int(v) for v in volunteer_ids})
    for start in range(0, len(ids), _CHUNK):
        _recompute(session, ids[start:start + _CHUNK])
