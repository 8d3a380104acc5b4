"""Write services of the 志愿者 page (through db.write, see docs/ENGINEERING.md): register and edit volunteers
and teams, approve or reject pending service records, backfill 荣誉 hours, award a star.

Each service: ``begin_write`` first, the role (leaders are refused here), an idempotency key for creations,
validation that names each wrong field in Chinese and writes nothing, the scope, then the rows and an audit row
in the same transaction. Edits check the record's version (``StaleEdit``).

Hour rules for backfilled 荣誉 hours are db.activities' own (> 0, no longer than the activity, no overlapping
activity for the volunteer): ``validate_volunteers`` is called, not re-implemented.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from db import clock, vocab
from db.activities import VolunteerHours, mask_name, validate_volunteers
from db.auth import CurrentUser
from db.engine import session_scope
from db.errors import NotFound, StaleEdit, ValidationFailed
from db.models import (
    Activity,
    Community,
    Organization,
    ServiceRecord,
    StarAward,
    TeamMember,
    Volunteer,
    VolunteerTeam,
)
from db.stars import preset_for_street, require_level, round_hours
from db.write import (
    begin_write,
    check_scope,
    claim_submission,
    finish_submission,
    record_audit,
    require_writer,
    snapshot,
    submission_record,
    update_versioned,
)

EARLIEST = date(2000, 1, 1)
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
T = TypeVar("T")


def _label(name: str) -> str:
    return f"「{vocab.VOLUNTEER_FIELD_LABELS.get(name) or vocab.FIELD_LABELS.get(name, name)}」"


def _text(value: Any) -> str:
    """Form text with surrounding spaces (also full-width ones) removed; Chinese punctuation is kept."""
    return str(value or "").strip()


def _folded(value: Any) -> str:
    """Digits and letters as ASCII (full-width １３９ → 139), for phone numbers and years."""
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def _year(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        if value != value or value != int(value):
            raise ValueError
        return int(value)
    return int(_folded(value))


def run_write(engine, key: str | None, work: Callable[[Session], T]) -> T:
    """Run a write service in its own transaction; a racing duplicate submission (PostgreSQL) returns the first
    record's id instead of failing."""
    try:
        with session_scope(engine, write=True) as session:
            return work(session)
    except IntegrityError:
        if key is None:
            raise
        with session_scope(engine) as session:
            record_id = submission_record(session, key)
        if record_id is None:
            raise
        return record_id  # type: ignore[return-value]


def _place(session: Session, user: CurrentUser, community_id: int | None, organization_id: int | None,
           errors: dict[str, str]) -> tuple[int | None, int | None, int | None]:
    """(street_id, community_id, organization_id): a community (street follows) or an organisation; staff
    default to their own community or organisation."""
    base = user.scope
    if community_id is None and base.community_id is not None:
        community_id = base.community_id
    if organization_id is None and base.organization_id is not None:
        organization_id = base.organization_id
    community = session.get(Community, community_id) if community_id is not None else None
    organization = session.get(Organization, organization_id) if organization_id is not None else None
    if community_id is not None and community is None:
        errors["community_id"] = f"{_label('community_id')}不存在"
    if organization_id is not None and organization is None:
        errors["organization_id"] = f"{_label('organization_id')}不存在"
    street_id = community.street_id if community else (organization.street_id if organization else None)
    if community is None and organization is None and "community_id" not in errors:
        errors["community_id"] = f"{_label('community_id')}不能为空：请选择所属社区"
    elif organization is not None and organization.street_id is None and community is None:
        errors["organization_id"] = f"{_label('organization_id')}未归属街道，请同时选择所属社区"
    elif community is not None and organization is not None and organization.street_id not in (None, street_id):
        errors["organization_id"] = f"{_label('organization_id')}不在该社区所属街道"
    return street_id, community_id, organization_id


# ============================================================================================ volunteers


@dataclass
class VolunteerInput:
    """What the volunteer form collects; fields may be wrong: validation says which and why."""

    name: str | None
    registered_on: date | None
    community_id: int | None = None
    organization_id: int | None = None
    phone: str | None = ""
    gender: str | None = ""
    birth_year: Any = None
    tags: list[str] = field(default_factory=list)
    team_ids: list[int] = field(default_factory=list)
    leaderboard_opt_out: bool = False
    is_staff: bool = False


