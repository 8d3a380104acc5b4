"""The write machinery behind every form (db.write through db.activities): idempotent submissions, stale-edit
refusal, the audit trail, role and scope checked in db, and the data version."""

from __future__ import annotations

import itertools
import threading
import time as wallclock
import uuid
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from db import clock
from db.activities.writes import (
    activity_for_edit,
    create_activity,
    delete_activity,
    submit_activity,
    update_activity,
)
from db.auth import load_user
from db.engine import session_scope
from db.errors import PermissionDenied, StaleEdit
from db.models import Activity, AppUser, AuditLog, DataVersion, ServiceRecord
from db.write import begin_write, data_version
from tests.asserts import assert_refused
from tests.factories import (
    activity_input,
    hours,
    make_community,
    make_social_worker,
    make_street,
    write_counts,
)

TODAY = date(2025, 12, 31)
_day = itertools.count()


def next_day() -> date:
    """A fresh date per activity, so volunteers of one test never overlap those of another."""
    return date(2024, 1, 1) + timedelta(days=next(_day))


def form(w, community=None, **overrides):
    values = {"activity_date": next_day(), "community_id": community or w.community_a,
              "lead_social_worker_id": w.worker1}
    return activity_input(**{**values, **overrides})


def create(eng, user, data, key=None) -> int:
    with session_scope(eng, write=True) as session:
        return create_activity(session=session, user=user, data=data, idempotency_key=key or uuid.uuid4().hex,
                               today=TODAY)


def update(eng, user, activity_id, version, data) -> None:
    with session_scope(eng, write=True) as session:
        update_activity(session=session, user=user, activity_id=activity_id, expected_version=version, data=data,
                        today=TODAY)


def delete(eng, user, activity_id, version) -> None:
    with session_scope(eng, write=True) as session:
        delete_activity(session=session, user=user, activity_id=activity_id, expected_version=version)


def open_for_edit(eng, user, activity_id):
    with session_scope(eng) as session:
        return activity_for_edit(session, user, activity_id)


def get_activity(eng, activity_id) -> Activity | None:
    with session_scope(eng) as session:
        return session.get(Activity, activity_id)


def last_audit_id(eng) -> int:
    with session_scope(eng) as session:
        return session.execute(select(func.coalesce(func.max(AuditLog.id), 0))).scalar_one()


def audit_rows_since(eng, since_id: int) -> list[AuditLog]:
    """Audit rows written after ``since_id`` (this test's rows: tests of a module run one after another)."""
    with session_scope(eng) as session:
        return list(session.execute(select(AuditLog).where(AuditLog.id > since_id).order_by(AuditLog.id)).scalars())


def records_of(eng, activity_id) -> list[tuple[int, float]]:
    with session_scope(eng) as session:
        return [tuple(r) for r in session.execute(
            select(ServiceRecord.volunteer_id, ServiceRecord.hours)
            .where(ServiceRecord.activity_id == activity_id).order_by(ServiceRecord.volunteer_id))]


def current_version(eng) -> int:
    with session_scope(eng) as session:
        return data_version(session)


# ------------------------------------------------------------------------------------------- idempotency


def test_same_key_twice_creates_one_activity(eng, w):
    key = uuid.uuid4().hex
    data = form(w, volunteers=hours((w.volunteers[0], 1), (w.volunteers[1], 1.5)))
    before = write_counts(eng)
    first = create(eng, w.staff_a, data, key)
    second = create(eng, w.staff_a, data, key)
    after = write_counts(eng)
    assert second == first
    assert after["activity"] == before["activity"] + 1
    assert after["servicerecord"] == before["servicerecord"] + 2
    assert after["auditlog"] == before["auditlog"] + 1
    assert after["submission"] == before["submission"] + 1


