"""Write services of 慈善资源: offer a resource, file a need, review it, match it to a resource, complete it,
record a donation. Each follows db.write's pattern (write lock and data version first, role, idempotency,
validation naming the field in Chinese, scope, audit in the same transaction).

Rules (besides the need workflow of ``db.charity.reads.NEED_TRANSITIONS``):
- A match joins an 待对接 need to an 可对接 resource of the same street whose kind equals the need's category
  and whose unit equals the need's unit (amounts of different units cannot be compared; 资金 is always in 元).
  Its amount is > 0, no more than the need asks for and no more than what is left of the resource (the
  resource's amount less all its matches, re-read inside the write transaction after the write lock, with the
  resource row locked on PostgreSQL): two matches racing for the last units cannot both succeed. A resource
  with nothing left becomes 已用完 (exhausted).
- Scope: offering, filing and donations are checked against the record's street and community (an
  organisation-scoped user offers as that organisation); reviewing and completing against the need's; a match
  against both the need's and the resource's, so a community's staff match with their own community's library
  and a street's staff with the whole street's.
- Coordinates are optional (the map then uses the community's place); given in GCJ-02 or WGS-84, they are
  stored in GCJ-02.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from db import clock, geo, vocab
from db.auth import CurrentUser
from db.charity.reads import can_transition, resource_left, status_label
from db.fields import Fields
from db.inputs import typed_inputs
from db.models import CharityMatch, CharityNeed, CharityResource, Donation, Organization, Project
from db.places.resolve import Place, refuse_outside, require_in_scope, resolve_place
from db.write import (
    begin_submission,
    begin_write,
    create_checked,
    create_record,
    finish_submission,
    load_for_write,
    record_audit,
    require_reviewer,
    snapshot,
    submit,
    update_record,
    update_versioned,
)

MAX_AMOUNT = 1_000_000_000.0
EPS = 1e-9


@dataclass
class ResourceInput:
    """The 登记资源 form. A resource belongs to a community's library (community_id) or a street's."""

    provider_name: str | None
    provider_type: str | None
    kind: str | None
    title: str | None
    amount: Any
    unit: str | None
    offered_on: date | None
    community_id: int | None = None
    street_id: int | None = None
    lng: Any = None
    lat: Any = None
    coord_system: str = "GCJ-02"


@dataclass
class NeedInput:
    """The 提交需求 form: a need of a community."""

    title: str | None
    category: str | None
    amount: Any
    unit: str | None
    filed_on: date | None
    community_id: int | None = None
    beneficiary_group: str | None = ""
    urgency: str | None = "一般"
    lng: Any = None
    lat: Any = None
    coord_system: str = "GCJ-02"


@dataclass
class DonationInput:
    """The 登记捐赠 form: money (元) or goods (items, quantity and an estimated value in 元)."""

    donor_name: str | None
    donor_type: str | None
    is_money: bool
    amount_yuan: Any
    donated_on: date | None
    community_id: int | None = None
    street_id: int | None = None
    project_id: int | None = None
    recipient: str | None = ""
    items: str | None = ""
    quantity: Any = None
    channel: str | None = "线下"


def _fields(**renamed: str) -> Fields:
    """Field checks labelled from vocab.CHARITY_FIELD_LABELS; ``renamed`` labels a field as another entry."""
    labels = vocab.CHARITY_FIELD_LABELS
    return Fields({**labels, **{name: labels[entry] for name, entry in renamed.items()}})


def _number(value: Any) -> float:
    """A finite number from form or import input (ValueError for text, booleans, NaN and infinities)."""
    if value is None or value == "" or isinstance(value, bool):
        raise ValueError
    number = float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
    if not math.isfinite(number):
        raise ValueError
    return number


def _amount(f: Fields, name: str, value: Any, *, allow_zero: bool = False) -> float | None:
    try:
        number = _number(value)
    except (TypeError, ValueError, OverflowError):
        f.fail(name, "须填写数字")
        return None
    if number < 0 or (number == 0 and not allow_zero):
        f.fail(name, f"须{'不小于' if allow_zero else '大于'} 0")
        return None
    if number > MAX_AMOUNT:
        f.fail(name, f"不能超过 {MAX_AMOUNT:,.0f}")
        return None
    return round(number, 2)


def _location(f: Fields, lng: Any, lat: Any, system: str | None) -> tuple[float | None, float | None]:
    """Both coordinates or neither; converted to GCJ-02."""
    if system not in geo.COORD_SYSTEMS:
        f.fail("coord_system", f"须为：{'、'.join(geo.COORD_SYSTEMS)}")
        return None, None
    blank_lng = lng is None or lng == ""
    blank_lat = lat is None or lat == ""
    if blank_lng and blank_lat:
        return None, None
    if blank_lng or blank_lat:
        f.fail("lng" if blank_lng else "lat", "未填写：经度和纬度须同时填写，或都留空（按所属社区位置显示）")
        return None, None
    try:
        x, y = _number(lng), _number(lat)
    except (TypeError, ValueError, OverflowError):
        f.fail("lng", f"和{f.label('lat')}须填写数字（如 120.28、30.37）")
        return None, None
    if not -90 <= y <= 90 and -90 <= x <= 90:
        f.fail("lat", f"为 {y:g}，超出 −90～90：经度和纬度是否填反了？")
        return None, None
    if not -180 <= x <= 180:
        f.fail("lng", "须在 −180～180 之间")
        return None, None
    if not -90 <= y <= 90:
        f.fail("lat", "须在 −90～90 之间")
        return None, None
    gx, gy = geo.to_gcj02(x, y, system)  # type: ignore[arg-type]
    return round(gx, 6), round(gy, 6)


def _place(session: Session, user: CurrentUser, f: Fields, community_id: int | None, street_id: int | None, *,
           community_required: bool) -> Place:
    """The place of a record (db.places.resolve): the community's street, else the street; staff default to
    theirs; an organisation's staff write as their organisation. A need is a community's and has no organisation."""
    if community_required:
        return resolve_place(session, user, f, community_id=community_id, default_org=False, needs="community",
                             missing=("community_id", "不能为空：需求须由社区提出"))
    return resolve_place(session, user, f, street_id=street_id, community_id=community_id,
                         missing=("community_id", f"或{f.label('street_id')}须至少选择一项"))


def _unit_for(f: Fields, kind: str | None, unit: str | None, kind_field: str) -> str:
    text = (unit or "").strip()
    if kind == "资金":
        if text not in ("", "元"):
            f.fail("unit", f"：{f.label(kind_field)}为「资金」时单位须为「元」")
        return "元"
    if not text:
        f.fail("unit", "不能为空（如 份、次、小时、场次）")
    elif len(text) > 10:
        f.fail("unit", "不能超过 10 个字")
    return text


def _org_of(session: Session, place: Place, provider_name: str) -> int | None:
    """The provider organisation: the place's (the user's own, organisation scope), else one of that name in the
    street."""
    if place.organization_id is not None:
        return place.organization_id
    if not provider_name:
        return None
    return session.execute(
        select(Organization.id).where(Organization.name == provider_name,
                                      (Organization.street_id == place.street_id) | Organization.street_id.is_(None))
        .order_by(Organization.id).limit(1)).scalar()


# ---------------------------------------------------------------------------------------------- resources


def validate_resource(session: Session, user: CurrentUser, data: ResourceInput, today: date) -> dict[str, Any]:
    """Check every field of a resource; raise ValidationFailed naming each wrong field. Nothing is written."""
    f = _fields(title="resource_title")
    provider = f.text("provider_name", data.provider_name, 80, required=True)
    provider_type = f.choice("provider_type", data.provider_type, vocab.PROVIDER_TYPES)
    kind = f.choice("kind", data.kind, vocab.RESOURCE_KINDS)
    title = f.text("title", data.title, 100, required=True)
    amount = _amount(f, "amount", data.amount)
    unit = _unit_for(f, kind, data.unit, "kind")
    offered_on = f.day("offered_on", data.offered_on, today)
    lng, lat = _location(f, data.lng, data.lat, data.coord_system)
    place = _place(session, user, f, data.community_id, data.street_id, community_required=False)
    f.raise_if_any()
    return {"street_id": place.street_id, "community_id": place.community_id, "provider_name": provider,
            "provider_org_id": _org_of(session, place, provider), "provider_type": provider_type,
            "kind": kind, "title": title, "amount": amount, "unit": unit, "offered_on": offered_on,
            "status": "available", "lng": lng, "lat": lat}


@typed_inputs
def offer_resource(*, session: Session, user: CurrentUser, data: ResourceInput, idempotency_key: str,
                   today: date | None = None) -> int:
    """Add a resource to the library (登记资源). A repeated ``idempotency_key`` returns the first id."""
    return create_record(session, user, idempotency_key, "charity_resource",
                         lambda: CharityResource(**validate_resource(session, user, data, today or clock.today())))


# ---------------------------------------------------------------------------------------------- needs


def validate_need(session: Session, user: CurrentUser, data: NeedInput, today: date) -> dict[str, Any]:
    """Check every field of a need; raise ValidationFailed naming each wrong field. Nothing is written."""
    f = _fields(title="need_title")
    title = f.text("title", data.title, 100, required=True)
    category = f.choice("category", data.category, vocab.RESOURCE_KINDS)
    amount = _amount(f, "amount", data.amount)
    unit = _unit_for(f, category, data.unit, "category")
    filed_on = f.day("filed_on", data.filed_on, today)
    group = f.text("beneficiary_group", data.beneficiary_group, 20)
    urgency = f.choice("urgency", data.urgency, vocab.URGENCIES)
    lng, lat = _location(f, data.lng, data.lat, data.coord_system)
    place = _place(session, user, f, data.community_id, None, community_required=True)
    f.raise_if_any()
    return {"street_id": place.street_id, "community_id": place.community_id, "title": title, "category": category,
            "beneficiary_group": group, "urgency": urgency, "amount": amount, "unit": unit, "filed_on": filed_on,
            "status": "pending", "reject_reason": "", "lng": lng, "lat": lat}


@typed_inputs
def file_need(*, session: Session, user: CurrentUser, data: NeedInput, idempotency_key: str,
              today: date | None = None) -> int:
    """File a community's need (提交需求); it starts 待审核. A repeated ``idempotency_key`` returns the first id."""
    return create_checked(session, user, idempotency_key, "charity_need", CharityNeed,
                          lambda: validate_need(session, user, data, today or clock.today()))


