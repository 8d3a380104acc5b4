"""Write services of 项目成效: projects with their targets, a target added later, project edits, and reported
indicators. Every service follows docs/ENGINEERING.md: data-version bump first, role and scope checked here,
one write per idempotency key, validation naming each wrong field in Chinese before anything is written, and an
audit row in the same transaction.

Places and references are resolved and checked against the user's scope by ``db.places.resolve``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from db import clock, figures, vocab
from db.auth import CurrentUser
from db.fields import Fields
from db.inputs import typed_inputs
from db.models import Project, ProjectTarget, ReportedIndicator
from db.places.resolve import require_in_scope, resolve_place
from db.write import begin_write, create_checked, create_record, load_for_write, snapshot, update_record

MAX_TARGET = 1e9
MISSING = "该项目不存在或已被删除。"


# ------------------------------------------------------------------------------------------ projects


@dataclass
class TargetInput:
    """One target: reach ``target_value`` of figure ``metric`` between ``start_date`` and ``due_date``."""

    metric: str | None
    target_value: Any
    due_date: date | None
    start_date: date | None = None  # None: from the project's start


@dataclass
class ProjectInput:
    """What the project form collects (fields may be missing or wrong: validation says which and why)."""

    name: str | None
    area: str | None
    status: str | None = "进行中"
    brand_level: str | None = None
    beneficiary_groups: list[str] = field(default_factory=list)
    start_date: date | None = None
    end_date: date | None = None
    description: str | None = ""
    street_id: int | None = None
    community_id: int | None = None
    organization_id: int | None = None
    targets: list[TargetInput] = field(default_factory=list)


def _validate_targets(f: Fields, targets: list[TargetInput], project_start: date | None,
                      project_end: date | None) -> list[dict[str, Any]]:
    out, problems, seen = [], [], set()
    for n, t in enumerate(targets, start=1):
        which = f"第 {n} 个目标"
        if t.metric not in figures.PROJECT_METRICS:
            problems.append(f"{which}的指标须为：{'、'.join(_metric_label(k) for k in figures.PROJECT_METRICS)}")
            continue
        sub = Fields({"v": "目标值", "d": "截止日期", "s": "开始日期"})
        value = sub.number("v", t.target_value, 0, MAX_TARGET, low_open=True)
        start = t.start_date or project_start
        due = sub.day("d", t.due_date, date.max, future_ok=True)
        if t.start_date is not None:
            sub.day("s", t.start_date, date.max, future_ok=True)
        if due is not None and start is not None and due < start:
            sub.fail("d", f"（{due:%Y-%m-%d}）不能早于目标开始日期（{start:%Y-%m-%d}）")
        if due is not None and project_end is not None and due > project_end:
            sub.fail("d", f"（{due:%Y-%m-%d}）不能晚于项目结束日期（{project_end:%Y-%m-%d}）")
        if sub.errors:
            problems.append(f"{which}（{_metric_label(t.metric)}）：" + "；".join(sub.errors.values()))
            continue
        if (t.metric, due) in seen:
            problems.append(f"{which}（{_metric_label(t.metric)}）与前面的目标重复")
            continue
        seen.add((t.metric, due))
        out.append({"metric": t.metric, "target_value": value, "start_date": t.start_date, "due_date": due})
    if problems:
        f.fail("targets", "：" + "；".join(problems))
    return out


def _metric_label(key: str | None) -> str:
    return figures.label(key) if key in figures.FIGURES else str(key)


def validate_project(session: Session, user: CurrentUser, data: ProjectInput, project_id: int | None = None,
                     today: date | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Check every field of a project and its targets; raise ValidationFailed naming each wrong field."""
    today = today or clock.today()
    f = Fields(vocab.PROJECT_FIELD_LABELS)
    name = f.text("name", data.name, 80, required=True)
    area = f.choice("area", data.area, vocab.FIVE_AREAS)
    status = f.choice("status", data.status, vocab.PROJECT_STATUSES)
    brand_level = f.choice("brand_level", data.brand_level, vocab.BRAND_LEVELS, required=False)
    groups = list(dict.fromkeys(data.beneficiary_groups or []))
    unknown = [g for g in groups if g not in vocab.BENEFICIARY_GROUPS]
    if unknown:
        f.fail("beneficiary_groups", f"含有未知的服务对象：{'、'.join(map(str, unknown))}")
    start = f.day("start_date", data.start_date, today, required=False, future_ok=True)
    end = f.day("end_date", data.end_date, today, required=False, future_ok=True)
    if start and end and end < start:
        f.fail("end_date", f"（{end:%Y-%m-%d}）不能早于开始日期（{start:%Y-%m-%d}）")
    if status == "已结项" and end is None:
        f.fail("end_date", "不能为空：已结项的项目须填写结束日期")
    if status == "进行中" and start is not None and start > today:
        f.fail("start_date", "晚于今天，项目尚未开始：请把「项目状态」设为筹备中")
    description = f.text("description", data.description, 2000)
    place = resolve_place(session, user, f, street_id=data.street_id, community_id=data.community_id,
                          organization_id=data.organization_id)
    if name and place.street_id is not None and "name" not in f.errors:
        clash = session.execute(select(Project.id).where(Project.street_id == place.street_id, Project.name == name,
                                                         Project.id != (project_id or -1))).first()
        if clash is not None:
            f.fail("name", "与本街道已有项目重名")
    targets = _validate_targets(f, data.targets, start, end)
    f.raise_if_any()
    values = {"name": name, "area": area, "status": status, "brand_level": brand_level,
              "beneficiary_groups": groups, "start_date": start, "end_date": end, "description": description,
              "street_id": place.street_id, "community_id": place.community_id,
              "organization_id": place.organization_id}
    return values, targets


