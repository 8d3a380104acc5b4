"""Write services of 项目成效 (db.project_forms): a project with its targets, a target added later, a project edit,
a reported indicator — role and scope checked in db, one write per submission, every bad field refused with a
Chinese message naming it, nothing written on any error, an audit row with every write. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db import vocab
from db.engine import session_scope
from db.errors import PermissionDenied, StaleEdit
from db.models import AuditLog, Organization, Project, ProjectTarget, ReportedIndicator, Submission
from db.projects.writes import (
    IndicatorInput,
    NewTarget,
    ProjectInput,
    TargetInput,
    create_indicator,
    create_project,
    create_target,
    project_for_edit,
    update_project,
)
from db.write import submit
from tests.asserts import assert_refused, in_session
from tests.factories import count_rows
from tests.factories import write_counts as _write_counts

TODAY = date(2025, 6, 30)
TABLES = (Project, ProjectTarget, ReportedIndicator, AuditLog, Submission)


def counts(engine) -> dict[str, int]:
    return {**count_rows(engine, *TABLES), "data_version": _write_counts(engine)["data_version"]}


@pytest.fixture(scope="module")
def world(world_engine):
    """The shared world (conftest.world_engine) plus an organisation in street 2; tests use their own names and
    compare counts."""
    engine, w = world_engine
    with session_scope(engine, write=True) as s:
        org = Organization(name="心灵守乔社会工作服务站", kind="工作站", street_id=w.street2, reg_status="登记")
        s.add(org)
        s.flush()
        w.org2 = org.id  # type: ignore[attr-defined]
    return engine, w


def project_form(**overrides) -> ProjectInput:
    values = {"name": f"阳光下 蔚蓝天 {uuid.uuid4().hex[:8]}", "area": "社区治理", "status": "进行中", "brand_level": "区级",
              "beneficiary_groups": ["妇女"], "start_date": date(2025, 1, 1), "end_date": None,
              "description": "妇女权益维护、反家暴项目", "street_id": None, "community_id": None,
              "organization_id": None,
              "targets": [TargetInput("activities", 80, date(2025, 12, 31)),
                          TargetInput("people_served", 3000, date(2025, 12, 31), date(2025, 3, 1))]}
    return ProjectInput(**{**values, **overrides})


def create(engine, user, data, key=None) -> int:
    with session_scope(engine, write=True) as s:
        return create_project(session=s, user=user, data=data, idempotency_key=key or uuid.uuid4().hex, today=TODAY)


# ------------------------------------------------------------------------------------------ projects


def test_a_project_is_saved_with_its_targets_and_an_audit_row(world):
    engine, w = world
    before = counts(engine)
    pid = create(engine, w.admin, project_form(organization_id=w.org2))
    with session_scope(engine) as s:
        project = s.get(Project, pid)
        targets = s.execute(select(ProjectTarget).where(ProjectTarget.project_id == pid)
                            .order_by(ProjectTarget.id)).scalars().all()
        audit = s.execute(select(AuditLog).where(AuditLog.table_name == "project", AuditLog.record_id == pid)).one()[0]
    assert project.street_id == w.street2 and project.organization_id == w.org2  # the street follows the org
    assert project.beneficiary_groups == ["妇女"] and project.brand_level == "区级"
    assert [(t.metric, t.target_value, t.start_date, t.due_date) for t in targets] == [
        ("activities", 80, None, date(2025, 12, 31)), ("people_served", 3000, date(2025, 3, 1), date(2025, 12, 31))]
    assert audit.action == "create" and len(audit.new_values["targets"]) == 2
    after = counts(engine)
    assert after["project"] == before["project"] + 1 and after["projecttarget"] == before["projecttarget"] + 2
    assert after["data_version"] > before["data_version"]


def test_one_submission_writes_once(world):
    engine, w = world
    key = uuid.uuid4().hex
    data = project_form(street_id=w.street1)
    first = create(engine, w.admin, data, key)
    again = submit(create_project, user=w.admin, data=data, idempotency_key=key, engine=engine)
    assert first == again
    with session_scope(engine) as s:
        assert len(s.execute(select(Project.id).where(Project.name == data.name)).all()) == 1


def test_a_leader_cannot_create_a_project(world):
    engine, w = world
    assert_refused(engine, lambda: create(engine, w.leader, project_form(street_id=w.street1)), None,
                   error=PermissionDenied)


def test_staff_write_inside_their_community_only(world):
    engine, w = world
    pid = create(engine, w.staff_a, project_form())  # no place given: their own community
    with session_scope(engine) as s:
        assert s.get(Project, pid).community_id == w.community_a
    assert_refused(engine, lambda: create(engine, w.staff_s1, project_form(street_id=w.street2)), None,
                   error=PermissionDenied)
    assert_refused(engine, lambda: create(engine, w.staff_a, project_form(community_id=w.community_b)), None,
                   error=PermissionDenied)


def _too_long(n: int) -> str:
    return "项" * n


BAD_PROJECTS = [
    ("name", {"name": "  "}, "不能为空"),
    ("name", {"name": _too_long(81)}, "不能超过 80 个字"),
    ("area", {"area": "体育"}, "须为：社区治理"),
    ("area", {"area": None}, "不能为空"),
    ("status", {"status": "完成"}, "须为：筹备中"),
    ("brand_level", {"brand_level": "省级"}, "须为：市级、区级"),
    ("beneficiary_groups", {"beneficiary_groups": ["外星人"]}, "未知的服务对象：外星人"),
    ("end_date", {"end_date": date(2024, 12, 31), "targets": []}, "不能早于开始日期"),
    ("end_date", {"status": "已结项"}, "已结项的项目须填写结束日期"),
    ("start_date", {"start_date": TODAY + timedelta(days=1)}, "请把「项目状态」设为筹备中"),
    ("start_date", {"start_date": date(1999, 12, 31)}, "不能早于 2000-01-01"),
    ("start_date", {"start_date": "2025-01-01"}, "须为日期"),
    ("description", {"description": _too_long(2001)}, "不能超过 2000 个字"),
    ("community_id", {"community_id": 987_654}, "不存在"),
    ("organization_id", {"organization_id": 987_654}, "不存在"),
    ("street_id", {"street_id": 987_654}, "不存在"),
    ("targets", {"targets": [TargetInput("小红花", 10, date(2025, 12, 31))]}, "指标须为"),
    ("targets", {"targets": [TargetInput("activities", 0, date(2025, 12, 31))]}, "「目标值」须大于 0"),
    ("targets", {"targets": [TargetInput("activities", -5, date(2025, 12, 31))]}, "「目标值」须大于 0"),
    ("targets", {"targets": [TargetInput("activities", "很多", date(2025, 12, 31))]}, "「目标值」须填写数字"),
    ("targets", {"targets": [TargetInput("activities", float("inf"), date(2025, 12, 31))]}, "有限的数字"),
    ("targets", {"targets": [TargetInput("activities", float("nan"), date(2025, 12, 31))]}, "有限的数字"),
    ("targets", {"targets": [TargetInput("activities", 10, None)]}, "「截止日期」不能为空"),
    ("targets", {"targets": [TargetInput("activities", 10, date(2024, 12, 31))]}, "不能早于目标开始日期"),
    ("targets", {"targets": [TargetInput("activities", 10, date(2025, 12, 31)),
                             TargetInput("activities", 20, date(2025, 12, 31))]}, "与前面的目标重复"),
]


@pytest.mark.parametrize(("field", "change", "reason"), BAD_PROJECTS,
                         ids=[f"{f}-{i}" for i, (f, _c, _r) in enumerate(BAD_PROJECTS)])
def test_bad_project_input_is_refused_with_a_clear_message(world, field, change, reason):
    engine, w = world
    data = project_form(**{"street_id": w.street1, **change})
    assert_refused(engine, lambda: create(engine, w.admin, data), field, f"「{vocab.PROJECT_FIELD_LABELS[field]}」",
                   reason)


def test_no_place_at_all_is_refused(world):
    engine, w = world
    error = assert_refused(engine, lambda: create(engine, w.admin, project_form()), "street_id")
    assert error.errors["street_id"] == "「所属街道」不能为空：请选择所属街道"


def test_an_organisation_of_another_street_is_refused(world):
    engine, w = world
    assert_refused(engine, lambda: create(engine, w.admin, project_form(community_id=w.community_a,
                                                                        organization_id=w.org2)),
                   "organization_id", "「实施机构」")


def test_a_duplicate_project_name_in_the_street_is_refused(world):
    engine, w = world
    create(engine, w.admin, project_form(name="乔心守护、医路同行", street_id=w.street1))
    error = assert_refused(engine, lambda: create(engine, w.admin, project_form(name="乔心守护、医路同行",
                                                                                street_id=w.street1)), "name")
    assert error.errors["name"] == "「项目名称」与本街道已有项目重名"
    create(engine, w.admin, project_form(name="乔心守护、医路同行", street_id=w.street2))  # another street may


def test_every_wrong_field_is_reported_at_once(world):
    engine, w = world
    assert_refused(engine, lambda: create(engine, w.admin, project_form(
        name="", area="体育", status="?", street_id=w.street1, targets=[TargetInput("activities", -1, None)])),
        {"name", "area", "status", "targets"})


# ------------------------------------------------------------------------------------------ edits


def test_an_edit_saves_and_a_stale_edit_is_refused(world):
    engine, w = world
    pid = create(engine, w.admin, project_form(street_id=w.street1))
    with session_scope(engine) as s:
        data, version = project_for_edit(s, w.admin, pid)
    data.status, data.end_date = "已结项", date(2025, 6, 1)
    with session_scope(engine, write=True) as s:
        update_project(session=s, user=w.admin, project_id=pid, expected_version=version, data=data, today=TODAY)
    with session_scope(engine) as s:
        project = s.get(Project, pid)
        targets = s.execute(select(ProjectTarget.id).where(ProjectTarget.project_id == pid)).all()
        audit = s.execute(select(AuditLog).where(AuditLog.table_name == "project", AuditLog.action == "update")
                          ).scalar_one()
    assert project.status == "已结项" and project.version == version + 1 and len(targets) == 2
    assert audit.old_values["status"] == "进行中" and audit.new_values["status"] == "已结项"
    assert_refused(
        engine, in_session(engine, lambda s: update_project(session=s, user=w.admin, project_id=pid,
                                                            expected_version=version, data=data, today=TODAY)),
        None, error=StaleEdit)


def test_an_edit_is_validated_like_a_new_project(world):
    engine, w = world
    pid = create(engine, w.admin, project_form(street_id=w.street1))
    with session_scope(engine) as s:
        data, version = project_for_edit(s, w.admin, pid)
    data.area = "体育"
    assert_refused(engine, in_session(engine, lambda s: update_project(
        session=s, user=w.admin, project_id=pid, expected_version=version, data=data, today=TODAY)),
        "area", "「服务领域」")
    assert_refused(
        engine, in_session(engine, lambda s: update_project(session=s, user=w.staff_a, project_id=pid,
                                                            expected_version=version, data=data, today=TODAY)),
        None, error=PermissionDenied)


# ------------------------------------------------------------------------------------------ targets


def add_target(engine, user, project_id, target, key=None) -> int:
    with session_scope(engine, write=True) as s:
        return create_target(session=s, user=user, data=NewTarget(project_id, target),
                             idempotency_key=key or uuid.uuid4().hex, today=TODAY)


def test_a_target_is_added_to_a_project(world):
    engine, w = world
    tid = add_target(engine, w.admin, w.project1, TargetInput("hours", 500, date(2025, 11, 30), date(2025, 1, 1)))
    with session_scope(engine) as s:
        row = s.get(ProjectTarget, tid)
    assert (row.project_id, row.metric, row.target_value) == (w.project1, "hours", 500)


@pytest.mark.parametrize(("project", "target", "field", "reason"), [
    (None, TargetInput("hours", 5, date(2025, 12, 31)), "project_id", "「所属项目」不能为空"),
    (987_654, TargetInput("hours", 5, date(2025, 12, 31)), "project_id", "「所属项目」不存在"),
    ("p1", TargetInput("volunteers", 5, date(2025, 12, 31)), "targets", "指标须为"),
    ("p1", TargetInput("hours", "", date(2025, 12, 31)), "targets", "「目标值」不能为空"),
])
def test_a_bad_target_is_refused(world, project, target, field, reason):
    engine, w = world
    assert_refused(engine, lambda: add_target(engine, w.admin, w.project1 if project == "p1" else project, target),
                   field, reason)


def test_the_same_target_twice_is_refused(world):
    engine, w = world
    add_target(engine, w.admin, w.project1, TargetInput("hours", 500, date(2025, 10, 31)))
    assert_refused(engine, lambda: add_target(engine, w.admin, w.project1, TargetInput("hours", 600, date(2025, 10, 31))),
                   "targets", "已有相同指标和截止日期的目标")


def test_a_target_outside_the_users_scope_is_refused(world):
    engine, w = world
    assert_refused(engine, lambda: add_target(engine, w.staff_a, w.project2, TargetInput("hours", 5, date(2025, 12, 31))),
                   None, error=PermissionDenied)


# -------------------------------------------------------------------------------------- reported indicators


def indicator_form(**overrides) -> IndicatorInput:
    values = {"subject": "阳光下 蔚蓝天", "metric": "重复家暴率较前一年变化", "value": -42.8, "qualifier": "=",
              "unit": "%", "as_of": date(2025, 6, 30), "source": "杭州市临平区民政局官网", "note": "较前一年减少 42.8%",
              "kpi_key": None, "street_id": None, "community_id": None, "organization_id": None, "project_id": None}
    return IndicatorInput(**{**values, **overrides})


def save_indicator(engine, user, data) -> int:
    with session_scope(engine, write=True) as s:
        return create_indicator(session=s, user=user, data=data, idempotency_key=uuid.uuid4().hex, today=TODAY)


def test_a_reported_indicator_takes_its_place_from_the_project(world):
    engine, w = world
    iid = save_indicator(engine, w.admin, indicator_form(project_id=w.project2, kpi_key="activities"))
    with session_scope(engine) as s:
        row = s.get(ReportedIndicator, iid)
    assert (row.street_id, row.project_id, row.value, row.qualifier, row.source) == (
        w.street2, w.project2, -42.8, "=", "杭州市临平区民政局官网")


BAD_INDICATORS = [
    ("subject", {"subject": ""}, "不能为空"),
    ("metric", {"metric": " "}, "不能为空"),
    ("metric", {"metric": "指" * 61}, "不能超过 60 个字"),
    ("value", {"value": None}, "不能为空"),
    ("value", {"value": "四十二"}, "须填写数字"),
    ("value", {"value": float("inf")}, "有限的数字"),
    ("qualifier", {"qualifier": "~"}, "须为：=、≥、≈、≤"),
    ("unit", {"unit": "单" * 11}, "不能超过 10 个字"),
    ("as_of", {"as_of": TODAY + timedelta(days=1)}, "不能晚于今天"),
    ("as_of", {"as_of": None}, "不能为空"),
    ("source", {"source": ""}, "不能为空"),
    ("note", {"note": "注" * 301}, "不能超过 300 个字"),
    ("kpi_key", {"kpi_key": "happiness"}, "不是系统中的指标"),
    ("project_id", {"project_id": 987_654}, "不存在"),
]


@pytest.mark.parametrize(("field", "change", "reason"), BAD_INDICATORS,
                         ids=[f"{f}-{i}" for i, (f, _c, _r) in enumerate(BAD_INDICATORS)])
def test_bad_indicator_input_is_refused_with_a_clear_message(world, field, change, reason):
    engine, w = world
    assert_refused(engine, lambda: save_indicator(engine, w.admin, indicator_form(**{"street_id": w.street2, **change})),
                   field, f"「{vocab.INDICATOR_FIELD_LABELS[field]}」", reason)


def test_indicators_respect_role_and_scope(world):
    engine, w = world
    assert_refused(
        engine, lambda: save_indicator(engine, w.leader, indicator_form(street_id=w.street1)),
        None, error=PermissionDenied)
    # Another street's project: refused, as a reference outside the user's scope (before any place check).
    assert_refused(engine, lambda: save_indicator(engine, w.staff_a, indicator_form(project_id=w.project2)),
                   None, "「所属项目」", "不在您的数据范围内", error=PermissionDenied)
    assert_refused(
        engine, lambda: save_indicator(engine, w.staff_s1, indicator_form(project_id=w.project2)),
        None, error=PermissionDenied)
    iid = save_indicator(engine, w.staff_a, indicator_form())  # their own community by default
    with session_scope(engine) as s:
        assert s.get(ReportedIndicator, iid).community_id == w.community_a


def test_an_indicator_cannot_name_a_project_of_another_street_even_with_its_own_place(world):
    """The project is a reference: it must be in the user's street although the form names the user's street."""
    engine, w = world
    before = counts(engine)
    with pytest.raises(PermissionDenied) as caught:
        save_indicator(engine, w.staff_s1, indicator_form(street_id=w.street1, project_id=w.project2))
    assert "「所属项目」" in str(caught.value) and f"#{w.project2}" in str(caught.value)
    assert counts(engine) == before
    iid = save_indicator(engine, w.staff_s1, indicator_form(street_id=w.street1, project_id=w.project1))
    with session_scope(engine) as s:
        assert s.get(ReportedIndicator, iid).project_id == w.project1