def _need_for_write(session: Session, user: CurrentUser, need_id: int, to: str) -> CharityNeed:
    """The need, in the user's scope, allowed to move to status ``to``."""
    need = load_for_write(session, user, CharityNeed, need_id, "该需求不存在或已被删除。")
    if not can_transition(need.status, to):
        f = _fields()
        f.fail("status", f"为「{status_label(need.status)}」，不能改为「{status_label(to)}」")
        f.raise_if_any()
    return need


@typed_inputs
def review_need(*, session: Session, user: CurrentUser, need_id: int, expected_version: int, approve: bool,
                reason: str | None = "", idempotency_key: str) -> int:
    """审核: 待审核 → 待对接 (approve) or 已拒绝 (a reason is required). Returns the need's id."""
    earlier = begin_submission(session, user, idempotency_key, "charity_review")
    if earlier is not None:
        return earlier
    require_reviewer(user)
    to = "approved" if approve else "rejected"
    need = _need_for_write(session, user, need_id, to)
    f = _fields()
    text = f.text("reject_reason", reason, 200, required=not approve)
    f.raise_if_any()
    update_record(session, user, CharityNeed, need_id, expected_version,
                  {"status": to, "reject_reason": "" if approve else text}, snapshot(need), label="需求")
    finish_submission(session, idempotency_key, need_id)
    return need_id


