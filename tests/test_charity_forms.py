"""慈善资源 write services: offer a resource, file, review, match and complete a need, record a donation —
every allowed and refused transition, over-matching (also by two racing writers), validation in Chinese with
nothing written, WGS-84 input stored as GCJ-02, role and scope, idempotency, stale edits and the audit trail."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from db import figures, geo, vocab
from db.charity import reads as charity
from db.charity import writes as forms
from db.engine import session_scope
from db.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from db.models import AuditLog, CharityMatch, CharityNeed, CharityResource, Donation, Organization, Submission
from db.periods import Period, period_of
from db.scope import Scope
from tests.asserts import assert_refused
from tests.factories import World, count_rows, make_user

TODAY = date(2025, 6, 30)
STATUSES = tuple(vocab.NEED_STATUSES)
TABLES = (CharityResource, CharityNeed, CharityMatch, Donation, AuditLog, Submission)


def run(eng, service, user, key: str | None = None, **kwargs) -> int:
    """Run a write service the way the page does (own transaction, a fresh form key unless given)."""
    if service is not forms.review_need:  # reviewing checks no date
        kwargs.setdefault("today", TODAY)
    return forms.submit(service, user=user, idempotency_key=key or uuid.uuid4().hex, engine=eng, **kwargs)


def resource_input(w: World, **overrides) -> forms.ResourceInput:
    values = {"provider_name": "杭州和睦超市", "provider_type": "企业", "kind": "物资", "title": "米面油爱心包",
              "amount": 10, "unit": "份", "offered_on": date(2025, 1, 10), "community_id": w.community_a}
    return forms.ResourceInput(**{**values, **overrides})


def need_input(w: World, **overrides) -> forms.NeedInput:
    values = {"title": "困难家庭米面油", "category": "物资", "amount": 8, "unit": "份", "filed_on": date(2025, 2, 1),
              "community_id": w.community_a, "beneficiary_group": "困难家庭", "urgency": "较急"}
    return forms.NeedInput(**{**values, **overrides})


def need(eng, need_id: int) -> CharityNeed:
    with session_scope(eng) as s:
        return s.get(CharityNeed, need_id)


def resource(eng, resource_id: int) -> CharityResource:
    with session_scope(eng) as s:
        return s.get(CharityResource, resource_id)


def offer(eng, w: World, user=None, **overrides) -> int:
    return run(eng, forms.offer_resource, user or w.admin, data=resource_input(w, **overrides))


def file(eng, w: World, user=None, **overrides) -> int:
    return run(eng, forms.file_need, user or w.admin, data=need_input(w, **overrides))


def approve(eng, w: World, need_id: int, user=None) -> None:
    run(eng, forms.review_need, user or w.admin, need_id=need_id,
        expected_version=need(eng, need_id).version, approve=True)


def approved_need(eng, w: World, **overrides) -> int:
    need_id = file(eng, w, **overrides)
    approve(eng, w, need_id)
    return need_id


def match(eng, w: World, need_id: int, resource_id: int, amount, user=None, key=None,
          matched_on=date(2025, 3, 1)) -> int:
    return run(eng, forms.match_need, user or w.admin, key=key, need_id=need_id,
               expected_version=need(eng, need_id).version, resource_id=resource_id, amount=amount,
               matched_on=matched_on)


def complete(eng, w: World, need_id: int, user=None, completed_on=date(2025, 4, 1)) -> int:
    return run(eng, forms.complete_need, user or w.admin, need_id=need_id,
               expected_version=need(eng, need_id).version, completed_on=completed_on)


# ------------------------------------------------------------------------------------------ offer, file


def test_offer_resource_writes_once_with_audit(eng, w):
    key = uuid.uuid4().hex
    before = count_rows(eng, CharityResource)["charityresource"]
    first = run(eng, forms.offer_resource, w.staff_a, key=key, data=resource_input(w))
    again = run(eng, forms.offer_resource, w.staff_a, key=key, data=resource_input(w, title="别的"))
    assert again == first
    row = resource(eng, first)
    assert (row.street_id, row.community_id, row.status, row.amount, row.unit) == (
        w.street1, w.community_a, "available", 10, "份")
    with session_scope(eng) as s:
        audit = s.execute(select(AuditLog).where(AuditLog.table_name == "charityresource",
                                                 AuditLog.record_id == first)).scalars().all()
    assert len(audit) == 1 and audit[0].action == "create" and audit[0].new_values["title"] == "米面油爱心包"
    assert count_rows(eng, CharityResource)["charityresource"] == before + 1


def test_street_library_resource_and_need_for_a_community(eng, w):
    rid = offer(eng, w, w.staff_s1, community_id=None, street_id=w.street1)
    assert (resource(eng, rid).street_id, resource(eng, rid).community_id) == (w.street1, None)
    nid = file(eng, w, w.staff_s1, community_id=w.community_b)
    assert need(eng, nid).status == "pending" and need(eng, nid).street_id == w.street1


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"title": "  "}, "title", ("「资源名称」", "不能为空")),
    ({"provider_name": ""}, "provider_name", ("「提供方」",)),
    ({"provider_type": "外星人"}, "provider_type", ("「提供方类型」",)),
    ({"kind": "美食"}, "kind", ("「资源类别」",)),
    ({"amount": 0}, "amount", ("「数量」", "大于 0")),
    ({"amount": -5}, "amount", ("「数量」",)),
    ({"amount": "十"}, "amount", ("「数量」", "数字")),
    ({"amount": float("nan")}, "amount", ("「数量」",)),
    ({"amount": float("inf")}, "amount", ("「数量」",)),
    ({"amount": None}, "amount", ("「数量」",)),
    ({"unit": ""}, "unit", ("「单位」",)),
    ({"kind": "资金", "unit": "份"}, "unit", ("「单位」", "元")),
    ({"offered_on": date(2025, 7, 1)}, "offered_on", ("「提供日期」", "不能晚于今天")),
    ({"offered_on": None}, "offered_on", ("「提供日期」",)),
    ({"lng": 120.2}, "lat", ("「纬度」",)),
    ({"lng": 30.37, "lat": 120.28}, "lat", ("填反",)),
    ({"lng": 200, "lat": 30}, "lng", ("「经度」",)),
    ({"lng": 120.2, "lat": 30.3, "coord_system": "BD-09"}, "coord_system", ("「坐标系」",)),
    ({"community_id": 999_999}, "community_id", ("「所属社区」", "不存在")),
])
def test_bad_resource_is_refused_in_chinese(eng, w, overrides, field, words):
    assert_refused(eng, lambda: offer(eng, w, **overrides), field, *words)


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"title": ""}, "title", ("「需求名称」",)),
    ({"category": "其他"}, "category", ("「需求类别」",)),
    ({"amount": 0}, "amount", ("「数量」",)),
    ({"urgency": "特急"}, "urgency", ("「紧急程度」",)),
    ({"filed_on": date(1999, 1, 1)}, "filed_on", ("「提出日期」",)),
    ({"community_id": None}, "community_id", ("「所属社区」", "社区提出")),
    ({"beneficiary_group": "老" * 21}, "beneficiary_group", ("「服务对象」",)),
])
def test_bad_need_is_refused_in_chinese(eng, w, overrides, field, words):
    assert_refused(eng, lambda: file(eng, w, **overrides), field, *words)


def test_money_is_always_in_yuan(eng, w):
    rid = offer(eng, w, kind="资金", unit="", amount=5000, title="爱心款")
    assert resource(eng, rid).unit == "元"


def test_wgs84_input_is_stored_as_gcj02(eng, w):
    wgs = (120.2765, 30.3683)
    rid = offer(eng, w, lng=wgs[0], lat=wgs[1], coord_system="WGS-84")
    nid = file(eng, w, lng=wgs[0], lat=wgs[1], coord_system="GCJ-02")
    expected = geo.wgs84_to_gcj02(*wgs)
    row = resource(eng, rid)
    assert (row.lng, row.lat) == (pytest.approx(expected[0], abs=1e-6), pytest.approx(expected[1], abs=1e-6))
    assert (row.lng, row.lat) != wgs
    assert (need(eng, nid).lng, need(eng, nid).lat) == wgs


def test_roles_and_scopes_are_checked_in_db(eng, w):
    for refused in (
            lambda: offer(eng, w, w.leader),
            lambda: file(eng, w, w.staff_a, community_id=w.community_b),
            lambda: file(eng, w, w.staff_s1, community_id=w.community_c),
            lambda: run(eng, forms.record_donation, w.leader,
                        data=forms.DonationInput(donor_name="某企业", donor_type="企业", is_money=True, amount_yuan=100,
                                                 donated_on=TODAY, community_id=w.community_a))):
        assert_refused(eng, refused, None, error=PermissionDenied)
    # Community staff default to their own community.
    nid = file(eng, w, w.staff_a, community_id=None)
    assert need(eng, nid).community_id == w.community_a


# ------------------------------------------------------------------------------------------ transitions


def _need_in_status(eng, w: World, status: str, resource_id: int) -> int:
    """A need put straight into ``status`` (with a match when it is matched or completed)."""
    with session_scope(eng, write=True) as s:
        row = CharityNeed(street_id=w.street1, community_id=w.community_a, title=f"{status}需求",
                          category="物资", amount=2, unit="份", filed_on=date(2025, 2, 1), status=status,
                          reject_reason="不符" if status == "rejected" else "")
        s.add(row)
        s.flush()
        if status in ("matched", "completed"):
            s.add(CharityMatch(need_id=row.id, resource_id=resource_id, amount=1, matched_on=date(2025, 2, 10),
                               completed_on=date(2025, 2, 20) if status == "completed" else None))
        return row.id


ACTIONS = {
    "approved": lambda e, w, n, r: run(e, forms.review_need, w.admin, need_id=n,
                                       expected_version=need(e, n).version, approve=True),
    "rejected": lambda e, w, n, r: run(e, forms.review_need, w.admin, need_id=n,
                                       expected_version=need(e, n).version, approve=False, reason="不属于服务范围"),
    "matched": lambda e, w, n, r: match(e, w, n, r, 1),
    "completed": lambda e, w, n, r: complete(e, w, n),
}


@pytest.mark.parametrize("target", list(ACTIONS))
@pytest.mark.parametrize("start", STATUSES)
def test_every_transition_is_allowed_or_refused_as_the_table_says(eng, w, start, target):
    rid = offer(eng, w, amount=100)
    nid = _need_in_status(eng, w, start, rid)
    if charity.can_transition(start, target):
        ACTIONS[target](eng, w, nid, rid)
        assert need(eng, nid).status == target
    else:
        error = assert_refused(eng, lambda: ACTIONS[target](eng, w, nid, rid), "status", "「需求状态」",
                               vocab.NEED_STATUSES[start])
        assert vocab.NEED_STATUSES[target] in error.errors["status"]
        assert need(eng, nid).status == start


def test_nothing_leads_back_to_pending():
    assert not any(charity.can_transition(s, "pending") for s in STATUSES)


def test_the_whole_workflow_with_audit(eng, w):
    rid = offer(eng, w)
    filed_on = date(2025, 1, 27)  # no other need of the module is filed that day: the day's 对接率 is this need's
    nid = file(eng, w, w.staff_a, filed_on=filed_on)
    approve(eng, w, nid, w.staff_a)
    assert need(eng, nid).status == "approved"
    mid = match(eng, w, nid, rid, 8, user=w.staff_a)
    assert need(eng, nid).status == "matched"
    complete(eng, w, nid, user=w.staff_a)
    assert need(eng, nid).status == "completed"
    with session_scope(eng) as s:
        m = s.get(CharityMatch, mid)
        assert (m.amount, m.matched_on, m.completed_on) == (8, date(2025, 3, 1), date(2025, 4, 1))
        trail = s.execute(select(AuditLog.action, AuditLog.table_name).where(AuditLog.record_id.in_([nid, mid]))
                          .where(AuditLog.table_name.in_(["charityneed", "charitymatch"])).order_by(AuditLog.id)).all()
        statuses = [r.new_values["status"] for r in s.execute(
            select(AuditLog).where(AuditLog.table_name == "charityneed", AuditLog.record_id == nid)
            .order_by(AuditLog.id)).scalars()]
    assert ("create", "charitymatch") in trail
    assert statuses == ["pending", "approved", "matched", "completed"]
    assert resource(eng, rid).status == "available"  # 2 of 10 left
    with session_scope(eng) as s:
        assert charity.match_rate(s, Scope(), Period(filed_on, filed_on)) == 1.0


def test_rejection_needs_a_reason(eng, w):
    nid = file(eng, w)
    version = need(eng, nid).version
    assert_refused(eng, lambda: run(eng, forms.review_need, w.admin, need_id=nid, expected_version=version,
                                       approve=False, reason="  "), "reject_reason", "「拒绝理由」", "不能为空")
    run(eng, forms.review_need, w.admin, need_id=nid, expected_version=version, approve=False,
        reason="重复申报")
    row = need(eng, nid)
    assert (row.status, row.reject_reason) == ("rejected", "重复申报")


def test_a_stale_review_is_refused(eng, w):
    nid = file(eng, w)
    assert_refused(eng, lambda: run(eng, forms.review_need, w.admin, need_id=nid, expected_version=99,
                                    approve=True), None, error=StaleEdit)
    assert need(eng, nid).status == "pending"


def test_a_double_click_reviews_once(eng, w):
    nid = file(eng, w)
    key = uuid.uuid4().hex
    for _ in range(2):  # the second submission with the same key is a retry, not a refused transition
        assert run(eng, forms.review_need, w.admin, key=key, need_id=nid, expected_version=1,
                   approve=True) == nid
    assert need(eng, nid).status == "approved" and need(eng, nid).version == 2


def test_unknown_need_is_not_found(eng, w):
    assert_refused(eng, lambda: run(eng, forms.review_need, w.admin, need_id=424242, expected_version=1,
                                    approve=True), None, error=NotFound)


# ------------------------------------------------------------------------------------------ matching


def test_over_matching_is_refused_naming_what_is_left(eng, w):
    rid = offer(eng, w, amount=10)
    first = approved_need(eng, w, amount=6)
    match(eng, w, first, rid, 6)
    second = approved_need(eng, w, amount=6)
    assert_refused(eng, lambda: match(eng, w, second, rid, 5), "match_amount", "「对接数量」",
                   "剩余的 4份")
    match(eng, w, second, rid, 4)  # exactly what is left
    row = resource(eng, rid)
    assert row.status == "exhausted"
    with session_scope(eng) as s:
        assert charity.resource_left(s, rid) == 0
    third = approved_need(eng, w, amount=1)
    assert_refused(eng, lambda: match(eng, w, third, rid, 1), "resource_id", "已用完")


@pytest.mark.parametrize(("amount", "words"), [
    (0, ("「对接数量」", "大于 0")), (-1, ("「对接数量」",)), ("很多", ("「对接数量」", "数字")),
    (float("nan"), ("「对接数量」",)), (9, ("「对接数量」", "超过需求数量 8份")),
])
def test_bad_match_amount_is_refused(eng, w, amount, words):
    rid = offer(eng, w, amount=100)
    nid = approved_need(eng, w, amount=8)
    assert_refused(eng, lambda: match(eng, w, nid, rid, amount), "match_amount", *words)
    assert need(eng, nid).status == "approved"


def test_match_needs_same_street_kind_and_unit(eng, w):
    nid = approved_need(eng, w)
    other_kind = offer(eng, w, kind="服务", unit="份")
    other_unit = offer(eng, w, unit="箱")
    other_street = offer(eng, w, community_id=w.community_c)
    for rid, words in ((other_kind, ("类别",)), (other_unit, ("单位不同",)), (other_street, ("街道",))):
        assert_refused(eng, lambda r=rid: match(eng, w, nid, r, 1), "resource_id", "「对接资源」", *words)
    assert_refused(eng, lambda: match(eng, w, nid, None, 1), "resource_id", "未选择")


def test_match_dates_are_checked(eng, w):
    rid = offer(eng, w, offered_on=date(2025, 3, 1))
    nid = approved_need(eng, w, filed_on=date(2025, 2, 1))
    assert_refused(eng, lambda: match(eng, w, nid, rid, 1, matched_on=date(2025, 1, 5)), "matched_on",
                   "需求提出日期")
    assert_refused(eng, lambda: match(eng, w, nid, rid, 1, matched_on=date(2025, 2, 20)), "matched_on",
                   "资源提供日期")
    assert_refused(eng, lambda: match(eng, w, nid, rid, 1, matched_on=date(2025, 7, 1)), "matched_on",
                   "不能晚于今天")
    match(eng, w, nid, rid, 1, matched_on=date(2025, 3, 1))
    assert_refused(eng, lambda: complete(eng, w, nid, completed_on=date(2025, 2, 28)), "completed_on",
                   "对接日期")


def test_match_scope_covers_need_and_resource(eng, w):
    street_resource = offer(eng, w, w.staff_s1, community_id=None, street_id=w.street1)
    own = offer(eng, w, w.staff_a)  # the test's own, whatever other tests offered
    nid = approved_need(eng, w)
    # A community's staff match with their own community's library, not the street's.
    for user in (w.staff_a, w.leader):
        assert_refused(eng, lambda u=user: match(eng, w, nid, street_resource, 1, user=u), None,
                       error=PermissionDenied)
    match(eng, w, nid, street_resource, 1, user=w.staff_s1)
    with session_scope(eng) as s:
        offered = charity.match_candidates(s, w.staff_a.scope, nid)["resource_id"].tolist()
        places = {(r.street_id, r.community_id) for r in (s.get(CharityResource, i) for i in offered)}
    # Only community A's own resources (other tests of the module may have offered more), never the street's.
    assert own in offered and street_resource not in offered and places == {(w.street1, w.community_a)}


def test_two_matches_racing_for_the_last_units_cannot_over_match(eng, w):
    rid = offer(eng, w, amount=10)
    needs = [approved_need(eng, w, amount=8) for _ in range(4)]
    barrier = threading.Barrier(len(needs))
    outcomes: list[str] = []

    def race(need_id: int) -> None:
        version = need(eng, need_id).version
        barrier.wait()
        try:
            forms.submit(forms.match_need, user=w.admin, idempotency_key=uuid.uuid4().hex, engine=eng,
                         today=TODAY, need_id=need_id, expected_version=version, resource_id=rid, amount=8,
                         matched_on=date(2025, 3, 1))
            outcomes.append("ok")
        except ValidationFailed as exc:
            assert "「对接数量」" in exc.errors["match_amount"] and "剩余的 2份" in exc.errors["match_amount"]
            outcomes.append("refused")

    threads = [threading.Thread(target=race, args=(n,)) for n in needs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)  # generous on a loaded machine, inside the 120 s per-test timeout
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    with session_scope(eng) as s:
        taken = s.execute(select(func.sum(CharityMatch.amount)).where(CharityMatch.resource_id == rid)).scalar_one()
        assert taken == 8 and charity.resource_left(s, rid) == 2
    assert sorted(need(eng, n).status for n in needs) == ["approved", "approved", "approved", "matched"]


def test_a_retried_match_writes_once(eng, w):
    rid = offer(eng, w, amount=10)
    nid = approved_need(eng, w, amount=5)
    key = uuid.uuid4().hex
    version = need(eng, nid).version
    before = count_rows(eng, CharityMatch)["charitymatch"]
    ids = {forms.submit(forms.match_need, user=w.admin, idempotency_key=key, engine=eng, today=TODAY,
                        need_id=nid, expected_version=version, resource_id=rid, amount=5, matched_on=date(2025, 3, 1))
           for _ in range(2)}
    assert len(ids) == 1
    assert count_rows(eng, CharityMatch)["charitymatch"] == before + 1


# ------------------------------------------------------------------------------------------ donations


def donation(w: World, **overrides) -> forms.DonationInput:
    values = {"donor_name": "乔司爱心面馆", "donor_type": "企业", "is_money": True, "amount_yuan": 120.5,
              "donated_on": date(2025, 5, 28), "community_id": w.community_a, "project_id": w.project1,
              "recipient": "残疾人之家爱心超市", "channel": "线下"}
    return forms.DonationInput(**{**values, **overrides})


def donation_figures(eng, w) -> tuple[float, float]:
    with session_scope(eng) as s:
        scope, period = Scope(community_id=w.community_a), period_of("all", TODAY)
        return tuple(figures.value(s, key, scope, period) or 0 for key in ("money", "in_kind"))


def test_record_donation_counts_in_the_money_and_in_kind_kpis(eng, w):
    money, in_kind = donation_figures(eng, w)
    run(eng, forms.record_donation, w.staff_a, data=donation(w))
    goods_id = run(eng, forms.record_donation, w.staff_a,
                   data=donation(w, is_money=False, amount_yuan=800, items="冬衣", quantity=40, project_id=None))
    assert donation_figures(eng, w) == (pytest.approx(money + 120.5), pytest.approx(in_kind + 800))
    with session_scope(eng) as s:
        goods = s.get(Donation, goods_id)
        assert (goods.items, goods.quantity, goods.street_id) == ("冬衣", 40, w.street1)


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"donor_name": ""}, "donor_name", ("「捐赠方」",)),
    ({"donor_type": "神秘人"}, "donor_type", ("「捐赠方类型」",)),
    ({"amount_yuan": 0}, "amount_yuan", ("「金额（元）」", "大于 0")),
    ({"is_money": False, "amount_yuan": 100, "items": ""}, "items", ("「物资名称」",)),
    ({"is_money": False, "amount_yuan": 100, "items": "冬衣", "quantity": -3}, "quantity", ("「物资数量」",)),
    ({"channel": "飞鸽"}, "channel", ("「捐赠渠道」",)),
    ({"donated_on": date(2026, 1, 1)}, "donated_on", ("「捐赠日期」",)),
    ({"project_id": 999_999}, "project_id", ("「所属项目」", "不存在")),
])
def test_bad_donation_is_refused_in_chinese(eng, w, overrides, field, words):
    assert_refused(eng, lambda: run(eng, forms.record_donation, w.admin, data=donation(w, **overrides)),
                   field, *words)


def test_donation_to_a_project_of_another_street_is_refused(eng, w):
    assert_refused(eng, lambda: run(eng, forms.record_donation, w.admin,
                                       data=donation(w, project_id=w.project2)), "project_id", "不属于该街道")


def test_staff_cannot_give_a_donation_to_a_project_of_another_street(eng, w):
    before = count_rows(eng, *TABLES)
    with pytest.raises(PermissionDenied) as caught:
        run(eng, forms.record_donation, w.staff_s1,
            data=donation(w, community_id=None, street_id=w.street1, project_id=w.project2))
    assert "「所属项目」" in str(caught.value)
    assert count_rows(eng, *TABLES) == before


def test_an_organisations_staff_offer_only_within_its_street(eng, w):
    with session_scope(eng, write=True) as s:
        org = Organization(name="乔司社会组织服务中心", kind="服务中心", street_id=w.street2)
        s.add(org)
        s.flush()
        org_user = make_user(s, "staff", "organization", org.id)
        org_id = org.id
    # The resource is the organisation's own; a community of another street contradicts the organisation.
    assert_refused(eng, lambda: offer(eng, w, org_user, community_id=w.community_a),
                   "organization_id", "「所属机构」", "不在该社区所属街道")
    rid = offer(eng, w, org_user, community_id=w.community_c)
    row = resource(eng, rid)
    assert (row.street_id, row.community_id, row.provider_org_id) == (w.street2, w.community_c, org_id)
    # A need is a community's: an organisation's staff do not file one.
    with pytest.raises(PermissionDenied):
        file(eng, w, org_user, community_id=w.community_c)


def test_in_kind_donation_may_have_no_value(eng, w):
    did = run(eng, forms.record_donation, w.admin,
              data=replace(donation(w), is_money=False, amount_yuan=0, items="学习用品"))
    with session_scope(eng) as s:
        assert s.get(Donation, did).amount_yuan == 0


# ------------------------------------------------------------------------------------------ withdraw, restore


def withdraw(eng, user, resource_id: int, withdrawn: bool = True, version: int | None = None) -> str:
    with session_scope(eng, write=True) as s:
        return forms.set_resource_withdrawn(
            session=s, user=user, resource_id=resource_id, withdrawn=withdrawn,
            expected_version=resource(eng, resource_id).version if version is None else version)


def test_a_withdrawn_resource_cannot_be_matched_and_keeps_its_matches(eng, w):
    rid = offer(eng, w)
    first = approved_need(eng, w, amount=3)
    match(eng, w, first, rid, 3)
    assert withdraw(eng, w.staff_a, rid) == "withdrawn"
    later = approved_need(eng, w, amount=2)
    assert_refused(eng, lambda: match(eng, w, later, rid, 2), "resource_id", "已撤回", "不能对接")
    with session_scope(eng) as s:
        assert s.execute(select(func.count()).select_from(CharityMatch)
                         .where(CharityMatch.resource_id == rid)).scalar_one() == 1
    # Restored, it is 可对接 again with what was left (10 − 3), and the need can be matched.
    assert withdraw(eng, w.staff_a, rid, withdrawn=False) == "available"
    match(eng, w, later, rid, 2)
    with session_scope(eng) as s:
        audit = s.execute(select(AuditLog).where(AuditLog.table_name == "charityresource", AuditLog.record_id == rid,
                                                 AuditLog.action == "update").order_by(AuditLog.id)).scalars().all()
    assert [(a.old_values["status"], a.new_values["status"]) for a in audit][:2] == [
        ("available", "withdrawn"), ("withdrawn", "available")]


def test_restoring_a_used_up_resource_makes_it_used_up(eng, w):
    rid = offer(eng, w, amount=4)
    nid = approved_need(eng, w, amount=4)
    withdraw(eng, w.admin, rid)
    with session_scope(eng, write=True) as s:  # matched before it was withdrawn (a match of the same day)
        s.add(CharityMatch(need_id=nid, resource_id=rid, amount=4, matched_on=date(2025, 3, 1)))
    assert withdraw(eng, w.admin, rid, withdrawn=False) == "exhausted"


def test_withdraw_refusals(eng, w):
    rid = offer(eng, w)
    assert_refused(eng, lambda: withdraw(eng, w.admin, rid, withdrawn=False), "resource_status",
                   "可对接", "只有「已撤回」")
    stale = resource(eng, rid).version
    withdraw(eng, w.admin, rid)
    assert_refused(eng, lambda: withdraw(eng, w.admin, rid), "resource_status", "已撤回", "只有「可对接」")
    assert_refused(eng, lambda: withdraw(eng, w.admin, rid, withdrawn=False, version=stale), None,
                   error=StaleEdit)
    assert_refused(eng, lambda: withdraw(eng, w.leader, rid, withdrawn=False), None,
                   error=PermissionDenied)
    other = offer(eng, w, community_id=w.community_b)
    assert_refused(eng, lambda: withdraw(eng, w.staff_a, other), None, error=PermissionDenied)
    assert_refused(eng, lambda: withdraw(eng, w.admin, 987654, version=1), None, error=NotFound)
    assert resource(eng, rid).status == "withdrawn" and resource(eng, other).status == "available"
