"""Write services of the 志愿者 page (db.volunteer_forms): register and edit volunteers and teams, review pending
records, backfill 荣誉 hours under the hour rules (each refused with a clear message), roles and scopes checked
in db, idempotent submissions, versions, audit rows; a refused form writes nothing."""

from __future__ import annotations

import uuid
from datetime import date, time

import pytest
from sqlalchemy import func, select

from db.activities.writes import create_activity
from db.engine import session_scope
from db.errors import NotFound, PermissionDenied, StaleEdit
from db.models import AuditLog, ServiceRecord, Submission, TeamMember, Volunteer, VolunteerTeam
from db.periods import period_of
from db.scope import ALL, Scope
from db.volunteers import reads as vol
from db.volunteers import writes as vf
from tests.asserts import assert_refused, in_session
from tests.factories import activity_input, count_rows, hours

TODAY = date(2025, 6, 30)


def counts(eng) -> dict[str, int]:
    return count_rows(eng, Volunteer, VolunteerTeam, TeamMember, ServiceRecord, AuditLog, Submission)


def volunteer_input(w, **overrides) -> vf.VolunteerInput:
    values = {"name": "李小红", "registered_on": date(2025, 3, 1), "community_id": w.community_a,
              "phone": f"139{uuid.uuid4().int % 10**8:08d}", "gender": "女", "birth_year": 1990,
              "tags": ["在职党员"]}
    return vf.VolunteerInput(**{**values, **overrides})


def create_volunteer(eng, user, data, key=None) -> int:
    with session_scope(eng, write=True) as s:
        return vf.create_volunteer(session=s, user=user, data=data, idempotency_key=key or uuid.uuid4().hex,
                                   today=TODAY)


def refused(eng, call, field: str | set[str], *fragments: str) -> str:
    """``call(session)`` is refused naming exactly ``field`` (tests.asserts.assert_refused: nothing in any table
    changes); returns the message."""
    error = assert_refused(eng, in_session(eng, call), field, *fragments)
    return error.errors[field] if isinstance(field, str) else str(error)


# ============================================================================================ volunteers


def test_register_a_volunteer_with_teams_and_audit(eng, w):
    with session_scope(eng, write=True) as s:
        team = VolunteerTeam(name=f"登记测试队{uuid.uuid4().hex[:4]}", street_id=w.street1, community_id=w.community_a)
        s.add(team)
        s.flush()
        team_id = team.id
    vid = create_volunteer(eng, w.staff_a, volunteer_input(w, team_ids=[team_id], phone=" 139 1234 5678 "))
    with session_scope(eng) as s:
        v = s.get(Volunteer, vid)
        assert (v.name, v.phone, v.street_id, v.community_id, v.tags) == ("李小红", "13912345678", w.street1,
                                                                          w.community_a, ["在职党员"])
        assert s.execute(select(TeamMember.team_id).where(TeamMember.volunteer_id == vid)).scalars().all() == [team_id]
        audit = s.execute(select(AuditLog).where(AuditLog.table_name == "volunteer", AuditLog.record_id == vid)
                          ).scalar_one()
    assert audit.action == "create" and audit.new_values["team_ids"] == [team_id]


def test_staff_default_to_their_community(eng, w):
    vid = create_volunteer(eng, w.staff_a, volunteer_input(w, community_id=None))
    with session_scope(eng) as s:
        assert s.get(Volunteer, vid).community_id == w.community_a


def test_a_repeated_submission_registers_once(eng, w):
    key = uuid.uuid4().hex
    data = volunteer_input(w)
    first = create_volunteer(eng, w.staff_a, data, key)
    before = counts(eng)
    assert create_volunteer(eng, w.staff_a, data, key) == first
    assert counts(eng) == before


def test_leaders_cannot_register(eng, w):
    assert_refused(
        eng, lambda: create_volunteer(eng, w.leader, volunteer_input(w)),
        None, error=PermissionDenied)


def test_staff_cannot_register_outside_their_scope(eng, w):
    assert_refused(
        eng, lambda: create_volunteer(eng, w.staff_a, volunteer_input(w, community_id=w.community_b)),
        None, error=PermissionDenied)
    assert_refused(
        eng, lambda: create_volunteer(eng, w.staff_s1, volunteer_input(w, community_id=w.community_c)),
        None, error=PermissionDenied)


