"""Write services of 社会组织与社工: organisations, grades, social workers, trainings, mediation cases, and the
score bands (admin only). They follow docs/ENGINEERING.md like every write service: data-version bump first,
role and scope checked here, one write per idempotency key, every wrong field named in Chinese before anything
is written, an audit row in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session

from db import clock, vocab
from db.auth import CurrentUser
from db.errors import StaleEdit, ValidationFailed
from db.fields import Fields
from db.inputs import typed_inputs
from db.models import (
    GradeBand,
    MediationCase,
    Organization,
    OrgGrade,
    Project,
    SocialWorker,
    Training,
    VolunteerTeam,
)
from db.organizations.grades import grade_expiry
from db.organizations.reads import city_of_street, grade_bands, grade_for_score
from db.places.resolve import Place, require_in_scope, resolve_place
from db.write import (
    begin_write,
    create_checked,
    create_record,
    load_for_write,
    load_in_scope,
    record_audit,
    require_admin,
    snapshot,
    update_record,
    update_versioned,
)

MAX_PEOPLE = 100_000
ORG_MISSING = "该机构不存在或已被删除。"
WORKER_MISSING = "该社会工作者不存在或已被删除。"


# ------------------------------------------------------------------------------------------ organisations


@dataclass
class OrganizationInput:
    name: str | None
    kind: str | None
    street_id: int | None = None
    community_id: int | None = None
    reg_status: str | None = None  # 登记 / 备案, for social organisations
    category: str | None = ""
    incubation_stage: str | None = None
    founded_year: Any = None
    description: str | None = ""


def validate_organization(session: Session, user: CurrentUser, data: OrganizationInput,
                          today: date | None = None, organization_id: int | None = None) -> dict[str, Any]:
    today = today or clock.today()
    f = Fields(vocab.ORG_FIELD_LABELS)
    name = f.text("name", data.name, 80, required=True)
    kind = f.choice("kind", data.kind, vocab.ORG_KINDS)
    reg_status = f.choice("reg_status", data.reg_status, vocab.REG_STATUSES, required=False)
    if reg_status is not None and kind is not None and kind not in vocab.SOCIAL_ORG_KINDS:
        f.fail("reg_status", f"只适用于社会组织（{'、'.join(vocab.SOCIAL_ORG_KINDS)}），{kind}不登记或备案")
    category = f.choice("category", data.category, vocab.ORG_CATEGORIES, required=False) or ""
    stage = f.choice("incubation_stage", data.incubation_stage, vocab.INCUBATION_STAGES, required=False)
    founded = f.integer("founded_year", data.founded_year, 1949, today.year, required=False)
    description = f.text("description", data.description, 1000)
    place = resolve_place(session, user, f, street_id=data.street_id, community_id=data.community_id,
                          organization_id=None, default_org=False)
    if name and place.street_id is not None and "name" not in f.errors:
        clash = session.execute(select(Organization.id).where(Organization.street_id == place.street_id,
                                                              Organization.name == name,
                                                              Organization.id != (organization_id or 0))).first()
        if clash is not None:
            f.fail("name", "与本街道已有机构重名")
    f.raise_if_any()
    return {"name": name, "kind": kind, "reg_status": reg_status, "category": category, "incubation_stage": stage,
            "founded_year": founded, "description": description, "street_id": place.street_id,
            "community_id": place.community_id}


@typed_inputs
def create_organization(*, session: Session, user: CurrentUser, data: OrganizationInput, idempotency_key: str,
                        today: date | None = None) -> int:
    """Add an organisation (a social organisation registered or filed, a centre, an enterprise …). An
    organisation-scoped user cannot add other organisations: the scope check sees no organisation."""
    return create_checked(session, user, idempotency_key, "organization", Organization,
                          lambda: validate_organization(session, user, data, today))


def organization_for_edit(session: Session, user: CurrentUser, organization_id: int
                          ) -> tuple[OrganizationInput, int]:
    """The organisation's fields as the form shows them, and its version (for a stale-edit check)."""
    org = load_in_scope(session, user, Organization, organization_id, ORG_MISSING)
    return OrganizationInput(name=org.name, kind=org.kind, street_id=org.street_id, community_id=org.community_id,
                             reg_status=org.reg_status, category=org.category, incubation_stage=org.incubation_stage,
                             founded_year=org.founded_year, description=org.description), org.version