def test_submit_activity_twice_with_same_key_creates_one_activity(eng, w):
    key = uuid.uuid4().hex
    data = form(w)
    before = write_counts(eng)
    mark = last_audit_id(eng)
    first = submit_activity(w.staff_a, data, key, engine=eng)
    second = submit_activity(w.staff_a, data, key, engine=eng)
    after = write_counts(eng)
    assert first == second
    assert after["activity"] == before["activity"] + 1
    assert [(r.action, r.record_id) for r in audit_rows_since(eng, mark)] == [("create", first)]


def test_a_claimed_key_is_stored_even_when_its_service_does_not_finish_it(eng, w):
    """``claim_submission`` keeps the new key aside until ``finish_submission`` gives it its record id; a key the
    transaction claimed but never finished is still stored at commit (a retry is recognised), and a rolled-back
    claim stores nothing."""
    from db.models import Submission
    from db.write import claim_submission, finish_submission

    done, unfinished, rolled_back = (uuid.uuid4().hex for _ in range(3))
    with session_scope(eng, write=True) as s:
        begin_write(s)
        assert claim_submission(s, done, "activity", w.staff_a) is None
        assert claim_submission(s, unfinished, "activity", w.staff_a) is None
        finish_submission(s, done, 42)
    with pytest.raises(RuntimeError), session_scope(eng, write=True) as s:
        begin_write(s)
        claim_submission(s, rolled_back, "activity", w.staff_a)
        raise RuntimeError("the service failed")
    with session_scope(eng) as s:
        stored = {r.key: (r.kind, r.user_id, r.record_id) for r in s.execute(
            select(Submission).where(Submission.key.in_([done, unfinished, rolled_back]))).scalars()}
        again = claim_submission(s, unfinished, "activity", w.staff_a)
    assert stored == {done: ("activity", w.staff_a.id, 42), unfinished: ("activity", w.staff_a.id, None)}
    assert again is not None and again.key == unfinished


def test_refused_submission_does_not_use_up_its_key(eng, w):
    key = uuid.uuid4().hex
    assert_refused(eng, lambda: create(eng, w.staff_a, form(w, title=""), key), "title", "「活动名称」")
    activity_id = create(eng, w.staff_a, form(w, title="改正后再提交"), key)
    assert get_activity(eng, activity_id).title == "改正后再提交"


def test_concurrent_submissions_with_same_key_create_one_activity(eng, w):
    # Several rounds, each two threads released together by a barrier, each with its own session.
    for _round in range(3):
        key = uuid.uuid4().hex
        data = form(w, title=f"并发提交{_round}")
        barrier = threading.Barrier(2)
        results: list[int] = []
        errors: list[BaseException] = []

        def submit(data=data, key=key, barrier=barrier, results=results, errors=errors):
            barrier.wait()
            try:
                results.append(submit_activity(w.staff_a, data, key, engine=eng))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        before = write_counts(eng)
        threads = [threading.Thread(target=submit) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)  # generous on a loaded machine, inside the 120 s per-test timeout
        assert not any(t.is_alive() for t in threads), "a thread hung"
        assert errors == []
        assert len(results) == 2 and results[0] == results[1]
        assert write_counts(eng)["activity"] == before["activity"] + 1


def test_same_key_while_first_submission_is_uncommitted_returns_first_id(eng, w):
    # The first submission holds its transaction open; the retry must wait for it and return its id.
    key = uuid.uuid4().hex
    data = form(w, title="慢提交")
    held = threading.Event()
    first: list[int] = []
    retry: list[int] = []
    errors: list[BaseException] = []

    def slow_first():
        try:
            with session_scope(eng, write=True) as session:
                first.append(create_activity(session=session, user=w.staff_a, data=data, idempotency_key=key,
                                             today=TODAY))
                held.set()
                wallclock.sleep(0.5)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
            held.set()

    def retrying():
        held.wait(10)
        try:
            retry.append(submit_activity(w.staff_a, data, key, engine=eng))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    before = write_counts(eng)
    threads = [threading.Thread(target=slow_first), threading.Thread(target=retrying)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)  # generous on a loaded machine, inside the 120 s per-test timeout
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == []
    assert retry == first
    assert write_counts(eng)["activity"] == before["activity"] + 1


