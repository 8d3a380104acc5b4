"""The running totals of db/totals.py (approved hours per volunteer, all history) stay equal to a direct sum over
the service records through every write that changes approved records — create, edit (a volunteer taken off,
hours changed), delete, a backfill approved — and after the demo load and the migration that creates them.
SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import func, insert, select

from db.activities.writes import activity_for_edit, create_activity, delete_activity, update_activity
from db.engine import session_scope
from db.migrate import upgrade
from db.models import Activity, ServiceRecord, VolunteerTotal
from db.volunteers.writes import BackfillInput, backfill_hours, review_records
from tests.factories import activity_input, hours, make_community, make_street, make_volunteers

TODAY = date(2025, 6, 30)


def direct(session) -> dict[int, tuple[float, int]]:
    rows = session.execute(select(ServiceRecord.volunteer_id, func.sum(ServiceRecord.hours), func.count())
                           .where(ServiceRecord.status == "approved").group_by(ServiceRecord.volunteer_id)).all()
    return {v: (round(float(h), 2), n) for v, h, n in rows}


def kept(session) -> dict[int, tuple[float, int]]:
    return {t.volunteer_id: (round(t.hours, 2), t.records) for t in session.execute(select(VolunteerTotal)).scalars()}


def assert_in_step(engine) -> dict[int, tuple[float, int]]:
    with session_scope(engine) as s:
        expected = direct(s)
        assert kept(s) == expected
    return expected


def test_totals_follow_every_write(eng, w):
    a, b, c, d = w.volunteers[:4]
    place = {"community_id": w.community_a, "project_id": w.project1}
    with session_scope(eng, write=True) as s:
        aid = create_activity(session=s, user=w.staff_a, idempotency_key=uuid.uuid4().hex, today=TODAY,
                              data=activity_input(**place, volunteers=hours((a, 2), (b, 1.5), (c, 2))))
    totals = assert_in_step(eng)
    assert totals[a] == (2.0, 1) and totals[b] == (1.5, 1)

    with session_scope(eng) as s:  # edit: b taken off, a's hours changed
        data, version = activity_for_edit(s, w.staff_a, aid)
    data.volunteers = hours((a, 1), (c, 2))
    with session_scope(eng, write=True) as s:
        update_activity(session=s, user=w.staff_a, activity_id=aid, expected_version=version, data=data,
                        today=TODAY)
    totals = assert_in_step(eng)
    assert totals[a] == (1.0, 1) and b not in totals

    with session_scope(eng, write=True) as s:  # 荣誉 hours: pending (not counted), then approved
        rid = backfill_hours(session=s, user=w.staff_a, idempotency_key=uuid.uuid4().hex,
                             data=BackfillInput(volunteer_id=d, activity_id=aid, hours=1.5, reason="现场未签到"))
    assert d not in assert_in_step(eng)
    with session_scope(eng, write=True) as s:
        # Approved by someone else: who enters a backfill does not approve it.
        review_records(session=s, user=w.staff_s1, records={rid: 1}, approve=True)
    assert assert_in_step(eng)[d] == (1.5, 1)

    with session_scope(eng) as s:
        version = activity_for_edit(s, w.staff_a, aid)[1]
    with session_scope(eng, write=True) as s:
        delete_activity(session=s, user=w.staff_a, activity_id=aid, expected_version=version)
    assert not set(assert_in_step(eng)) & {a, b, c, d}  # the only activity of these four is gone


def test_the_demo_data_has_its_totals(demo_engine):
    totals = assert_in_step(demo_engine)
    assert len(totals) > 1000


def test_the_migration_fills_the_totals_from_existing_records(empty_engine):
    upgrade(empty_engine, "0005")
    # Places and volunteers only: users and audit rows have columns that revision 0005 lacks (migration 0007).
    with session_scope(empty_engine, write=True) as s:
        street = make_street(s)
        community = make_community(s, street)
        v1, v2 = (v.id for v in make_volunteers(s, street, community, n=2))  # no service records yet
    with session_scope(empty_engine, write=True) as s:
        activity = Activity(street_id=street.id, community_id=community.id, title="旧活动", type="联动服务",
                            starts_at=datetime.combine(TODAY, time(9)), ends_at=datetime.combine(TODAY, time(11)))
        s.add(activity)
        s.flush()
        s.execute(insert(ServiceRecord), [
            {"volunteer_id": v, "activity_id": activity.id, "hours": h, "kind": k, "status": st, "reason": "",
             "service_date": TODAY, "street_id": street.id, "community_id": community.id, "is_demo": False,
             "version": 1} for v, h, k, st in ((v1, 2.0, "信用", "approved"), (v1, 0.5, "荣誉", "approved"),
                                               (v2, 1.0, "信用", "pending"))])
    upgrade(empty_engine)
    assert assert_in_step(empty_engine) == {v1: (2.5, 2)}