@typed_inputs
def create_project(*, session: Session, user: CurrentUser, data: ProjectInput, idempotency_key: str,
                   today: date | None = None) -> int:
    """Create a project with its targets. A repeated ``idempotency_key`` returns the first project's id."""
    targets: list[dict[str, Any]] = []

    def build() -> Project:
        values, checked = validate_project(session, user, data, today=today)
        targets.extend(checked)
        return Project(**values)

    def add_targets(project: Project) -> dict[str, Any]:
        rows = [ProjectTarget(project_id=project.id, **t) for t in targets]
        session.add_all(rows)
        session.flush()
        return {**snapshot(project), "targets": [snapshot(r) for r in rows]}

    return create_record(session, user, idempotency_key, "project", build, add_targets)


@typed_inputs
def update_project(*, session: Session, user: CurrentUser, project_id: int, expected_version: int,
                   data: ProjectInput, today: date | None = None) -> None:
    """Edit a project's fields (its targets are kept); refused if it changed since ``expected_version``."""
    begin_write(session)
    project = load_for_write(session, user, Project, project_id, MISSING)
    old = snapshot(project)
    data.targets = []
    values, _ = validate_project(session, user, data, project_id=project_id, today=today)
    update_record(session, user, Project, project_id, expected_version, values, old, label="项目")


@dataclass
class NewTarget:
    """A target added to an existing project."""

    project_id: int | None
    target: TargetInput


@typed_inputs
def create_target(*, session: Session, user: CurrentUser, data: NewTarget, idempotency_key: str,
                  today: date | None = None) -> int:
    """Add a target to a project."""
    def build() -> ProjectTarget:
        f = Fields(vocab.PROJECT_FIELD_LABELS)
        # The target is part of the project: the project must be in the user's own scope.
        project = require_in_scope(session, user, Project, data.project_id, f, "project_id", within=user.scope,
                                   required=True)
        f.raise_if_any()
        assert project is not None
        targets = _validate_targets(f, [data.target], project.start_date, project.end_date)
        if targets:
            clash = session.execute(select(ProjectTarget.id).where(
                ProjectTarget.project_id == project.id, ProjectTarget.metric == targets[0]["metric"],
                ProjectTarget.due_date == targets[0]["due_date"])).first()
            if clash is not None:
                f.fail("targets", "：该项目已有相同指标和截止日期的目标")
        f.raise_if_any()
        return ProjectTarget(project_id=project.id, **targets[0])

    return create_record(session, user, idempotency_key, "project_target", build)


def project_for_edit(session: Session, user: CurrentUser, project_id: int) -> tuple[ProjectInput, int]:
    """The form values of an existing project and its version (for the edit form)."""
    project = load_for_write(session, user, Project, project_id, MISSING)
    return ProjectInput(
        name=project.name, area=project.area, status=project.status, brand_level=project.brand_level,
        beneficiary_groups=list(project.beneficiary_groups or []), start_date=project.start_date,
        end_date=project.end_date, description=project.description, street_id=project.street_id,
        community_id=project.community_id, organization_id=project.organization_id,
    ), project.version


# -------------------------------------------------------------------------------------- reported indicators


@dataclass
class IndicatorInput:
    """A figure from a report: “≥ 600 起 as of 2025-06-30, source 杭州市临平区民政局官网”."""

    subject: str | None
    metric: str | None
    value: Any
    qualifier: str | None
    unit: str | None
    as_of: date | None
    source: str | None
    note: str | None = ""
    kpi_key: str | None = None
    street_id: int | None = None
    community_id: int | None = None
    organization_id: int | None = None
    project_id: int | None = None


def validate_indicator(session: Session, user: CurrentUser, data: IndicatorInput, today: date | None = None
                       ) -> dict[str, Any]:
    today = today or clock.today()
    f = Fields(vocab.INDICATOR_FIELD_LABELS)
    subject = f.text("subject", data.subject, 80, required=True)
    metric = f.text("metric", data.metric, 60, required=True)
    value = f.number("value", data.value, -1e12, 1e12)
    qualifier = f.choice("qualifier", data.qualifier, tuple(vocab.QUALIFIERS))
    unit = f.text("unit", data.unit, 10)
    as_of = f.day("as_of", data.as_of, today)
    source = f.text("source", data.source, 200, required=True)
    note = f.text("note", data.note, 300)
    kpi_key = data.kpi_key or None
    if kpi_key is not None and not figures.is_known(kpi_key):
        f.fail("kpi_key", "不是系统中的指标")
    street_id, community_id, org_id = data.street_id, data.community_id, data.organization_id
    project = require_in_scope(session, user, Project, data.project_id, f, "project_id")
    if project is not None:
        # The project's place, unless the form names a more precise one.
        street_id = street_id or project.street_id
        community_id = community_id or project.community_id
        org_id = org_id or project.organization_id
    place = resolve_place(session, user, f, street_id=street_id, community_id=community_id,
                          organization_id=org_id)
    f.raise_if_any()
    return {"subject": subject, "metric": metric, "value": value, "qualifier": qualifier, "unit": unit,
            "as_of": as_of, "source": source, "note": note, "kpi_key": kpi_key, "street_id": place.street_id,
            "community_id": place.community_id, "organization_id": place.organization_id,
            "project_id": data.project_id}


@typed_inputs
def create_indicator(*, session: Session, user: CurrentUser, data: IndicatorInput, idempotency_key: str,
                     today: date | None = None) -> int:
    """Record a reported figure with its qualifier, unit, as-of date and source."""
    return create_checked(session, user, idempotency_key, "reported_indicator", ReportedIndicator,
                          lambda: validate_indicator(session, user, data, today))