def test_first_writes_on_a_new_database_do_not_conflict(engine):
    """Two different submissions racing as the very first writes of a new database must both succeed.

    Set up without any write service (rows inserted directly), so no write has bumped the data version yet.
    """
    with session_scope(engine, write=True) as session:
        street = make_street(session)
        community = make_community(session, street)
        worker = make_social_worker(session, street, community)
        admin = AppUser(username="first_admin", role="admin", password_hash="not-used-by-this-test")
        session.add(admin)
        session.flush()
        user = load_user(session, admin.id, 1)
    data = activity_input(community_id=community.id, lead_social_worker_id=worker.id)
    held = threading.Event()
    errors: list[BaseException] = []
    results: list[int] = []

    def first_writer():
        try:
            with session_scope(engine, write=True) as session:
                begin_write(session)
                held.set()
                wallclock.sleep(0.5)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
            held.set()

    def second_writer():
        held.wait(10)
        try:
            results.append(submit_activity(user, data, uuid.uuid4().hex, engine=engine))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=first_writer), threading.Thread(target=second_writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)  # generous on a loaded machine, inside the 120 s per-test timeout
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == []
    assert len(results) == 1
    with session_scope(engine) as session:
        assert data_version(session) == 2


# ------------------------------------------------------------------------------------------- stale edits


def test_update_with_current_version_succeeds_and_bumps_version(eng, w):
    activity_id = create(eng, w.staff_a, form(w))
    data, version = open_for_edit(eng, w.staff_a, activity_id)
    data.title = "已修改的活动"
    update(eng, w.staff_a, activity_id, version, data)
    activity = get_activity(eng, activity_id)
    assert activity.title == "已修改的活动"
    assert activity.version == version + 1


def test_stale_update_is_refused_and_changes_nothing(eng, w):
    v = w.volunteers[2]
    activity_id = create(eng, w.staff_a, form(w, volunteers=hours((v, 1))))
    mine, my_version = open_for_edit(eng, w.staff_a, activity_id)
    theirs, their_version = open_for_edit(eng, w.staff_s1, activity_id)
    theirs.title = "他人先保存的修改"
    update(eng, w.staff_s1, activity_id, their_version, theirs)
    saved = get_activity(eng, activity_id)
    saved_records = records_of(eng, activity_id)

    mine.title = "我的修改"
    mine.volunteers = hours((v, 2))
    assert_refused(eng, lambda: update(eng, w.staff_a, activity_id, my_version, mine), None, "已被他人修改",
                   error=StaleEdit)
    assert get_activity(eng, activity_id).model_dump() == saved.model_dump()
    assert records_of(eng, activity_id) == saved_records


def test_stale_delete_is_refused_and_keeps_the_activity(eng, w):
    activity_id = create(eng, w.staff_a, form(w))
    data, version = open_for_edit(eng, w.staff_a, activity_id)
    data.title = "先被修改"
    update(eng, w.staff_a, activity_id, version, data)
    assert_refused(eng, lambda: delete(eng, w.staff_a, activity_id, version), None, "已被他人修改", error=StaleEdit)
    assert get_activity(eng, activity_id) is not None


def test_editing_an_activity_does_not_clash_with_its_own_volunteers(eng, w):
    v = w.volunteers[3]
    activity_id = create(eng, w.staff_a, form(w, volunteers=hours((v, 1))))
    data, version = open_for_edit(eng, w.staff_a, activity_id)
    data.volunteers = hours((v, 2))
    update(eng, w.staff_a, activity_id, version, data)
    assert records_of(eng, activity_id) == [(v, 2.0)]