def validate_volunteer(session: Session, user: CurrentUser, data: VolunteerInput, volunteer_id: int | None = None,
                       today: date | None = None) -> tuple[dict[str, Any], list[int]]:
    """Check every field; raise ValidationFailed naming each wrong one. Returns (column values, team ids)."""
    today = today or clock.today()
    errors: dict[str, str] = {}
    name = _text(data.name)
    if not name:
        errors["name"] = f"{_label('name')}不能为空"
    elif len(name) > 30:
        errors["name"] = f"{_label('name')}不能超过 30 个字"
    elif _has_control(name) or any(ch.isdigit() for ch in name):
        errors["name"] = f"{_label('name')}不能含有数字或控制字符"
    phone = re.sub(r"[\s()]", "", _folded(data.phone))
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = f"{_label('phone')}须为 11 位手机号码（如 13812345678）或带区号的固定电话（如 0532-86001234）"
    gender = _text(data.gender)
    if gender not in ("", *vocab.GENDERS):
        errors["gender"] = f"{_label('gender')}须为：{'、'.join(vocab.GENDERS)}"
    birth_year = None
    try:
        birth_year = _year(data.birth_year)
        if birth_year is not None and not 1900 <= birth_year <= today.year:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        errors["birth_year"] = f"{_label('birth_year')}须为 1900 到 {today.year} 之间的年份"
    if data.registered_on is None:
        errors["registered_on"] = f"{_label('registered_on')}不能为空"
    elif data.registered_on > today:
        errors["registered_on"] = f"{_label('registered_on')}不能晚于今天（{today:%Y-%m-%d}）"
    elif data.registered_on < EARLIEST:
        errors["registered_on"] = f"{_label('registered_on')}不能早于 {EARLIEST:%Y-%m-%d}"
    tags = [_text(t) for t in (data.tags or [])]
    unknown = [t for t in tags if t not in vocab.VOLUNTEER_TAGS]
    if unknown:
        errors["tags"] = f"{_label('tags')}须为：{'、'.join(vocab.VOLUNTEER_TAGS)}（不认识：{'、'.join(unknown)}）"
    street_id, community_id, organization_id = _place(session, user, data.community_id, data.organization_id, errors)
    team_ids = sorted(set(data.team_ids or []))
    if team_ids:
        found = dict(session.execute(select(VolunteerTeam.id, VolunteerTeam.street_id)
                                     .where(VolunteerTeam.id.in_(team_ids))).all())
        missing = [t for t in team_ids if t not in found]
        elsewhere = [t for t in team_ids if t in found and street_id is not None and found[t] != street_id]
        if missing:
            errors["team_ids"] = f"{_label('team_ids')}有 {len(missing)} 支队伍不存在"
        elif elsewhere:
            errors["team_ids"] = f"{_label('team_ids')}只能选择本街道的队伍"
    if name and phone and street_id is not None and "name" not in errors and "phone" not in errors:
        clash = session.execute(select(Volunteer.id).where(Volunteer.name == name, Volunteer.phone == phone,
                                                           Volunteer.street_id == street_id,
                                                           Volunteer.id != (volunteer_id or -1))).scalar()
        if clash is not None:
            errors["name"] = f"{_label('name')}同名同手机号的志愿者已登记（编号 #{clash}），请勿重复登记"
    if errors:
        raise ValidationFailed(errors)
    values = {
        "name": name, "phone": phone, "gender": gender, "birth_year": birth_year, "street_id": street_id,
        "community_id": community_id, "organization_id": organization_id, "tags": tags,
        "registered_on": data.registered_on, "leaderboard_opt_out": bool(data.leaderboard_opt_out),
        "is_staff": bool(data.is_staff),
    }
    return values, team_ids


