"""Every write service, with a valid call of it in a chosen place (issue 14): the role × action matrix
(tests/test_access_matrix.py) and the wrong-type fuzzing (tests/test_fuzz_services.py) share this list.

A ``Spec`` names a service and knows how to make a valid call of it aimed at place "A" (community A of street 1)
or "C" (community C of street 2): it creates what the call needs (the record to edit, a pending need, a volunteer
with enough hours …) through the services as the administrator or with small inserts, and returns the keyword
arguments. ``call`` runs it the page's way (``db.write.run_write``, its own transaction, a fresh idempotency key).

Services of db/<domain>/writes.py, db/volunteers/stars.py (star presets), db/auth.py (users) and the importer are
listed; the demo loader (admin only, seconds per call) is not.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlmodel import Session

from db.activities import writes as activities
from db.auth import CurrentUser, create_user
from db.charity import corrections as charity_fixes
from db.charity import writes as charity
from db.engine import session_scope
from db.migrate import upgrade
from db.models import (
    Activity,
    CharityNeed,
    CharityResource,
    Donation,
    MediationCase,
    Organization,
    Project,
    SocialWorker,
    StarAward,
    StarPreset,
    Volunteer,
    VolunteerTeam,
)
from db.organizations import writes as orgs
from db.projects import writes as projects
from db.transfer.importers import run_import
from db.volunteers import stars
from db.volunteers import writes as star_writes
from db.volunteers import writes as volunteers
from db.write import run_write
from tests.factories import World, build_world, make_record, make_user

TODAY = date(2025, 6, 30)
DAY = date(2025, 6, 10)


@dataclass
class Ctx:
    """Two streets: street 1 with communities A and B, street 2 with community C; users of every role."""

    engine: Engine
    w: World
    staff_b: CurrentUser  # community B (street 1): another community of the same street
    staff_c: CurrentUser  # community C (street 2)
    street: dict[str, int]
    community: dict[str, int]
    n: int = 0

    def seq(self) -> int:
        self.n += 1
        return self.n

    @property
    def admin(self) -> CurrentUser:
        return self.w.admin

    def users(self) -> dict[str, CurrentUser]:
        return {"leader": self.w.leader, "staff_a": self.w.staff_a, "staff_b": self.staff_b,
                "staff_s1": self.w.staff_s1, "admin": self.w.admin}


@pytest.fixture(scope="module")
def catalog_ctx(databases) -> Ctx:
    """A fresh database at head with ``build``'s world, per test module (fast password hashing meanwhile)."""
    import db.auth

    saved, db.auth._hasher = db.auth._hasher, PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    engine = databases.new()
    upgrade(engine)
    try:
        yield build(engine)
    finally:
        db.auth._hasher = saved
        engine.dispose()


def build(engine: Engine) -> Ctx:
    w = build_world(engine, n_volunteers=0)
    with session_scope(engine, write=True) as s:
        from db.models import Community, Street

        b = s.get(Community, w.community_b)
        assert b is not None and s.get(Street, w.street2) is not None
        staff_b = make_user(s, "staff", "community", w.community_b)
        staff_c = make_user(s, "staff", "community", w.community_c)
    return Ctx(engine, w, staff_b, staff_c, {"A": w.street1, "C": w.street2},
               {"A": w.community_a, "C": w.community_c})


def _new(ctx: Ctx, row: Any) -> int:
    with session_scope(ctx.engine, write=True) as s:
        s.add(row)
        s.flush()
        return row.id


def volunteer(ctx: Ctx, place: str, hours: float = 0.0) -> int:
    """A volunteer of ``place``; with ``hours`` of approved service (one activity) when given."""
    vid = _new(ctx, Volunteer(name=f"志愿者{uuid.uuid4().hex[:4]}", street_id=ctx.street[place],
                              community_id=ctx.community[place], registered_on=date(2024, 1, 1)))
    if hours:
        aid = activity(ctx, place, day=date(2025, 1, 1 + ctx.seq() % 27))
        with session_scope(ctx.engine, write=True) as s:
            make_record(s, s.get(Activity, aid), s.get(Volunteer, vid), hours)
    return vid


def activity(ctx: Ctx, place: str, day: date = DAY) -> int:
    return admin_call(ctx, activities.create_activity, data=activity_input(ctx, place, day=day))


