"""The activity form as staff use it (AppTest, issue 10): every value out of range reaches the write service and is
refused with a message naming the field and the limit — never clamped, replaced or dropped by a widget — and nothing
is written; no actor is ticked by default; a pasted sign-in column fills the list, one action gives every row the
same hours, and a recent activity can be copied in."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from components.activities.volunteers import PASTE_LABEL, SAME_HOURS_LABEL
from db import clock
from db.engine import get_engine, session_scope
from db.models import Activity, ServiceRecord, Volunteer
from tests.ui_helpers import (
    ENTRY_PAGE,
    HOURS_COL,
    SAVE_ACTIVITY,
    TITLE,
    VOLUNTEER_COL,
    activity_count,
    assert_clean,
    by_label,
    editor_options,
    open_page,
    service_record_count,
    set_editor_rows,
    texts,
)


@pytest.fixture
def at(app_db):
    page = open_page("demo_staff", ENTRY_PAGE)
    assert_clean(page)
    return page


def free_labels(at, count: int) -> list[str]:
    """Picker options whose volunteer has no service record today (the new activity cannot clash)."""
    with session_scope(get_engine()) as session:
        busy = set(session.execute(
            select(ServiceRecord.volunteer_id).where(ServiceRecord.service_date == clock.today())).scalars())
    free = [o for o in editor_options(at.data_editor[0], VOLUNTEER_COL)
            if int(re.search(r"#(\d+)$", o).group(1)) not in busy]
    assert len(free) >= count
    return free[:count]


def fill(at, *, title="UI测试·拒绝", start=time(19, 0), end=time(21, 0), rows=None, **fields) -> None:
    by_label(at.text_input, TITLE).input(title)
    by_label(at.text_input, "活动地点").input("新港山路社区党群服务中心")
    by_label(at.time_input, "开始时间").set_value(start)
    by_label(at.time_input, "结束时间").set_value(end)
    by_label(at.number_input, "服务人次").set_value(fields.pop("people", 30))
    if "date" in fields:
        by_label(at.date_input, "活动日期").set_value(fields.pop("date"))
    if "note" in fields:
        by_label(at.text_area, "备注").input(fields.pop("note"))
    assert not fields
    if rows is not None:
        set_editor_rows(at, at.data_editor[0].key, rows)


def refused(at, *words: str) -> str:
    """Save; the one error names every word; nothing was written. Returns the message."""
    before = activity_count(), service_record_count()
    at = by_label(at.button, SAVE_ACTIVITY).click().run()
    assert_clean(at)
    errors = texts(at.error)
    assert len(errors) == 1 and all(w in errors[0] for w in words), errors
    assert not at.success
    assert (activity_count(), service_record_count()) == before
    return errors[0]


def test_negative_hours_are_refused_not_turned_positive(at):
    (label,) = free_labels(at, 1)
    fill(at, rows=[{VOLUNTEER_COL: label, HOURS_COL: "-2"}])
    refused(at, "「服务时长」", "须大于 0 小时")


def test_hours_beyond_the_activity_are_refused_not_cut_to_24(at):
    (label,) = free_labels(at, 1)
    fill(at, start=time(9, 0), end=time(12, 0), rows=[{VOLUNTEER_COL: label, HOURS_COL: "30"}])
    refused(at, "「服务时长」", "为 30 小时", "超过活动时长 3 小时")


def test_a_future_date_is_refused_not_replaced_by_today(at):
    tomorrow = clock.today() + timedelta(days=1)
    fill(at, date=tomorrow)
    assert by_label(at.date_input, "活动日期").max > tomorrow  # the widget does not bound the day typed
    refused(at, "「活动日期」", "不能晚于今天", f"{clock.today():%Y-%m-%d}")


def test_a_title_of_150_characters_is_refused_not_cut(at):
    fill(at, title="长" * 150)
    refused(at, "「活动名称」", "不能超过 100 个字")


def test_a_note_of_5000_characters_is_refused_not_dropped(at):
    fill(at, note="备" * 5000)
    refused(at, "「备注」", "不能超过 1000 个字")


def test_negative_people_served_are_refused(at):
    fill(at, people=-5)
    refused(at, "「服务人次」")


def test_no_widget_of_the_form_bounds_what_is_typed(at):
    assert all(t.proto.max_chars == 0 for t in (*at.text_input, *at.text_area)), "a text field has max_chars"
    for number in at.number_input:
        assert not number.proto.has_min and not number.proto.has_max, number.label
    assert "min_value" not in at.data_editor[0].proto.columns and "max_value" not in at.data_editor[0].proto.columns


def test_no_actor_is_ticked_by_default(at):
    actors = ("社区", "社会组织", "社会工作者", "社会慈善资源")
    assert {c.label: c.value for c in at.checkbox if c.label in actors} == dict.fromkeys(actors, False)


def test_a_pasted_column_and_one_hours_action_fill_the_list(at):
    labels = free_labels(at, 4)
    names = [label.split(" · ")[0] for label in labels]
    ids = [int(re.search(r"#(\d+)$", label).group(1)) for label in labels]
    with session_scope(get_engine()) as session:
        phones = dict(session.execute(select(Volunteer.id, Volunteer.phone).where(Volunteer.id.in_(ids))).all())
    # Each with the phone tail, as a sign-in sheet with namesakes would have it; one pasted twice.
    column = "\n".join(f"{n} {phones[i][-4:]}" for n, i in zip(names, ids, strict=True)) + f"\n{names[0]} {phones[ids[0]][-4:]}"
    fill(at, title="UI测试·粘贴签到表")
    by_label(at.text_area, PASTE_LABEL).input(column)
    at = by_label(at.button, "加入名单").click().run()
    assert_clean(at)
    assert "已加入 4 名志愿者，名单共 4 人。" in texts(at.info), texts(at.info)
    assert any("粘贴了两次" in w for w in texts(at.warning)), texts(at.warning)
    by_label(at.text_input, SAME_HOURS_LABEL).input("1.5")
    at = by_label(at.button, "全部填入").click().run()
    assert "已为名单中 4 名志愿者填入 1.5 小时。" in texts(at.info), texts(at.info)
    before = activity_count(), service_record_count()
    at = by_label(at.button, SAVE_ACTIVITY).click().run()
    assert_clean(at)
    assert not at.error, texts(at.error)
    assert any("4 名志愿者" in s for s in texts(at.success))
    assert (activity_count(), service_record_count()) == (before[0] + 1, before[1] + 4)
    with session_scope(get_engine()) as session:
        aid = session.execute(select(Activity.id).where(Activity.title == "UI测试·粘贴签到表")).scalar_one()
        saved = session.execute(select(ServiceRecord.volunteer_id, ServiceRecord.hours)
                                .where(ServiceRecord.activity_id == aid)).all()
    assert sorted(saved) == sorted((i, 1.5) for i in ids)


def test_an_unknown_name_is_listed_and_not_added(at):
    by_label(at.text_area, PASTE_LABEL).input("查无此人")
    at = by_label(at.button, "加入名单").click().run()
    assert_clean(at)
    assert "已加入 0 名志愿者，名单共 0 人。" in texts(at.info)
    assert any("找不到志愿者“查无此人”" in w for w in texts(at.warning)), texts(at.warning)


def test_same_hours_that_are_not_a_number_change_nothing(at):
    by_label(at.text_input, SAME_HOURS_LABEL).input("两小时")
    at = by_label(at.button, "全部填入").click().run()
    assert any("「统一时长（小时）」须为数字" in w for w in texts(at.warning)), texts(at.warning)


def test_a_copied_activity_prefills_all_but_the_date(at):
    copy = by_label(at.selectbox, "复制以前的活动（可选：预填除日期外的内容）")
    chosen = copy.options[1]
    at = copy.select_index(1).run()
    assert_clean(at)
    title = re.match(r"#\d+ (.*)（", chosen).group(1)
    assert by_label(at.text_input, TITLE).value == title
    assert by_label(at.date_input, "活动日期").value is None
    assert any("请填写活动日期" in i for i in texts(at.info))
    at = by_label(at.button, SAVE_ACTIVITY).click().run()
    assert any("「活动日期」" in e for e in texts(at.error)), texts(at.error)


def test_the_edit_form_takes_a_paste_too(at):
    first, second = free_labels(at, 2)
    fill(at, title="UI测试·修改时粘贴", rows=[{VOLUNTEER_COL: first}])
    at = by_label(at.button, SAVE_ACTIVITY).click().run()
    assert not at.error, texts(at.error)
    with session_scope(get_engine()) as session:
        aid = session.execute(select(Activity.id).where(Activity.title == "UI测试·修改时粘贴")).scalar_one()
    at = at.selectbox(key="edit_pick").set_value(aid).run()
    assert_clean(at)
    second_id = int(re.search(r"#(\d+)$", second).group(1))
    # The edit form is the second activity form on the page: its paste box is the last one.
    at.text_area(key=next(t.key for t in reversed(at.text_area) if t.label == PASTE_LABEL)).input(
        f"{second.split(' · ')[0]}(#{second_id})")
    at = [b for b in at.button if b.label == "加入名单"][-1].click().run()
    assert_clean(at)
    assert "已加入 1 名志愿者，名单共 2 人。" in texts(at.info), texts(at.info) + texts(at.warning)
    at = by_label(at.button, "保存修改").click().run()
    assert_clean(at)
    assert any(f"活动 #{aid} 已修改" in s for s in texts(at.success)), texts(at.success) + texts(at.error)
    with session_scope(get_engine()) as session:
        volunteers = set(session.execute(select(ServiceRecord.volunteer_id)
                                         .where(ServiceRecord.activity_id == aid)).scalars())
    assert second_id in volunteers and len(volunteers) == 2
