"""Write services of the 志愿者 page (through db.write, see docs/ENGINEERING.md): register and edit volunteers
and teams, approve or reject pending service records, backfill 荣誉 hours, award or revoke a star.

Each service: ``begin_write`` first, the role (leaders are refused here), an idempotency key for creations,
validation that names each wrong field in Chinese and writes nothing, the scope, then the rows and an audit row
in the same transaction. Edits check the record's version (``StaleEdit``).

Also the admins' star presets and each street's choice of preset (the star rules and reads are in
``db.volunteers.stars``).

Hour rules for backfilled 荣誉 hours are db.activities.writes' own (> 0, no longer than the activity, no overlapping
activity for the volunteer): ``validate_volunteers`` is called, not re-implemented.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session

from db import clock, vocab
from db.activities.writes import VolunteerHours, validate_volunteers
from db.auth import CurrentUser
from db.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from db.fields import Fields
from db.inputs import typed_inputs
from db.models import (
    Activity,
    AuditLog,
    ServiceRecord,
    StarAward,
    StarLevel,
    StarPreset,
    Street,
    StreetStarPreset,
    TeamMember,
    Volunteer,
    VolunteerTeam,
)
from db.places.resolve import refuse_outside, require_in_scope, resolve_place
from db.privacy import mask_name
from db.volunteers.stars import (
    DEFAULT_PRESET,
    MAX_HOURS,
    MAX_LEVELS,
    Level,
    default_preset_id,
    preset_for_street,
    require_level,
    round_hours,
)
from db.volunteers.totals import refresh_volunteer_totals
from db.write import (
    begin_write,
    create_checked,
    create_record,
    load_for_write,
    record_audit,
    require_admin,
    require_reviewer,
    run_write,
    snapshot,
    update_record,
    update_versioned,
)

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
LABELS = {**vocab.FIELD_LABELS, **vocab.VOLUNTEER_FIELD_LABELS}
MISSING = "该志愿者不存在或已被删除。"
RECORD_MISSING = "该服务记录不存在或已被删除，请刷新后重新审核。本次审核未写入。"


def _label(name: str) -> str:
    return f"「{LABELS.get(name, name)}」"


def _text(value: Any) -> str:
    """Form text with surrounding spaces (also full-width ones) removed; Chinese punctuation is kept."""
    return str(value or "").strip()


def _folded(value: Any) -> str:
    """Digits and letters as ASCII (full-width １３９ → 139), for phone numbers."""
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def _place(session: Session, user: CurrentUser, community_id: int | None, organization_id: int | None,
           f: Fields) -> tuple[int | None, int | None, int | None]:
    """(street_id, community_id, organization_id): a community (street follows) or an organisation, in the user's
    scope; staff default to their own community or organisation (db.places.resolve)."""
    place = resolve_place(session, user, f, community_id=community_id, organization_id=organization_id,
                          needs="community_or_org", missing=("community_id", "不能为空：请选择所属社区"))
    return place.street_id, place.community_id, place.organization_id


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
    f = Fields(LABELS)
    name = f.text("name", data.name, 30, required=True)
    if "name" not in f.errors and (_has_control(name) or any(ch.isdigit() for ch in name)):
        f.fail("name", "不能含有数字或控制字符")
    phone = re.sub(r"[\s()]", "", _folded(data.phone))
    if phone and not PHONE_RE.match(phone):
        f.fail("phone", "须为 11 位手机号码（如 13812345678）或带区号的固定电话（如 0532-86001234）")
    gender = f.choice("gender", _text(data.gender), vocab.GENDERS, required=False) or ""
    birth_year = f.integer("birth_year", data.birth_year, 1900, today.year, required=False, noun="年份")
    registered_on = f.day("registered_on", data.registered_on, today)
    tags = [_text(t) for t in (data.tags or [])]
    unknown = [t for t in tags if t not in vocab.VOLUNTEER_TAGS]
    if unknown:
        f.fail("tags", f"须为：{'、'.join(vocab.VOLUNTEER_TAGS)}（不认识：{'、'.join(unknown)}）")
    street_id, community_id, organization_id = _place(session, user, data.community_id, data.organization_id, f)
    team_ids = sorted(set(data.team_ids or []))
    if team_ids:
        found = dict(session.execute(select(VolunteerTeam.id, VolunteerTeam.street_id)
                                     .where(VolunteerTeam.id.in_(team_ids))).all())
        missing = [t for t in team_ids if t not in found]
        refuse_outside(session, user, VolunteerTeam, found, f.label("team_ids"))
        elsewhere = [t for t in team_ids if t in found and street_id is not None and found[t] != street_id]
        if missing:
            f.fail("team_ids", f"有 {len(missing)} 支队伍不存在")
        elif elsewhere:
            f.fail("team_ids", "只能选择本街道的队伍")
    if name and phone and street_id is not None and "name" not in f.errors and "phone" not in f.errors:
        clash = session.execute(select(Volunteer.id).where(Volunteer.name == name, Volunteer.phone == phone,
                                                           Volunteer.street_id == street_id,
                                                           Volunteer.id != (volunteer_id or -1))).scalar()
        if clash is not None:
            f.fail("name", f"同名同手机号的志愿者已登记（编号 #{clash}），请勿重复登记")
    f.raise_if_any()
    values = {
        "name": name, "phone": phone, "gender": gender, "birth_year": birth_year, "street_id": street_id,
        "community_id": community_id, "organization_id": organization_id, "tags": tags,
        "registered_on": registered_on, "leaderboard_opt_out": bool(data.leaderboard_opt_out),
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


@typed_inputs
def create_volunteer(*, session: Session, user: CurrentUser, data: VolunteerInput, idempotency_key: str,
                     today: date | None = None) -> int:
    """Register a volunteer (and their teams). A repeated ``idempotency_key`` returns the first id."""
    team_ids: list[int] = []

    def build() -> Volunteer:
        values, teams = validate_volunteer(session, user, data, today=today)
        team_ids.extend(teams)
        return Volunteer(**values, created_at=clock.now())

    def add_teams(volunteer: Volunteer) -> dict[str, Any]:
        assert volunteer.id is not None
        _set_teams(session, volunteer.id, team_ids, today or clock.today())
        return _volunteer_snapshot(session, volunteer.id)

    return create_record(session, user, idempotency_key, "volunteer", build, add_teams)


@typed_inputs
def update_volunteer(*, session: Session, user: CurrentUser, volunteer_id: int, expected_version: int,
                     data: VolunteerInput, today: date | None = None) -> None:
    """Edit a volunteer and their teams; refused if someone changed them since ``expected_version``."""
    begin_write(session)
    load_for_write(session, user, Volunteer, volunteer_id, MISSING)
    old = _volunteer_snapshot(session, volunteer_id)
    values, team_ids = validate_volunteer(session, user, data, volunteer_id=volunteer_id, today=today)
    update_versioned(session, Volunteer, volunteer_id, expected_version, values, label="志愿者信息")
    _set_teams(session, volunteer_id, team_ids, today or clock.today())
    session.flush()
    session.expire_all()
    record_audit(session, user, "update", "volunteer", volunteer_id, old, _volunteer_snapshot(session, volunteer_id))


def volunteer_for_edit(session: Session, user: CurrentUser, volunteer_id: int) -> tuple[VolunteerInput, int]:
    """The form values of a volunteer (real name: staff edit their own scope's records) and its version."""
    v = load_for_write(session, user, Volunteer, volunteer_id, MISSING)
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
    f = Fields(LABELS)
    name = f.text("team_name", data.name, 60, required=True)
    if "team_name" not in f.errors and _has_control(name):
        f.fail("team_name", "不能含有控制字符")
    description = f.text("description", data.description, 500)
    founded = f.integer("founded_year", data.founded_year, 1949, today.year, required=False, noun="年份")
    street_id, community_id, organization_id = _place(session, user, data.community_id, data.organization_id, f)
    if name and street_id is not None and "team_name" not in f.errors:
        clash = session.execute(select(VolunteerTeam.id).where(VolunteerTeam.name == name,
                                                               VolunteerTeam.street_id == street_id,
                                                               VolunteerTeam.id != (team_id or -1))).scalar()
        if clash is not None:
            f.fail("team_name", f"「{name}」在本街道已存在")
    f.raise_if_any()
    return {"name": name, "street_id": street_id, "community_id": community_id, "organization_id": organization_id,
            "founded_year": founded, "description": description}


@typed_inputs
def create_team(*, session: Session, user: CurrentUser, data: TeamInput, idempotency_key: str,
                today: date | None = None) -> int:
    return create_checked(session, user, idempotency_key, "volunteerteam", VolunteerTeam,
                          lambda: validate_team(session, user, data, today=today))


@typed_inputs
def update_team(*, session: Session, user: CurrentUser, team_id: int, expected_version: int, data: TeamInput,
                today: date | None = None) -> None:
    begin_write(session)
    team = load_for_write(session, user, VolunteerTeam, team_id, "该队伍不存在或已被删除。")
    old = snapshot(team)
    values = validate_team(session, user, data, team_id=team_id, today=today)
    update_record(session, user, VolunteerTeam, team_id, expected_version, values, old, label="队伍信息")


# ============================================================================================== reviews


@typed_inputs
def review_records(*, session: Session, user: CurrentUser, records: dict[int, int], approve: bool,
                   reason: str | None = "") -> int:
    """Approve or reject pending service records ({record id: version as shown}). A rejection needs a reason.
    Nothing is written if any record is outside the scope, no longer pending, or changed since shown; nor if the
    user would approve a record they entered themselves (a 荣誉 backfill is approved by someone else).
    Returns how many records were reviewed."""
    begin_write(session)
    require_reviewer(user)
    reason = _text(reason)
    f = Fields(LABELS)
    if not records:
        f.fail("record_ids", "请至少选择一条待审核记录")
    if not approve and len(reason) < 2:
        f.fail("reason", "驳回时须填写原因（至少 2 个字）")
    elif len(reason) > 200:
        f.fail("reason", "不能超过 200 个字")
    f.raise_if_any()
    # One read for all of them; load_for_write then finds each in the session and checks its scope.
    session.execute(select(ServiceRecord).where(ServiceRecord.id.in_(list(records)))).scalars().all()
    rows: dict[int, ServiceRecord] = {}
    for record_id in sorted(records):
        row = load_for_write(session, user, ServiceRecord, record_id, RECORD_MISSING)
        if row.status != "pending":
            status = vocab.RECORD_STATUSES.get(row.status, row.status)
            raise StaleEdit(f"服务记录（#{record_id} 已被审核为「{status}」）")
        rows[record_id] = row
    if approve:
        own = entered_by(session, user, list(records))
        if own:
            numbers = "、".join(f"#{i}" for i in own)
            raise PermissionDenied(f"服务记录 {numbers} 是您本人补录的，须由其他工作人员审核通过。本次审核未写入。")
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
    if approve:
        refresh_volunteer_totals(session, [rows[r].volunteer_id for r in records])
    return len(records)


def entered_by(session: Session, user: CurrentUser, record_ids: list[int]) -> list[int]:
    """Those of ``record_ids`` that ``user`` entered (the audit trail's create row of each service record)."""
    if not record_ids:
        return []
    return sorted(session.execute(
        select(AuditLog.record_id).where(AuditLog.table_name == "servicerecord", AuditLog.action == "create",
                                         AuditLog.record_id.in_(record_ids), AuditLog.user_id == user.id)
    ).scalars().all())


# ============================================================================================= backfill


@dataclass
class BackfillInput:
    """荣誉 hours entered after the activity (the volunteer was not recorded there), with the reason."""

    volunteer_id: int | None
    activity_id: int | None
    hours: Any
    reason: str | None


def validate_backfill(session: Session, user: CurrentUser, data: BackfillInput) -> tuple[Activity, float, str]:
    f = Fields(LABELS)
    reason = _text(data.reason)
    if len(reason) < 2:
        f.fail("reason", "补录荣誉时长须填写原因（至少 2 个字）")
    elif len(reason) > 200:
        f.fail("reason", "不能超过 200 个字")
    # The record takes the activity's place: the activity must be in the user's own scope; the volunteer in the
    # street of the user's scope (db.places.resolve).
    activity = require_in_scope(session, user, Activity, data.activity_id, f, "activity_id", within=user.scope,
                                required=True)
    volunteer = require_in_scope(session, user, Volunteer, data.volunteer_id, f, "volunteer_id", required=True)
    hours = 0.0
    if activity is not None and volunteer is not None:
        existing = session.execute(
            select(ServiceRecord.kind, ServiceRecord.status)
            .where(ServiceRecord.activity_id == activity.id, ServiceRecord.volunteer_id == volunteer.id,
                   ServiceRecord.status != "rejected")).first()
        who = mask_name(volunteer.name)
        if existing is not None:
            status = vocab.RECORD_STATUSES.get(existing.status, existing.status)
            f.fail("volunteer_id", f"{who} 在该活动已有{existing.kind}时长记录（{status}），不能重复补录")
        else:
            # The hour rules of db.activities.writes: > 0, no longer than the activity, no overlapping activity.
            rule_errors: dict[str, str] = {}
            raw = data.hours if data.hours not in (None, "") else "缺少"
            rows = validate_volunteers(session, [VolunteerHours(volunteer.id, raw)], activity.starts_at,
                                        activity.ends_at, activity.id, rule_errors)
            if "volunteers" in rule_errors:
                message = rule_errors["volunteers"].replace("第 1 位志愿者", "")
                if message.startswith(f.label("hours")):
                    f.errors["hours"] = message
                else:
                    f.errors["volunteer_id"] = message.replace(f.label("volunteers"), f.label("volunteer_id"), 1)
            elif rows:
                hours = rows[0][1]
    elif data.hours in (None, ""):
        f.fail("hours", "须填写数字")
    f.raise_if_any()
    assert activity is not None
    return activity, hours, reason


@typed_inputs
def backfill_hours(*, session: Session, user: CurrentUser, data: BackfillInput, idempotency_key: str) -> int:
    """Record 荣誉 hours for a volunteer at a past activity, pending review by another user (``review_records``).
    Returns the record id."""
    def build() -> ServiceRecord:
        activity, hours, reason = validate_backfill(session, user, data)
        return ServiceRecord(
            volunteer_id=data.volunteer_id, activity_id=activity.id, hours=hours, kind="荣誉", status="pending",
            reason=reason, service_date=activity.starts_at.date(), street_id=activity.street_id,
            community_id=activity.community_id, organization_id=activity.organization_id,
            project_id=activity.project_id,
        )

    return create_record(session, user, idempotency_key, "backfill", build)


# ================================================================================================ stars


@typed_inputs
def award_star(*, session: Session, user: CurrentUser, volunteer_id: int, rank: int, idempotency_key: str,
               awarded_on: date | None = None) -> int:
    """Award (认定) a star level of the volunteer's street preset: allowed when the volunteer's approved hours
    reach it and it is above the level already awarded. Staff (own scope) and admins. Returns the award id."""
    audited: dict[str, Any] = {}

    def build() -> StarAward:
        volunteer = load_for_write(session, user, Volunteer, volunteer_id, MISSING)
        today = clock.today()
        day = awarded_on or today
        f = Fields(LABELS)
        if day > today:
            f.fail("awarded_on", f"不能晚于今天（{today:%Y-%m-%d}）")
        preset = preset_for_street(session, volunteer.street_id)
        try:
            level = require_level(preset, rank)
        except ValidationFailed as exc:
            raise ValidationFailed({**f.errors, **exc.errors}) from None
        hours = round_hours(session.execute(select(func.coalesce(func.sum(ServiceRecord.hours), 0.0))
                                            .where(ServiceRecord.volunteer_id == volunteer_id,
                                                   ServiceRecord.status == "approved")).scalar_one())
        who = mask_name(volunteer.name)
        if hours < level.min_hours:
            f.fail("rank", f"{who} 的已审核服务时长为 {hours:g} 小时，未达到「{level.label}」所需的 {level.min_hours:g} 小时")
        top = session.execute(select(func.max(StarAward.rank)).where(StarAward.volunteer_id == volunteer_id,
                                                                     StarAward.preset_id == preset.id)).scalar()
        if top is not None and top >= rank and "rank" not in f.errors:
            current = next((lv.label for lv in preset.levels if lv.rank == top), f"第 {top} 级")
            f.fail("rank", f"{who} 已认定为「{current}」，不能重复或降级认定")
        f.raise_if_any()
        audited.update(label=level.label, preset=preset.name, hours=hours)
        return StarAward(volunteer_id=volunteer_id, preset_id=preset.id, rank=rank, awarded_on=day, awarded_by=user.id)

    return create_record(session, user, idempotency_key, "staraward", build,
                         lambda award: {**snapshot(award), **audited})


@typed_inputs
def revoke_star(*, session: Session, user: CurrentUser, award_id: int, reason: str | None) -> int:
    """Revoke (撤销) a star award made in error: only a volunteer's highest award (so no higher star is left
    above a missing lower one), with a reason, kept in the audit trail with the award. Returns the volunteer id."""
    begin_write(session)
    award = session.get(StarAward, award_id)
    if award is None:
        raise NotFound("该星级认定不存在或已被撤销。")
    volunteer = load_for_write(session, user, Volunteer, award.volunteer_id, MISSING)
    f = Fields(LABELS)
    text = f.text("revoke_reason", reason, 200, required=True)
    top = session.execute(select(func.max(StarAward.rank)).where(StarAward.volunteer_id == award.volunteer_id,
                                                                 StarAward.preset_id == award.preset_id)).scalar()
    if top is not None and award.rank < top:
        f.fail("rank", f"{mask_name(volunteer.name)} 还有更高的星级认定，须先撤销最高的一级")
    f.raise_if_any()
    old = snapshot(award)
    session.delete(award)
    session.flush()
    record_audit(session, user, "delete", "staraward", award_id, old, {"reason": text})
    return award.volunteer_id


# ================================================================================= star presets (admin)


@dataclass
class LevelInput:
    label: str | None
    min_hours: float | str | None


def validate_levels(rows: list[LevelInput]) -> list[Level]:
    """Levels in order: labels 1–20 characters and distinct, thresholds > 0 and strictly increasing."""
    rows = [r for r in rows if not ((r.label or "").strip() == "" and r.min_hours in (None, ""))]
    problems: list[str] = []
    out: list[Level] = []
    if not rows:
        raise ValidationFailed({"levels": f"{_label('levels')}至少需要一级"})
    if len(rows) > MAX_LEVELS:
        raise ValidationFailed({"levels": f"{_label('levels')}最多 {MAX_LEVELS} 级"})
    previous = 0.0
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        label = (row.label or "").strip()
        if not label:
            problems.append(f"第 {n} 级的名称不能为空")
            continue
        if len(label) > 20:
            problems.append(f"第 {n} 级的名称不能超过 20 个字")
            continue
        if label in seen:
            problems.append(f"第 {n} 级的名称「{label}」重复")
            continue
        seen.add(label)
        try:
            hours = float(row.min_hours)  # type: ignore[arg-type]
            if hours != hours or hours in (float("inf"), float("-inf")):
                raise ValueError
        except (TypeError, ValueError):
            problems.append(f"第 {n} 级（{label}）的时长须填写数字")
            continue
        if hours <= 0 or hours > MAX_HOURS:
            problems.append(f"第 {n} 级（{label}）的时长须大于 0 且不超过 {MAX_HOURS:,.0f} 小时")
            continue
        if hours <= previous:
            problems.append(f"第 {n} 级（{label}）的时长 {hours:g} 小时须高于上一级的 {previous:g} 小时")
            continue
        previous = hours
        out.append(Level(n, label, round(hours, 2)))
    if problems:
        raise ValidationFailed({"levels": f"{_label('levels')}" + "；".join(problems)})
    return out


@typed_inputs
def save_preset(*, session: Session, user: CurrentUser, preset_id: int | None, name: str | None,
                description: str | None, levels: list[LevelInput], expected_version: int | None = None) -> int:
    """Create a preset (``preset_id=None``) or replace an existing one's name, description and levels.

    Admins only. An edit is refused if the preset changed since ``expected_version``, and if it would drop a
    level that has been awarded (awards keep their rank).
    """
    begin_write(session)
    require_admin(user)
    f = Fields(LABELS)
    name = f.text("preset_name", name, 30, required=True)
    description = f.text("description", description, 200)
    if "preset_name" not in f.errors:
        clash = session.execute(select(StarPreset.id).where(StarPreset.name == name)).scalar()
        if clash is not None and clash != preset_id:
            f.fail("preset_name", f"「{name}」已存在")
        elif preset_id is not None and preset_id == default_preset_id(session) and name != DEFAULT_PRESET:
            # Streets without a choice fall back to the default by its name.
            f.fail("preset_name", f"默认标准「{DEFAULT_PRESET}」不能改名（可修改其档位）")
    try:
        clean = validate_levels(levels)
    except ValidationFailed as exc:
        f.errors.update(exc.errors)
        clean = []
    if preset_id is not None and clean:
        top_award = session.execute(select(func.max(StarAward.rank)).where(StarAward.preset_id == preset_id)).scalar()
        if top_award is not None and top_award > len(clean):
            f.fail("levels", f"已有志愿者被认定为第 {top_award} 级，不能减少到 {len(clean)} 级")
    f.raise_if_any()
    if preset_id is None:
        row = StarPreset(name=name, description=description)
        session.add(row)
        session.flush()
        preset_id = row.id or 0
        old = None
    else:
        current = session.get(StarPreset, preset_id)
        if current is None:
            raise NotFound("该星级标准不存在或已被删除。")
        old = {**snapshot(current), "levels": _levels_snapshot(session, preset_id)}
        update_versioned(session, StarPreset, preset_id, expected_version if expected_version is not None else -1,
                         {"name": name, "description": description}, label="星级标准")
        session.execute(StarLevel.__table__.delete().where(StarLevel.__table__.c.preset_id == preset_id))  # type: ignore[attr-defined]
    session.add_all([StarLevel(preset_id=preset_id, rank=lv.rank, label=lv.label, min_hours=lv.min_hours)
                     for lv in clean])
    session.flush()
    session.expire_all()
    new = {**snapshot(session.get(StarPreset, preset_id)), "levels": _levels_snapshot(session, preset_id)}
    record_audit(session, user, "create" if old is None else "update", "starpreset", preset_id, old, new)
    return preset_id


def _levels_snapshot(session: Session, preset_id: int) -> list[dict]:
    rows = session.execute(select(StarLevel.rank, StarLevel.label, StarLevel.min_hours)
                           .where(StarLevel.preset_id == preset_id).order_by(StarLevel.rank)).all()
    return [{"rank": r.rank, "label": r.label, "min_hours": r.min_hours} for r in rows]


@typed_inputs
def choose_street_preset(*, session: Session, user: CurrentUser, street_id: int, preset_id: int,
                         expected_version: int | None) -> None:
    """An admin chooses the preset a street uses. ``expected_version`` is the choice's version as shown
    (None when the street had no choice); a concurrent change is refused, never overwritten."""
    begin_write(session)
    require_admin(user)
    f = Fields(LABELS)
    if session.get(Street, street_id) is None:
        f.fail("street_id", "不存在")
    if session.get(StarPreset, preset_id) is None:
        f.fail("preset_id", "不存在")
    f.raise_if_any()
    current = session.get(StreetStarPreset, street_id)
    if current is None:
        if expected_version is not None:
            raise StaleEdit("星级标准设置")
        row = StreetStarPreset(street_id=street_id, preset_id=preset_id)
        session.add(row)
        session.flush()
        record_audit(session, user, "create", "streetstarpreset", street_id, None, snapshot(row))
        return
    if expected_version is None:
        raise StaleEdit("星级标准设置")
    update_record(session, user, StreetStarPreset, street_id, expected_version, {"preset_id": preset_id},
                  snapshot(current), label="星级标准设置")


__all__ = [
    "BackfillInput", "LevelInput", "TeamInput", "VolunteerInput", "award_star", "backfill_hours",
    "choose_street_preset", "create_team", "create_volunteer", "entered_by", "review_records", "revoke_star",
    "run_write", "save_preset", "update_team", "update_volunteer", "validate_backfill", "validate_levels",
    "validate_team", "validate_volunteer", "volunteer_for_edit",
]