def organization(ctx: Ctx, place: str, reg_status: str | None = "登记") -> int:
    return _new(ctx, Organization(name=f"机构{uuid.uuid4().hex[:6]}", kind="社会组织", street_id=ctx.street[place],
                                  community_id=ctx.community[place], reg_status=reg_status))


def team(ctx: Ctx, place: str) -> int:
    return _new(ctx, VolunteerTeam(name=f"队伍{uuid.uuid4().hex[:6]}", street_id=ctx.street[place],
                                   community_id=ctx.community[place]))


def project(ctx: Ctx, place: str) -> int:
    return _new(ctx, Project(name=f"项目{uuid.uuid4().hex[:6]}", street_id=ctx.street[place],
                             community_id=ctx.community[place], area="志愿互助", start_date=date(2025, 1, 1)))


def worker(ctx: Ctx, place: str) -> int:
    return _new(ctx, SocialWorker(name=f"社工{uuid.uuid4().hex[:4]}", level="社会工作师", street_id=ctx.street[place],
                                  community_id=ctx.community[place]))


def version(ctx: Ctx, model: Any, record_id: int) -> int:
    with session_scope(ctx.engine) as s:
        return s.get(model, record_id).version


def call(ctx: Ctx, spec: Spec, user: CurrentUser, kwargs: dict[str, Any], key: str | None = None) -> Any:
    """Run ``spec``'s service as ``user`` the page's way: its own write transaction (run_write)."""
    key = key or uuid.uuid4().hex
    extra: dict[str, Any] = {}
    if spec.keyed:
        extra["idempotency_key"] = key
    if spec.today:
        extra["today"] = TODAY
    if spec.own_transaction:
        return spec.fn(ctx=ctx, user=user, **kwargs)
    return run_write(ctx.engine, key if spec.keyed else None,
                     lambda session: spec.fn(session=session, user=user, **kwargs, **extra))


def admin_call(ctx: Ctx, fn: Callable[..., Any], **kwargs: Any) -> Any:
    spec = next(s for s in SPECS if s.fn is fn)
    return call(ctx, spec, ctx.admin, kwargs)


# ------------------------------------------------------------------------------------------ valid inputs


def activity_input(ctx: Ctx, place: str, day: date = DAY, **overrides: Any) -> activities.ActivityInput:
    values: dict[str, Any] = {
        "activity_date": day, "start_time": time(9, 0), "end_time": time(11, 0), "title": "邻里互助联动服务",
        "type": "联动服务", "venue": "社区党群服务中心", "community_id": ctx.community[place], "people_served": 40,
        "unique_persons": 30, "actors": {"with_community"}, "volunteers": [], "note": "",
    }
    return activities.ActivityInput(**{**values, **overrides})


def _activity_create(ctx: Ctx, place: str) -> dict[str, Any]:
    vid = volunteer(ctx, place)
    day = date(2025, 2, 1 + ctx.seq() % 27)
    return {"data": activity_input(ctx, place, day=day, volunteers=[activities.VolunteerHours(vid, 1.5)])}


def _activity_update(ctx: Ctx, place: str) -> dict[str, Any]:
    aid = activity(ctx, place, day=date(2025, 3, 1 + ctx.seq() % 27))
    return {"activity_id": aid, "expected_version": 1,
            "data": activity_input(ctx, place, day=date(2025, 3, 1 + ctx.seq() % 27), title="改过的活动")}


def _activity_delete(ctx: Ctx, place: str) -> dict[str, Any]:
    return {"activity_id": activity(ctx, place, day=date(2025, 4, 1 + ctx.seq() % 27)), "expected_version": 1}


def volunteer_input(ctx: Ctx, place: str, **overrides: Any) -> volunteers.VolunteerInput:
    values: dict[str, Any] = {"name": f"王{'一二三四五六七八九'[ctx.seq() % 9]}芳", "registered_on": date(2025, 1, 5),
                              "community_id": ctx.community[place], "phone": f"139{ctx.seq():08d}", "gender": "女",
                              "birth_year": 1980, "tags": [], "team_ids": []}
    return volunteers.VolunteerInput(**{**values, **overrides})


def _volunteer_update(ctx: Ctx, place: str) -> dict[str, Any]:
    vid = volunteer(ctx, place)
    return {"volunteer_id": vid, "expected_version": 1, "data": volunteer_input(ctx, place)}