@typed_inputs
def update_organization(*, session: Session, user: CurrentUser, organization_id: int, expected_version: int,
                        data: OrganizationInput, today: date | None = None) -> None:
    """Edit an organisation (e.g. 备案 → 登记, a new incubation stage); refused if it changed since it was opened."""
    begin_write(session)
    org = load_for_write(session, user, Organization, organization_id, ORG_MISSING)
    old = snapshot(org)
    values = validate_organization(session, user, data, today, organization_id=organization_id)
    update_record(session, user, Organization, organization_id, expected_version, values, old, "机构")


# ------------------------------------------------------------------------------------------------ grades


@dataclass
class GradeInput:
    organization_id: int | None
    grade: str | None  # None: the grade the score earns under the bands in force
    awarded_on: date | None
    score: Any = None


def validate_grade(session: Session, user: CurrentUser, data: GradeInput, today: date | None = None
                   ) -> dict[str, Any]:
    today = today or clock.today()
    f = Fields(vocab.GRADE_FIELD_LABELS)
    # The grade is the organisation's: the organisation must be in the user's own scope.
    org = require_in_scope(session, user, Organization, data.organization_id, f, "organization_id",
                           within=user.scope, required=True)
    if org is not None and org.reg_status != "登记":
        f.fail("organization_id", f"（{org.name}）不是登记注册的社会组织，不能参加等级评估")
    awarded = f.day("awarded_on", data.awarded_on, today)
    score = f.number("score", data.score, 0, vocab.GRADE_SCORE_MAX, required=False)
    grade = f.choice("grade", data.grade, vocab.GRADES, required=score is None)
    if score is not None and org is not None and "grade" not in f.errors:
        bands = grade_bands(session, city_of_street(session, org.street_id))
        earned = grade_for_score(bands, score)
        if earned is None:
            f.fail("score", f"{score:g} 分低于 1A 的最低分 {bands['1A']:g} 分，不予评级")
        elif grade is None:
            grade = earned
        elif grade != earned:
            f.fail("grade", f"为 {grade}，但评估得分 {score:g} 分按当前分数段对应 {earned}"
                            f"（{earned} ≥ {bands[earned]:g} 分）；请核对等级或得分")
    if org is not None and awarded is not None and "organization_id" not in f.errors:
        clash = session.execute(select(OrgGrade.id).where(OrgGrade.organization_id == org.id,
                                                          OrgGrade.awarded_on == awarded)).first()
        if clash is not None:
            f.fail("awarded_on", f"（{awarded:%Y-%m-%d}）该机构当天已有一条评估等级记录")
    f.raise_if_any()
    assert org is not None and awarded is not None
    return {"organization_id": org.id, "grade": grade, "awarded_on": awarded, "expires_on": grade_expiry(awarded),
            "score": score, "_org": org}


@typed_inputs
def create_grade(*, session: Session, user: CurrentUser, data: GradeInput, idempotency_key: str,
                 today: date | None = None) -> int:
    """Record a grade awarded to a registered social organisation; it expires after GRADE_YEARS years."""
    def build() -> OrgGrade:
        values = validate_grade(session, user, data, today)
        values.pop("_org")
        return OrgGrade(**values)

    return create_record(session, user, idempotency_key, "org_grade", build)


