"""Street approvals (issue 10): a street-level user sees the pending records of its communities (service records and
charity needs) and approves or rejects them in bulk (a rejection with a reason); a record of a community outside
the street is refused in db and nothing is written; every decision is audited. Both backends."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select

from db.charity import corrections as corr
from db.charity import writes as charity
from db.engine import session_scope
from db.errors import PermissionDenied, StaleEdit
from db.models import Activity, AuditLog, CharityNeed, Community, ServiceRecord, Street
from db.volunteers import reads as vol
from db.volunteers import writes as vw
from db.write import run_write, submit
from tests.asserts import assert_refused
from tests.factories import make_record, make_volunteers

TODAY = date(2025, 6, 30)


def pending_records(eng, w, community: int, n: int = 2) -> dict[int, int]:
    """``n`` pending 荣誉 records at an activity of ``community`` (entered by nobody in the world)."""
    with session_scope(eng, write=True) as s:
        c = s.get(Community, community)
        street = s.get(Street, c.street_id)
        act = Activity(street_id=c.street_id, community_id=community, title=f"待审活动{uuid.uuid4().hex[:6]}",
                       type="联动服务", starts_at=datetime(2025, 5, 3, 9), ends_at=datetime(2025, 5, 3, 12),
                       with_community=True)
        s.add(act)
        s.flush()
        people = make_volunteers(s, street, c, n=n)
        return {make_record(s, act, v, 2.0, kind="荣誉", status="pending").id: 1 for v in people}


def status_of(eng, model, ids) -> set[str]:
    with session_scope(eng) as s:
        return {s.get(model, i).status for i in ids}


def audited(eng, table: str, ids) -> list[AuditLog]:
    with session_scope(eng) as s:
        return list(s.execute(select(AuditLog).where(AuditLog.table_name == table,
                                                     AuditLog.record_id.in_(list(ids)))).scalars())


def review(eng, user, records, approve, reason=""):
    return run_write(eng, None, lambda s: vw.review_records(session=s, user=user, records=records, approve=approve,
                                                            reason=reason))


def test_a_street_user_sees_and_approves_the_pending_records_of_all_its_communities_in_bulk(eng, w):
    in_a, in_b = pending_records(eng, w, w.community_a), pending_records(eng, w, w.community_b)
    in_c = pending_records(eng, w, w.community_c)
    with session_scope(eng) as s:
        shown = set(vol.pending_records(s, w.staff_s1.scope)["record_id"])
    assert set(in_a) | set(in_b) <= shown and not set(in_c) & shown
    assert review(eng, w.staff_s1, {**in_a, **in_b}, True) == 4
    assert status_of(eng, ServiceRecord, [*in_a, *in_b]) == {"approved"}
    rows = audited(eng, "servicerecord", [*in_a, *in_b])
    assert len(rows) == 4 and {r.user_id for r in rows} == {w.staff_s1.id}
    assert {r.new_values["status"] for r in rows} == {"approved"}


def test_a_street_user_is_refused_a_record_outside_its_street_and_nothing_is_written(eng, w):
    in_a, in_c = pending_records(eng, w, w.community_a), pending_records(eng, w, w.community_c)
    assert_refused(eng, lambda: review(eng, w.staff_s1, {**in_a, **in_c}, True), None, error=PermissionDenied)
    in_b = pending_records(eng, w, w.community_b)
    # A community's staff may not review its neighbour community's records either; a leader none.
    assert_refused(eng, lambda: review(eng, w.staff_a, in_b, True), None, error=PermissionDenied)
    assert_refused(eng, lambda: review(eng, w.leader, in_a, True), None, error=PermissionDenied)
    assert status_of(eng, ServiceRecord, [*in_a, *in_b, *in_c]) == {"pending"}


def test_a_bulk_rejection_needs_a_reason_and_records_it(eng, w):
    in_b = pending_records(eng, w, w.community_b, n=3)
    assert_refused(eng, lambda: review(eng, w.staff_s1, in_b, False, " "), "reason", "原因")
    assert review(eng, w.staff_s1, in_b, False, "时长与签到表不符") == 3
    with session_scope(eng) as s:
        assert {(s.get(ServiceRecord, i).status, s.get(ServiceRecord, i).reason) for i in in_b} == {
            ("rejected", "时长与签到表不符")}
    assert_refused(eng, lambda: review(eng, w.staff_s1, in_b, True), None, "已被审核", error=StaleEdit)


# ------------------------------------------------------------------------------------------ charity needs


def file_need(eng, w, community: int) -> int:
    data = charity.NeedInput(title=f"需求{uuid.uuid4().hex[:6]}", category="物资", amount=5, unit="份",
                             filed_on=date(2025, 2, 1), community_id=community)
    return submit(charity.file_need, user=w.admin, idempotency_key=uuid.uuid4().hex, engine=eng, data=data,
                  today=TODAY)


def review_needs(eng, user, needs, approve, reason=""):
    return run_write(eng, None, lambda s: corr.review_needs(session=s, user=user, needs=needs, approve=approve,
                                                            reason=reason))


def test_a_street_user_approves_and_rejects_its_communities_needs_in_bulk_with_an_audit_row_each(eng, w):
    a1, a2, b1 = file_need(eng, w, w.community_a), file_need(eng, w, w.community_a), file_need(eng, w, w.community_b)
    c1 = file_need(eng, w, w.community_c)
    with session_scope(eng) as s:
        shown = set(corr.pending_needs(s, w.staff_s1.scope)["need_id"])
    assert {a1, a2, b1} <= shown and c1 not in shown
    assert review_needs(eng, w.staff_s1, {a1: 1, b1: 1}, True) == 2
    assert review_needs(eng, w.staff_s1, {a2: 1}, False, "重复提交") == 1
    with session_scope(eng) as s:
        assert (s.get(CharityNeed, a1).status, s.get(CharityNeed, b1).status) == ("approved", "approved")
        assert (s.get(CharityNeed, a2).status, s.get(CharityNeed, a2).reject_reason) == ("rejected", "重复提交")
    rows = [r for r in audited(eng, "charityneed", [a1, a2, b1]) if r.action == "update"]
    assert len(rows) == 3 and {r.user_id for r in rows} == {w.staff_s1.id}


def test_need_reviews_are_refused_outside_the_street_without_a_reason_when_stale_and_for_a_leader(eng, w):
    a1, c1 = file_need(eng, w, w.community_a), file_need(eng, w, w.community_c)
    assert_refused(eng, lambda: review_needs(eng, w.staff_s1, {a1: 1, c1: 1}, True), None, error=PermissionDenied)
    assert_refused(eng, lambda: review_needs(eng, w.staff_s1, {a1: 1}, False, ""), "reject_reason", "不能为空")
    assert_refused(eng, lambda: review_needs(eng, w.staff_s1, {}, True), "need_id", "至少")
    assert_refused(eng, lambda: review_needs(eng, w.staff_s1, {a1: 7}, True), None, "需求", error=StaleEdit)
    assert_refused(eng, lambda: review_needs(eng, w.leader, {a1: 1}, True), None, error=PermissionDenied)
    review_needs(eng, w.staff_s1, {a1: 1}, True)
    # No longer 待审核: reviewing it again is refused, naming its status.
    assert_refused(eng, lambda: review_needs(eng, w.staff_s1, {a1: 2}, False, "理由"), "status", "待对接")
    assert status_of(eng, CharityNeed, [c1]) == {"pending"}


# ------------------------------------------------------------------------------------------ the screen (AppTest)


def test_a_street_user_approves_its_communities_pending_records_on_the_entry_page(app_db):
    from db.auth import create_user
    from db.engine import get_engine
    from db.models import Community as C
    from tests.factories import PASSWORD
    from tests.ui_helpers import ENTRY_PAGE, assert_clean, open_page, texts

    engine = get_engine()
    with session_scope(engine, write=True) as s:
        pending = s.execute(select(ServiceRecord.id, ServiceRecord.street_id, ServiceRecord.community_id)
                            .where(ServiceRecord.status == "pending")).all()
        street = pending[0].street_id
        communities = {r.community_id for r in pending if r.street_id == street}
        create_user(session=s, actor=None, username="street_reviewer", password=PASSWORD, role="staff",
                    scope_type="street", scope_id=street)
    mine = {r.id for r in pending if r.street_id == street}
    others = {r.id for r in pending if r.street_id != street}
    at = open_page("street_reviewer", ENTRY_PAGE)
    assert_clean(at)
    shown = at.dataframe(key="approvals_records_table").value
    assert set(shown["编号"]) == mine and len(communities) >= 1
    assert not shown["志愿者"].str.contains(r"\*").any()  # staff reviewing their scope see the real names
    at.checkbox(key="approvals_records_all").check().run()
    at.button(key="approvals_records_approve").click().run()
    assert_clean(at)
    assert any(f"已通过 {len(mine)} 条服务记录" in m for m in texts(at.success)), (texts(at.success), texts(at.error))
    with session_scope(engine) as s:
        assert {s.get(ServiceRecord, i).status for i in mine} == {"approved"}
        assert all(s.get(ServiceRecord, i).status == "pending" for i in others)
        rows = s.execute(select(AuditLog).where(AuditLog.table_name == "servicerecord",
                                                AuditLog.record_id.in_(list(mine)))).scalars().all()
        assert {r.username for r in rows} == {"street_reviewer"} and len(rows) == len(mine)
        assert s.execute(select(C.street_id).where(C.id.in_(list(communities)))).scalars().all()


def test_a_street_user_rejects_its_communities_pending_needs_in_bulk_only_with_a_reason(app_db):
    from db.auth import create_user
    from db.engine import get_engine
    from tests.factories import PASSWORD
    from tests.ui_helpers import ENTRY_PAGE, assert_clean, open_page, texts

    engine = get_engine()
    with session_scope(engine, write=True) as s:
        pending = s.execute(select(CharityNeed.id, CharityNeed.street_id).where(CharityNeed.status == "pending")).all()
        street = pending[0].street_id
        create_user(session=s, actor=None, username="street_needs", password=PASSWORD, role="staff",
                    scope_type="street", scope_id=street)
    mine = {r.id for r in pending if r.street_id == street}
    at = open_page("street_needs", ENTRY_PAGE)
    assert set(at.dataframe(key="approvals_needs_table").value["编号"]) == mine
    at.checkbox(key="approvals_needs_all").check().run()
    at.button(key="approvals_needs_reject").click().run()  # no reason given
    assert_clean(at)
    assert any("拒绝理由" in e and "不能为空" in e for e in texts(at.error)), texts(at.error)
    with session_scope(engine) as s:
        assert {s.get(CharityNeed, i).status for i in mine} == {"pending"}
    at.text_input(key="approvals_needs_reason").input("材料不全，请补充后重新提交").run()
    at.button(key="approvals_needs_reject").click().run()
    assert any(f"已驳回 {len(mine)} 件需求" in m for m in texts(at.success)), (texts(at.success), texts(at.error))
    with session_scope(engine) as s:
        assert {(s.get(CharityNeed, i).status, s.get(CharityNeed, i).reject_reason) for i in mine} == {
            ("rejected", "材料不全，请补充后重新提交")}
