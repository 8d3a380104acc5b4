"""The one edit frame (components.forms.edit_form) through the pages that use it: a record is saved with the
version it was opened at, so a change made meanwhile by someone else is refused (nothing written) and the form
then opens what is saved now; a delete needs its confirmation."""

from __future__ import annotations

from sqlalchemy import select

from db.engine import get_engine, session_scope
from db.models import Activity, Organization
from db.organizations.writes import organization_for_edit, update_organization
from tests.ui_helpers import (
    ENTRY_PAGE,
    TITLE,
    activity_count,
    assert_clean,
    by_label,
    current_user,
    open_page,
    texts,
)

ORGS = "pages/6_organizations.py"


def test_an_edit_saved_after_someone_else_changed_the_record_is_refused_then_reopened(app_db):
    at = open_page("demo_staff", ORGS)
    at = at.segmented_control(key="org_form_kind").set_value("修改社会组织").run()
    org_id = at.selectbox(key="org_edit_pick").value
    with session_scope(get_engine()) as s:
        opened = s.get(Organization, org_id)
        name, version = opened.name, opened.version
    key = f"edit{org_id}_{version}"
    assert at.text_input(key=f"org_name_{key}").value == name
    admin = current_user("demo_admin")  # another user saves first, through the same write service
    with session_scope(get_engine(), write=True) as s:
        theirs, _ = organization_for_edit(s, admin, org_id)
        theirs.description = "他人先保存的说明"
        update_organization(session=s, user=admin, organization_id=org_id, expected_version=version, data=theirs)
    at.text_input(key=f"org_name_{key}").input(f"{name}（改名）")
    at = by_label(at.button, "保存修改").click().run()
    assert_clean(at)
    assert any("已被他人修改" in e for e in texts(at.error)), texts(at.error)
    assert not at.success
    with session_scope(get_engine()) as s:
        row = s.get(Organization, org_id)
    assert (row.name, row.description, row.version) == (name, "他人先保存的说明", version + 1)

    at.run()  # the next run opens the record as it is saved now
    assert_clean(at)
    fresh = f"edit{org_id}_{version + 1}"
    assert at.text_input(key=f"org_name_{fresh}").value == name
    assert at.text_area(key=f"org_desc_{fresh}").value == "他人先保存的说明"
    at.selectbox(key=f"org_stage_{fresh}").set_value("成长")
    at = by_label(at.button, "保存修改").click().run()
    assert_clean(at)
    assert any(f"已修改机构「{name}」" in s for s in texts(at.success)), texts(at.success) + texts(at.error)
    with session_scope(get_engine()) as s:
        row = s.get(Organization, org_id)
    assert (row.incubation_stage, row.version) == ("成长", version + 2)


def test_deleting_an_activity_takes_the_confirmation(app_db):
    at = open_page("demo_staff", ENTRY_PAGE)
    by_label(at.text_input, TITLE).input("编辑框测试·待删除的活动")
    by_label(at.number_input, "服务人次").set_value(12)
    by_label(at.checkbox, "社区").check()  # no actor is ticked by default: staff say who took part
    at = by_label(at.button, "保存活动").click().run()
    assert_clean(at)
    with session_scope(get_engine()) as s:
        activity_id = s.execute(select(Activity.id).where(Activity.title == "编辑框测试·待删除的活动")).scalar_one()
    before = activity_count()

    at.selectbox(key="edit_pick").set_value(activity_id).run()
    assert_clean(at)
    assert any(f"修改活动 #{activity_id}" in m for m in texts(at.markdown)), texts(at.markdown)
    at = by_label(at.button, "删除活动").click().run()  # not confirmed: nothing happens but the reminder
    assert any("请先勾选「确认删除此活动及其服务记录」" in w for w in texts(at.warning)), texts(at.warning)
    assert activity_count() == before

    by_label(at.checkbox, "确认删除此活动及其服务记录").check()
    at = by_label(at.button, "删除活动").click().run()
    assert_clean(at)
    assert any(f"活动 #{activity_id} 已删除" in s for s in texts(at.success)), texts(at.success) + texts(at.error)
    assert activity_count() == before - 1
    with session_scope(get_engine()) as s:
        assert s.get(Activity, activity_id) is None
    assert at.selectbox(key="edit_pick").value is None  # the picker is back to none
