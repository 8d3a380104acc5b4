"""Validation of the activity form (db.activities): every rule, at its boundary, refuses with a Chinese message
naming the field, and a refused form writes nothing at all."""

from __future__ import annotations

import uuid
from datetime import date, time

import pytest
from sqlalchemy import select

from db.activities.writes import activity_for_edit, create_activity, update_activity, validate_activity
from db.engine import session_scope
from db.errors import PermissionDenied, ValidationFailed
from db.models import Activity, Community, Organization, ServiceRecord, Street, Volunteer
from db.vocab import FIELD_LABELS
from tests.asserts import assert_refused
from tests.factories import activity_input, hours, make_record, make_volunteers, write_counts

TODAY = date(2025, 6, 30)


@pytest.fixture(scope="module")
def elsewhere(world_engine):
    """A volunteer of street 2 (community C), one of community B (street 1, not the staff's community A) and an
    organisation without a street."""
    engine, w = world_engine
    with session_scope(engine, write=True) as s:
        far = make_volunteers(s, s.get(Street, w.street2), s.get(Community, w.community_c))[0].id
        near = make_volunteers(s, s.get(Street, w.street1), s.get(Community, w.community_b))[0].id
        org = Organization(name="未归属街道的机构", kind="社会组织")
        s.add(org)
        s.flush()
        return {"far": far, "near": near, "streetless_org": org.id}


def valid(w, **overrides):
    """A form that passes every rule: community A, its project, its social worker, no volunteers."""
    values = {"community_id": w.community_a, "project_id": w.project1, "lead_social_worker_id": w.worker1}
    return activity_input(**{**values, **overrides})


def create(eng, user, data, key=None, today=TODAY) -> int:
    with session_scope(eng, write=True) as session:
        return create_activity(session=session, user=user, data=data, idempotency_key=key or uuid.uuid4().hex,
                               today=today)


def validate(eng, user, data, today=TODAY):
    with session_scope(eng) as session:
        return validate_activity(session, user, data, today=today)


def refuse_form(eng, user, data, field: str, label_of: str | None = None) -> str:
    """create_activity refuses ``data`` naming exactly ``field``, in Chinese with the field's label, and nothing in any
    table changes (tests.asserts.assert_refused). Returns the message."""
    error = assert_refused(eng, lambda: create(eng, user, data), field, FIELD_LABELS[label_of or field])
    return error.errors[field]


# ------------------------------------------------------------------------------------------- the baseline


def test_valid_form_passes_validation(eng, w):
    resolved = validate(eng, w.admin, valid(w))
    assert resolved.values["street_id"] == w.street1
    assert resolved.values["community_id"] == w.community_a


def test_valid_form_is_written(eng, w):
    activity_id = create(eng, w.admin, valid(w, activity_date=date(2025, 1, 2)))
    with session_scope(eng) as session:
        activity = session.get(Activity, activity_id)
        assert activity.title == "邻里互助联动服务"
        assert activity.street_id == w.street1


def test_several_wrong_fields_are_all_reported(eng, w):
    data = valid(w, title="", type="聚餐", people_served=-3, unique_persons=None)
    with pytest.raises(ValidationFailed) as info:
        validate(eng, w.admin, data)
    assert set(info.value.errors) == {"title", "type", "people_served"}


# ------------------------------------------------------------------------------------------------ title


@pytest.mark.parametrize("title", ["", "   ", None])
def test_empty_title_is_refused(eng, w, title):
    refuse_form(eng, w.admin, valid(w, title=title), "title")


def test_title_longer_than_100_characters_is_refused(eng, w):
    refuse_form(eng, w.admin, valid(w, title="活" * 101), "title")


def test_title_of_100_characters_is_accepted(eng, w):
    assert validate(eng, w.admin, valid(w, title="活" * 100)).values["title"] == "活" * 100


@pytest.mark.parametrize("type_", ["聚餐", "", None])
def test_unknown_activity_type_is_refused(eng, w, type_):
    refuse_form(eng, w.admin, valid(w, type=type_), "type")


# ------------------------------------------------------------------------------------------ date and time


def test_missing_date_is_refused(eng, w):
    refuse_form(eng, w.admin, valid(w, activity_date=None), "activity_date")


def test_date_after_today_is_refused(eng, w):
    message = refuse_form(eng, w.admin, valid(w, activity_date=date(2025, 7, 1)), "activity_date")
    assert "2025-06-30" in message


def test_date_of_today_is_accepted(eng, w):
    assert validate(eng, w.admin, valid(w, activity_date=TODAY)).values["starts_at"].date() == TODAY


def test_date_before_2000_is_refused(eng, w):
    refuse_form(eng, w.admin, valid(w, activity_date=date(1999, 12, 31)), "activity_date")