@pytest.mark.parametrize(("field", "value", "fragment"), [
    ("name", "", "不能为空"),
    ("name", "   ", "不能为空"),
    ("name", "长" * 31, "不能超过 30 个字"),
    ("name", "张3", "不能含有数字"),
    ("phone", "12345", "11 位手机号码"),
    ("phone", "1391234567a", "11 位手机号码"),
    ("gender", "未知", "须为：男、女"),
    ("birth_year", 1800, "1900 到 2025"),
    ("birth_year", "一九九〇", "1900 到 2025"),
    ("birth_year", 1990.5, "1900 到 2025"),
    ("registered_on", None, "不能为空"),
    ("registered_on", date(2025, 7, 1), "不能晚于今天"),
    ("registered_on", date(1999, 12, 31), "不能早于 2000-01-01"),
    ("tags", ["外星人"], "不认识：外星人"),
    ("team_ids", [987654], "不存在"),
])
def test_each_wrong_volunteer_field_is_refused(eng, w, field, value, fragment):
    data = volunteer_input(w, **{field: value})
    refused(eng, lambda s: vf.create_volunteer(session=s, user=w.admin, data=data,
                                               idempotency_key=uuid.uuid4().hex,
                                               today=TODAY), field, fragment)


def test_full_width_phone_and_landline_are_accepted(eng, w):
    create_volunteer(eng, w.admin, volunteer_input(w, phone="１３９１１１１２２２２"))
    create_volunteer(eng, w.admin, volunteer_input(w, phone="0532-86001234"))


def test_missing_community_is_refused(eng, w):
    data = volunteer_input(w, community_id=None)
    refused(eng, lambda s: vf.create_volunteer(session=s, user=w.admin, data=data,
                                               idempotency_key=uuid.uuid4().hex,
                                               today=TODAY), "community_id", "不能为空")


def test_team_of_another_street_is_refused(eng, w):
    with session_scope(eng, write=True) as s:
        team = VolunteerTeam(name=f"外街道队{uuid.uuid4().hex[:4]}", street_id=w.street2, community_id=w.community_c)
        s.add(team)
        s.flush()
        team_id = team.id
    data = volunteer_input(w, team_ids=[team_id])
    refused(eng, lambda s: vf.create_volunteer(session=s, user=w.admin, data=data,
                                               idempotency_key=uuid.uuid4().hex,
                                               today=TODAY), "team_ids", "只能选择本街道的队伍")


def test_staff_cannot_put_a_volunteer_in_a_team_of_another_street(eng, w):
    with session_scope(eng, write=True) as s:
        team = VolunteerTeam(name=f"外街道队{uuid.uuid4().hex[:4]}", street_id=w.street2, community_id=w.community_c)
        s.add(team)
        s.flush()
        team_id = team.id
    before = counts(eng)
    with pytest.raises(PermissionDenied) as caught:
        create_volunteer(eng, w.staff_s1, volunteer_input(w, team_ids=[team_id]))
    assert "「所属队伍」" in str(caught.value)
    assert counts(eng) == before


def test_same_name_and_phone_is_not_registered_twice(eng, w):
    data = volunteer_input(w, name="王重复", phone="13800001111")
    first = create_volunteer(eng, w.admin, data)
    message = refused(eng, lambda s: vf.create_volunteer(session=s, user=w.admin, data=data,
                                                         idempotency_key=uuid.uuid4().hex, today=TODAY), "name")
    assert f"#{first}" in message


def test_edit_a_volunteer_is_versioned_and_audited(eng, w):
    vid = create_volunteer(eng, w.staff_a, volunteer_input(w, name="赵编辑"))
    with session_scope(eng) as s:
        data, version = vf.volunteer_for_edit(s, w.staff_a, vid)
    data.leaderboard_opt_out = True
    data.tags = ["小区居民"]
    with session_scope(eng, write=True) as s:
        vf.update_volunteer(session=s, user=w.staff_a, volunteer_id=vid, expected_version=version, data=data,
                            today=TODAY)
    with session_scope(eng) as s:
        v = s.get(Volunteer, vid)
        assert v.leaderboard_opt_out and v.tags == ["小区居民"] and v.version == version + 1
        audit = s.execute(select(AuditLog).where(AuditLog.table_name == "volunteer", AuditLog.record_id == vid,
                                                 AuditLog.action == "update")).scalar_one()
    assert audit.old_values["leaderboard_opt_out"] is False and audit.new_values["leaderboard_opt_out"] is True
    assert_refused(eng, in_session(eng, lambda s: vf.update_volunteer(
        session=s, user=w.staff_a, volunteer_id=vid, expected_version=version, data=data, today=TODAY)),
        None, error=StaleEdit)


