"""Fast entry's reads (issue 10, db/activities/reads.py): real names in the volunteer picker for those who may enter
records and masked ones for leaders; a pasted sign-in column resolved to volunteers (namesakes told apart by the
phone tail or number, unknown and ambiguous names listed, nothing guessed); a recent activity copied without its
date and day's counts."""

from __future__ import annotations

import uuid

import pytest

from db.activities.reads import (
    activity_form_options,
    activity_to_copy,
    copy_choices,
    pasted_volunteers,
    split_names,
)
from db.activities.writes import ActivityInput, VolunteerHours, create_activity
from db.engine import session_scope
from db.errors import PermissionDenied
from db.models import Community, Street
from db.privacy import mask_name
from tests.factories import activity_input, make_volunteers


@pytest.fixture(scope="module")
def people(world_engine):
    """In community A: two 王芳 (phones …3418 and …5521), one 熊丽婷, one 李 四 (no phone); in street 2: a 陈静,
    whom staff of community A may not credit."""
    engine, w = world_engine
    with session_scope(engine, write=True) as s:
        s1, s2 = s.get(Street, w.street1), s.get(Street, w.street2)
        a, c = s.get(Community, w.community_a), s.get(Community, w.community_c)
        wang1, wang2, xiong, li = make_volunteers(s, s1, a, n=4, names=["王芳", "王芳", "熊丽婷", "李四"])
        wang1.phone, wang2.phone, xiong.phone = "13800003418", "13900005521", "13700001234"
        far = make_volunteers(s, s2, c, names=["陈静"])[0]
        s.flush()
        return {"wang1": wang1.id, "wang2": wang2.id, "xiong": xiong.id, "li": li.id, "far": far.id}


def paste(eng, user, community_id, text):
    with session_scope(eng) as s:
        return pasted_volunteers(s, user, community_id, text)


# ------------------------------------------------------------------------------------------ the picker


def test_staff_see_real_names_with_the_phone_tail_and_number(eng, w, people):
    with session_scope(eng) as s:
        options = dict(activity_form_options(s, w.community_a, w.staff_a).volunteers)
    assert options[people["xiong"]] == f"熊丽婷 · 尾号1234 · #{people['xiong']}"
    assert options[people["wang1"]] == f"王芳 · 尾号3418 · #{people['wang1']}"
    assert options[people["wang2"]] == f"王芳 · 尾号5521 · #{people['wang2']}"
    assert people["far"] not in options  # another street's volunteer is not offered
    # Searching the picker by the real name finds the person (the options are what the browser searches).
    assert [v for v, label in options.items() if "熊丽婷" in label] == [people["xiong"]]


def test_leaders_see_masked_names(eng, w, people):
    with session_scope(eng) as s:
        options = dict(activity_form_options(s, w.community_a, w.leader).volunteers)
        anonymous = dict(activity_form_options(s, w.community_a).volunteers)
    assert options[people["xiong"]].startswith(f"{mask_name('熊丽婷')} · 尾号1234")
    assert "熊丽婷" not in " ".join(options.values())
    assert anonymous == options


# ------------------------------------------------------------------------------------------ pasted names


@pytest.mark.parametrize("text, names, tails", [
    ("张三、李四，王五", ["张三", "李四", "王五"], [None, None, None]),
    ("张三\n李四\r\n王五\n", ["张三", "李四", "王五"], [None, None, None]),
    ("张三 李四\t王五", ["张三", "李四", "王五"], [None, None, None]),
    ("王芳 3418；李四", ["王芳", "李四"], ["3418", None]),
    ("王芳(3418)、王芳（5521）", ["王芳", "王芳"], ["3418", "5521"]),
    ("王芳3418", ["王芳"], ["3418"]),
    ("张  三", ["张三"], [None]),
    ("ＡＢＣ", ["ABC"], [None]),
])
def test_split_names_reads_the_shapes_of_a_sign_in_column(text, names, tails):
    entries, problems = split_names(text)
    assert problems == []
    assert [e.name for e in entries] == names
    assert [e.tail for e in entries] == tails


def test_split_names_reads_a_number():
    entries, problems = split_names("王芳(#12)、李四 #7")
    assert problems == [] and [(e.name, e.volunteer_id) for e in entries] == [("王芳", 12), ("李四", 7)]


@pytest.mark.parametrize("piece", ["12", "王五:2", "3418"])
def test_split_names_lists_a_piece_that_is_not_a_name(piece):
    entries, problems = split_names(f"张三、{piece}")
    assert [e.name for e in entries] == ["张三"]
    assert len(problems) == 1 and f"“{piece}”不是姓名" in problems[0]