def test_date_of_first_january_2000_is_accepted(eng, w):
    validate(eng, w.admin, valid(w, activity_date=date(2000, 1, 1)))


def test_missing_start_time_is_refused(eng, w):
    refuse_form(eng, w.admin, valid(w, start_time=None), "start_time")


def test_missing_end_time_is_refused(eng, w):
    refuse_form(eng, w.admin, valid(w, end_time=None), "end_time")


@pytest.mark.parametrize("end", [time(9, 0), time(8, 59)], ids=["equal", "before"])
def test_end_not_after_start_is_refused(eng, w, end):
    refuse_form(eng, w.admin, valid(w, start_time=time(9, 0), end_time=end), "end_time")


# ------------------------------------------------------------------------------------------------ places


def test_missing_community_is_refused(eng, w):
    # An admin has no community of their own to default to.
    refuse_form(eng, w.admin, valid(w, community_id=None, project_id=None), "community_id")


def test_community_staff_defaults_to_their_community(eng, w):
    resolved = validate(eng, w.staff_a, valid(w, community_id=None))
    assert resolved.values["community_id"] == w.community_a


def test_unknown_community_is_refused(eng, w):
    refuse_form(eng, w.admin, valid(w, community_id=987_654, project_id=None), "community_id")


def test_unknown_project_is_refused(eng, w):
    refuse_form(eng, w.admin, valid(w, project_id=987_654), "project_id")


@pytest.mark.parametrize("value", ["abc", 1.5, True], ids=["text", "fraction", "bool"])
def test_an_id_of_the_wrong_type_is_refused_naming_the_field(eng, w, value):
    assert "「所属项目」须为整数" in refuse_form(eng, w.admin, valid(w, project_id=value), "project_id")


def test_project_from_another_street_is_refused(eng, w):
    refuse_form(eng, w.admin, valid(w, project_id=w.project2), "project_id")


def test_unknown_social_worker_is_refused(eng, w):
    refuse_form(eng, w.admin, valid(w, lead_social_worker_id=987_654), "lead_social_worker_id")


# ------------------------------------------------------------------------------------------------ people


@pytest.mark.parametrize("value", [-1, "-5"])
def test_negative_people_served_is_refused(eng, w, value):
    refuse_form(eng, w.admin, valid(w, people_served=value, unique_persons=None), "people_served")


@pytest.mark.parametrize("value", [1.5, "abc", "12人", "1.5", float("nan"), float("inf"), True],
                         ids=["fraction", "text", "text-with-unit", "fraction-text", "nan", "inf", "bool"])
def test_non_integer_people_served_is_refused(eng, w, value):
    refuse_form(eng, w.admin, valid(w, people_served=value, unique_persons=None), "people_served")


def test_people_served_above_100000_is_refused(eng, w):
    refuse_form(eng, w.admin, valid(w, people_served=100_001, unique_persons=None), "people_served")


def test_people_served_of_100000_is_accepted(eng, w):
    assert validate(eng, w.admin, valid(w, people_served=100_000)).values["people_served"] == 100_000


def test_people_served_as_text_digits_is_accepted(eng, w):
    assert validate(eng, w.admin, valid(w, people_served=" 40 ")).values["people_served"] == 40


def test_unique_persons_above_people_served_is_refused(eng, w):
    refuse_form(eng, w.admin, valid(w, people_served=10, unique_persons=11), "unique_persons")


def test_unique_persons_equal_to_people_served_is_accepted(eng, w):
    validate(eng, w.admin, valid(w, people_served=10, unique_persons=10))


def test_invalid_people_served_does_not_also_blame_unique_persons(eng, w):
    # 服务人次 = -5 is the one wrong field; 服务人数 = 3 is fine and must not be reported as “more than 人次”.
    refuse_form(eng, w.admin, valid(w, people_served=-5, unique_persons=3), "people_served")


# ------------------------------------------------------------------------------------------------ actors


def test_no_actor_is_refused(eng, w):
    data = valid(w, lead_social_worker_id=None, actors=set(), volunteers=[])
    refuse_form(eng, w.admin, data, "actors")


def test_lead_social_worker_and_volunteers_set_their_actor_flags(eng, w):
    data = valid(w, actors=set(), volunteers=hours((w.volunteers[0], 1)))
    values = validate(eng, w.admin, data).values
    assert values["with_social_worker"] is True
    assert values["with_volunteers"] is True
    assert values["with_community"] is False


def test_volunteer_actor_without_volunteers_is_dropped(eng, w):
    data = valid(w, actors={"with_volunteers", "with_community"}, volunteers=[])
    assert validate(eng, w.admin, data).values["with_volunteers"] is False


# -------------------------------------------------------------------------------------- volunteers, hours


