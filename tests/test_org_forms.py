"""Write services of 社会组织与社工 (db.org_forms): organisations, grades (expiry, score bands), social workers,
trainings, mediation cases, and the admin's score bands — role and scope checked in db, one write per
submission, every bad field refused with a Chinese message naming it, nothing written on any error, an audit row
with every write. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from db import figures, vocab
from db.engine import session_scope
from db.errors import PermissionDenied, StaleEdit
from db.models import (
    AuditLog,
    GradeBand,
    MediationCase,
    Organization,
    OrgGrade,
    Project,
    SocialWorker,
    Street,
    Submission,
    Training,
    VolunteerTeam,
)
from db.organizations.reads import grade_bands, open_cases
from db.organizations.writes import (
    GradeInput,
    MediationInput,
    OrganizationInput,
    SocialWorkerInput,
    TrainingInput,
    conclude_mediation_case,
    create_grade,
    create_mediation_case,
    create_organization,
    create_social_worker,
    create_training,
    drop_city_bands,
    organization_for_edit,
    social_worker_for_edit,
    update_grade_bands,
    update_organization,
    update_social_worker,
)
from db.periods import period_of
from db.scope import Scope
from db.write import submit
from tests.asserts import assert_refused, in_session
from tests.factories import count_rows, make_user
from tests.factories import write_counts as _write_counts

TODAY = date(2025, 6, 30)
TABLES = (Organization, OrgGrade, SocialWorker, Training, MediationCase, GradeBand, AuditLog, Submission)


def counts(engine) -> dict[str, int]:
    return {**count_rows(engine, *TABLES), "data_version": _write_counts(engine)["data_version"]}


@pytest.fixture(scope="module")
def world(world_engine):
    """The shared world (conftest.world_engine) plus organisations and a team; tests use their own names and compare
    counts."""
    engine, w = world_engine
    with session_scope(engine, write=True) as s:
        s.execute(update(Street).where(Street.id == w.street2).values(city="杭州市"))
        registered = Organization(name="杨金泉纠纷调解服务中心", kind="服务中心", street_id=w.street2, reg_status="登记")
        filed = Organization(name="胜稼村编织兴趣社", kind="社会组织", street_id=w.street2,
                             community_id=w.community_c, reg_status="备案")
        local = Organization(name="新港山路社区邻里互助会", kind="社会组织", street_id=w.street1,
                             community_id=w.community_a, reg_status="登记")
        s.add_all([registered, filed, local])
        team = VolunteerTeam(name="邻里解忧团", street_id=w.street1, community_id=w.community_a)
        s.add(team)
        s.flush()
        w.registered, w.filed, w.local, w.team = registered.id, filed.id, local.id, team.id  # type: ignore
    return engine, w


def run(engine, create, user, data, key=None) -> int:
    with session_scope(engine, write=True) as s:
        return create(session=s, user=user, data=data, idempotency_key=key or uuid.uuid4().hex, today=TODAY)


def refused(engine, create, user, data, labels, field, reason) -> None:
    """The service refuses ``data`` naming ``field`` with its label and ``reason``, and nothing in any table changes."""
    assert_refused(engine, lambda: run(engine, create, user, data), field, f"「{labels[field]}」", reason)


def _name() -> str:
    return f"乔司测试服务社{uuid.uuid4().hex[:6]}"


# ------------------------------------------------------------------------------------------ organisations


def org_form(**overrides) -> OrganizationInput:
    values = {"name": _name(), "kind": "社会组织", "street_id": None, "community_id": None, "reg_status": "登记",
              "category": "社区服务类", "incubation_stage": "成长", "founded_year": 2019, "description": ""}
    return OrganizationInput(**{**values, **overrides})


def test_an_organisation_is_saved_once_with_an_audit_row(world):
    engine, w = world
    before = counts(engine)
    key = uuid.uuid4().hex
    data = org_form(street_id=w.street2)
    oid = run(engine, create_organization, w.admin, data, key)
    assert submit(create_organization, user=w.admin, data=data, idempotency_key=key, engine=engine) == oid
    with session_scope(engine) as s:
        org = s.get(Organization, oid)
        audit = s.execute(select(AuditLog).where(AuditLog.table_name == "organization", AuditLog.record_id == oid)
                          ).scalar_one()
    assert (org.street_id, org.reg_status, org.incubation_stage) == (w.street2, "登记", "成长")
    assert audit.new_values["name"] == data.name
    after = counts(engine)
    assert after["organization"] == before["organization"] + 1 and after["submission"] == before["submission"] + 1


def test_organisations_respect_role_and_scope(world):
    engine, w = world
    before = counts(engine)
    assert_refused(
        engine, lambda: run(engine, create_organization, w.leader, org_form(street_id=w.street1)),
        None, error=PermissionDenied)
    assert_refused(
        engine, lambda: run(engine, create_organization, w.staff_s1, org_form(street_id=w.street2)),
        None, error=PermissionDenied)
    assert counts(engine) == before
    oid = run(engine, create_organization, w.staff_a, org_form(reg_status="备案", category="社区社会组织"))
    with session_scope(engine) as s:
        assert s.get(Organization, oid).community_id == w.community_a


BAD_ORGS = [
    ("name", {"name": ""}, "不能为空"),
    ("name", {"name": "名" * 81}, "不能超过 80 个字"),
    ("name", {"name": "杨金泉纠纷调解服务中心"}, "与本街道已有机构重名"),
    ("kind", {"kind": "俱乐部"}, "须为：社会组织"),
    ("reg_status", {"reg_status": "注册"}, "须为：登记、备案"),
    ("reg_status", {"kind": "企业"}, "只适用于社会组织"),
    ("category", {"category": "体育类"}, "须为：社区服务类"),
    ("incubation_stage", {"incubation_stage": "毕业"}, "须为：入驻孵化、成长、出壳"),
    ("founded_year", {"founded_year": 1800}, "须为 1949 到 2025 之间的整数"),
    ("founded_year", {"founded_year": 2026}, "须为 1949 到 2025 之间的整数"),
    ("founded_year", {"founded_year": 2019.5}, "整数"),
    ("founded_year", {"founded_year": "二〇一九"}, "整数"),
    ("description", {"description": "介" * 1001}, "不能超过 1000 个字"),
    ("community_id", {"community_id": 987_654}, "不存在"),
    ("street_id", {"street_id": 987_654}, "不存在"),
]


@pytest.mark.parametrize(("field", "change", "reason"), BAD_ORGS,
                         ids=[f"{f}-{i}" for i, (f, _c, _r) in enumerate(BAD_ORGS)])
def test_bad_organisation_input_is_refused(world, field, change, reason):
    engine, w = world
    refused(engine, create_organization, w.admin, org_form(**{"street_id": w.street2, **change}),
            vocab.ORG_FIELD_LABELS, field, reason)


def test_an_organisation_needs_a_street(world):
    engine, w = world
    refused(engine, create_organization, w.admin, org_form(), vocab.ORG_FIELD_LABELS, "street_id", "不能为空")


# ------------------------------------------------------------------------------------------------ grades


def test_a_grade_expires_five_years_on_and_29_february_ends_on_28_february(world):
    engine, w = world
    gid = run(engine, create_grade, w.admin, GradeInput(w.registered, "4A", date(2024, 2, 29), 861))
    with session_scope(engine) as s:
        grade = s.get(OrgGrade, gid)
        audit = s.execute(select(AuditLog).where(AuditLog.table_name == "orggrade", AuditLog.record_id == gid)
                          ).scalar_one()
    assert (grade.grade, grade.awarded_on, grade.expires_on, grade.score) == (
        "4A", date(2024, 2, 29), date(2029, 2, 28), 861)
    assert audit.new_values["expires_on"] == "2029-02-28"


def test_the_grade_follows_from_the_score_when_left_blank(world):
    engine, w = world
    gid = run(engine, create_grade, w.admin, GradeInput(w.registered, None, date(2023, 11, 20), 900))
    with session_scope(engine) as s:
        assert s.get(OrgGrade, gid).grade == "5A"  # 900 is the lowest 5A score of the default bands


BAD_GRADES = [
    ("organization_id", {"organization_id": None}, "不能为空"),
    ("organization_id", {"organization_id": 987_654}, "不存在"),
    ("organization_id", {"organization_id": "filed"}, "不是登记注册的社会组织"),
    ("grade", {"grade": "6A"}, "须为：5A、4A、3A、2A、1A"),
    ("grade", {"grade": None, "score": None}, "不能为空"),
    ("grade", {"grade": "5A", "score": 899.9}, "对应 4A"),
    ("score", {"grade": None, "score": 499}, "低于 1A 的最低分 500 分"),
    ("score", {"score": 1001}, "不大于 1000"),
    ("score", {"score": -1}, "不小于 0"),
    ("score", {"score": "高分"}, "须填写数字"),
    ("awarded_on", {"awarded_on": TODAY + timedelta(days=1)}, "不能晚于今天"),
    ("awarded_on", {"awarded_on": None}, "不能为空"),
]


@pytest.mark.parametrize(("field", "change", "reason"), BAD_GRADES,
                         ids=[f"{f}-{i}" for i, (f, _c, _r) in enumerate(BAD_GRADES)])
def test_bad_grade_input_is_refused(world, field, change, reason):
    engine, w = world
    values = {"organization_id": w.registered, "grade": "3A", "awarded_on": date(2022, 5, 1), "score": 720,
              **change}
    if values["organization_id"] == "filed":
        values["organization_id"] = w.filed
    refused(engine, create_grade, w.admin, GradeInput(**values), vocab.GRADE_FIELD_LABELS, field, reason)


def test_two_grades_on_the_same_day_are_refused(world):
    engine, w = world
    run(engine, create_grade, w.admin, GradeInput(w.registered, "3A", date(2020, 6, 1), None))
    refused(engine, create_grade, w.admin, GradeInput(w.registered, "4A", date(2020, 6, 1), None),
            vocab.GRADE_FIELD_LABELS, "awarded_on", "当天已有一条评估等级记录")


def test_grades_respect_role_and_scope(world):
    engine, w = world
    assert_refused(
        engine, lambda: run(engine, create_grade, w.leader, GradeInput(w.registered, "3A", date(2021, 1, 5),
                                                                       None)),
        None, error=PermissionDenied)
    assert_refused(
        engine, lambda: run(engine, create_grade, w.staff_a, GradeInput(w.registered, "3A", date(2021, 1, 5),
                                                                        None)),
        None, error=PermissionDenied)
    assert run(engine, create_grade, w.staff_a, GradeInput(w.local, "3A", date(2021, 1, 5), None)) > 0


def test_a_citys_own_bands_decide_its_grades(world):
    engine, w = world
    with session_scope(engine, write=True) as s:
        for g, low in (("5A", 950), ("4A", 850), ("3A", 750), ("2A", 650), ("1A", 550)):
            s.add(GradeBand(city="杭州市", grade=g, min_score=low))
    try:
        refused(engine, create_grade, w.admin, GradeInput(w.registered, "5A", date(2019, 3, 3), 920),
                vocab.GRADE_FIELD_LABELS, "grade", "对应 4A（4A ≥ 850 分）")
        # 薛家岛街道 (no city set) keeps the default bands: 920 is 5A there.
        assert run(engine, create_grade, w.admin, GradeInput(w.local, "5A", date(2019, 3, 3), 920)) > 0
    finally:
        with session_scope(engine, write=True) as s:
            s.execute(GradeBand.__table__.delete().where(GradeBand.city == "杭州市"))


# ------------------------------------------------------------------------------------------ score bands


BANDS = {"5A": 950, "4A": 850, "3A": 750, "2A": 650, "1A": 550}


def test_only_an_admin_sets_bands_and_a_stale_edit_is_refused(engine):
    with session_scope(engine, write=True) as s:
        admin, staff = make_user(s, "admin"), make_user(s, "staff")
    assert_refused(
        engine, in_session(engine, lambda s: update_grade_bands(session=s, user=staff, city="", bands=BANDS,
                                                                expected_versions={})),
        None, error=PermissionDenied)
    with session_scope(engine) as s:
        versions = dict(s.execute(select(GradeBand.grade, GradeBand.version).where(GradeBand.city == "")).all())
    with session_scope(engine, write=True) as s:
        update_grade_bands(session=s, user=admin, city="", bands=BANDS, expected_versions=versions)
    with session_scope(engine) as s:
        assert grade_bands(s) == BANDS
        assert s.execute(select(AuditLog.action).where(AuditLog.table_name == "gradeband")).scalar_one() == "update"
    assert_refused(
        engine, in_session(engine, lambda s: update_grade_bands(session=s, user=admin, city="", bands=BANDS,
                                                                expected_versions=versions)),
        None, error=StaleEdit)


def test_a_city_gets_its_own_bands_and_can_drop_them(engine):
    with session_scope(engine, write=True) as s:
        admin = make_user(s, "admin")
    with session_scope(engine, write=True) as s:
        update_grade_bands(session=s, user=admin, city="杭州市", bands=BANDS, expected_versions={})
    with session_scope(engine) as s:
        assert grade_bands(s, "杭州市") == BANDS and grade_bands(s)["5A"] == 900
    with session_scope(engine, write=True) as s:
        drop_city_bands(session=s, user=admin, city="杭州市")
    with session_scope(engine) as s:
        assert grade_bands(s, "杭州市")["5A"] == 900
    assert_refused(engine, in_session(engine, lambda s: drop_city_bands(session=s, user=admin, city="")), "city")


@pytest.mark.parametrize(("bands", "field", "reason"), [
    ({**BANDS, "4A": 960}, "bands", "须逐级递减：5A 最低分（950）须高于 4A 最低分（960）"),
    ({**BANDS, "1A": 550, "2A": 550}, "bands", "须逐级递减"),
    ({**BANDS, "5A": 1200}, "5A", "不大于 1000"),
    ({**BANDS, "3A": None}, "3A", "不能为空"),
    ({**BANDS, "2A": "六百"}, "2A", "须填写数字"),
])
def test_bad_bands_are_refused(engine, bands, field, reason):
    with session_scope(engine, write=True) as s:
        admin = make_user(s, "admin")
    assert_refused(engine, in_session(engine, lambda s: update_grade_bands(
        session=s, user=admin, city="杭州市", bands=bands, expected_versions={})), field, reason)


# ---------------------------------------------------------------------------------------- social workers


def worker_form(**overrides) -> SocialWorkerInput:
    values = {"name": "刘世颖", "level": "高级社会工作师", "street_id": None, "community_id": None,
              "organization_id": None, "title": "青岛理工大学社会工作教研室主任", "certified_year": 2010,
              "training_hours": 320}
    return SocialWorkerInput(**{**values, **overrides})


def test_a_social_worker_is_saved_in_the_users_community(world):
    engine, w = world
    sid = run(engine, create_social_worker, w.staff_a, worker_form())
    with session_scope(engine) as s:
        worker = s.get(SocialWorker, sid)
    assert (worker.street_id, worker.community_id, worker.level, worker.training_hours) == (
        w.street1, w.community_a, "高级社会工作师", 320)
    assert_refused(
        engine, lambda: run(engine, create_social_worker, w.staff_s1,
                            worker_form(organization_id=w.registered)),
        None, error=PermissionDenied)
    # Another street's organisation contradicts the user's own community.
    assert_refused(engine, lambda: run(engine, create_social_worker, w.staff_a,
                                       worker_form(organization_id=w.registered)),
                   "organization_id", "「所属机构」", "不在该社区所属街道")


BAD_WORKERS = [
    ("name", {"name": ""}, "不能为空"),
    ("name", {"name": "名" * 31}, "不能超过 30 个字"),
    ("level", {"level": "社工"}, "须为：助理社会工作师、社会工作师、高级社会工作师"),
    ("certified_year", {"certified_year": 1999}, "须为 2000 到 2025 之间的整数"),
    ("certified_year", {"certified_year": 2030}, "须为 2000 到 2025 之间的整数"),
    ("training_hours", {"training_hours": -1}, "不小于 0"),
    ("training_hours", {"training_hours": float("nan")}, "有限的数字"),
    ("organization_id", {"organization_id": 987_654}, "不存在"),
]


@pytest.mark.parametrize(("field", "change", "reason"), BAD_WORKERS,
                         ids=[f"{f}-{i}" for i, (f, _c, _r) in enumerate(BAD_WORKERS)])
def test_bad_social_worker_input_is_refused(world, field, change, reason):
    engine, w = world
    refused(engine, create_social_worker, w.admin, worker_form(**{"street_id": w.street1, **change}),
            vocab.SOCIAL_WORKER_FIELD_LABELS, field, reason)


# --------------------------------------------------------------------------------------------- trainings


def training_form(**overrides) -> TrainingInput:
    values = {"title": "乔社学院实务技能专题培训", "topic": "实务技能", "held_on": date(2025, 5, 20), "sessions": 2,
              "trainees": 35, "hours": 6, "street_id": None, "organization_id": None, "project_id": None}
    return TrainingInput(**{**values, **overrides})


def test_a_training_is_saved_with_sessions_trainees_and_hours(world):
    engine, w = world
    tid = run(engine, create_training, w.admin, training_form(organization_id=w.registered,
                                                              project_id=w.project2))
    with session_scope(engine) as s:
        row = s.get(Training, tid)
    assert (row.street_id, row.sessions, row.trainees, row.hours, row.project_id) == (
        w.street2, 2, 35, 6, w.project2)


def test_trainings_respect_role_and_scope(world):
    engine, w = world
    assert_refused(
        engine, lambda: run(engine, create_training, w.leader, training_form(street_id=w.street1)),
        None, error=PermissionDenied)
    # a street-level training is not the community's
    assert_refused(
        engine, lambda: run(engine, create_training, w.staff_a, training_form(street_id=w.street1)),
        None, error=PermissionDenied)
    assert run(engine, create_training, w.staff_a, training_form(organization_id=w.local)) > 0


BAD_TRAININGS = [
    ("title", {"title": " "}, "不能为空"),
    ("topic", {"topic": "烹饪"}, "须为：基础理论"),
    ("held_on", {"held_on": TODAY + timedelta(days=1)}, "不能晚于今天"),
    ("sessions", {"sessions": 0}, "须为 1 到 1000 之间的整数"),
    ("sessions", {"sessions": 1.5}, "整数"),
    ("trainees", {"trainees": -3}, "须为 0 到 100000 之间的整数"),
    ("trainees", {"trainees": True}, "整数"),
    ("hours", {"hours": 0}, "须大于 0"),
    ("project_id", {"project_id": "p1"}, "不属于该街道"),
]


@pytest.mark.parametrize(("field", "change", "reason"), BAD_TRAININGS,
                         ids=[f"{f}-{i}" for i, (f, _c, _r) in enumerate(BAD_TRAININGS)])
def test_bad_training_input_is_refused(world, field, change, reason):
    engine, w = world
    if change.get("project_id") == "p1":
        change = {"project_id": w.project1}
    refused(engine, create_training, w.admin, training_form(**{"street_id": w.street2, **change}),
            vocab.TRAINING_FIELD_LABELS, field, reason)


# --------------------------------------------------------------------------------------------- mediation


def case_form(**overrides) -> MediationInput:
    values = {"received_on": date(2025, 5, 1), "type": "邻里", "source": "纠纷", "outcome": "化解成功",
              "people_involved": 3, "resolved_on": date(2025, 5, 9), "community_id": None, "organization_id": None,
              "team_id": None, "project_id": None, "street_id": None, "location": "海尔山海湾"}
    return MediationInput(**{**values, **overrides})


def test_a_mediation_case_is_saved_without_names(world):
    engine, w = world
    cid = run(engine, create_mediation_case, w.staff_a, case_form(team_id=w.team))
    with session_scope(engine) as s:
        case = s.get(MediationCase, cid)
    assert (case.community_id, case.team_id, case.outcome, case.people_involved) == (w.community_a, w.team,
                                                                                     "化解成功", 3)
    assert not any("name" in f for f in MediationInput.__dataclass_fields__)  # the form cannot take a party's name


def test_a_case_in_progress_has_no_resolution_date(world):
    engine, w = world
    cid = run(engine, create_mediation_case, w.admin, case_form(outcome="处理中", resolved_on=None,
                                                                organization_id=w.registered))
    with session_scope(engine) as s:
        assert s.get(MediationCase, cid).resolved_on is None


BAD_CASES = [
    ("received_on", {"received_on": None}, "不能为空"),
    ("received_on", {"received_on": TODAY + timedelta(days=1)}, "不能晚于今天"),
    ("type", {"type": "宠物"}, "须为：邻里、物业、征迁、家庭、劳资、其他"),
    ("source", {"source": "热线"}, "须为：投诉、纠纷"),
    ("outcome", {"outcome": "成功"}, "须为：化解成功、未化解、处理中"),
    ("people_involved", {"people_involved": 0}, "须为 1 到 100000 之间的整数"),
    ("people_involved", {"people_involved": "两人"}, "整数"),
    ("resolved_on", {"outcome": "处理中"}, "应留空"),
    ("resolved_on", {"resolved_on": None}, "须填写办结日期"),
    ("resolved_on", {"resolved_on": date(2025, 4, 30)}, "不能早于受理日期"),
    ("location", {"location": "地" * 61}, "不能超过 60 个字"),
    ("team_id", {"team_id": "other"}, "不属于该街道"),
    ("project_id", {"project_id": 987_654}, "不存在"),
]


@pytest.mark.parametrize(("field", "change", "reason"), BAD_CASES,
                         ids=[f"{f}-{i}" for i, (f, _c, _r) in enumerate(BAD_CASES)])
def test_bad_mediation_input_is_refused(world, field, change, reason):
    engine, w = world
    if change.get("team_id") == "other":  # a team of street 1 on a case of street 2 (no organisation)
        change = {"team_id": w.team, "organization_id": None, "street_id": w.street2}
    refused(engine, create_mediation_case, w.admin, case_form(**{"organization_id": w.registered, **change}),
            vocab.MEDIATION_FIELD_LABELS, field, reason)


def test_mediation_respects_role_and_scope(world):
    engine, w = world
    assert_refused(
        engine, lambda: run(engine, create_mediation_case, w.leader, case_form(community_id=w.community_a)),
        None, error=PermissionDenied)
    assert_refused(
        engine, lambda: run(engine, create_mediation_case, w.staff_s1,
                            case_form(organization_id=w.registered)),
        None, error=PermissionDenied)
    with session_scope(engine) as s:
        assert s.get(Project, w.project1) is not None


def test_references_outside_the_users_street_are_refused(world):
    """A team or project of another street, even when the case's own place is the user's (issue 14)."""
    engine, w = world
    with session_scope(engine, write=True) as s:
        team = VolunteerTeam(name="乔司调解队", street_id=w.street2, community_id=w.community_c)
        s.add(team)
        s.flush()
        far_team = team.id
    for change, label in (({"team_id": far_team}, "调解队伍"), ({"project_id": w.project2}, "所属项目")):
        before = counts(engine)
        with pytest.raises(PermissionDenied) as caught:
            run(engine, create_mediation_case, w.staff_s1, case_form(street_id=w.street1, **change))
        assert f"「{label}」" in str(caught.value)
        assert counts(engine) == before
    before = counts(engine)
    with pytest.raises(PermissionDenied) as caught:
        run(engine, create_training, w.staff_s1, training_form(street_id=w.street1, project_id=w.project2))
    assert "「所属项目」" in str(caught.value)
    assert counts(engine) == before


def conclude(engine, user, case_id, outcome="化解成功", resolved_on=date(2025, 6, 1), version=None) -> None:
    with session_scope(engine, write=True) as s:
        if version is None:
            version = s.get(MediationCase, case_id).version
        conclude_mediation_case(session=s, user=user, case_id=case_id, expected_version=version, outcome=outcome,
                                resolved_on=resolved_on, today=TODAY)


def test_a_case_in_progress_is_concluded_and_counts_from_then_on(world):
    engine, w = world
    cid = run(engine, create_mediation_case, w.staff_a, case_form(outcome="处理中", resolved_on=None))
    scope, period = Scope(community_id=w.community_a), period_of("all", TODAY)
    with session_scope(engine) as s:
        assert (cid, 1) in dict(open_cases(s, scope))
        resolved_before = figures.value(s, "disputes_resolved", scope, period)
    conclude(engine, w.staff_a, cid)
    with session_scope(engine) as s:
        case = s.get(MediationCase, cid)
        assert (case.outcome, case.resolved_on, case.version) == ("化解成功", date(2025, 6, 1), 2)
        assert figures.value(s, "disputes_resolved", scope, period) == resolved_before + 1
        assert cid not in {key[0] for key, _label in open_cases(s, scope)}
        audit = s.execute(select(AuditLog).where(AuditLog.table_name == "mediationcase", AuditLog.record_id == cid)
                          .order_by(AuditLog.id)).scalars().all()
    assert [a.action for a in audit] == ["create", "update"]
    assert (audit[1].old_values["outcome"], audit[1].new_values["outcome"]) == ("处理中", "化解成功")


@pytest.mark.parametrize(("field", "change", "reason"), [
    ("outcome", {"outcome": "处理中"}, "须为：化解成功、未化解"),
    ("outcome", {"outcome": None}, "不能为空"),
    ("resolved_on", {"resolved_on": None}, "不能为空"),
    ("resolved_on", {"resolved_on": date(2025, 4, 30)}, "不能早于受理日期"),
    ("resolved_on", {"resolved_on": TODAY + timedelta(days=1)}, "不能晚于今天"),
])
def test_bad_conclusions_are_refused(world, field, change, reason):
    engine, w = world
    cid = run(engine, create_mediation_case, w.admin, case_form(outcome="处理中", resolved_on=None,
                                                                organization_id=w.registered))
    assert_refused(engine, lambda: conclude(engine, w.admin, cid, **change), field,
                   f"「{vocab.MEDIATION_FIELD_LABELS[field]}」", reason)


def test_a_concluded_case_stale_or_out_of_scope_is_refused(world):
    engine, w = world
    cid = run(engine, create_mediation_case, w.staff_a, case_form(outcome="处理中", resolved_on=None))
    assert_refused(engine, lambda: conclude(engine, w.leader, cid), None, error=PermissionDenied)
    with session_scope(engine, write=True) as s:
        staff_b = make_user(s, "staff", "community", w.community_b)
    assert_refused(engine, lambda: conclude(engine, staff_b, cid), None, error=PermissionDenied)
    assert_refused(engine, lambda: conclude(engine, w.staff_a, cid, version=7), None, error=StaleEdit)
    conclude(engine, w.staff_a, cid, outcome="未化解")
    assert_refused(engine, lambda: conclude(engine, w.staff_a, cid), "outcome", "该案件已办结")
    with session_scope(engine) as s:
        assert s.get(MediationCase, cid).outcome == "未化解"


# ------------------------------------------------------------------------------------------ edits


def edit(engine, service, user, record: str, record_id: int, data, version: int | None = None) -> None:
    load = organization_for_edit if service is update_organization else social_worker_for_edit
    with session_scope(engine, write=True) as s:
        if version is None:
            version = load(s, user, record_id)[1]
        service(session=s, user=user, expected_version=version, data=data, today=TODAY, **{record: record_id})


def test_an_organisation_is_edited_from_filed_to_registered_with_an_audit_row(world):
    engine, w = world
    oid = run(engine, create_organization, w.staff_a, org_form(reg_status="备案", incubation_stage="入驻孵化"))
    with session_scope(engine) as s:
        data, version = organization_for_edit(s, w.staff_a, oid)
    assert (data.reg_status, data.incubation_stage, version) == ("备案", "入驻孵化", 1)
    data.reg_status, data.incubation_stage = "登记", "出壳"
    edit(engine, update_organization, w.staff_a, "organization_id", oid, data)  # its own name is no clash
    with session_scope(engine) as s:
        org = s.get(Organization, oid)
        audit = s.execute(select(AuditLog).where(AuditLog.table_name == "organization", AuditLog.record_id == oid)
                          .order_by(AuditLog.id)).scalars().all()
    assert (org.reg_status, org.incubation_stage, org.version) == ("登记", "出壳", 2)
    assert [a.action for a in audit] == ["create", "update"] and audit[1].old_values["reg_status"] == "备案"
    assert_refused(
        engine, lambda: edit(engine, update_organization, w.staff_a, "organization_id", oid, data, version=1),
        None, error=StaleEdit)


def test_an_organisation_edit_is_validated_and_scoped(world):
    engine, w = world
    oid = run(engine, create_organization, w.staff_a, org_form())
    with session_scope(engine) as s:
        data, _ = organization_for_edit(s, w.staff_a, oid)
        taken = s.get(Organization, w.local).name
    for change, field, reason in (({"name": taken}, "name", "与本街道已有机构重名"), ({"name": " "}, "name", "不能为空"),
                                  ({"kind": "企业", "reg_status": "登记"}, "reg_status", "只适用于社会组织")):
        changed = OrganizationInput(**{**data.__dict__, **change})
        assert_refused(engine, lambda d=changed: edit(engine, update_organization, w.staff_a, "organization_id", oid, d),
                       field, f"「{vocab.ORG_FIELD_LABELS[field]}」", reason)
    assert_refused(
        engine, lambda: edit(engine, update_organization, w.leader, "organization_id", oid, data, version=1),
        None, error=PermissionDenied)
    # Staff of community A may not move it to community B.
    assert_refused(engine, lambda: edit(engine, update_organization, w.staff_a, "organization_id", oid,
                                        OrganizationInput(**{**data.__dict__, "community_id": w.community_b})),
                   None, error=PermissionDenied)


def test_a_social_worker_is_promoted(world):
    engine, w = world
    sid = run(engine, create_social_worker, w.staff_a, SocialWorkerInput(name="周晓", level="助理社会工作师"))
    with session_scope(engine) as s:
        data, version = social_worker_for_edit(s, w.staff_a, sid)
    data.level, data.certified_year = "社会工作师", 2025
    edit(engine, update_social_worker, w.staff_a, "worker_id", sid, data)
    with session_scope(engine) as s:
        worker = s.get(SocialWorker, sid)
    assert (worker.level, worker.certified_year, worker.version) == ("社会工作师", 2025, version + 1)
    assert_refused(engine, lambda: edit(engine, update_social_worker, w.staff_a, "worker_id", sid, SocialWorkerInput(
        **{**data.__dict__, "level": "特级社工"})), "level", "「职业水平等级」")
    assert_refused(
        engine, lambda: edit(engine, update_social_worker, w.leader, "worker_id", sid, data,
                             version=version + 1),
        None, error=PermissionDenied)


def test_an_organisation_name_with_a_markdown_image_is_refused(world):
    engine, w = world
    refused(engine, create_organization, w.admin, org_form(name="![x](http://example.com/a.png)", street_id=w.street1),
            vocab.ORG_FIELD_LABELS, "name", "不能包含链接、图片或网页标记")