def team_input(ctx: Ctx, place: str, **overrides: Any) -> volunteers.TeamInput:
    values = {"name": f"邻里队{uuid.uuid4().hex[:6]}", "community_id": ctx.community[place], "founded_year": 2020,
              "description": "互助"}
    return volunteers.TeamInput(**{**values, **overrides})


def _team_update(ctx: Ctx, place: str) -> dict[str, Any]:
    return {"team_id": team(ctx, place), "expected_version": 1, "data": team_input(ctx, place)}


def _review(ctx: Ctx, place: str) -> dict[str, Any]:
    vid = volunteer(ctx, place)
    aid = activity(ctx, place, day=date(2025, 5, 1 + ctx.seq() % 27))
    with session_scope(ctx.engine, write=True) as s:
        record = make_record(s, s.get(Activity, aid), s.get(Volunteer, vid), 1.0, kind="荣誉", status="pending")
        rid = record.id
    return {"records": {rid: 1}, "approve": True, "reason": ""}


def _backfill(ctx: Ctx, place: str) -> dict[str, Any]:
    vid = volunteer(ctx, place)
    aid = activity(ctx, place, day=date(2025, 5, 1 + ctx.seq() % 27))
    return {"data": volunteers.BackfillInput(volunteer_id=vid, activity_id=aid, hours=1.5, reason="现场漏记补录")}


def _award(ctx: Ctx, place: str) -> dict[str, Any]:
    return {"volunteer_id": volunteer(ctx, place, hours=120.0), "rank": 1}


def _revoke(ctx: Ctx, place: str) -> dict[str, Any]:
    vid = volunteer(ctx, place, hours=120.0)
    with session_scope(ctx.engine, write=True) as s:
        preset = stars.preset_for_street(s, ctx.street[place])
        award = StarAward(volunteer_id=vid, preset_id=preset.id, rank=1, awarded_on=date(2025, 6, 1),
                          awarded_by=ctx.admin.id)
        s.add(award)
        s.flush()
        award_id = award.id
    return {"award_id": award_id, "reason": "认定有误"}


def _preset(ctx: Ctx, place: str) -> dict[str, Any]:
    return {"preset_id": None, "name": f"标准{uuid.uuid4().hex[:6]}", "description": "",
            "levels": [star_writes.LevelInput("一星", 50), star_writes.LevelInput("二星", 150)]}


def _choose_preset(ctx: Ctx, place: str) -> dict[str, Any]:
    """A change of the street's choice (the street has chosen once already, so the version is checked)."""
    from db.models import StreetStarPreset

    with session_scope(ctx.engine) as s:
        preset_ids = s.execute(select(StarPreset.id).order_by(StarPreset.id)).scalars().all()
        chosen = s.get(StreetStarPreset, ctx.street[place]) is not None
    if not chosen:
        admin_call(ctx, star_writes.choose_street_preset, street_id=ctx.street[place], preset_id=preset_ids[0],
                   expected_version=None)
    with session_scope(ctx.engine) as s:
        current = s.get(StreetStarPreset, ctx.street[place])
    return {"street_id": ctx.street[place], "preset_id": preset_ids[ctx.seq() % 2], "expected_version": current.version}


def resource_input(ctx: Ctx, place: str, **overrides: Any) -> charity.ResourceInput:
    values = {"provider_name": "杭州和睦超市", "provider_type": "企业", "kind": "物资", "title": "米面油爱心包",
              "amount": 10, "unit": "份", "offered_on": date(2025, 1, 10), "community_id": ctx.community[place]}
    return charity.ResourceInput(**{**values, **overrides})


def need_input(ctx: Ctx, place: str, **overrides: Any) -> charity.NeedInput:
    values = {"title": "困难家庭米面油", "category": "物资", "amount": 8, "unit": "份", "filed_on": date(2025, 2, 1),
              "community_id": ctx.community[place], "beneficiary_group": "困难家庭", "urgency": "较急"}
    return charity.NeedInput(**{**values, **overrides})


def donation_input(ctx: Ctx, place: str, **overrides: Any) -> charity.DonationInput:
    values = {"donor_name": "爱心企业", "donor_type": "企业", "is_money": True, "amount_yuan": 5000,
              "donated_on": date(2025, 3, 1), "community_id": ctx.community[place], "channel": "线下"}
    return charity.DonationInput(**{**values, **overrides})