def test_editing_someone_outside_the_scope_is_refused(eng, w):
    vid = create_volunteer(eng, w.admin, volunteer_input(w, community_id=w.community_c))
    with session_scope(eng) as s, pytest.raises(PermissionDenied):
        vf.volunteer_for_edit(s, w.staff_a, vid)
    with session_scope(eng) as s:
        data, version = vf.volunteer_for_edit(s, w.admin, vid)
    assert_refused(
        eng, in_session(eng, lambda s: vf.update_volunteer(session=s, user=w.staff_a, volunteer_id=vid,
                                                           expected_version=version, data=data)),
        None, error=PermissionDenied)
    assert_refused(
        eng, in_session(eng, lambda s: vf.update_volunteer(session=s, user=w.admin, volunteer_id=987654,
                                                           expected_version=1, data=data)),
        None, error=NotFound)


# ================================================================================================= teams


def test_create_and_edit_a_team(eng, w):
    name = f"新建队{uuid.uuid4().hex[:4]}"
    with session_scope(eng, write=True) as s:
        team_id = vf.create_team(session=s, user=w.staff_a, data=vf.TeamInput(name=name, founded_year=2024),
                                 idempotency_key=uuid.uuid4().hex, today=TODAY)
    with session_scope(eng) as s:
        team = s.get(VolunteerTeam, team_id)
        assert (team.street_id, team.community_id, team.founded_year) == (w.street1, w.community_a, 2024)
    with session_scope(eng, write=True) as s:
        vf.update_team(session=s, user=w.staff_a, team_id=team_id, expected_version=1,
                       data=vf.TeamInput(name=name, community_id=w.community_a, description="改过"), today=TODAY)
    assert_refused(eng, in_session(eng, lambda s: vf.update_team(
        session=s, user=w.staff_a, team_id=team_id, expected_version=1,
        data=vf.TeamInput(name=name, community_id=w.community_a), today=TODAY)), None, error=StaleEdit)
    refused(eng, lambda s: vf.create_team(session=s, user=w.staff_a, data=vf.TeamInput(name=name),
                                          idempotency_key=uuid.uuid4().hex, today=TODAY), "team_name", "已存在")


@pytest.mark.parametrize(("field", "values", "fragment"), [
    ("team_name", {"name": ""}, "不能为空"),
    ("team_name", {"name": "队" * 61}, "不能超过 60 个字"),
    ("founded_year", {"founded_year": 1900}, "1949 到 2025"),
    ("description", {"description": "长" * 501}, "不能超过 500 个字"),
])
def test_each_wrong_team_field_is_refused(eng, w, field, values, fragment):
    data = vf.TeamInput(**{"name": f"队{uuid.uuid4().hex[:4]}", "community_id": w.community_a, **values})
    refused(eng, lambda s: vf.create_team(session=s, user=w.admin, data=data,
                                          idempotency_key=uuid.uuid4().hex,
                                          today=TODAY), field, fragment)


def test_leader_cannot_create_a_team(eng, w):
    assert_refused(eng, in_session(eng, lambda s: vf.create_team(
        session=s, user=w.leader, data=vf.TeamInput(name="领导队", community_id=w.community_a),
        idempotency_key=uuid.uuid4().hex)), None, error=PermissionDenied)


# ========================================================================================= activities


_slot = iter(range(1, 10_000))


def new_activity(eng, w, volunteers=(), start=time(9, 0), end=time(11, 0), day=None, community=None) -> int:
    """An activity of community A (unless told) on a day of its own, with 信用 hours of ``volunteers``."""
    day = day or date.fromordinal(date(2023, 1, 1).toordinal() + next(_slot))
    data = activity_input(community_id=community or w.community_a, activity_date=day, start_time=start,
                          end_time=end, volunteers=hours(*[(v, None) for v in volunteers]))
    with session_scope(eng, write=True) as s:
        return create_activity(session=s, user=w.admin, data=data, idempotency_key=uuid.uuid4().hex, today=TODAY)