def _volunteer_snapshot(session: Session, volunteer_id: int) -> dict[str, Any]:
    row = session.get(Volunteer, volunteer_id)
    teams = session.execute(select(TeamMember.team_id).where(TeamMember.volunteer_id == volunteer_id)
                            .order_by(TeamMember.team_id)).scalars().all()
    return {**snapshot(row), "team_ids": list(teams)} if row is not None else {}


def _set_teams(session: Session, volunteer_id: int, team_ids: list[int], joined_on: date) -> None:
    current = set(session.execute(select(TeamMember.team_id).where(TeamMember.volunteer_id == volunteer_id))
                  .scalars().all())
    wanted = set(team_ids)
    if current - wanted:
        session.execute(delete(TeamMember).where(TeamMember.volunteer_id == volunteer_id,
                                                 TeamMember.team_id.in_(current - wanted)))
    if wanted - current:
        session.execute(insert(TeamMember), [{"team_id": t, "volunteer_id": volunteer_id, "joined_on": joined_on,
                                              "is_demo": False} for t in sorted(wanted - current)])


def create_volunteer(*, session: Session, user: CurrentUser, data: VolunteerInput, idempotency_key: str,
                     today: date | None = None) -> int:
    """Register a volunteer (and their teams). A repeated ``idempotency_key`` returns the first id."""
    begin_write(session)
    require_writer(user)
    earlier = claim_submission(session, idempotency_key, "volunteer", user)
    if earlier is not None:
        return earlier.record_id or 0
    values, team_ids = validate_volunteer(session, user, data, today=today)
    check_scope(user, street_id=values["street_id"], community_id=values["community_id"],
                organization_id=values["organization_id"])
    volunteer = Volunteer(**values, created_at=clock.now())
    session.add(volunteer)
    session.flush()
    assert volunteer.id is not None
    _set_teams(session, volunteer.id, team_ids, today or clock.today())
    finish_submission(session, idempotency_key, volunteer.id)
    record_audit(session, user, "create", "volunteer", volunteer.id, None, _volunteer_snapshot(session, volunteer.id))
    return volunteer.id


def _load_volunteer_for_write(session: Session, user: CurrentUser, volunteer_id: int) -> Volunteer:
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound("该志愿者不存在或已被删除。")
    check_scope(user, street_id=volunteer.street_id, community_id=volunteer.community_id,
                organization_id=volunteer.organization_id)
    return volunteer


def update_volunteer(*, session: Session, user: CurrentUser, volunteer_id: int, expected_version: int,
                     data: VolunteerInput, today: date | None = None) -> None:
    """Edit a volunteer and their teams; refused if someone changed them since ``expected_version``."""
    begin_write(session)
    require_writer(user)
    _load_volunteer_for_write(session, user, volunteer_id)
    old = _volunteer_snapshot(session, volunteer_id)
    values, team_ids = validate_volunteer(session, user, data, volunteer_id=volunteer_id, today=today)
    check_scope(user, street_id=values["street_id"], community_id=values["community_id"],
                organization_id=values["organization_id"])
    update_versioned(session, Volunteer, volunteer_id, expected_version, values, label="志愿者信息")
    _set_teams(session, volunteer_id, team_ids, today or clock.today())
    session.flush()
    session.expire_all()
    record_audit(session, user, "update", "volunteer", volunteer_id, old, _volunteer_snapshot(session, volunteer_id))


def volunteer_for_edit(session: Session, user: CurrentUser, volunteer_id: int) -> tuple[VolunteerInput, int]:
    """The form values of a volunteer (real name: staff edit their own scope's records) and its version."""
    require_writer(user)
    v = _load_volunteer_for_write(session, user, volunteer_id)
    teams = session.execute(select(TeamMember.team_id).where(TeamMember.volunteer_id == volunteer_id)
                            .order_by(TeamMember.team_id)).scalars().all()
    return VolunteerInput(
        name=v.name, registered_on=v.registered_on, community_id=v.community_id, organization_id=v.organization_id,
        phone=v.phone, gender=v.gender, birth_year=v.birth_year, tags=list(v.tags or []), team_ids=list(teams),
        leaderboard_opt_out=v.leaderboard_opt_out, is_staff=v.is_staff,
    ), v.version


# ================================================================================================= teams