def _need(ctx: Ctx, place: str, status: str) -> tuple[int, int | None]:
    need_id = admin_call(ctx, charity.file_need, data=need_input(ctx, place))
    resource_id = None
    if status in ("approved", "matched"):
        admin_call(ctx, charity.review_need, need_id=need_id, expected_version=1, approve=True, reason="")
    if status == "matched":
        resource_id = admin_call(ctx, charity.offer_resource, data=resource_input(ctx, place))
        admin_call(ctx, charity.match_need, need_id=need_id, expected_version=2, resource_id=resource_id, amount=8,
                   matched_on=date(2025, 3, 1))
    return need_id, resource_id


def _review_need(ctx: Ctx, place: str) -> dict[str, Any]:
    return {"need_id": _need(ctx, place, "pending")[0], "expected_version": 1, "approve": True, "reason": ""}


def _donation(ctx: Ctx, place: str) -> int:
    return admin_call(ctx, charity.record_donation, data=donation_input(ctx, place))


def _donation_update(ctx: Ctx, place: str) -> dict[str, Any]:
    return {"donation_id": _donation(ctx, place), "expected_version": 1,
            "data": donation_input(ctx, place, donor_name="更正后的捐赠方")}


def _review_needs(ctx: Ctx, place: str) -> dict[str, Any]:
    return {"needs": {_need(ctx, place, "pending")[0]: 1}, "approve": True, "reason": ""}


def _match(ctx: Ctx, place: str) -> dict[str, Any]:
    need_id, _ = _need(ctx, place, "approved")
    resource_id = admin_call(ctx, charity.offer_resource, data=resource_input(ctx, place))
    return {"need_id": need_id, "expected_version": version(ctx, CharityNeed, need_id), "resource_id": resource_id,
            "amount": 5, "matched_on": date(2025, 3, 1)}


def _complete(ctx: Ctx, place: str) -> dict[str, Any]:
    need_id, _ = _need(ctx, place, "matched")
    return {"need_id": need_id, "expected_version": version(ctx, CharityNeed, need_id),
            "completed_on": date(2025, 4, 1)}


def _withdraw(ctx: Ctx, place: str) -> dict[str, Any]:
    resource_id = admin_call(ctx, charity.offer_resource, data=resource_input(ctx, place))
    return {"resource_id": resource_id, "expected_version": version(ctx, CharityResource, resource_id),
            "withdrawn": True}


def org_input(ctx: Ctx, place: str, **overrides: Any) -> orgs.OrganizationInput:
    values = {"name": f"服务社{uuid.uuid4().hex[:6]}", "kind": "社会组织", "community_id": ctx.community[place],
              "reg_status": "登记", "category": "社区服务类", "founded_year": 2018, "description": ""}
    return orgs.OrganizationInput(**{**values, **overrides})


def _org_update(ctx: Ctx, place: str) -> dict[str, Any]:
    org_id = organization(ctx, place)
    return {"organization_id": org_id, "expected_version": 1, "data": org_input(ctx, place)}


def _grade(ctx: Ctx, place: str) -> dict[str, Any]:
    return {"data": orgs.GradeInput(organization_id=organization(ctx, place), grade="3A",
                                    awarded_on=date(2025, 1, 1 + ctx.seq() % 27), score=None)}


def _bands(ctx: Ctx, place: str) -> dict[str, Any]:
    return {"city": f"城市{uuid.uuid4().hex[:4]}", "bands": {"5A": 950, "4A": 850, "3A": 750, "2A": 650, "1A": 550},
            "expected_versions": {}}


def _drop_bands(ctx: Ctx, place: str) -> dict[str, Any]:
    kwargs = _bands(ctx, place)
    admin_call(ctx, orgs.update_grade_bands, **kwargs)
    return {"city": kwargs["city"]}


def worker_input(ctx: Ctx, place: str, **overrides: Any) -> orgs.SocialWorkerInput:
    values = {"name": "李社工", "level": "社会工作师", "community_id": ctx.community[place], "title": "督导",
              "certified_year": 2015, "training_hours": 20}
    return orgs.SocialWorkerInput(**{**values, **overrides})


def _worker_update(ctx: Ctx, place: str) -> dict[str, Any]:
    return {"worker_id": worker(ctx, place), "expected_version": 1, "data": worker_input(ctx, place)}