@typed_inputs
def update_grade_bands(*, session: Session, user: CurrentUser, city: str, bands: dict[str, Any],
                       expected_versions: dict[str, int]) -> None:
    """Set the score bands of ``city`` ("" = the default set). Admin only. A city's first edit creates its own
    set; later edits are refused if someone changed the set since ``expected_versions`` were read."""
    begin_write(session)
    require_admin(user)
    f = Fields(vocab.GRADE_FIELD_LABELS)
    city = f.text("city", city, 30)
    values: dict[str, float] = {}
    for grade in vocab.GRADES:
        sub = Fields({grade: f"{grade} 最低分"})
        number = sub.number(grade, bands.get(grade), 0, vocab.GRADE_SCORE_MAX)
        if sub.errors:
            f.errors[grade] = sub.errors[grade]
        elif number is not None:
            values[grade] = number
    if len(values) == len(vocab.GRADES):
        for higher, lower in zip(vocab.GRADES, vocab.GRADES[1:], strict=False):
            if values[higher] <= values[lower]:
                f.fail("bands", f"须逐级递减：{higher} 最低分（{values[higher]:g}）须高于 {lower} 最低分（{values[lower]:g}）")
                break
    f.raise_if_any()
    rows = {r.grade: r for r in session.execute(select(GradeBand).where(GradeBand.city == city)).scalars()}
    old = {g: r.min_score for g, r in rows.items()}
    if rows:
        if set(expected_versions) != set(rows):
            raise StaleEdit("分数段")
        for grade, row in rows.items():
            update_versioned(session, GradeBand, row.id or 0, expected_versions[grade],
                             {"min_score": values[grade]}, label="分数段")
        for grade in set(vocab.GRADES) - set(rows):
            session.add(GradeBand(city=city, grade=grade, min_score=values[grade]))
    else:
        if expected_versions:
            raise StaleEdit("分数段")
        session.add_all([GradeBand(city=city, grade=g, min_score=values[g]) for g in vocab.GRADES])
    session.flush()
    record_audit(session, user, "update" if rows else "create", "gradeband", None, {"city": city, **old} if rows
                 else None, {"city": city, **values})


@typed_inputs
def drop_city_bands(*, session: Session, user: CurrentUser, city: str) -> None:
    """Remove a city's own bands so that it uses the default set again (admin only)."""
    begin_write(session)
    require_admin(user)
    f = Fields(vocab.GRADE_FIELD_LABELS)
    city = f.text("city", city, 30)
    f.raise_if_any()
    if not city:
        raise ValidationFailed({"city": "「适用城市」默认分数段不能删除"})
    rows = {r.grade: r.min_score for r in session.execute(select(GradeBand).where(GradeBand.city == city)).scalars()}
    session.execute(delete(GradeBand).where(GradeBand.city == city))
    record_audit(session, user, "delete", "gradeband", None, {"city": city, **rows}, None)


# ---------------------------------------------------------------------------------------- social workers


@dataclass
class SocialWorkerInput:
    name: str | None
    level: str | None
    street_id: int | None = None
    community_id: int | None = None
    organization_id: int | None = None
    title: str | None = ""
    certified_year: Any = None
    training_hours: Any = 0


def validate_social_worker(session: Session, user: CurrentUser, data: SocialWorkerInput,
                           today: date | None = None) -> dict[str, Any]:
    today = today or clock.today()
    f = Fields(vocab.SOCIAL_WORKER_FIELD_LABELS)
    name = f.text("name", data.name, 30, required=True)
    level = f.choice("level", data.level, vocab.SOCIAL_WORKER_LEVELS)
    title = f.text("title", data.title, 100)
    year = f.integer("certified_year", data.certified_year, 2000, today.year, required=False)
    hours = f.number("training_hours", data.training_hours if data.training_hours not in (None, "") else 0,
                     0, 10_000)
    place = resolve_place(session, user, f, street_id=data.street_id, community_id=data.community_id,
                          organization_id=data.organization_id)
    f.raise_if_any()
    return {"name": name, "level": level, "title": title, "certified_year": year, "training_hours": hours,
            "street_id": place.street_id, "community_id": place.community_id,
            "organization_id": place.organization_id}