@dataclass
class TeamInput:
    name: str | None
    community_id: int | None = None
    organization_id: int | None = None
    founded_year: Any = None
    description: str | None = ""


def validate_team(session: Session, user: CurrentUser, data: TeamInput, team_id: int | None = None,
                  today: date | None = None) -> dict[str, Any]:
    today = today or clock.today()
    errors: dict[str, str] = {}
    name = _text(data.name)
    if not name:
        errors["team_name"] = f"{_label('team_name')}不能为空"
    elif len(name) > 60:
        errors["team_name"] = f"{_label('team_name')}不能超过 60 个字"
    elif _has_control(name):
        errors["team_name"] = f"{_label('team_name')}不能含有控制字符"
    description = _text(data.description)
    if len(description) > 500:
        errors["description"] = f"{_label('description')}不能超过 500 个字"
    founded = None
    try:
        founded = _year(data.founded_year)
        if founded is not None and not 1949 <= founded <= today.year:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        errors["founded_year"] = f"{_label('founded_year')}须为 1949 到 {today.year} 之间的年份"
    street_id, community_id, organization_id = _place(session, user, data.community_id, data.organization_id, errors)
    if name and street_id is not None and "team_name" not in errors:
        clash = session.execute(select(VolunteerTeam.id).where(VolunteerTeam.name == name,
                                                               VolunteerTeam.street_id == street_id,
                                                               VolunteerTeam.id != (team_id or -1))).scalar()
        if clash is not None:
            errors["team_name"] = f"{_label('team_name')}「{name}」在本街道已存在"
    if errors:
        raise ValidationFailed(errors)
    return {"name": name, "street_id": street_id, "community_id": community_id, "organization_id": organization_id,
            "founded_year": founded, "description": description}


def create_team(*, session: Session, user: CurrentUser, data: TeamInput, idempotency_key: str,
                today: date | None = None) -> int:
    begin_write(session)
    require_writer(user)
    earlier = claim_submission(session, idempotency_key, "volunteerteam", user)
    if earlier is not None:
        return earlier.record_id or 0
    values = validate_team(session, user, data, today=today)
    check_scope(user, street_id=values["street_id"], community_id=values["community_id"],
                organization_id=values["organization_id"])
    team = VolunteerTeam(**values)
    session.add(team)
    session.flush()
    assert team.id is not None
    finish_submission(session, idempotency_key, team.id)
    record_audit(session, user, "create", "volunteerteam", team.id, None, snapshot(team))
    return team.id


def update_team(*, session: Session, user: CurrentUser, team_id: int, expected_version: int, data: TeamInput,
                today: date | None = None) -> None:
    begin_write(session)
    require_writer(user)
    team = session.get(VolunteerTeam, team_id)
    if team is None:
        raise NotFound("该队伍不存在或已被删除。")
    check_scope(user, street_id=team.street_id, community_id=team.community_id, organization_id=team.organization_id)
    old = snapshot(team)
    values = validate_team(session, user, data, team_id=team_id, today=today)
    check_scope(user, street_id=values["street_id"], community_id=values["community_id"],
                organization_id=values["organization_id"])
    update_versioned(session, VolunteerTeam, team_id, expected_version, values, label="队伍信息")
    session.flush()
    session.expire_all()
    record_audit(session, user, "update", "volunteerteam", team_id, old, snapshot(session.get(VolunteerTeam, team_id)))


# ============================================================================================== reviews