def backfill(eng, user, volunteer_id, activity_id, h, reason="现场未签到，事后补录", key=None) -> int:
    with session_scope(eng, write=True) as s:
        return vf.backfill_hours(session=s, user=user, data=vf.BackfillInput(volunteer_id, activity_id, h, reason),
                                 idempotency_key=key or uuid.uuid4().hex)


def refused_backfill(eng, w, volunteer_id, activity_id, h, field, *fragments, reason="现场未签到，事后补录"):
    data = vf.BackfillInput(volunteer_id, activity_id, h, reason)
    return refused(eng, lambda s: vf.backfill_hours(session=s, user=w.admin, data=data,
                                                    idempotency_key=uuid.uuid4().hex), field, *fragments)


# ============================================================================================== backfill


def test_backfill_writes_a_pending_honour_record(eng, w):
    activity = new_activity(eng, w)
    v = w.volunteers[0]
    record_id = backfill(eng, w.staff_a, v, activity, 1.5)
    with session_scope(eng) as s:
        rec = s.get(ServiceRecord, record_id)
        assert (rec.kind, rec.status, rec.hours, rec.reason) == ("荣誉", "pending", 1.5, "现场未签到，事后补录")
        assert (rec.street_id, rec.community_id) == (w.street1, w.community_a)
        assert s.execute(select(AuditLog.action).where(AuditLog.table_name == "servicerecord",
                                                       AuditLog.record_id == record_id)).scalar_one() == "create"


def test_backfill_hours_equal_to_the_activity_are_accepted(eng, w):
    backfill(eng, w.admin, w.volunteers[1], new_activity(eng, w), 2)


@pytest.mark.parametrize("value", [0, -1, -0.5])
def test_backfill_hours_not_above_zero_are_refused(eng, w, value):
    refused_backfill(eng, w, w.volunteers[0], new_activity(eng, w), value, "hours", "「服务时长」", "须大于 0 小时")


@pytest.mark.parametrize("value", [2.01, 2.5, 24])
def test_backfill_hours_longer_than_the_activity_are_refused(eng, w, value):
    message = refused_backfill(eng, w, w.volunteers[0], new_activity(eng, w), value, "hours",
                               "超过活动时长 2 小时", "不含路途时间")
    assert "第 1 位" not in message


@pytest.mark.parametrize("value", [None, "", "两小时", float("nan")])
def test_backfill_hours_not_a_number_are_refused(eng, w, value):
    refused_backfill(eng, w, w.volunteers[0], new_activity(eng, w), value, "hours", "须填写数字")


def test_backfill_on_an_overlapping_activity_is_refused(eng, w):
    v = w.volunteers[2]
    day = date(2024, 11, 11)
    first = new_activity(eng, w, [v], time(9, 0), time(11, 0), day=day)
    other = new_activity(eng, w, [], time(10, 0), time(12, 0), day=day)
    message = refused_backfill(eng, w, v, other, 1, "volunteer_id", "同一志愿者不能同时参加两场活动", "09:00–11:00")
    assert "「志愿者」" in message
    touching = new_activity(eng, w, [], time(11, 0), time(12, 0), day=day)
    backfill(eng, w.admin, v, touching, 1)  # only touching: accepted
    assert first


def test_backfill_where_the_volunteer_already_has_hours_is_refused(eng, w):
    v = w.volunteers[3]
    activity = new_activity(eng, w, [v])
    refused_backfill(eng, w, v, activity, 1, "volunteer_id", "已有信用时长记录")
    other = new_activity(eng, w)
    backfill(eng, w.admin, v, other, 1)
    refused_backfill(eng, w, v, other, 1, "volunteer_id", "已有荣誉时长记录（待审核）")


@pytest.mark.parametrize("reason", ["", " ", "补", "长" * 201])
def test_backfill_needs_a_reason(eng, w, reason):
    refused_backfill(eng, w, w.volunteers[0], new_activity(eng, w), 1, "reason", reason=reason)


