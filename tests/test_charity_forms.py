"""慈善资源 write services: offer a resource, file, review, match and complete a need, record a donation —
every allowed and refused transition, over-matching (also by two racing writers), validation in Chinese with
nothing written, WGS-84 input stored as GCJ-02, role and scope, idempotency, stale edits and the audit trail."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
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
from db.periods import period_of
from db.scope import Scope
from tests.factories import World, build_world, count_rows, make_user

TODAY = date(2025, 6, 30)
STATUSES = tuple(vocab.NEED_STATUSES)
TABLES = (CharityResource, CharityNeed, CharityMatch, Donation, AuditLog, Submission)


@pytest.fixture
def world(engine, monkeypatch) -> Iterator[World]:
    # The users of the test world need no strong password hashes: a cheap Argon2id keeps ~150 tests fast.
    from argon2 import PasswordHasher

    import db.auth

    monkeypatch.setattr(db.auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    yield build_world(engine, n_volunteers=0)
    engine.dispose()  # the database lives until the session ends: give its pooled connections back now


def run(engine, service, user, key: str | None = None, **kwargs) -> int:
    """Run a write service the way the page does (own transaction, a fresh form key unless given)."""
    if service is not forms.review_need:  # reviewing checks no date
        kwargs.setdefault("today", TODAY)
    return forms.submit(service, user=user, idempotency_key=key or uuid.uuid4().hex, engine=engine, **kwargs)


def resource_input(world: World, **overrides) -> forms.ResourceInput:
    values = {"provider_name": "杭州和睦超市", "provider_type": "企业", "kind": "物资", "title": "米面油爱心包",
              "amount": 10, "unit": "份", "offered_on": date(2025, 1, 10), "community_id": world.community_a}
    return forms.ResourceInput(**{**values, **overrides})


def need_input(world: World, **overrides) -> forms.NeedInput:
    values = {"title": "困难家庭米面油", "category": "物资", "amount": 8, "unit": "份", "filed_on": date(2025, 2, 1),
              "community_id": world.community_a, "beneficiary_group": "困难家庭", "urgency": "较急"}
    return forms.NeedInput(**{**values, **overrides})


def need(engine, need_id: int) -> CharityNeed:
    with session_scope(engine) as s:
        return s.get(CharityNeed, need_id)


def resource(engine, resource_id: int) -> CharityResource:
    with session_scope(engine) as s:
        return s.get(CharityResource, resource_id)


def offer(engine, world: World, user=None, **overrides) -> int:
    return run(engine, forms.offer_resource, user or world.admin, data=resource_input(world, **overrides))


def file(engine, world: World, user=None, **overrides) -> int:
    return run(engine, forms.file_need, user or world.admin, data=need_input(world, **overrides))


def approve(engine, world: World, need_id: int, user=None) -> None:
    run(engine, forms.review_need, user or world.admin, need_id=need_id,
        expected_version=need(engine, need_id).version, approve=True)


def approved_need(engine, world: World, **overrides) -> int:
    need_id = file(engine, world, **overrides)
    approve(engine, world, need_id)
    return need_id


def match(engine, world: World, need_id: int, resource_id: int, amount, user=None, key=None,
          matched_on=date(2025, 3, 1)) -> int:
    return run(engine, forms.match_need, user or world.admin, key=key, need_id=need_id,
               expected_version=need(engine, need_id).version, resource_id=resource_id, amount=amount,
               matched_on=matched_on)


def complete(engine, world: World, need_id: int, user=None, completed_on=date(2025, 4, 1)) -> int:
    return run(engine, forms.complete_need, user or world.admin, need_id=need_id,
               expected_version=need(engine, need_id).version, completed_on=completed_on)


def assert_refused(engine, call, field: str, *words: str) -> ValidationFailed:
    before = count_rows(engine, *TABLES)
    with pytest.raises(ValidationFailed) as info:
        call()
    assert field in info.value.errors, info.value.errors
    for word in words:
        assert word in info.value.errors[field], info.value.errors[field]
    assert count_rows(engine, *TABLES) == before, "a refused write must write nothing"
    return info.value


# ------------------------------------------------------------------------------------------ offer, file


def test_offer_resource_writes_once_with_audit(engine, world):
    key = uuid.uuid4().hex
    first = run(engine, forms.offer_resource, world.staff_a, key=key, data=resource_input(world))
    again = run(engine, forms.offer_resource, world.staff_a, key=key, data=resource_input(world, title="别的"))
    assert again == first
    row = resource(engine, first)
    assert (row.street_id, row.community_id, row.status, row.amount, row.unit) == (
        world.street1, world.community_a, "available", 10, "份")
    with session_scope(engine) as s:
        audit = s.execute(select(AuditLog).where(AuditLog.table_name == "charityresource")).scalars().all()
    assert len(audit) == 1 and audit[0].action == "create" and audit[0].new_values["title"] == "米面油爱心包"
    assert count_rows(engine, CharityResource)["charityresource"] == 1


def test_street_library_resource_and_need_for_a_community(engine, world):
    rid = offer(engine, world, world.staff_s1, community_id=None, street_id=world.street1)
    assert (resource(engine, rid).street_id, resource(engine, rid).community_id) == (world.street1, None)
    nid = file(engine, world, world.staff_s1, community_id=world.community_b)
    assert need(engine, nid).status == "pending" and need(engine, nid).street_id == world.street1


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
def test_bad_resource_is_refused_in_chinese(engine, world, overrides, field, words):
    assert_refused(engine, lambda: offer(engine, world, **overrides), field, *words)


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"title": ""}, "title", ("「需求名称」",)),
    ({"category": "其他"}, "category", ("「需求类别」",)),
    ({"amount": 0}, "amount", ("「数量」",)),
    ({"urgency": "特急"}, "urgency", ("「紧急程度」",)),
    ({"filed_on": date(1999, 1, 1)}, "filed_on", ("「提出日期」",)),
    ({"community_id": None}, "community_id", ("「所属社区」", "社区提出")),
    ({"beneficiary_group": "老" * 21}, "beneficiary_group", ("「服务对象」",)),
])
def test_bad_need_is_refused_in_chinese(engine, world, overrides, field, words):
    assert_refused(engine, lambda: file(engine, world, **overrides), field, *words)


def test_money_is_always_in_yuan(engine, world):
    rid = offer(engine, world, kind="资金", unit="", amount=5000, title="爱心款")
    assert resource(engine, rid).unit == "元"


def test_wgs84_input_is_stored_as_gcj02(engine, world):
    wgs = (120.2765, 30.3683)
    rid = offer(engine, world, lng=wgs[0], lat=wgs[1], coord_system="WGS-84")
    nid = file(engine, world, lng=wgs[0], lat=wgs[1], coord_system="GCJ-02")
    expected = geo.wgs84_to_gcj02(*wgs)
    row = resource(engine, rid)
    assert (row.lng, row.lat) == (pytest.approx(expected[0], abs=1e-6), pytest.approx(expected[1], abs=1e-6))
    assert (row.lng, row.lat) != wgs
    assert (need(engine, nid).lng, need(engine, nid).lat) == wgs


def test_roles_and_scopes_are_checked_in_db(engine, world):
    with pytest.raises(PermissionDenied):
        offer(engine, world, world.leader)
    with pytest.raises(PermissionDenied):
        file(engine, world, world.staff_a, community_id=world.community_b)
    with pytest.raises(PermissionDenied):
        file(engine, world, world.staff_s1, community_id=world.community_c)
    with pytest.raises(PermissionDenied):
        run(engine, forms.record_donation, world.leader,
            data=forms.DonationInput(donor_name="某企业", donor_type="企业", is_money=True, amount_yuan=100,
                                     donated_on=TODAY, community_id=world.community_a))
    # Community staff default to their own community.
    nid = file(engine, world, world.staff_a, community_id=None)
    assert need(engine, nid).community_id == world.community_a
    assert count_rows(engine, CharityResource)["charityresource"] == 0


# ------------------------------------------------------------------------------------------ transitions


def _need_in_status(engine, world: World, status: str, resource_id: int) -> int:
    """A need put straight into ``status`` (with a match when it is matched or completed)."""
    with session_scope(engine, write=True) as s:
        row = CharityNeed(street_id=world.street1, community_id=world.community_a, title=f"{status}需求",
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
def test_every_transition_is_allowed_or_refused_as_the_table_says(engine, world, start, target):
    rid = offer(engine, world, amount=100)
    nid = _need_in_status(engine, world, start, rid)
    if charity.can_transition(start, target):
        ACTIONS[target](engine, world, nid, rid)
        assert need(engine, nid).status == target
    else:
        error = assert_refused(engine, lambda: ACTIONS[target](engine, world, nid, rid), "status", "「需求状态」",
                               vocab.NEED_STATUSES[start])
        assert vocab.NEED_STATUSES[target] in error.errors["status"]
        assert need(engine, nid).status == start


def test_nothing_leads_back_to_pending():
    assert not any(charity.can_transition(s, "pending") for s in STATUSES)


def test_the_whole_workflow_with_audit(engine, world):
    rid = offer(engine, world)
    nid = file(engine, world, world.staff_a)
    approve(engine, world, nid, world.staff_a)
    assert need(engine, nid).status == "approved"
    mid = match(engine, world, nid, rid, 8, user=world.staff_a)
    assert need(engine, nid).status == "matched"
    complete(engine, world, nid, user=world.staff_a)
    assert need(engine, nid).status == "completed"
    with session_scope(engine) as s:
        m = s.get(CharityMatch, mid)
        assert (m.amount, m.matched_on, m.completed_on) == (8, date(2025, 3, 1), date(2025, 4, 1))
        trail = s.execute(select(AuditLog.action, AuditLog.table_name).where(AuditLog.record_id.in_([nid, mid]))
                          .where(AuditLog.table_name.in_(["charityneed", "charitymatch"])).order_by(AuditLog.id)).all()
        statuses = [r.new_values["status"] for r in s.execute(
            select(AuditLog).where(AuditLog.table_name == "charityneed", AuditLog.record_id == nid)
            .order_by(AuditLog.id)).scalars()]
    assert ("create", "charitymatch") in trail
    assert statuses == ["pending", "approved", "matched", "completed"]
    assert resource(engine, rid).status == "available"  # 2 of 10 left
    with session_scope(engine) as s:
        assert charity.match_rate(s, Scope(), period_of("all", TODAY)) == 1.0


def test_rejection_needs_a_reason(engine, world):
    nid = file(engine, world)
    version = need(engine, nid).version
    assert_refused(engine, lambda: run(engine, forms.review_need, world.admin, need_id=nid, expected_version=version,
                                       approve=False, reason="  "), "reject_reason", "「拒绝理由」", "不能为空")
    run(engine, forms.review_need, world.admin, need_id=nid, expected_version=version, approve=False,
        reason="重复申报")
    row = need(engine, nid)
    assert (row.status, row.reject_reason) == ("rejected", "重复申报")


def test_a_stale_review_is_refused(engine, world):
    nid = file(engine, world)
    with pytest.raises(StaleEdit):
        run(engine, forms.review_need, world.admin, need_id=nid, expected_version=99, approve=True)
    assert need(engine, nid).status == "pending"


def test_a_double_click_reviews_once(engine, world):
    nid = file(engine, world)
    key = uuid.uuid4().hex
    for _ in range(2):  # the second submission with the same key is a retry, not a refused transition
        assert run(engine, forms.review_need, world.admin, key=key, need_id=nid, expected_version=1,
                   approve=True) == nid
    assert need(engine, nid).status == "approved" and need(engine, nid).version == 2


def test_unknown_need_is_not_found(engine, world):
    with pytest.raises(NotFound):
        run(engine, forms.review_need, world.admin, need_id=424242, expected_version=1, approve=True)


# ------------------------------------------------------------------------------------------ matching


def test_over_matching_is_refused_naming_what_is_left(engine, world):
    rid = offer(engine, world, amount=10)
    first = approved_need(engine, world, amount=6)
    match(engine, world, first, rid, 6)
    second = approved_need(engine, world, amount=6)
    assert_refused(engine, lambda: match(engine, world, second, rid, 5), "match_amount", "「对接数量」",
                   "剩余的 4份")
    match(engine, world, second, rid, 4)  # exactly what is left
    row = resource(engine, rid)
    assert row.status == "exhausted"
    with session_scope(engine) as s:
        assert charity.resource_left(s, rid) == 0
    third = approved_need(engine, world, amount=1)
    assert_refused(engine, lambda: match(engine, world, third, rid, 1), "resource_id", "已用完")


@pytest.mark.parametrize(("amount", "words"), [
    (0, ("「对接数量」", "大于 0")), (-1, ("「对接数量」",)), ("很多", ("「对接数量」", "数字")),
    (float("nan"), ("「对接数量」",)), (9, ("「对接数量」", "超过需求数量 8份")),
])
def test_bad_match_amount_is_refused(engine, world, amount, words):
    rid = offer(engine, world, amount=100)
    nid = approved_need(engine, world, amount=8)
    assert_refused(engine, lambda: match(engine, world, nid, rid, amount), "match_amount", *words)
    assert need(engine, nid).status == "approved"


def test_match_needs_same_street_kind_and_unit(engine, world):
    nid = approved_need(engine, world)
    other_kind = offer(engine, world, kind="服务", unit="份")
    other_unit = offer(engine, world, unit="箱")
    other_street = offer(engine, world, community_id=world.community_c)
    for rid, words in ((other_kind, ("类别",)), (other_unit, ("单位不同",)), (other_street, ("街道",))):
        assert_refused(engine, lambda r=rid: match(engine, world, nid, r, 1), "resource_id", "「对接资源」", *words)
    assert_refused(engine, lambda: match(engine, world, nid, None, 1), "resource_id", "未选择")


def test_match_dates_are_checked(engine, world):
    rid = offer(engine, world, offered_on=date(2025, 3, 1))
    nid = approved_need(engine, world, filed_on=date(2025, 2, 1))
    assert_refused(engine, lambda: match(engine, world, nid, rid, 1, matched_on=date(2025, 1, 5)), "matched_on",
                   "需求提出日期")
    assert_refused(engine, lambda: match(engine, world, nid, rid, 1, matched_on=date(2025, 2, 20)), "matched_on",
                   "资源提供日期")
    assert_refused(engine, lambda: match(engine, world, nid, rid, 1, matched_on=date(2025, 7, 1)), "matched_on",
                   "不能晚于今天")
    match(engine, world, nid, rid, 1, matched_on=date(2025, 3, 1))
    assert_refused(engine, lambda: complete(engine, world, nid, completed_on=date(2025, 2, 28)), "completed_on",
                   "对接日期")


def test_match_scope_covers_need_and_resource(engine, world):
    street_resource = offer(engine, world, world.staff_s1, community_id=None, street_id=world.street1)
    nid = approved_need(engine, world)
    # A community's staff match with their own community's library, not the street's.
    with pytest.raises(PermissionDenied):
        match(engine, world, nid, street_resource, 1, user=world.staff_a)
    with pytest.raises(PermissionDenied):
        match(engine, world, nid, street_resource, 1, user=world.leader)
    match(engine, world, nid, street_resource, 1, user=world.staff_s1)
    with session_scope(engine) as s:
        staff_a_options = charity.match_candidates(s, world.staff_a.scope, nid)
    assert staff_a_options.empty


def test_two_matches_racing_for_the_last_units_cannot_over_match(engine, world):
    rid = offer(engine, world, amount=10)
    needs = [approved_need(engine, world, amount=8) for _ in range(4)]
    barrier = threading.Barrier(len(needs))
    outcomes: list[str] = []

    def race(need_id: int) -> None:
        version = need(engine, need_id).version
        barrier.wait()
        try:
            forms.submit(forms.match_need, user=world.admin, idempotency_key=uuid.uuid4().hex, engine=engine,
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
        t.join(timeout=60)
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    with session_scope(engine) as s:
        taken = s.execute(select(func.sum(CharityMatch.amount)).where(CharityMatch.resource_id == rid)).scalar_one()
        assert taken == 8 and charity.resource_left(s, rid) == 2
    assert sorted(need(engine, n).status for n in needs) == ["approved", "approved", "approved", "matched"]


def test_a_retried_match_writes_once(engine, world):
    rid = offer(engine, world, amount=10)
    nid = approved_need(engine, world, amount=5)
    key = uuid.uuid4().hex
    version = need(engine, nid).version
    ids = {forms.submit(forms.match_need, user=world.admin, idempotency_key=key, engine=engine, today=TODAY,
                        need_id=nid, expected_version=version, resource_id=rid, amount=5, matched_on=date(2025, 3, 1))
           for _ in range(2)}
    assert len(ids) == 1
    assert count_rows(engine, CharityMatch)["charitymatch"] == 1


# ------------------------------------------------------------------------------------------ donations


def donation(world: World, **overrides) -> forms.DonationInput:
    values = {"donor_name": "乔司爱心面馆", "donor_type": "企业", "is_money": True, "amount_yuan": 120.5,
              "donated_on": date(2025, 5, 28), "community_id": world.community_a, "project_id": world.project1,
              "recipient": "残疾人之家爱心超市", "channel": "线下"}
    return forms.DonationInput(**{**values, **overrides})


def test_record_donation_counts_in_the_money_and_in_kind_kpis(engine, world):
    run(engine, forms.record_donation, world.staff_a, data=donation(world))
    run(engine, forms.record_donation, world.staff_a,
        data=donation(world, is_money=False, amount_yuan=800, items="冬衣", quantity=40, project_id=None))
    with session_scope(engine) as s:
        period = period_of("all", TODAY)
        assert figures.value(s, "money", Scope(community_id=world.community_a), period) == pytest.approx(120.5)
        assert figures.value(s, "in_kind", Scope(community_id=world.community_a), period) == pytest.approx(800)
        goods = s.execute(select(Donation).where(Donation.is_money.is_(False))).scalar_one()
        assert (goods.items, goods.quantity, goods.street_id) == ("冬衣", 40, world.street1)


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
def test_bad_donation_is_refused_in_chinese(engine, world, overrides, field, words):
    assert_refused(engine, lambda: run(engine, forms.record_donation, world.admin, data=donation(world, **overrides)),
                   field, *words)


def test_donation_to_a_project_of_another_street_is_refused(engine, world):
    assert_refused(engine, lambda: run(engine, forms.record_donation, world.admin,
                                       data=donation(world, project_id=world.project2)), "project_id", "不属于该街道")


def test_staff_cannot_give_a_donation_to_a_project_of_another_street(engine, world):
    before = count_rows(engine, *TABLES)
    with pytest.raises(PermissionDenied) as caught:
        run(engine, forms.record_donation, world.staff_s1,
            data=donation(world, community_id=None, street_id=world.street1, project_id=world.project2))
    assert "「所属项目」" in str(caught.value)
    assert count_rows(engine, *TABLES) == before


def test_an_organisations_staff_offer_only_within_its_street(engine, world):
    with session_scope(engine, write=True) as s:
        org = Organization(name="乔司社会组织服务中心", kind="服务中心", street_id=world.street2)
        s.add(org)
        s.flush()
        org_user = make_user(s, "staff", "organization", org.id)
        org_id = org.id
    # The resource is the organisation's own; a community of another street contradicts the organisation.
    assert_refused(engine, lambda: offer(engine, world, org_user, community_id=world.community_a),
                   "organization_id", "「所属机构」", "不在该社区所属街道")
    rid = offer(engine, world, org_user, community_id=world.community_c)
    row = resource(engine, rid)
    assert (row.street_id, row.community_id, row.provider_org_id) == (world.street2, world.community_c, org_id)
    # A need is a community's: an organisation's staff do not file one.
    with pytest.raises(PermissionDenied):
        file(engine, world, org_user, community_id=world.community_c)


def test_in_kind_donation_may_have_no_value(engine, world):
    did = run(engine, forms.record_donation, world.admin,
              data=replace(donation(world), is_money=False, amount_yuan=0, items="学习用品"))
    with session_scope(engine) as s:
        assert s.get(Donation, did).amount_yuan == 0


# ------------------------------------------------------------------------------------------ withdraw, restore


def withdraw(engine, user, resource_id: int, withdrawn: bool = True, version: int | None = None) -> str:
    with session_scope(engine, write=True) as s:
        return forms.set_resource_withdrawn(
            session=s, user=user, resource_id=resource_id, withdrawn=withdrawn,
            expected_version=resource(engine, resource_id).version if version is None else version)


def test_a_withdrawn_resource_cannot_be_matched_and_keeps_its_matches(engine, world):
    rid = offer(engine, world)
    first = approved_need(engine, world, amount=3)
    match(engine, world, first, rid, 3)
    assert withdraw(engine, world.staff_a, rid) == "withdrawn"
    later = approved_need(engine, world, amount=2)
    assert_refused(engine, lambda: match(engine, world, later, rid, 2), "resource_id", "已撤回", "不能对接")
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(CharityMatch)).scalar_one() == 1
    # Restored, it is 可对接 again with what was left (10 − 3), and the need can be matched.
    assert withdraw(engine, world.staff_a, rid, withdrawn=False) == "available"
    match(engine, world, later, rid, 2)
    with session_scope(engine) as s:
        audit = s.execute(select(AuditLog).where(AuditLog.table_name == "charityresource",
                                                 AuditLog.action == "update").order_by(AuditLog.id)).scalars().all()
    assert [(a.old_values["status"], a.new_values["status"]) for a in audit][:2] == [
        ("available", "withdrawn"), ("withdrawn", "available")]


def test_restoring_a_used_up_resource_makes_it_used_up(engine, world):
    rid = offer(engine, world, amount=4)
    nid = approved_need(engine, world, amount=4)
    withdraw(engine, world.admin, rid)
    with session_scope(engine, write=True) as s:  # matched before it was withdrawn (a match of the same day)
        s.add(CharityMatch(need_id=nid, resource_id=rid, amount=4, matched_on=date(2025, 3, 1)))
    assert withdraw(engine, world.admin, rid, withdrawn=False) == "exhausted"


def test_withdraw_refusals(engine, world):
    rid = offer(engine, world)
    assert_refused(engine, lambda: withdraw(engine, world.admin, rid, withdrawn=False), "resource_status",
                   "可对接", "只有「已撤回」")
    stale = resource(engine, rid).version
    withdraw(engine, world.admin, rid)
    assert_refused(engine, lambda: withdraw(engine, world.admin, rid), "resource_status", "已撤回", "只有「可对接」")
    with pytest.raises(StaleEdit):
        withdraw(engine, world.admin, rid, withdrawn=False, version=stale)
    with pytest.raises(PermissionDenied):
        withdraw(engine, world.leader, rid, withdrawn=False)
    other = offer(engine, world, community_id=world.community_b)
    with pytest.raises(PermissionDenied):
        withdraw(engine, world.staff_a, other)
    with pytest.raises(NotFound):
        withdraw(engine, world.admin, 987654, version=1)
    assert resource(engine, rid).status == "withdrawn" and resource(engine, other).status == "available"