def review_records(*, session: Session, user: CurrentUser, records: dict[int, int], approve: bool,
                   reason: str | None = "") -> int:
    """Approve or reject pending service records ({record id: version as shown}). A rejection needs a reason.
    Nothing is written if any record is outside the scope, no longer pending, or changed since shown.
    Returns how many records were reviewed."""
    begin_write(session)
    require_writer(user)
    reason = _text(reason)
    errors: dict[str, str] = {}
    if not records:
        errors["record_ids"] = f"{_label('record_ids')}请至少选择一条待审核记录"
    if not approve and len(reason) < 2:
        errors["reason"] = f"{_label('reason')}驳回时须填写原因（至少 2 个字）"
    elif len(reason) > 200:
        errors["reason"] = f"{_label('reason')}不能超过 200 个字"
    if errors:
        raise ValidationFailed(errors)
    rows = {r.id: r for r in session.execute(select(ServiceRecord).where(ServiceRecord.id.in_(list(records))))
            .scalars()}
    for record_id, version in sorted(records.items()):
        row = rows.get(record_id)
        if row is None:
            raise StaleEdit("服务记录")
        check_scope(user, street_id=row.street_id, community_id=row.community_id, organization_id=row.organization_id)
        if row.status != "pending":
            status = vocab.RECORD_STATUSES.get(row.status, row.status)
            raise StaleEdit(f"服务记录（#{record_id} 已被审核为「{status}」）")
        if row.version != version:
            raise StaleEdit("服务记录")
    now = clock.now()
    for record_id, version in sorted(records.items()):
        row = rows[record_id]
        old = snapshot(row)
        values: dict[str, Any] = {"status": "approved" if approve else "rejected", "approved_by": user.id,
                                  "approved_at": now}
        if not approve:
            values["reason"] = reason
        elif reason:
            values["reason"] = reason
        update_versioned(session, ServiceRecord, record_id, version, values, label="服务记录")
        record_audit(session, user, "update", "servicerecord", record_id, old,
                     {**old, **{k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()},
                      "version": version + 1})
    return len(records)


# ============================================================================================= backfill


@dataclass
class BackfillInput:
    """荣誉 hours entered after the activity (the volunteer was not recorded there), with the reason."""

    volunteer_id: int | None
    activity_id: int | None
    hours: Any
    reason: str | None


def validate_backfill(session: Session, user: CurrentUser, data: BackfillInput) -> tuple[Activity, float, str]:
    errors: dict[str, str] = {}
    reason = _text(data.reason)
    if len(reason) < 2:
        errors["reason"] = f"{_label('reason')}补录荣誉时长须填写原因（至少 2 个字）"
    elif len(reason) > 200:
        errors["reason"] = f"{_label('reason')}不能超过 200 个字"
    activity = session.get(Activity, data.activity_id) if data.activity_id is not None else None
    if data.activity_id is None:
        errors["activity_id"] = f"{_label('activity_id')}不能为空"
    elif activity is None:
        errors["activity_id"] = f"{_label('activity_id')}不存在"
    volunteer = session.get(Volunteer, data.volunteer_id) if data.volunteer_id is not None else None
    if data.volunteer_id is None:
        errors["volunteer_id"] = f"{_label('volunteer_id')}不能为空"
    elif volunteer is None:
        errors["volunteer_id"] = f"{_label('volunteer_id')}不存在"
    hours = 0.0
    if activity is not None and volunteer is not None:
        existing = session.execute(
            select(ServiceRecord.kind, ServiceRecord.status)
            .where(ServiceRecord.activity_id == activity.id, ServiceRecord.volunteer_id == volunteer.id,
                   ServiceRecord.status != "rejected")).first()
        who = mask_name(volunteer.name)
        if existing is not None:
            status = vocab.RECORD_STATUSES.get(existing.status, existing.status)
            errors["volunteer_id"] = (f"{_label('volunteer_id')}{who} 在该活动已有{existing.kind}时长记录（{status}），"
                                      "不能重复补录")
        else:
            # The hour rules of db.activities: > 0, no longer than the activity, no overlapping activity.
            rule_errors: dict[str, str] = {}
            raw = data.hours if data.hours not in (None, "") else "缺少"
            rows = validate_volunteers(session, [VolunteerHours(volunteer.id, raw)], activity.starts_at,
                                        activity.ends_at, activity.id, rule_errors)
            if "volunteers" in rule_errors:
                message = rule_errors["volunteers"].replace("第 1 位志愿者", "")
                if message.startswith(_label("hours")):
                    errors["hours"] = message
                else:
                    errors["volunteer_id"] = message.replace(_label("volunteers"), _label("volunteer_id"), 1)
            elif rows:
                hours = rows[0][1]
    elif data.hours in (None, ""):
        errors.setdefault("hours", f"{_label('hours')}须填写数字")
    if errors:
        raise ValidationFailed(errors)
    assert activity is not None
    return activity, hours, reason