def test_delete_removes_the_activity_and_its_records(eng, w):
    activity_id = create(eng, w.staff_a, form(w, volunteers=hours((w.volunteers[4], 1))))
    _, version = open_for_edit(eng, w.staff_a, activity_id)
    delete(eng, w.staff_a, activity_id, version)
    assert get_activity(eng, activity_id) is None
    assert records_of(eng, activity_id) == []


# ------------------------------------------------------------------------------------------------- audit


def test_create_writes_one_audit_row_with_new_values(eng, w):
    v1, v2 = w.volunteers[5], w.volunteers[6]
    mark = last_audit_id(eng)
    activity_id = create(eng, w.staff_a, form(w, title="审计-新建", volunteers=hours((v1, 1), (v2, 0.5))))
    rows = audit_rows_since(eng, mark)
    assert len(rows) == 1
    row = rows[0]
    assert (row.action, row.table_name, row.record_id) == ("create", "activity", activity_id)
    assert (row.user_id, row.username) == (w.staff_a.id, w.staff_a.username)
    assert row.old_values is None
    assert row.new_values["title"] == "审计-新建"
    assert row.new_values["community_id"] == w.community_a
    assert sorted((r["volunteer_id"], r["hours"]) for r in row.new_values["volunteers"]) == [(v1, 1.0), (v2, 0.5)]


def test_update_writes_one_audit_row_with_old_and_new_values(eng, w):
    v1, v2 = w.volunteers[7], w.volunteers[8]
    activity_id = create(eng, w.staff_a, form(w, title="审计-修改前", volunteers=hours((v1, 1))))
    data, version = open_for_edit(eng, w.staff_a, activity_id)
    data.title = "审计-修改后"
    data.volunteers = hours((v2, 1.5))
    mark = last_audit_id(eng)
    update(eng, w.staff_s1, activity_id, version, data)
    rows = audit_rows_since(eng, mark)
    assert len(rows) == 1
    row = rows[0]
    assert (row.action, row.table_name, row.record_id) == ("update", "activity", activity_id)
    assert (row.user_id, row.username) == (w.staff_s1.id, w.staff_s1.username)
    assert row.old_values["title"] == "审计-修改前"
    assert row.new_values["title"] == "审计-修改后"
    assert row.old_values["version"] == version and row.new_values["version"] == version + 1
    assert [r["volunteer_id"] for r in row.old_values["volunteers"]] == [v1]
    assert [(r["volunteer_id"], r["hours"]) for r in row.new_values["volunteers"]] == [(v2, 1.5)]


def test_delete_writes_one_audit_row_with_old_values(eng, w):
    v = w.volunteers[9]
    activity_id = create(eng, w.staff_a, form(w, title="审计-删除", volunteers=hours((v, 1))))
    _, version = open_for_edit(eng, w.staff_a, activity_id)
    mark = last_audit_id(eng)
    delete(eng, w.admin, activity_id, version)
    rows = audit_rows_since(eng, mark)
    assert len(rows) == 1
    row = rows[0]
    assert (row.action, row.table_name, row.record_id) == ("delete", "activity", activity_id)
    assert (row.user_id, row.username) == (w.admin.id, w.admin.username)
    assert row.new_values is None
    assert row.old_values["title"] == "审计-删除"
    assert [r["volunteer_id"] for r in row.old_values["volunteers"]] == [v]


def test_deleted_activity_id_is_never_reused(eng, w):
    """An id names one record for ever: the audit trail (table, record_id) and accepted submissions point to it.

    Deleting the newest activity and creating another must not hand the new one the deleted one's id.
    """
    old_key = uuid.uuid4().hex
    deleted = create(eng, w.staff_a, form(w, title="将被删除"), old_key)
    _, version = open_for_edit(eng, w.staff_a, deleted)
    delete(eng, w.staff_a, deleted, version)
    created = create(eng, w.staff_a, form(w, title="新的活动"))
    assert created != deleted
    # A retry of the deleted activity's submission must not answer with someone else's activity.
    assert create(eng, w.staff_a, form(w), old_key) != created