@typed_inputs
def create_social_worker(*, session: Session, user: CurrentUser, data: SocialWorkerInput, idempotency_key: str,
                         today: date | None = None) -> int:
    """Add a social worker (助理社会工作师 / 社会工作师 / 高级社会工作师) to the register."""
    return create_checked(session, user, idempotency_key, "social_worker", SocialWorker,
                          lambda: validate_social_worker(session, user, data, today))


def social_worker_for_edit(session: Session, user: CurrentUser, worker_id: int) -> tuple[SocialWorkerInput, int]:
    """The social worker's fields as the form shows them, and the version."""
    w = load_in_scope(session, user, SocialWorker, worker_id, WORKER_MISSING)
    return SocialWorkerInput(name=w.name, level=w.level, street_id=w.street_id, community_id=w.community_id,
                             organization_id=w.organization_id, title=w.title, certified_year=w.certified_year,
                             training_hours=w.training_hours), w.version


@typed_inputs
def update_social_worker(*, session: Session, user: CurrentUser, worker_id: int, expected_version: int,
                         data: SocialWorkerInput, today: date | None = None) -> None:
    """Edit a social worker (e.g. 助理 → 中级 after the exam, a move to another organisation)."""
    begin_write(session)
    worker = load_for_write(session, user, SocialWorker, worker_id, WORKER_MISSING)
    old = snapshot(worker)
    values = validate_social_worker(session, user, data, today)
    update_record(session, user, SocialWorker, worker_id, expected_version, values, old, "社会工作者")


# --------------------------------------------------------------------------------------------- trainings


@dataclass
class TrainingInput:
    title: str | None
    topic: str | None
    held_on: date | None
    sessions: Any = 1
    trainees: Any = 0
    hours: Any = 0
    street_id: int | None = None
    organization_id: int | None = None
    project_id: int | None = None


def validate_training(session: Session, user: CurrentUser, data: TrainingInput, today: date | None = None
                      ) -> dict[str, Any]:
    today = today or clock.today()
    f = Fields(vocab.TRAINING_FIELD_LABELS)
    title = f.text("title", data.title, 100, required=True)
    topic = f.choice("topic", data.topic, vocab.TRAINING_TOPICS)
    held_on = f.day("held_on", data.held_on, today)
    sessions = f.integer("sessions", data.sessions, 1, 1000)
    trainees = f.integer("trainees", data.trainees, 0, MAX_PEOPLE)
    hours = f.number("hours", data.hours, 0, 10_000, low_open=True)
    # Checked against the scope by create_training: a training is a community's through its organiser.
    place = resolve_place(session, user, f, street_id=data.street_id, community_id=None,
                          organization_id=data.organization_id, scoped=False)
    project = require_in_scope(session, user, Project, data.project_id, f, "project_id")
    if project is not None and place.street_id is not None and project.street_id != place.street_id:
        f.fail("project_id", "不属于该街道")
    f.raise_if_any()
    return {"title": title, "topic": topic, "held_on": held_on, "sessions": sessions, "trainees": trainees,
            "hours": hours, "street_id": place.street_id, "organization_id": place.organization_id,
            "project_id": data.project_id}


@typed_inputs
def create_training(*, session: Session, user: CurrentUser, data: TrainingInput, idempotency_key: str,
                    today: date | None = None) -> int:
    """Record a training with its sessions, trainees (人次) and hours."""
    def build() -> Training:
        values = validate_training(session, user, data, today)
        org = session.get(Organization, values["organization_id"]) if values["organization_id"] else None
        # A training has no community of its own: it is a community's when its organiser is based there.
        Place(values["street_id"], org.community_id if org else None, values["organization_id"]).check_scope(user)
        return Training(**values)

    return create_record(session, user, idempotency_key, "training", build)


# --------------------------------------------------------------------------------------------- mediation


@dataclass
class MediationInput:
    """A mediation case. Parties are never named: only how many people were involved."""

    received_on: date | None
    type: str | None
    source: str | None
    outcome: str | None
    people_involved: Any
    resolved_on: date | None = None
    community_id: int | None = None
    organization_id: int | None = None
    team_id: int | None = None
    project_id: int | None = None
    street_id: int | None = None
    location: str | None = ""