def training_input(ctx: Ctx, place: str, **overrides: Any) -> orgs.TrainingInput:
    values = {"title": "社工实务培训", "topic": "实务技能", "held_on": date(2025, 5, 20), "sessions": 2, "trainees": 30,
              "hours": 6, "organization_id": organization(ctx, place)}
    return orgs.TrainingInput(**{**values, **overrides})


def mediation_input(ctx: Ctx, place: str, **overrides: Any) -> orgs.MediationInput:
    values = {"received_on": date(2025, 5, 2), "type": "邻里", "source": "纠纷", "outcome": "处理中",
              "people_involved": 3, "community_id": ctx.community[place], "location": "小区楼道"}
    return orgs.MediationInput(**{**values, **overrides})


def _conclude(ctx: Ctx, place: str) -> dict[str, Any]:
    case_id = admin_call(ctx, orgs.create_mediation_case, data=mediation_input(ctx, place))
    return {"case_id": case_id, "expected_version": version(ctx, MediationCase, case_id), "outcome": "化解成功",
            "resolved_on": date(2025, 6, 1)}


def project_input(ctx: Ctx, place: str, **overrides: Any) -> projects.ProjectInput:
    values = {"name": f"项目{uuid.uuid4().hex[:6]}", "area": "志愿互助", "status": "进行中", "brand_level": None,
              "beneficiary_groups": [], "start_date": date(2025, 1, 1), "end_date": date(2025, 12, 31),
              "description": "", "community_id": ctx.community[place],
              "targets": [projects.TargetInput("activities", 10, date(2025, 12, 31))]}
    return projects.ProjectInput(**{**values, **overrides})


def _project_update(ctx: Ctx, place: str) -> dict[str, Any]:
    return {"project_id": project(ctx, place), "expected_version": 1,
            "data": project_input(ctx, place, targets=[])}


def _target(ctx: Ctx, place: str) -> dict[str, Any]:
    return {"data": projects.NewTarget(project(ctx, place),
                                       projects.TargetInput("people_served", 500, date(2025, 12, 31)))}


def indicator_input(ctx: Ctx, place: str, **overrides: Any) -> projects.IndicatorInput:
    values = {"subject": "新港山路社区", "metric": "服务人次", "value": 600, "qualifier": "≥", "unit": "人次",
              "as_of": date(2025, 6, 1), "source": "社区工作总结", "note": "", "community_id": ctx.community[place]}
    return projects.IndicatorInput(**{**values, **overrides})


def _user(ctx: Ctx, place: str) -> dict[str, Any]:
    return {"username": f"user_{uuid.uuid4().hex[:8]}", "password": "Correct-horse-9", "role": "staff",
            "scope_type": "community", "scope_id": ctx.community[place]}


def _create_user(*, session: Session, user: CurrentUser, **kwargs: Any) -> int:
    return create_user(session=session, actor=user, **kwargs)


def _import(*, ctx: Ctx, user: CurrentUser, data: bytes, mode: str = "all_or_nothing") -> Any:
    result = run_import(ctx.engine, user, "activities", data, "台账.csv", mode=mode, today=TODAY)
    if not result.written:
        from db.errors import PermissionDenied

        raise PermissionDenied("; ".join(p.reason for p in result.problems) or (result.error or "未导入"))
    return result


def _import_args(ctx: Ctx, place: str) -> dict[str, Any]:
    with session_scope(ctx.engine) as s:
        from db.models import Community, Street

        community = s.get(Community, ctx.community[place])
        street = s.get(Street, community.street_id)
        name = f"{street.name}/{community.name}"
    text = ("活动日期,活动名称,活动类型,活动时段,所属社区,服务人次,参与主体\n"
            f"2025-06-0{1 + ctx.seq() % 9},导入活动{uuid.uuid4().hex[:6]},联动服务,9:00-11:00,{name},10,社区\n")
    return {"data": text.encode()}


# ------------------------------------------------------------------------------------------ the list


@dataclass
class Spec:
    name: str
    fn: Callable[..., Any]
    prepare: Callable[[Ctx, str], dict[str, Any]]
    keyed: bool = True  # takes an idempotency key
    today: bool = True  # takes ``today``
    admin_only: bool = False
    own_transaction: bool = False  # runs its own transactions (the importer)
    model: Any = None  # the table a successful call adds a row to or changes
    tags: set[str] = field(default_factory=set)