def test_volunteer_not_chosen_is_refused(eng, w):
    refuse_form(eng, w.admin, valid(w, volunteers=hours((None, 2))), "volunteers")


def test_blank_volunteer_row_is_ignored(eng, w):
    data = valid(w, volunteers=hours((None, None), (w.volunteers[0], 1)))
    assert validate(eng, w.admin, data).records == [(w.volunteers[0], 1.0)]


def test_unknown_volunteer_is_refused(eng, w):
    refuse_form(eng, w.admin, valid(w, volunteers=hours((987_654, 1))), "volunteers")


def test_duplicate_volunteer_is_refused(eng, w):
    v = w.volunteers[0]
    refuse_form(eng, w.admin, valid(w, volunteers=hours((v, 1), (v, 1))), "volunteers")


@pytest.mark.parametrize("value", [0, -1, "0"])
def test_hours_not_positive_are_refused(eng, w, value):
    refuse_form(eng, w.admin, valid(w, volunteers=hours((w.volunteers[0], value))), "volunteers", "hours")


@pytest.mark.parametrize("value", [float("nan"), "abc", "两小时"], ids=["nan", "text", "chinese-text"])
def test_hours_not_a_number_are_refused(eng, w, value):
    refuse_form(eng, w.admin, valid(w, volunteers=hours((w.volunteers[0], value))), "volunteers", "hours")


@pytest.mark.parametrize("value", [2.01, 2.5, float("inf")])
def test_hours_longer_than_the_activity_are_refused(eng, w, value):
    # 09:00–11:00 is two hours.
    message = refuse_form(eng, w.admin, valid(w, volunteers=hours((w.volunteers[0], value))),
                             "volunteers", "hours")
    assert "活动时长" in message


def test_hours_equal_to_the_activity_are_accepted(eng, w):
    data = valid(w, volunteers=hours((w.volunteers[0], 2)))
    assert validate(eng, w.admin, data).records == [(w.volunteers[0], 2.0)]


@pytest.mark.parametrize("blank", [None, ""], ids=["none", "empty-string"])
def test_blank_hours_mean_the_whole_activity(eng, w, blank):
    volunteer = w.volunteers[1] if blank is None else w.volunteers[2]
    day = date(2025, 4, 4) if blank is None else date(2025, 4, 5)
    data = valid(w, activity_date=day, start_time=time(14, 0), end_time=time(15, 30),
                 volunteers=hours((volunteer, blank)))
    activity_id = create(eng, w.admin, data)
    with session_scope(eng) as session:
        recorded = session.execute(select(ServiceRecord.hours).where(ServiceRecord.activity_id == activity_id,
                                                                     ServiceRecord.volunteer_id == volunteer)
                                   ).scalar_one()
    assert recorded == pytest.approx(1.5)


def test_volunteer_on_an_overlapping_activity_is_refused(eng, w):
    volunteer = w.volunteers[3]
    day = date(2025, 4, 1)
    create(eng, w.admin, valid(w, activity_date=day, volunteers=hours((volunteer, 1))))  # 09:00–11:00
    second = valid(w, activity_date=day, start_time=time(10, 30), end_time=time(12, 0), title="第二场",
                   volunteers=hours((volunteer, 1)))
    with session_scope(eng) as session:
        name = session.get(Volunteer, volunteer).name
    message = refuse_form(eng, w.admin, second, "volunteers")
    assert "邻里互助联动服务" in message  # names the clashing activity
    assert name not in message  # the volunteer's name is shown masked


def test_volunteer_on_an_activity_inside_another_is_refused(eng, w):
    volunteer = w.volunteers[4]
    day = date(2025, 4, 2)
    create(eng, w.admin, valid(w, activity_date=day, start_time=time(8, 0), end_time=time(12, 0),
                               volunteers=hours((volunteer, 1))))
    inner = valid(w, activity_date=day, start_time=time(9, 0), end_time=time(10, 0),
                  volunteers=hours((volunteer, 1)))
    refuse_form(eng, w.admin, inner, "volunteers")


def test_volunteer_on_an_activity_that_only_touches_is_accepted(eng, w):
    volunteer = w.volunteers[5]
    day = date(2025, 4, 3)
    create(eng, w.admin, valid(w, activity_date=day, volunteers=hours((volunteer, 1))))  # 09:00–11:00
    after = valid(w, activity_date=day, start_time=time(11, 0), end_time=time(12, 0),
                  volunteers=hours((volunteer, 1)))
    before = valid(w, activity_date=day, start_time=time(8, 0), end_time=time(9, 0),
                   volunteers=hours((volunteer, 1)))
    assert create(eng, w.admin, after) > 0
    assert create(eng, w.admin, before) > 0