def test_audit_row_is_rolled_back_with_its_transaction(eng, w):
    before = write_counts(eng)

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        with session_scope(eng, write=True) as session:
            create_activity(session=session, user=w.staff_a, data=form(w), idempotency_key=uuid.uuid4().hex,
                            today=TODAY)
            assert session.execute(select(func.count()).select_from(AuditLog)).scalar_one() \
                == before["auditlog"] + 1  # written, in this transaction
            raise Abort
    assert write_counts(eng) == before


# ---------------------------------------------------------------------------------------- role and scope


def test_community_staff_cannot_create_in_another_community(eng, w):
    assert_refused(eng, lambda: create(eng, w.staff_a, form(w, community=w.community_b)), None, "本社区",
                   error=PermissionDenied)


def test_community_staff_can_create_in_own_community(eng, w):
    activity_id = create(eng, w.staff_a, form(w, community_id=None))
    assert get_activity(eng, activity_id).community_id == w.community_a


def test_community_staff_cannot_update_activity_of_another_community(eng, w):
    activity_id = create(eng, w.admin, form(w, community=w.community_b, title="东山社区的活动"))
    data, version = open_for_edit(eng, w.admin, activity_id)
    data.title = "越权修改"
    data.community_id = w.community_a  # even when moving it into their own community
    assert_refused(
        eng, lambda: update(eng, w.staff_a, activity_id, version, data),
        None, error=PermissionDenied)
    assert get_activity(eng, activity_id).title == "东山社区的活动"


def test_community_staff_cannot_move_activity_to_another_community(eng, w):
    activity_id = create(eng, w.staff_a, form(w))
    data, version = open_for_edit(eng, w.staff_a, activity_id)
    data.community_id = w.community_b
    assert_refused(
        eng, lambda: update(eng, w.staff_a, activity_id, version, data),
        None, error=PermissionDenied)
    assert get_activity(eng, activity_id).community_id == w.community_a


def test_community_staff_cannot_delete_activity_of_another_community(eng, w):
    activity_id = create(eng, w.admin, form(w, community=w.community_b))
    _, version = open_for_edit(eng, w.admin, activity_id)
    assert_refused(eng, lambda: delete(eng, w.staff_a, activity_id, version), None, error=PermissionDenied)
    assert get_activity(eng, activity_id) is not None


def test_community_staff_cannot_open_activity_of_another_community_for_edit(eng, w):
    activity_id = create(eng, w.admin, form(w, community=w.community_b))
    assert_refused(eng, lambda: open_for_edit(eng, w.staff_a, activity_id), None, error=PermissionDenied)


def test_leader_cannot_create(eng, w):
    assert_refused(eng, lambda: create(eng, w.leader, form(w)), None, "只能查看", error=PermissionDenied)


def test_leader_cannot_update(eng, w):
    activity_id = create(eng, w.admin, form(w))
    data, version = open_for_edit(eng, w.admin, activity_id)
    data.title = "领导修改"
    assert_refused(
        eng, lambda: update(eng, w.leader, activity_id, version, data),
        None, error=PermissionDenied)
    assert get_activity(eng, activity_id).title != "领导修改"


def test_leader_cannot_delete(eng, w):
    activity_id = create(eng, w.admin, form(w))
    _, version = open_for_edit(eng, w.admin, activity_id)
    assert_refused(eng, lambda: delete(eng, w.leader, activity_id, version), None, error=PermissionDenied)
    assert get_activity(eng, activity_id) is not None


def test_admin_can_write_in_any_street(eng, w):
    in_a = create(eng, w.admin, form(w, community=w.community_a))
    in_c = create(eng, w.admin, form(w, community=w.community_c, lead_social_worker_id=w.worker2))
    assert get_activity(eng, in_c).street_id == w.street2
    data, version = open_for_edit(eng, w.admin, in_c)
    data.title = "管理员修改"
    update(eng, w.admin, in_c, version, data)
    _, version = open_for_edit(eng, w.admin, in_a)
    delete(eng, w.admin, in_a, version)
    assert get_activity(eng, in_c).title == "管理员修改"
    assert get_activity(eng, in_a) is None