@typed_inputs
def match_need(*, session: Session, user: CurrentUser, need_id: int, expected_version: int, resource_id: int | None,
               amount: Any, matched_on: date | None, idempotency_key: str, today: date | None = None) -> int:
    """对接: join an 待对接 need to a resource (see the module docstring). Returns the match's id."""
    # The write lock first: a racing match waits here, then reads what the first one wrote.
    earlier = begin_submission(session, user, idempotency_key, "charity_match")
    if earlier is not None:
        return earlier
    today = today or clock.today()
    need = _need_for_write(session, user, need_id, "matched")
    f = _fields()
    resource = None
    if resource_id is None:
        f.fail("resource_id", "未选择")
    else:
        # Lock the resource row (PostgreSQL; SQLite's write lock already covers it) and read it afresh.
        resource = session.execute(select(CharityResource).where(CharityResource.id == resource_id)
                                   .with_for_update().execution_options(populate_existing=True)).scalar()
        if resource is None:
            f.fail("resource_id", "不存在")
    if resource is not None:
        # The resource is taken from the user's own library (a community's staff: their community's).
        refuse_outside(session, user, CharityResource, [resource.id or 0], f.label("resource_id"), within=user.scope)
        if resource.street_id != need.street_id:
            f.fail("resource_id", "不属于该需求所在街道的资源库")
        elif resource.kind != need.category:
            f.fail("resource_id", f"的类别为「{resource.kind}」，与需求类别「{need.category}」不符")
        elif resource.unit != need.unit:
            f.fail("resource_id", f"以「{resource.unit}」计，需求以「{need.unit}」计，单位不同，不能对接")
        elif resource.status != "available":
            f.fail("resource_id", f"当前为「{vocab.RESOURCE_STATUSES.get(resource.status, resource.status)}」，不能对接")
    value = _amount(f, "match_amount", amount)
    if value is not None and resource is not None and "resource_id" not in f.errors:
        left = resource_left(session, resource.id or 0)
        limits = []
        if value > left + EPS:
            limits.append(f"超过该资源剩余的 {max(left, 0):g}{resource.unit}")
        if value > need.amount + EPS:
            limits.append(f"超过需求数量 {need.amount:g}{need.unit}")
        if limits:
            f.fail("match_amount", f"为 {value:g}{need.unit}，{'，也'.join(limits)}")
    day = f.day("matched_on", matched_on, today)
    if day is not None and day < need.filed_on:
        f.fail("matched_on", f"不能早于需求提出日期（{need.filed_on:%Y-%m-%d}）")
    elif day is not None and resource is not None and day < resource.offered_on:
        f.fail("matched_on", f"不能早于资源提供日期（{resource.offered_on:%Y-%m-%d}）")
    f.raise_if_any()
    assert resource is not None and value is not None and day is not None
    old_need = snapshot(need)
    update_versioned(session, CharityNeed, need_id, expected_version, {"status": "matched"}, label="需求")
    match = CharityMatch(need_id=need_id, resource_id=resource.id, amount=value, matched_on=day)
    session.add(match)
    session.flush()
    assert match.id is not None
    if resource_left(session, resource.id or 0) <= EPS:
        old_res = snapshot(resource)
        session.execute(update(CharityResource).where(CharityResource.id == resource.id)
                        .values(status="exhausted", version=CharityResource.version + 1))
        session.expire_all()
        record_audit(session, user, "update", "charityresource", resource.id, old_res,
                     snapshot(session.get(CharityResource, resource.id)))
    finish_submission(session, idempotency_key, match.id)
    session.expire_all()
    record_audit(session, user, "create", "charitymatch", match.id, None, snapshot(session.get(CharityMatch, match.id)))
    record_audit(session, user, "update", "charityneed", need_id, old_need, snapshot(session.get(CharityNeed, need_id)))
    return match.id