def test_other_volunteers_may_overlap(eng, w):
    day = date(2025, 4, 6)
    create(eng, w.admin, valid(w, activity_date=day, volunteers=hours((w.volunteers[6], 1))))
    assert create(eng, w.admin, valid(w, activity_date=day, volunteers=hours((w.volunteers[7], 1)))) > 0


def test_rejected_record_does_not_block_an_overlapping_activity(eng, w):
    volunteer = w.volunteers[8]
    day = date(2025, 4, 7)
    first_id = create(eng, w.admin, valid(w, activity_date=day))
    with session_scope(eng, write=True) as session:
        make_record(session, session.get(Activity, first_id), session.get(Volunteer, volunteer), 1,
                    status="rejected")
    assert create(eng, w.admin, valid(w, activity_date=day, volunteers=hours((volunteer, 1)))) > 0


@pytest.mark.parametrize(("field", "text"), [
    ("title", "![广告](http://example.com/t.png)"), ("venue", "[点此报名](http://example.com)"),
    ("note", "<img src=x>"),
])
def test_markup_that_would_reach_outside_is_refused(eng, w, field, text):
    """A Markdown image or link, or an HTML tag, is refused where it enters: pages show this text in Markdown."""
    message = refuse_form(eng, w.staff_a, valid(w, **{field: text}), field)
    assert "不能包含链接、图片或网页标记" in message


def test_ordinary_brackets_and_signs_are_kept(eng, w):
    aid = create(eng, w.staff_a, valid(w, title="【邻里节】(第3期) 1<2 的趣味数学", note="见附件[1]"))
    with session_scope(eng) as s:
        assert s.get(Activity, aid).title == "【邻里节】(第3期) 1<2 的趣味数学"


# ---------------------------------------------------------------------------- references and scope (issue 14)


def assert_denied(eng, user, data) -> str:
    """create_activity refuses ``data`` as outside the user's scope; nothing is written. Returns the message."""
    before = write_counts(eng)
    with pytest.raises(PermissionDenied) as info:
        create(eng, user, data)
    assert write_counts(eng) == before
    return str(info.value)


def test_community_staff_cannot_record_in_another_community(eng, w):
    assert_denied(eng, w.staff_a, valid(w, community_id=w.community_b))


def test_staff_cannot_credit_hours_to_a_volunteer_of_another_street(eng, w, elsewhere):
    data = valid(w, activity_date=date(2025, 3, 3), volunteers=hours((elsewhere["far"], 1)))
    message = assert_denied(eng, w.staff_a, data)
    assert f"「{FIELD_LABELS['volunteers']}」" in message and f"#{elsewhere['far']}" in message
    assert_denied(eng, w.staff_s1, data)


def test_a_volunteer_of_another_community_of_the_street_may_be_credited(eng, w, elsewhere):
    aid = create(eng, w.staff_a, valid(w, activity_date=date(2025, 3, 4), volunteers=hours((elsewhere["near"], 1))))
    with session_scope(eng) as session:
        record = session.execute(select(ServiceRecord).where(ServiceRecord.activity_id == aid)).scalar_one()
    assert (record.volunteer_id, record.status, record.community_id) == (elsewhere["near"], "approved", w.community_a)


def test_an_admin_may_credit_any_volunteer(eng, w, elsewhere):
    aid = create(eng, w.admin, valid(w, activity_date=date(2025, 3, 5), volunteers=hours((elsewhere["far"], 1))))
    with session_scope(eng) as session:
        assert session.execute(select(ServiceRecord.volunteer_id).where(ServiceRecord.activity_id == aid)
                               ).scalar_one() == elsewhere["far"]


def test_staff_cannot_name_a_lead_social_worker_of_another_street(eng, w):
    message = assert_denied(eng, w.staff_a, valid(w, lead_social_worker_id=w.worker2))
    assert f"「{FIELD_LABELS['lead_social_worker_id']}」" in message


def test_street_staff_cannot_use_a_project_of_another_street(eng, w):
    assert_denied(eng, w.staff_s1, valid(w, project_id=w.project2))


def test_an_organisation_without_a_street_needs_a_community(eng, w, elsewhere):
    data = valid(w, community_id=None, organization_id=elsewhere["streetless_org"], project_id=None)
    assert "未归属街道" in refuse_form(eng, w.admin, data, "organization_id")


def test_an_edit_checks_the_references_too(eng, w, elsewhere):
    aid = create(eng, w.staff_a, valid(w, activity_date=date(2025, 3, 6)))
    with session_scope(eng) as session:
        data, version = activity_for_edit(session, w.staff_a, aid)
    data.volunteers = hours((elsewhere["far"], 1))
    before = write_counts(eng)
    with pytest.raises(PermissionDenied), session_scope(eng, write=True) as session:
        update_activity(session=session, user=w.staff_a, activity_id=aid, expected_version=version, data=data,
                        today=TODAY)
    assert write_counts(eng) == before