def test_backfill_of_unknown_activity_or_volunteer_is_refused(eng, w):
    refused_backfill(eng, w, w.volunteers[0], 987654, 1, "activity_id", "不存在")
    refused_backfill(eng, w, 987654, new_activity(eng, w), 1, "volunteer_id", "不存在")
    refused_backfill(eng, w, None, None, 1, {"activity_id", "volunteer_id"}, "「活动」不能为空", "「志愿者」不能为空")


def test_backfill_is_idempotent_and_scoped(eng, w):
    activity = new_activity(eng, w)
    key = uuid.uuid4().hex
    first = backfill(eng, w.staff_a, w.volunteers[4], activity, 1, key=key)
    assert backfill(eng, w.staff_a, w.volunteers[4], activity, 1, key=key) == first
    other_street = new_activity(eng, w, community=w.community_c)
    assert_refused(
        eng, lambda: backfill(eng, w.staff_a, w.volunteers[5], other_street, 1),
        None, error=PermissionDenied)
    assert_refused(
        eng, lambda: backfill(eng, w.leader, w.volunteers[5], activity, 1),
        None, error=PermissionDenied)


def _far_volunteer(eng, w) -> int:
    """A volunteer of street 2 (community C)."""
    with session_scope(eng, write=True) as s:
        v = Volunteer(name="乔远方", street_id=w.street2, community_id=w.community_c, registered_on=date(2024, 1, 1))
        s.add(v)
        s.flush()
        return v.id


def test_staff_cannot_backfill_hours_for_a_volunteer_of_another_street(eng, w):
    activity = new_activity(eng, w)
    far = _far_volunteer(eng, w)
    for user in (w.staff_a, w.staff_s1):
        before = counts(eng)
        with pytest.raises(PermissionDenied) as caught:
            backfill(eng, user, far, activity, 1)
        assert "「志愿者」" in str(caught.value) and f"#{far}" in str(caught.value)
        assert counts(eng) == before


# =============================================================================================== reviews


def test_who_enters_a_backfill_does_not_approve_it(eng, w):
    rid = backfill(eng, w.staff_a, w.volunteers[9], new_activity(eng, w), 1)
    before = counts(eng)
    with pytest.raises(PermissionDenied) as caught, session_scope(eng, write=True) as s:
        vf.review_records(session=s, user=w.staff_a, records={rid: 1}, approve=True)
    assert f"#{rid}" in str(caught.value) and "本人补录" in str(caught.value)
    assert counts(eng) == before
    with session_scope(eng) as s:
        assert s.get(ServiceRecord, rid).status == "pending"
        assert vf.entered_by(s, w.staff_a, [rid]) == [rid] and vf.entered_by(s, w.staff_s1, [rid]) == []
    with session_scope(eng, write=True) as s:  # someone else approves it
        assert vf.review_records(session=s, user=w.staff_s1, records={rid: 1}, approve=True) == 1
    with session_scope(eng) as s:
        rec = s.get(ServiceRecord, rid)
    assert (rec.status, rec.approved_by) == ("approved", w.staff_s1.id)


def test_one_own_record_among_several_stops_the_whole_approval(eng, w):
    mine = backfill(eng, w.staff_s1, w.volunteers[10], new_activity(eng, w), 1)
    other = backfill(eng, w.admin, w.volunteers[11], new_activity(eng, w), 1)
    before = counts(eng)
    with pytest.raises(PermissionDenied), session_scope(eng, write=True) as s:
        vf.review_records(session=s, user=w.staff_s1, records={mine: 1, other: 1}, approve=True)
    assert counts(eng) == before
    with session_scope(eng) as s:
        assert {s.get(ServiceRecord, r).status for r in (mine, other)} == {"pending"}


def test_who_enters_a_backfill_may_withdraw_it_by_rejecting(eng, w):
    rid = backfill(eng, w.staff_a, w.volunteers[9], new_activity(eng, w), 1)
    with session_scope(eng, write=True) as s:
        vf.review_records(session=s, user=w.staff_a, records={rid: 1}, approve=False, reason="录错了志愿者")
    with session_scope(eng) as s:
        assert s.get(ServiceRecord, rid).status == "rejected"



def _pending(eng, w, n=2) -> dict[int, int]:
    ids = {}
    for i in range(n):
        rid = backfill(eng, w.admin, w.volunteers[6 + i], new_activity(eng, w), 1.5)
        ids[rid] = 1
    return ids