def test_street_staff_can_write_in_every_community_of_their_street(eng, w):
    in_a = create(eng, w.staff_s1, form(w, community=w.community_a))
    in_b = create(eng, w.staff_s1, form(w, community=w.community_b))
    assert {get_activity(eng, in_a).community_id, get_activity(eng, in_b).community_id} == \
        {w.community_a, w.community_b}
    data, version = open_for_edit(eng, w.staff_s1, in_b)
    data.community_id = w.community_a
    update(eng, w.staff_s1, in_b, version, data)
    assert get_activity(eng, in_b).community_id == w.community_a


def test_street_staff_cannot_write_in_another_street(eng, w):
    assert_refused(eng, lambda: create(eng, w.staff_s1, form(w, community=w.community_c,
                                                             lead_social_worker_id=w.worker2)),
                   None, "本街道", error=PermissionDenied)
    in_c = create(eng, w.admin, form(w, community=w.community_c, lead_social_worker_id=w.worker2))
    data, version = open_for_edit(eng, w.admin, in_c)
    assert_refused(eng, lambda: update(eng, w.staff_s1, in_c, version, data), None, error=PermissionDenied)
    assert_refused(eng, lambda: delete(eng, w.staff_s1, in_c, version), None, error=PermissionDenied)


# ------------------------------------------------------------------------------------------ data version


def test_create_bumps_data_version(eng, w):
    before = current_version(eng)
    create(eng, w.staff_a, form(w))
    assert current_version(eng) > before


def test_update_bumps_data_version(eng, w):
    activity_id = create(eng, w.staff_a, form(w))
    data, version = open_for_edit(eng, w.staff_a, activity_id)
    before = current_version(eng)
    update(eng, w.staff_a, activity_id, version, data)
    assert current_version(eng) > before


def test_delete_bumps_data_version(eng, w):
    activity_id = create(eng, w.staff_a, form(w))
    _, version = open_for_edit(eng, w.staff_a, activity_id)
    before = current_version(eng)
    delete(eng, w.staff_a, activity_id, version)
    assert current_version(eng) > before


def test_refused_writes_do_not_bump_data_version(eng, w):
    activity_id = create(eng, w.staff_a, form(w))
    data, version = open_for_edit(eng, w.staff_a, activity_id)
    before = current_version(eng)
    assert_refused(eng, lambda: create(eng, w.staff_a, form(w, title="")), "title", "「活动名称」")
    assert_refused(eng, lambda: create(eng, w.leader, form(w)), None, error=PermissionDenied)
    assert_refused(
        eng, lambda: create(eng, w.staff_a, form(w, community=w.community_b)),
        None, error=PermissionDenied)
    assert_refused(eng, lambda: update(eng, w.staff_a, activity_id, version + 1, data), None, error=StaleEdit)
    assert_refused(eng, lambda: delete(eng, w.staff_a, activity_id, version + 1), None, error=StaleEdit)
    assert current_version(eng) == before


def test_data_version_change_time_is_recorded(eng, w):
    create(eng, w.staff_a, form(w))
    with session_scope(eng) as session:
        changed_at = session.get(DataVersion, 1).changed_at
    assert abs(changed_at - clock.now()) < timedelta(minutes=5)  # local (office) time, like every timestamp


def test_activity_times_are_combined_from_date_and_clock(eng, w):
    day = next_day()
    activity_id = create(eng, w.staff_a, form(w, activity_date=day, start_time=time(8, 15), end_time=time(9, 45)))
    activity = get_activity(eng, activity_id)
    assert activity.starts_at == datetime.combine(day, time(8, 15))
    assert activity.ends_at == datetime.combine(day, time(9, 45))
