"""Corrections (issue 10): staff and admins find ANY record of their scope (not only their own latest 20) and edit
or delete it — versioned (a stale edit is refused), audited, refused outside the scope and for leaders — for
activities (db.activities.search + db.activities.writes) and donations (db.charity.corrections). Both backends."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

from sqlalchemy import select

from db.activities import writes as acts
from db.activities.search import PAGE_SIZE, find_activities
from db.charity import corrections as corr
from db.charity import writes as charity
from db.engine import session_scope
from db.errors import NotFound, PermissionDenied, StaleEdit
from db.models import Activity, AuditLog, Donation
from db.scope import Scope
from db.write import run_write, submit
from tests.asserts import assert_refused
from tests.factories import activity_input

TODAY = date(2025, 6, 30)


def donation_input(w, **overrides) -> charity.DonationInput:
    values = {"donor_name": "爱心企业甲", "donor_type": "企业", "is_money": True, "amount_yuan": 5000,
              "donated_on": date(2025, 3, 1), "community_id": w.community_a, "channel": "线下"}
    return charity.DonationInput(**{**values, **overrides})


def new_donation(eng, user, w, **overrides) -> int:
    return submit(charity.record_donation, user=user, idempotency_key=uuid.uuid4().hex, engine=eng,
                  data=donation_input(w, **overrides), today=TODAY)


def donation(eng, donation_id: int) -> Donation | None:
    with session_scope(eng) as s:
        return s.get(Donation, donation_id)


def audits(eng, table: str, record_id: int) -> list[AuditLog]:
    with session_scope(eng) as s:
        return list(s.execute(select(AuditLog).where(AuditLog.table_name == table, AuditLog.record_id == record_id)
                              .order_by(AuditLog.id)).scalars())


def write(eng, service, **kwargs):
    return run_write(eng, None, lambda s: service(session=s, **kwargs))


# ------------------------------------------------------------------------------------------ donations


def test_staff_edits_a_colleagues_donation_with_its_version_and_it_is_audited(eng, w):
    donation_id = new_donation(eng, w.staff_a, w, donor_name="原捐赠方")
    write(eng, corr.update_donation, user=w.staff_s1, donation_id=donation_id, expected_version=1,
          data=donation_input(w, donor_name="更正后的捐赠方", amount_yuan=6000, community_id=w.community_b),
          today=TODAY)
    saved = donation(eng, donation_id)
    assert (saved.donor_name, saved.amount_yuan, saved.community_id, saved.version) == (
        "更正后的捐赠方", 6000, w.community_b, 2)
    update = audits(eng, "donation", donation_id)[-1]
    assert update.action == "update" and update.user_id == w.staff_s1.id
    assert update.old_values["donor_name"] == "原捐赠方" and update.new_values["donor_name"] == "更正后的捐赠方"


def test_a_donation_edit_is_refused_when_stale_outside_the_scope_for_a_leader_and_when_invalid(eng, w):
    donation_id = new_donation(eng, w.admin, w, community_id=w.community_b)
    good = donation_input(w, community_id=w.community_b, amount_yuan=7000)
    write(eng, corr.update_donation, user=w.admin, donation_id=donation_id, expected_version=1, data=good,
          today=TODAY)
    # Shown at version 1, changed since by someone else.
    assert_refused(eng, lambda: write(eng, corr.update_donation, user=w.staff_s1, donation_id=donation_id,
                                      expected_version=1, data=good, today=TODAY), None, "捐赠", error=StaleEdit)
    # Community A's staff may not touch community B's donation, nor a leader anything.
    assert_refused(eng, lambda: write(eng, corr.update_donation, user=w.staff_a, donation_id=donation_id,
                                      expected_version=2, data=good, today=TODAY), None, error=PermissionDenied)
    assert_refused(eng, lambda: write(eng, corr.update_donation, user=w.leader, donation_id=donation_id,
                                      expected_version=2, data=good, today=TODAY), None, error=PermissionDenied)
    # A donation of street 1 cannot be moved to street 2's community by the street's staff.
    assert_refused(eng, lambda: write(eng, corr.update_donation, user=w.staff_s1, donation_id=donation_id,
                                      expected_version=2, data=replace(good, community_id=w.community_c),
                                      today=TODAY), None, error=PermissionDenied)
    # Every field is checked as on entry: nothing is clamped or replaced.
    assert_refused(eng, lambda: write(eng, corr.update_donation, user=w.staff_s1, donation_id=donation_id,
                                      expected_version=2, data=replace(good, amount_yuan=-5, donor_name=" "),
                                      today=TODAY), ("amount_yuan", "donor_name"))
    assert_refused(eng, lambda: write(eng, corr.update_donation, user=w.staff_s1, donation_id=donation_id,
                                      expected_version=2, data=replace(good, donated_on=date(2025, 7, 1)),
                                      today=TODAY), "donated_on")
    assert_refused(eng, lambda: write(eng, corr.update_donation, user=w.staff_s1, donation_id=10**9,
                                      expected_version=1, data=good, today=TODAY), None, "不存在", error=NotFound)
    assert donation(eng, donation_id).amount_yuan == 7000


def test_a_donation_is_deleted_with_its_version_and_audited_and_refusals_write_nothing(eng, w):
    donation_id = new_donation(eng, w.staff_a, w, donor_name="待删除的捐赠")
    assert_refused(eng, lambda: write(eng, corr.delete_donation, user=w.staff_a, donation_id=donation_id,
                                      expected_version=2), None, "捐赠", error=StaleEdit)
    assert_refused(eng, lambda: write(eng, corr.delete_donation, user=w.leader, donation_id=donation_id,
                                      expected_version=1), None, error=PermissionDenied)
    outside = new_donation(eng, w.admin, w, community_id=w.community_c)
    assert_refused(eng, lambda: write(eng, corr.delete_donation, user=w.staff_s1, donation_id=outside,
                                      expected_version=1), None, error=PermissionDenied)
    write(eng, corr.delete_donation, user=w.staff_s1, donation_id=donation_id, expected_version=1)
    assert donation(eng, donation_id) is None
    deleted = audits(eng, "donation", donation_id)[-1]
    assert deleted.action == "delete" and deleted.new_values is None
    assert deleted.old_values["donor_name"] == "待删除的捐赠"
    assert_refused(eng, lambda: write(eng, corr.delete_donation, user=w.staff_s1, donation_id=donation_id,
                                      expected_version=1), None, "不存在", error=NotFound)


def test_donations_are_found_in_the_scope_by_date_and_text_and_paged(eng, w):
    marker = uuid.uuid4().hex[:8]
    ids = [new_donation(eng, w.admin, w, donor_name=f"查找{marker}-{i}", donated_on=date(2024, 5, 1 + i % 28))
           for i in range(PAGE_SIZE + 3)]
    other = new_donation(eng, w.admin, w, donor_name=f"查找{marker}-外", community_id=w.community_c,
                         donated_on=date(2024, 5, 2))
    with session_scope(eng) as s:
        first, total = corr.find_donations(s, w.staff_s1.scope, date(2024, 5, 1), date(2024, 5, 31), marker)
        second, _ = corr.find_donations(s, w.staff_s1.scope, date(2024, 5, 1), date(2024, 5, 31), marker, page=1)
        everywhere, all_total = corr.find_donations(s, Scope(), date(2024, 5, 1), date(2024, 5, 31), marker)
        none, zero = corr.find_donations(s, w.staff_s1.scope, date(2024, 6, 1), date(2024, 6, 30), marker)
        values, version = corr.donation_for_edit(s, w.staff_s1, ids[0])
    assert total == len(ids) and len(first) == PAGE_SIZE and len(second) == 3
    assert set(first["id"]) | set(second["id"]) == set(ids)
    assert all_total == len(ids) + 1 and other in set(everywhere["id"])
    assert zero == 0 and none.empty
    assert values.donor_name == f"查找{marker}-0" and version == 1


# ------------------------------------------------------------------------------------------ activities


def new_activity(eng, user, w, title: str, day: date, community: int) -> int:
    data = activity_input(title=title, activity_date=day, community_id=community)
    return submit(acts.create_activity, user=user, idempotency_key=uuid.uuid4().hex, engine=eng, data=data,
                  today=TODAY)


def test_any_activity_of_the_scope_is_found_by_date_community_and_title_not_only_the_users_own(eng, w):
    marker = uuid.uuid4().hex[:8]
    by_colleague = new_activity(eng, w.staff_a, w, f"健康讲座{marker}", date(2024, 3, 5), w.community_a)
    by_admin = new_activity(eng, w.admin, w, f"健康义诊{marker}", date(2024, 3, 20), w.community_b)
    elsewhere = new_activity(eng, w.admin, w, f"健康讲座{marker}", date(2024, 3, 6), w.community_c)
    march = (date(2024, 3, 1), date(2024, 3, 31))
    with session_scope(eng) as s:
        street, n_street = find_activities(s, w.staff_s1.scope, *march, text=marker)
        only_b, _ = find_activities(s, w.staff_s1.scope, *march, community_id=w.community_b, text=marker)
        lecture, _ = find_activities(s, w.staff_s1.scope, *march, text=f"讲座{marker}")
        early, _ = find_activities(s, w.staff_s1.scope, date(2024, 3, 1), date(2024, 3, 5), text=marker)
        admin_all, n_all = find_activities(s, Scope(), *march, text=marker)
    assert n_street == 2 and list(street["id"]) == [by_admin, by_colleague]  # newest first, not street 2's
    assert list(only_b["id"]) == [by_admin] and list(lecture["id"]) == [by_colleague]
    assert list(early["id"]) == [by_colleague]  # the last day counts whole
    assert n_all == 3 and elsewhere in set(admin_all["id"])
    assert street.set_index("id").loc[by_colleague, "entered_by"] == w.staff_a.display_name


def test_activities_are_paged(eng, w):
    marker = uuid.uuid4().hex[:8]
    made = {new_activity(eng, w.admin, w, f"分页{marker}", date(2023, 1, 1 + i % 28), w.community_a)
            for i in range(PAGE_SIZE + 2)}
    with session_scope(eng) as s:
        first, total = find_activities(s, w.staff_s1.scope, date(2023, 1, 1), date(2023, 1, 31), text=marker)
        second, _ = find_activities(s, w.staff_s1.scope, date(2023, 1, 1), date(2023, 1, 31), text=marker, page=1)
    assert total == PAGE_SIZE + 2 and len(first) == PAGE_SIZE and len(second) == 2
    assert set(first["id"]) | set(second["id"]) == made


def test_an_admin_corrects_and_deletes_a_colleagues_activity_and_stale_or_outside_edits_are_refused(eng, w):
    activity_id = new_activity(eng, w.staff_a, w, "同事录入的活动", date(2024, 4, 2), w.community_a)
    data = activity_input(title="管理员更正后的活动", activity_date=date(2024, 4, 2), community_id=w.community_a)
    write(eng, acts.update_activity, user=w.admin, activity_id=activity_id, expected_version=1, data=data,
          today=TODAY)
    with session_scope(eng) as s:
        assert s.get(Activity, activity_id).title == "管理员更正后的活动"
    assert audits(eng, "activity", activity_id)[-1].user_id == w.admin.id
    assert_refused(eng, lambda: write(eng, acts.update_activity, user=w.staff_s1, activity_id=activity_id,
                                      expected_version=1, data=data, today=TODAY), None, "活动", error=StaleEdit)
    outside = new_activity(eng, w.admin, w, "外街道活动", date(2024, 4, 3), w.community_c)
    assert_refused(eng, lambda: write(eng, acts.delete_activity, user=w.staff_s1, activity_id=outside,
                                      expected_version=1), None, error=PermissionDenied)
    write(eng, acts.delete_activity, user=w.staff_s1, activity_id=activity_id, expected_version=2)
    with session_scope(eng) as s:
        assert s.get(Activity, activity_id) is None
    assert audits(eng, "activity", activity_id)[-1].action == "delete"


# ------------------------------------------------------------------------------------------ the screens (AppTest)


def test_an_admin_finds_a_colleagues_activity_on_the_entry_page_and_corrects_it(app_db):
    from db.engine import get_engine
    from tests.ui_helpers import ENTRY_PAGE, assert_clean, open_page, texts

    at = open_page("demo_admin", ENTRY_PAGE)
    assert_clean(at)
    # Entered by demo_staff, so not in the admin's own 我的最近录入.
    table = next(t.value for t in at.dataframe if "录入人" in t.value.columns)
    colleague = table[table["录入人"] != "演示管理员"]
    assert not colleague.empty and len(table) <= PAGE_SIZE
    activity_id = int(colleague["编号"].iloc[0])
    at.selectbox(key="fix_pick").set_value(activity_id).run()
    assert_clean(at)
    title = next(t for t in at.text_input if t.key and t.key.startswith("fix_edit") and t.key.endswith("_title"))
    title.input("管理员更正：邻里议事会")  # a form's widgets are sent with its submit button
    submit = [b for b in at.button if b.label == "保存修改" and "fix_pick" in str(b.form_id)]
    assert len(submit) == 1
    at = submit[0].click().run()
    assert_clean(at)
    assert any(f"活动 #{activity_id} 已修改" in m for m in texts(at.success)), texts(at.error)
    with session_scope(get_engine()) as s:
        assert s.get(Activity, activity_id).title == "管理员更正：邻里议事会"
        last = s.execute(select(AuditLog).where(AuditLog.table_name == "activity", AuditLog.record_id == activity_id)
                         .order_by(AuditLog.id.desc())).scalars().first()
        assert last.action == "update" and last.username == "demo_admin"
    # The title filter finds it.
    at.text_input(key="fix_text").input("邻里议事会").run()
    found = next(t.value for t in at.dataframe if "录入人" in t.value.columns)
    assert activity_id in set(found["编号"]) and all("邻里议事会" in t for t in found["活动名称"])


def test_staff_correct_and_delete_a_donation_on_the_charity_page(app_db):
    from db.engine import get_engine
    from tests.ui_helpers import assert_clean, open_page, texts

    at = open_page("demo_staff", "pages/4_charity.py")
    at.session_state["charity_tab"] = "捐赠"
    at = at.run()
    assert_clean(at)
    at.date_input(key="don_fix_range").set_value((date(2020, 1, 1), date(2026, 11, 28))).run()
    options = at.selectbox(key="donation_fix_pick").options
    assert len(options) > 1
    with session_scope(get_engine()) as s:
        scope_ids = list(s.execute(select(Donation.id).order_by(Donation.donated_on.desc())).scalars())
    donation_id = next(i for i in scope_ids if f"#{i} " in " ".join(options))
    at.selectbox(key="donation_fix_pick").set_value(donation_id).run()
    donor = next(t for t in at.text_input if t.key and t.key.startswith("don_fix_") and t.key.endswith("_donor"))
    donor.input("更正后的爱心企业")
    save = [b for b in at.button if b.label == "保存修改" and "donation_fix_pick" in str(b.form_id)]
    at = save[0].click().run()
    assert_clean(at)
    assert any(f"捐赠 #{donation_id} 已修改" in m for m in texts(at.success)), texts(at.error)
    with session_scope(get_engine()) as s:
        assert s.get(Donation, donation_id).donor_name == "更正后的爱心企业"
    # Delete it: the confirmation first.
    at.selectbox(key="donation_fix_pick").set_value(donation_id).run()
    confirm = next(c for c in at.checkbox if c.label == "确认删除此捐赠记录")
    confirm.check()
    delete = [b for b in at.button if b.label == "删除捐赠"]
    at = delete[0].click().run()
    assert any(f"捐赠 #{donation_id} 已删除" in m for m in texts(at.success)), texts(at.error)
    with session_scope(get_engine()) as s:
        assert s.get(Donation, donation_id) is None