SPECS: list[Spec] = [
    Spec("create_activity", activities.create_activity, _activity_create, model=Activity),
    Spec("update_activity", activities.update_activity, _activity_update, keyed=False, model=Activity),
    Spec("delete_activity", activities.delete_activity, _activity_delete, keyed=False, today=False, model=Activity),
    Spec("create_volunteer", volunteers.create_volunteer, lambda c, p: {"data": volunteer_input(c, p)},
         model=Volunteer),
    Spec("update_volunteer", volunteers.update_volunteer, _volunteer_update, keyed=False, model=Volunteer),
    Spec("create_team", volunteers.create_team, lambda c, p: {"data": team_input(c, p)}, model=VolunteerTeam),
    Spec("update_team", volunteers.update_team, _team_update, keyed=False, model=VolunteerTeam),
    Spec("review_records", volunteers.review_records, _review, keyed=False, today=False),
    Spec("backfill_hours", volunteers.backfill_hours, _backfill, today=False),
    Spec("award_star", volunteers.award_star, _award, today=False, model=StarAward),
    Spec("revoke_star", volunteers.revoke_star, _revoke, keyed=False, today=False, model=StarAward),
    Spec("save_preset", star_writes.save_preset, _preset, keyed=False, today=False, admin_only=True, model=StarPreset),
    Spec("choose_street_preset", star_writes.choose_street_preset, _choose_preset, keyed=False, today=False,
         admin_only=True),
    Spec("offer_resource", charity.offer_resource, lambda c, p: {"data": resource_input(c, p)},
         model=CharityResource),
    Spec("file_need", charity.file_need, lambda c, p: {"data": need_input(c, p)}, model=CharityNeed),
    Spec("review_need", charity.review_need, _review_need, today=False, model=CharityNeed),
    Spec("match_need", charity.match_need, _match, model=CharityNeed),
    Spec("complete_need", charity.complete_need, _complete, model=CharityNeed),
    Spec("record_donation", charity.record_donation, lambda c, p: {"data": donation_input(c, p)}),
    Spec("update_donation", charity_fixes.update_donation, _donation_update, keyed=False, model=Donation),
    Spec("delete_donation", charity_fixes.delete_donation,
         lambda c, p: {"donation_id": _donation(c, p), "expected_version": 1}, keyed=False, today=False,
         model=Donation),
    Spec("review_needs", charity_fixes.review_needs, _review_needs, keyed=False, today=False, model=CharityNeed),
    Spec("set_resource_withdrawn", charity.set_resource_withdrawn, _withdraw, keyed=False, today=False,
         model=CharityResource),
    Spec("create_organization", orgs.create_organization, lambda c, p: {"data": org_input(c, p)},
         model=Organization),
    Spec("update_organization", orgs.update_organization, _org_update, keyed=False, model=Organization),
    Spec("create_grade", orgs.create_grade, _grade),
    Spec("update_grade_bands", orgs.update_grade_bands, _bands, keyed=False, today=False, admin_only=True),
    Spec("drop_city_bands", orgs.drop_city_bands, _drop_bands, keyed=False, today=False, admin_only=True),
    Spec("create_social_worker", orgs.create_social_worker, lambda c, p: {"data": worker_input(c, p)},
         model=SocialWorker),
    Spec("update_social_worker", orgs.update_social_worker, _worker_update, keyed=False, model=SocialWorker),
    Spec("create_training", orgs.create_training, lambda c, p: {"data": training_input(c, p)}),
    Spec("create_mediation_case", orgs.create_mediation_case, lambda c, p: {"data": mediation_input(c, p)},
         model=MediationCase),
    Spec("conclude_mediation_case", orgs.conclude_mediation_case, _conclude, keyed=False, model=MediationCase),
    Spec("create_project", projects.create_project, lambda c, p: {"data": project_input(c, p)}, model=Project),
    Spec("update_project", projects.update_project, _project_update, keyed=False, model=Project),
    Spec("create_target", projects.create_target, _target),
    Spec("create_indicator", projects.create_indicator, lambda c, p: {"data": indicator_input(c, p)}),
    Spec("create_user", _create_user, _user, keyed=False, today=False, admin_only=True),
    Spec("run_import", _import, _import_args, keyed=False, today=False, own_transaction=True, model=Activity),
]
BY_NAME = {s.name: s for s in SPECS}