def validate_mediation(session: Session, user: CurrentUser, data: MediationInput, today: date | None = None
                       ) -> dict[str, Any]:
    today = today or clock.today()
    f = Fields(vocab.MEDIATION_FIELD_LABELS)
    received = f.day("received_on", data.received_on, today)
    kind = f.choice("type", data.type, vocab.MEDIATION_TYPES)
    source = f.choice("source", data.source, vocab.MEDIATION_SOURCES)
    outcome = f.choice("outcome", data.outcome, vocab.MEDIATION_OUTCOMES)
    people = f.integer("people_involved", data.people_involved, 1, MAX_PEOPLE)
    location = f.text("location", data.location, 60)
    resolved = f.day("resolved_on", data.resolved_on, today, required=False)
    if outcome == "处理中" and resolved is not None:
        f.fail("resolved_on", "应留空：调解结果为“处理中”的案件尚未办结")
    elif outcome in ("化解成功", "未化解") and data.resolved_on is None:
        f.fail("resolved_on", f"不能为空：调解结果为“{outcome}”的案件须填写办结日期")
    if received and resolved and resolved < received:
        f.fail("resolved_on", f"（{resolved:%Y-%m-%d}）不能早于受理日期（{received:%Y-%m-%d}）")
    street_id, community_id, org_id = data.street_id, data.community_id, data.organization_id
    team = require_in_scope(session, user, VolunteerTeam, data.team_id, f, "team_id")
    if team is not None:
        street_id = street_id or team.street_id
    project = require_in_scope(session, user, Project, data.project_id, f, "project_id")
    if project is not None:
        street_id = street_id or project.street_id
    place = resolve_place(session, user, f, street_id=street_id, community_id=community_id,
                          organization_id=org_id)
    if team is not None and place.street_id is not None and team.street_id != place.street_id:
        f.fail("team_id", "不属于该街道")
    if project is not None and place.street_id is not None and project.street_id != place.street_id:
        f.fail("project_id", "不属于该街道")
    f.raise_if_any()
    return {"received_on": received, "resolved_on": resolved, "type": kind, "source": source, "outcome": outcome,
            "people_involved": people, "location": location, "street_id": place.street_id,
            "community_id": place.community_id, "organization_id": place.organization_id,
            "team_id": data.team_id, "project_id": data.project_id}


@typed_inputs
def create_mediation_case(*, session: Session, user: CurrentUser, data: MediationInput, idempotency_key: str,
                          today: date | None = None) -> int:
    """Record a mediation case (type, source, team, outcome, people involved; no names of parties)."""
    return create_checked(session, user, idempotency_key, "mediation_case", MediationCase,
                          lambda: validate_mediation(session, user, data, today))


@typed_inputs
def conclude_mediation_case(*, session: Session, user: CurrentUser, case_id: int, expected_version: int,
                            outcome: str | None, resolved_on: date | None, today: date | None = None) -> None:
    """办结 a case received as 处理中: 化解成功 or 未化解, with the date it was concluded (not before it was
    received, not in the future). Refused for a case already concluded or changed since it was opened."""
    begin_write(session)
    case = load_for_write(session, user, MediationCase, case_id, "该调解案件不存在或已被删除。")
    f = Fields(vocab.MEDIATION_FIELD_LABELS)
    if case.outcome != "处理中":
        f.fail("outcome", f"已为“{case.outcome}”，该案件已办结")
    result = f.choice("outcome", outcome, [o for o in vocab.MEDIATION_OUTCOMES if o != "处理中"])
    day = f.day("resolved_on", resolved_on, today or clock.today())
    if day is not None and day < case.received_on:
        f.fail("resolved_on", f"（{day:%Y-%m-%d}）不能早于受理日期（{case.received_on:%Y-%m-%d}）")
    f.raise_if_any()
    update_record(session, user, MediationCase, case_id, expected_version, {"outcome": result, "resolved_on": day},
            snapshot(case), "调解案件")