def backfill_hours(*, session: Session, user: CurrentUser, data: BackfillInput, idempotency_key: str) -> int:
    """Record 荣誉 hours for a volunteer at a past activity, pending review. Returns the record id."""
    begin_write(session)
    require_writer(user)
    earlier = claim_submission(session, idempotency_key, "backfill", user)
    if earlier is not None:
        return earlier.record_id or 0
    activity, hours, reason = validate_backfill(session, user, data)
    check_scope(user, street_id=activity.street_id, community_id=activity.community_id,
                organization_id=activity.organization_id)
    record = ServiceRecord(
        volunteer_id=data.volunteer_id, activity_id=activity.id, hours=hours, kind="荣誉", status="pending",
        reason=reason, service_date=activity.starts_at.date(), street_id=activity.street_id,
        community_id=activity.community_id, organization_id=activity.organization_id, project_id=activity.project_id,
    )
    session.add(record)
    session.flush()
    assert record.id is not None
    finish_submission(session, idempotency_key, record.id)
    record_audit(session, user, "create", "servicerecord", record.id, None, snapshot(record))
    return record.id


# ================================================================================================ stars


def award_star(*, session: Session, user: CurrentUser, volunteer_id: int, rank: int, idempotency_key: str,
               awarded_on: date | None = None) -> int:
    """Award (认定) a star level of the volunteer's street preset: allowed when the volunteer's approved hours
    reach it and it is above the level already awarded. Staff (own scope) and admins. Returns the award id."""
    begin_write(session)
    require_writer(user)
    earlier = claim_submission(session, idempotency_key, "staraward", user)
    if earlier is not None:
        return earlier.record_id or 0
    volunteer = _load_volunteer_for_write(session, user, volunteer_id)
    today = clock.today()
    awarded_on = awarded_on or today
    errors: dict[str, str] = {}
    if awarded_on > today:
        errors["awarded_on"] = f"{_label('awarded_on')}不能晚于今天（{today:%Y-%m-%d}）"
    preset = preset_for_street(session, volunteer.street_id)
    try:
        level = require_level(preset, rank)
    except ValidationFailed as exc:
        raise ValidationFailed({**errors, **exc.errors}) from None
    hours = session.execute(select(func.coalesce(func.sum(ServiceRecord.hours), 0.0))
                            .where(ServiceRecord.volunteer_id == volunteer_id,
                                   ServiceRecord.status == "approved")).scalar_one()
    who = mask_name(volunteer.name)
    if round_hours(hours) < level.min_hours:
        errors["rank"] = (f"{_label('rank')}{who} 的已审核服务时长为 {round_hours(hours):g} 小时，"
                          f"未达到「{level.label}」所需的 {level.min_hours:g} 小时")
    top = session.execute(select(func.max(StarAward.rank)).where(StarAward.volunteer_id == volunteer_id,
                                                                 StarAward.preset_id == preset.id)).scalar()
    if top is not None and top >= rank and "rank" not in errors:
        current = next((lv.label for lv in preset.levels if lv.rank == top), f"第 {top} 级")
        errors["rank"] = f"{_label('rank')}{who} 已认定为「{current}」，不能重复或降级认定"
    if errors:
        raise ValidationFailed(errors)
    award = StarAward(volunteer_id=volunteer_id, preset_id=preset.id, rank=rank, awarded_on=awarded_on,
                      awarded_by=user.id)
    session.add(award)
    session.flush()
    assert award.id is not None
    finish_submission(session, idempotency_key, award.id)
    record_audit(session, user, "create", "staraward", award.id, None,
                 {**snapshot(award), "label": level.label, "preset": preset.name, "hours": round_hours(hours)})
    return award.id


__all__ = [
    "BackfillInput", "TeamInput", "VolunteerInput", "award_star", "backfill_hours", "create_team",
    "create_volunteer", "review_records", "run_write", "update_team", "update_volunteer", "validate_backfill",
    "validate_team", "validate_volunteer", "volunteer_for_edit",
]