@typed_inputs
def complete_need(*, session: Session, user: CurrentUser, need_id: int, expected_version: int,
                  completed_on: date | None, idempotency_key: str, today: date | None = None) -> int:
    """完成: 已对接 → 已完成; the need's matches get the completion date. Returns the need's id."""
    earlier = begin_submission(session, user, idempotency_key, "charity_complete")
    if earlier is not None:
        return earlier
    need = _need_for_write(session, user, need_id, "completed")
    f = _fields()
    day = f.day("completed_on", completed_on, today or clock.today())
    first = session.execute(select(CharityMatch.matched_on).where(CharityMatch.need_id == need_id)
                            .order_by(CharityMatch.matched_on).limit(1)).scalar()
    if day is not None and first is not None and day < first:
        f.fail("completed_on", f"不能早于对接日期（{first:%Y-%m-%d}）")
    f.raise_if_any()
    update_record(session, user, CharityNeed, need_id, expected_version, {"status": "completed"}, snapshot(need),
                  label="需求")
    session.execute(update(CharityMatch).where(CharityMatch.need_id == need_id, CharityMatch.completed_on.is_(None))
                    .values(completed_on=day, version=CharityMatch.version + 1))
    finish_submission(session, idempotency_key, need_id)
    return need_id


# ------------------------------------------------------------------------------------------- donations