def test_approve_counts_the_hours_on_the_board_but_not_as_credit(eng, w):
    records = _pending(eng, w, 1)
    (rid,) = records
    with session_scope(eng) as s:
        rec = s.get(ServiceRecord, rid)
        period = period_of("custom", TODAY, rec.service_date, rec.service_date)
        f = vol.BoardFilter(ALL, period)
        assert vol.board_totals(s, f).hours == 0
    with session_scope(eng, write=True) as s:
        assert vf.review_records(session=s, user=w.staff_a, records=records, approve=True) == 1
    with session_scope(eng) as s:
        rec = s.get(ServiceRecord, rid)
        assert (rec.status, rec.approved_by, rec.version, rec.reason) == ("approved", w.staff_a.id, 2,
                                                                           "现场未签到，事后补录")
        assert vol.board_totals(s, f).hours == 1.5
        assert vol.board_totals(s, vol.BoardFilter(ALL, period, credit_only=True)).hours == 0
        audit = s.execute(select(AuditLog).where(AuditLog.table_name == "servicerecord", AuditLog.record_id == rid,
                                                 AuditLog.action == "update")).scalar_one()
    assert audit.old_values["status"] == "pending" and audit.new_values["status"] == "approved"


def test_reject_needs_a_reason_and_records_it(eng, w):
    records = _pending(eng, w)
    refused(eng, lambda s: vf.review_records(session=s, user=w.admin, records=records, approve=False,
                                             reason=""),
            "reason", "驳回时须填写原因")
    with session_scope(eng, write=True) as s:
        vf.review_records(session=s, user=w.admin, records=records, approve=False, reason="时长与签到记录不符")
    with session_scope(eng) as s:
        rows = s.execute(select(ServiceRecord).where(ServiceRecord.id.in_(list(records)))).scalars().all()
    assert {(r.status, r.reason) for r in rows} == {("rejected", "时长与签到记录不符")}


def test_a_record_reviewed_meanwhile_is_not_reviewed_again(eng, w):
    records = _pending(eng, w)
    first = dict(list(records.items())[:1])
    with session_scope(eng, write=True) as s:  # approved by someone other than the admin who entered them
        vf.review_records(session=s, user=w.staff_s1, records=first, approve=True)
    # The other record is not rejected either: nothing changes.
    assert_refused(eng, in_session(eng, lambda s: vf.review_records(
        session=s, user=w.admin, records=records, approve=False, reason="重复提交")), None, "已被审核为「已通过」",
        error=StaleEdit)
    with session_scope(eng) as s:
        statuses = s.execute(select(ServiceRecord.status).where(ServiceRecord.id.in_(list(records)))).scalars().all()
    assert sorted(statuses) == ["approved", "pending"]


def test_review_is_refused_to_leaders_and_outside_the_scope(eng, w):
    records = _pending(eng, w, 1)
    assert_refused(
        eng, in_session(eng, lambda s: vf.review_records(session=s, user=w.leader, records=records,
                                                         approve=True)),
        None, error=PermissionDenied)
    with session_scope(eng, write=True) as s:
        from tests.factories import make_user

        other = make_user(s, "staff", "community", w.community_c)
    assert_refused(
        eng, in_session(eng, lambda s: vf.review_records(session=s, user=other, records=records,
                                                         approve=True)),
        None, error=PermissionDenied)
    refused(eng, lambda s: vf.review_records(session=s, user=w.admin, records={}, approve=True), "record_ids")


def test_pending_list_shows_what_is_waiting(eng, w):
    records = _pending(eng, w, 1)
    with session_scope(eng) as s:
        pending = vol.pending_records(s, Scope(community_id=w.community_a))
    assert set(records) <= set(pending["record_id"])


def test_run_write_returns_the_first_id_for_a_repeated_key(eng, w):
    key = uuid.uuid4().hex
    data = volunteer_input(w)

    def work(s):
        return vf.create_volunteer(session=s, user=w.admin, data=data, idempotency_key=key, today=TODAY)

    assert vf.run_write(eng, key, work) == vf.run_write(eng, key, work)
    with session_scope(eng) as s:
        assert s.execute(select(func.count()).select_from(Submission).where(Submission.key == key)).scalar_one() == 1