def test_pasted_names_are_resolved_in_order(eng, w, people):
    result = paste(eng, w.staff_a, w.community_a, "熊丽婷\n王芳 3418\n李四")
    assert result.problems == ()
    assert result.volunteer_ids == (people["xiong"], people["wang1"], people["li"])


def test_a_namesake_needs_its_tail_and_nothing_is_guessed(eng, w, people):
    result = paste(eng, w.staff_a, w.community_a, "王芳、熊丽婷")
    assert result.volunteer_ids == (people["xiong"],)
    (problem,) = result.problems
    assert "“王芳”有 2 位同名志愿者" in problem and "手机尾号" in problem


def test_a_number_tells_namesakes_apart(eng, w, people):
    result = paste(eng, w.staff_a, w.community_a, f"王芳(#{people['wang2']})")
    assert result.volunteer_ids == (people["wang2"],) and result.problems == ()


def test_unknown_names_and_wrong_tails_are_listed(eng, w, people):
    result = paste(eng, w.staff_a, w.community_a, "查无此人、王芳 0000、熊丽婷")
    assert result.volunteer_ids == (people["xiong"],)
    assert any("找不到志愿者“查无此人”" in p for p in result.problems)
    assert any("找不到手机尾号为 0000 的志愿者“王芳”" in p for p in result.problems)


def test_a_volunteer_of_another_street_is_not_found(eng, w, people):
    result = paste(eng, w.staff_a, w.community_a, "陈静")
    assert result.volunteer_ids == () and "找不到志愿者“陈静”" in result.problems[0]


def test_a_name_pasted_twice_is_added_once_and_said(eng, w, people):
    result = paste(eng, w.staff_a, w.community_a, "熊丽婷、熊丽婷")
    assert result.volunteer_ids == (people["xiong"],)
    assert result.problems == ("“熊丽婷”粘贴了两次：只加入一次",)


def test_a_paste_over_the_cap_is_refused_with_the_limit(eng, w):
    result = paste(eng, w.staff_a, w.community_a, "\n".join(["熊丽婷"] * 301))
    assert result.volunteer_ids == () and "一次最多 300 个姓名" in result.problems[0]


# ------------------------------------------------------------------------------------------ copy


def test_a_copy_keeps_the_activity_but_not_its_day(eng, w, people):
    data = activity_input(community_id=w.community_a, project_id=w.project1, lead_social_worker_id=w.worker1,
                          title="复制测试·楼道议事", venue="3号楼", note="当天的备注", people_served=25, unique_persons=20,
                          actors={"with_community", "with_charity"},
                          volunteers=[VolunteerHours(people["xiong"], 1.5), VolunteerHours(people["li"], None)])
    with session_scope(eng, write=True) as s:
        aid = create_activity(session=s, user=w.staff_a, data=data, idempotency_key=uuid.uuid4().hex,
                              today=data.activity_date)
    with session_scope(eng) as s:
        copy = activity_to_copy(s, w.staff_a, aid)
        choices = dict(copy_choices(s, w.staff_a, limit=500))
    assert isinstance(copy, ActivityInput)
    assert (copy.title, copy.type, copy.venue, copy.community_id, copy.project_id, copy.lead_social_worker_id) == (
        "复制测试·楼道议事", data.type, "3号楼", w.community_a, w.project1, w.worker1)
    assert copy.actors == {"with_community", "with_charity", "with_social_worker", "with_volunteers"}
    assert (copy.start_time, copy.end_time) == (data.start_time, data.end_time)
    assert [(v.volunteer_id, v.hours) for v in copy.volunteers] == [(people["xiong"], None), (people["li"], None)]
    assert (copy.activity_date, copy.people_served, copy.unique_persons, copy.note) == (None, 0, None, "")
    assert choices[aid].startswith(f"#{aid} 复制测试·楼道议事（{data.activity_date:%Y-%m-%d} 新港山路社区")


def test_an_activity_outside_the_scope_cannot_be_copied(eng, w):
    with session_scope(eng, write=True) as s:
        aid = create_activity(session=s, user=w.admin, data=activity_input(
            community_id=w.community_c, title="别的街道的活动"), idempotency_key=uuid.uuid4().hex)
    with session_scope(eng) as s, pytest.raises(PermissionDenied):
        activity_to_copy(s, w.staff_a, aid)
    with session_scope(eng) as s:
        assert aid not in dict(copy_choices(s, w.staff_a, limit=500))