def validate_donation(session: Session, user: CurrentUser, data: DonationInput, today: date) -> dict[str, Any]:
    """Check every field of a donation; raise ValidationFailed naming each wrong field. Nothing is written."""
    f = _fields()
    donor = f.text("donor_name", data.donor_name, 80, required=True)
    donor_type = f.choice("donor_type", data.donor_type, vocab.PROVIDER_TYPES)
    is_money = bool(data.is_money)
    amount = _amount(f, "amount_yuan", data.amount_yuan, allow_zero=not is_money)
    items = f.text("items", data.items, 200, required=not is_money)
    quantity = None
    if not is_money and data.quantity not in (None, ""):
        try:
            quantity = _number(data.quantity)
            if quantity <= 0:
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            f.fail("quantity", "须为大于 0 的数字，或留空")
    recipient = f.text("recipient", data.recipient, 80)
    channel = f.choice("channel", data.channel, vocab.DONATION_CHANNELS)
    donated_on = f.day("donated_on", data.donated_on, today)
    place = _place(session, user, f, data.community_id, data.street_id, community_required=False)
    project = require_in_scope(session, user, Project, data.project_id, f, "project_id")
    if project is not None and place.street_id is not None and project.street_id != place.street_id:
        f.fail("project_id", "不属于该街道")
    f.raise_if_any()
    return {"street_id": place.street_id, "community_id": place.community_id,
            "organization_id": place.organization_id,
            "project_id": data.project_id, "donor_name": donor, "donor_type": donor_type, "recipient": recipient,
            "is_money": is_money, "amount_yuan": amount, "items": "" if is_money else items,
            "quantity": None if is_money else quantity, "donated_on": donated_on, "channel": channel}


@typed_inputs
def record_donation(*, session: Session, user: CurrentUser, data: DonationInput, idempotency_key: str,
                    today: date | None = None) -> int:
    """Record a donation (登记捐赠). A repeated ``idempotency_key`` returns the first id."""
    return create_checked(session, user, idempotency_key, "donation", Donation,
                          lambda: validate_donation(session, user, data, today or clock.today()))


@typed_inputs
def set_resource_withdrawn(*, session: Session, user: CurrentUser, resource_id: int, expected_version: int,
                           withdrawn: bool) -> str:
    """撤回 an 可对接 resource (the provider took it back: no new match; earlier matches stay), or 恢复 a
    撤回 one (可对接 again, or 已用完 if nothing is left). Returns the new status."""
    begin_write(session)
    resource = load_for_write(session, user, CharityResource, resource_id, "该资源不存在或已被删除。")
    current = vocab.RESOURCE_STATUSES.get(resource.status, resource.status)
    f = _fields()
    if withdrawn and resource.status != "available":
        f.fail("resource_status", f"当前为「{current}」，只有「可对接」的资源可以撤回")
    if not withdrawn and resource.status != "withdrawn":
        f.fail("resource_status", f"当前为「{current}」，只有「已撤回」的资源可以恢复")
    f.raise_if_any()
    status = "withdrawn" if withdrawn else ("exhausted" if resource_left(session, resource_id) <= EPS else "available")
    update_record(session, user, CharityResource, resource_id, expected_version, {"status": status},
                  snapshot(resource), label="资源")
    return status


__all__ = [
    "DonationInput", "NeedInput", "ResourceInput", "complete_need", "file_need", "match_need", "offer_resource",
    "record_donation", "review_need", "set_resource_withdrawn", "submit", "validate_donation", "validate_need",
    "validate_resource",
]
