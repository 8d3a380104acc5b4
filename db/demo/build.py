"""The demo data set (DESIGN.md §11), built from the two reports of ``seed-facts.md``.

What it holds
- 薛家岛街道 (山东省青岛市黄岛区, 370211) with 新港山路社区 and two other communities, and 乔司街道 (浙江省杭州市
  临平区, 330113) with 胜稼村 and five other villages and communities; the named organisations, projects, teams,
  brands and spaces of the reports; synthetic records (generated names) from 2021-01-01 up to ``today``.
- Records that reproduce every figure of the reports that records can carry (e.g. 612 mediation cases at
  杨金泉纠纷调解服务中心, 98.5 % of the concluded ones resolved), and every figure as the reports state it as a
  ``ReportedIndicator`` with its qualifier (“余/超/以上” → ≥), unit, source and as-of date.

As-of dates of the reported indicators (the page itself carries no date)
- Report 1, 山东：“社工+志愿”打造和谐家园 (《大众日报》): 2025-03-05, 学雷锋纪念日 2025, shortly after the
  provincial pilot list it reports was published.
- Report 2, 浙江杭州临平区：“乔社育才”倡导社工发展“新模式” (杭州市临平区民政局官网): 2025-06-30; its
  “今年以来” (capacity building) is read as January–June 2025.
Records behind a reported figure are dated on or before its as-of date. Filler records run on to ``today`` and
never touch a figure that a report states exactly (no filler 宣讲 in “阳光下 蔚蓝天”, no filler in 幸福工坊, no
filler organisation with a registration status in 乔司街道, no filler training of 乔社学院 or on 能力建设).

Determinism: one ``random.Random(20250630)``. The fact records are drawn first and do not depend on ``today``;
only the filler does (dates up to ``today``, so 本月/本年 figures are not zero).

Loading is a bulk insert: ``session.execute(insert(table), rows)`` on SQLite, COPY on PostgreSQL, all in one
transaction. Rows are generated (outside the write lock) with ids relative to the demo set; at insert time each
table's ids, and every foreign key pointing at it, are shifted past the ids already in use; on PostgreSQL the
table is locked against other inserts meanwhile and its id sequence advanced past the new rows.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from pydantic_core import PydanticUndefined
from sqlalchemy import JSON, Engine, Table, delete, false, func, insert, literal, or_, select, text, update
from sqlmodel import Session, SQLModel

from db import clock, vocab
from db.auth import create_user
from db.engine import session_scope
from db.errors import PermissionDenied, WriteError
from db.models import (
    Activity,
    AppMeta,
    AppUser,
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
    ProjectTarget,
    ReportedIndicator,
    ServiceRecord,
    ServiceSpace,
    SocialWorker,
    StarAward,
    StarPreset,
    Street,
    StreetStarPreset,
    TeamMember,
    Training,
    Volunteer,
    VolunteerTeam,
)
from db.volunteers.totals import refresh_volunteer_totals
from db.write import begin_write, record_audit

if TYPE_CHECKING:
    from db.auth import CurrentUser

SEED = 20250630
DEMO_PASSWORD = "wushe-demo"
# (username, role description shown on the login page)
DEMO_ACCOUNTS = [
    ("demo_leader", "领导 · 全部数据（只读）"),
    ("demo_staff", "工作人员 · 新港山路社区（可录入）"),
    ("demo_admin", "管理员 · 全部数据与系统管理"),
]
META_KEY = "demo_loaded"
# Set by clear_demo: the demo was taken off on purpose, so the next start does not load it again.
CLEARED_KEY = "demo_cleared"

REPORT1_SOURCE = "《大众日报》"
REPORT1_AS_OF = date(2025, 3, 5)
REPORT2_SOURCE = "杭州市临平区民政局官网"
REPORT2_AS_OF = date(2025, 6, 30)
FILLER_START = date(2021, 1, 1)
# Fact records are dated up to REPORT2_AS_OF; an earlier ``today`` would put them in the future.
EARLIEST_TODAY = date(2025, 7, 1)

XUE, QIAO = "薛家岛街道", "乔司街道"
XGSL = "新港山路社区"
COMPOUNDS = ("海尔山海湾", "京海园")
FEATURED_SPACES = (
    ("高级社工师工作室与志愿服务站综合活动室", True),
    ("雷锋宣传角", True),
    ("雷锋广场", False),
)
HU_AHU_ITEMS = ("补鞋", "补衣服", "修家电", "磨刀", "理发", "修伞", "配钥匙", "修自行车", "修钟表", "缝纫改衣",
                "量血压", "手机使用指导")

# Insert order: parents before children.
MODELS: tuple[type[SQLModel], ...] = (
    Street, Community, Compound, ServiceSpace, Organization, OrgGrade, Brand, Volunteer, VolunteerTeam, TeamMember,
    SocialWorker, Project, ProjectTarget, Activity, ServiceRecord, Training, MediationCase, CharityResource,
    CharityNeed, CharityMatch, Donation, ReportedIndicator, StarAward,
)

# Time slots of a day: every activity lies inside one, and a volunteer takes at most one activity per slot,
# so no volunteer is ever on two overlapping activities.
_SLOTS = ((time(8, 0), time(12, 0)), (time(13, 30), time(17, 30)), (time(18, 30), time(21, 0)))

_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
             "卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶贺顾毛郝龚邵万钱严武戴孔汤")
_GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉红梅志海燕文斌春晓东宇浩然欣怡子涵梓轩佳琪雨萱俊思远淑珍"
          "秀英德福凤萍永卫立新亚琴慧婷雪云飞鹏凯翔嘉乐安宁")

_COMMUNITIES = (  # street, name, kind, lng, lat (GCJ-02, inside the district), service brand
    (XUE, XGSL, "社区", 120.242, 36.006, "港好有你 治享家园"),
    (XUE, "安子社区", "社区", 120.270, 35.992, "海韵安子 邻里同心"),
    (XUE, "鱼鸣嘴社区", "社区", 120.295, 35.988, "渔韵鱼鸣 和美家园"),
    (QIAO, "胜稼村", "村", 120.262, 30.355, "幸福胜稼"),
    (QIAO, "三角村", "村", 120.300, 30.383, "乡贤三角"),
    (QIAO, "方桥村", "村", 120.312, 30.360, "方桥和美"),
    (QIAO, "永玄村", "村", 120.258, 30.366, "玄风善治"),
    (QIAO, "和睦社区", "社区", 120.276, 30.372, "和睦一家亲"),
    (QIAO, "乔莫社区", "社区", 120.290, 30.390, "乔莫邻里汇"),
)

_TITLES = {  # filler activity titles by type
    "联动服务": ("“社工+志愿”联动服务日", "邻里守望联动服务", "困难家庭帮扶联动", "社区环境整治", "垃圾分类入户指导"),
    "宣讲": ("政策宣讲进小区", "反诈宣传讲座", "消防安全宣讲", "文明实践宣讲", "法律知识宣讲"),
    "培训": ("志愿者岗前培训", "应急救护技能培训", "社工实务培训"),
    "调解": ("矛盾纠纷调解接待日", "法律咨询与调解"),
    "义诊": ("健康义诊", "中医义诊进社区", "免费测血压血糖"),
    "便民服务": ("便民服务集市", "义务理发", "家电义修", "磨刀补鞋"),
    "文体活动": ("邻里节文艺汇演", "广场舞交流", "亲子运动会", "书法兴趣班"),
    "探访关爱": ("独居老人探访", "困境儿童关爱", "高龄老人集体生日会"),
    "义卖": ("爱心义卖", "跳蚤市场公益义卖"),
}
_FILLER_TYPES = ("联动服务", "宣讲", "培训", "调解", "义诊", "便民服务", "文体活动", "探访关爱", "义卖")
_FILLER_TYPE_WEIGHTS = (30, 8, 6, 4, 6, 16, 14, 14, 2)
_YEAR_WEIGHT = {2021: 0.6, 2022: 0.8, 2023: 1.0, 2024: 1.15, 2025: 1.3}


class _Gen:
    """Generates the demo rows with ids relative to the demo set (1, 2, … per table)."""

    def __init__(self, today: date):
        self.rng = random.Random(SEED)
        self.today = today
        self.rows: dict[type[SQLModel], list[dict[str, Any]]] = defaultdict(list)
        self._ids: dict[type[SQLModel], int] = defaultdict(int)
        self.busy: set[tuple[int, date, int]] = set()
        self.reg: dict[int, date] = {}
        self.weight: dict[int, float] = {}
        self.street: dict[str, int] = {}
        self.community: dict[str, int] = {}
        self.point: dict[int, tuple[float, float]] = {}
        self.venues: dict[int, list[str]] = {}
        self.org: dict[str, int] = {}
        self.project: dict[str, int] = {}
        self.team: dict[str, int] = {}
        self.sw_by_place: dict[tuple[str, int], list[int]] = defaultdict(list)
        self.pool: dict[str, list[int]] = defaultdict(list)
        self.filler_projects: dict[int, list[int]] = defaultdict(list)
        self._cum: dict[tuple[int, int], list[float]] = {}

    # ------------------------------------------------------------------------------------------ helpers

    def add(self, model: type[SQLModel], **values: Any) -> int:
        if "id" in model.__table__.c:  # type: ignore[attr-defined]
            self._ids[model] += 1
            values["id"] = self._ids[model]
        values.setdefault("is_demo", True)
        self.rows[model].append(values)
        return values.get("id", 0)

    def name(self) -> str:
        r = self.rng
        given = r.choice(_GIVEN) + (r.choice(_GIVEN) if r.random() < 0.7 else "")
        return r.choice(_SURNAMES) + given

    def day_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def days_spread(self, n: int, start: date, end: date) -> list[date]:
        """``n`` dates spread evenly (with jitter) over [start, end], ascending."""
        span = (end - start).days
        out = []
        for i in range(n):
            base = span * (i + 0.5) / n
            jitter = self.rng.uniform(-0.4, 0.4) * span / n
            out.append(start + timedelta(days=int(min(span, max(0, base + jitter)))))
        return sorted(out)

    def jitter(self, lng: float, lat: float, d: float) -> tuple[float, float]:
        return round(lng + self.rng.uniform(-d, d), 6), round(lat + self.rng.uniform(-d, d), 6)

    # --------------------------------------------------------------------------------------- volunteers

    def volunteers(self, pool: str, n: int, *, street: str, community: str | None = None,
                   communities: list[str] | None = None, org: str | None = None, reg: tuple[date, date],
                   tags: Callable[[], list[str]] | None = None, female: float = 0.5,
                   staff: int = 0) -> list[int]:
        r = self.rng
        ids = []
        for i in range(n):
            comm = community or (r.choice(communities) if communities else None)
            day = self.day_between(*reg)
            vid = self.add(
                Volunteer, name=self.name(), phone=f"1{r.choice('3589')}{r.randrange(10**9):09d}",
                gender="女" if r.random() < female else "男", birth_year=r.randint(1952, 2004),
                street_id=self.street[street], community_id=self.community[comm] if comm else None,
                organization_id=self.org[org] if org else None, tags=tags() if tags else [],
                registered_on=day, leaderboard_opt_out=r.random() < 0.03, is_staff=i < staff,
                created_at=datetime.combine(day, time(9, 0)),
            )
            self.reg[vid] = day
            self.weight[vid] = min(25.0, r.paretovariate(1.3))
            ids.append(vid)
        self.pool[pool].extend(ids)
        return ids

    def team_of(self, name: str, members: Iterable[int], *, street: str, community: str | None = None,
                org: str | None = None, founded: int | None = None, description: str = "") -> int:
        tid = self.add(VolunteerTeam, name=name, street_id=self.street[street],
                       community_id=self.community[community] if community else None,
                       organization_id=self.org[org] if org else None, founded_year=founded,
                       description=description)
        self.team[name] = tid
        for vid in members:
            self.add(TeamMember, team_id=tid, volunteer_id=vid, joined_on=self.reg[vid])
        return tid

    def pick(self, pool: list[int], k: int, day: date, slot: int, cover: list[int] | None = None) -> list[int]:
        """Up to ``k`` volunteers of ``pool`` registered by ``day`` and free in ``slot``; ``cover`` first."""
        chosen: list[int] = []
        taken: set[int] = set()

        def free(v: int) -> bool:
            return v not in taken and self.reg[v] <= day and (v, day, slot) not in self.busy

        if cover is not None:
            for v in list(cover):
                if len(chosen) >= k:
                    break
                if free(v):
                    chosen.append(v)
                    taken.add(v)
                    cover.remove(v)
        tries = 0
        key = (id(pool), len(pool))
        cum = self._cum.get(key)
        if cum is None:
            cum = self._cum[key] = list(accumulate(self.weight[v] for v in pool))
        while len(chosen) < k and tries < 6:
            for v in self.rng.choices(pool, cum_weights=cum, k=2 * k):
                if len(chosen) < k and free(v):
                    chosen.append(v)
                    taken.add(v)
            tries += 1
        for v in chosen:
            self.busy.add((v, day, slot))
        return chosen

    # --------------------------------------------------------------------------------------- activities

    def activity(self, *, street: str, community: str | None, org: str | None = None, project: str | None = None,
                 title: str, type: str, venue: str, day: date, pool: list[int] | None = None,
                 n_vol: tuple[int, int] = (0, 0), lead: int | None = None, people: int | tuple[int, int] = (10, 60),
                 slot: int | None = None, hours: tuple[float, float] = (1.0, 3.0), charity: bool = False,
                 fact: bool = False, cover: list[int] | None = None) -> int:
        r = self.rng
        if slot is None:
            slot = r.choices((0, 1, 2), weights=(50, 40, 10))[0]
        slot_start, slot_end = (datetime.combine(day, t) for t in _SLOTS[slot])
        room = (slot_end - slot_start).total_seconds() / 3600
        duration = min(room, r.choice([h / 2 for h in range(int(hours[0] * 2), int(hours[1] * 2) + 1)]))
        latest_start = room - duration
        starts_at = slot_start + timedelta(minutes=30 * r.randint(0, int(latest_start * 2)))
        ends_at = starts_at + timedelta(hours=duration)
        chosen = self.pick(pool, r.randint(*n_vol), day, slot, cover) if pool and n_vol[1] else []
        street_id = self.street[street]
        community_id = self.community[community] if community else None
        org_id = self.org[org] if org else None
        project_id = self.project[project] if project else None
        aid = self.add(
            Activity, street_id=street_id, community_id=community_id, organization_id=org_id, project_id=project_id,
            title=title, type=type, venue=venue, starts_at=starts_at, ends_at=ends_at,
            with_community=community is not None, with_organization=org is not None,
            with_social_worker=lead is not None, with_volunteers=bool(chosen), with_charity=charity,
            lead_social_worker_id=lead, people_served=people if isinstance(people, int) else r.randint(*people),
            unique_persons=None, note="", created_by="demo_staff" if community == XGSL else "demo_admin",
            created_at=ends_at, updated_at=ends_at,
        )
        age = (self.today - day).days
        for vid in chosen:
            roll = r.random()
            h = duration if roll < 0.7 else (max(0.5, duration - 0.5) if roll < 0.9 else min(1.0, duration))
            kind, status, reason = "信用", "approved", ""
            if not fact:
                roll = r.random()
                if age <= 2 or (age <= 40 and roll < 0.25):
                    status = "pending"
                elif roll < 0.012:
                    status, reason = "rejected", r.choice(("时长与签到记录不符", "重复提交", "未参加本场活动"))
                elif roll < 0.045:
                    kind, reason = "荣誉", "活动现场未签到，事后补录"
            approved_at = None
            if status != "pending":
                approved_at = min(ends_at + timedelta(hours=r.randint(2, 40)), datetime.combine(self.today, time(8)))
                approved_at = max(approved_at, ends_at)
            self.add(ServiceRecord, volunteer_id=vid, activity_id=aid, hours=h, kind=kind, status=status,
                     reason=reason, approved_by="demo_admin" if approved_at else None, approved_at=approved_at,
                     service_date=day, street_id=street_id, community_id=community_id, organization_id=org_id,
                     project_id=project_id)
        return aid

    def mediation(self, *, street: str, community: str | None, received: date, type: str, source: str,
                  outcome: str, people: int, org: str | None = None, team: str | None = None,
                  project: str | None = None, location: str = "") -> int:
        resolved = None
        if outcome != "处理中":
            resolved = min(received + timedelta(days=self.rng.randint(1, 25)), self.today)
        return self.add(
            MediationCase, street_id=self.street[street], community_id=self.community[community] if community else None,
            organization_id=self.org[org] if org else None, team_id=self.team[team] if team else None,
            project_id=self.project[project] if project else None, received_on=received, resolved_on=resolved,
            type=type, source=source, outcome=outcome, people_involved=people, location=location,
        )

    def social_workers(self, n: int, *, street: str, community: str | None = None, org: str | None = None,
                       levels: tuple[int, int, int] = (50, 40, 10)) -> list[int]:
        r = self.rng
        ids = []
        for _ in range(n):
            sid = self.add(SocialWorker, name=self.name(), level=r.choices(vocab.SOCIAL_WORKER_LEVELS, levels)[0],
                           street_id=self.street[street], community_id=self.community[community] if community else None,
                           organization_id=self.org[org] if org else None, title="",
                           certified_year=r.randint(2012, 2024), training_hours=float(r.randint(12, 120)))
            ids.append(sid)
        key = ("org", self.org[org]) if org else ("community", self.community[community or ""])
        self.sw_by_place[key].extend(ids)
        return ids

    def organization(self, name: str, kind: str, *, street: str | None, community: str | None = None,
                     reg_status: str | None = None, category: str = "", founded: int | None = None,
                     incubation: str | None = None, description: str = "") -> int:
        oid = self.add(Organization, name=name, kind=kind, street_id=self.street[street] if street else None,
                       community_id=self.community[community] if community else None, reg_status=reg_status,
                       category=category, incubation_stage=incubation, founded_year=founded,
                       description=description)
        self.org[name] = oid
        return oid

    def project_of(self, name: str, *, street: str, area: str, groups: list[str], community: str | None = None,
                   org: str | None = None, level: str | None = None, status: str = "进行中",
                   start: date | None = None, description: str = "") -> int:
        assert area in vocab.FIVE_AREAS
        pid = self.add(Project, name=name, street_id=self.street[street],
                       community_id=self.community[community] if community else None,
                       organization_id=self.org[org] if org else None, area=area, brand_level=level, status=status,
                       beneficiary_groups=groups, start_date=start, end_date=None, description=description)
        self.project[name] = pid
        return pid

    def brand(self, name: str, *, street: str, community: str | None = None, org: str | None = None,
              area: str | None = None, description: str = "") -> int:
        return self.add(Brand, name=name, street_id=self.street[street],
                        community_id=self.community[community] if community else None,
                        organization_id=self.org[org] if org else None, area=area, description=description)

    def indicator(self, subject: str, metric: str, value: float, qualifier: str, unit: str, *, report: int,
                  street: str, community: str | None = None, org: str | None = None, project: str | None = None,
                  kpi_key: str | None = None, note: str = "") -> int:
        return self.add(
            ReportedIndicator, subject=subject, street_id=self.street[street],
            community_id=self.community[community] if community else None,
            organization_id=self.org[org] if org else None, project_id=self.project[project] if project else None,
            metric=metric, kpi_key=kpi_key, value=value, qualifier=qualifier, unit=unit,
            as_of=REPORT1_AS_OF if report == 1 else REPORT2_AS_OF,
            source=REPORT1_SOURCE if report == 1 else REPORT2_SOURCE, note=note,
        )


# ================================================================================================ places


def _places(g: _Gen) -> None:
    g.street[XUE] = g.add(Street, name=XUE, province="山东省", city="青岛市", district="黄岛区",
                          district_code="370211", lng=120.243, lat=36.003)
    g.street[QIAO] = g.add(Street, name=QIAO, province="浙江省", city="杭州市", district="临平区",
                           district_code="330113", lng=120.280, lat=30.370)
    r = g.rng
    for street, name, kind, lng, lat, brand in _COMMUNITIES:
        if name == XGSL:
            cid = g.add(
                Community, street_id=g.street[street], name=name, kind=kind, founded_year=2010, population=8900,
                households=None, area_km2=None, party_secretary="范偌为", service_brand=brand,
                pilot_status="入选山东省委社会工作部党建引领“专业社工+志愿服务”融合试点项目（青岛市 3 个入选社区之一，"
                             "西海岸新区唯一入选社区）",
                featured_scenes=[s for s, _ in FEATURED_SPACES],
                description="辖海尔山海湾、京海园两个居民小区。设立“高级社会工作师工作室”（督导团队+工作团队），"
                            "建立专职人员和专业人员组成的“两专工作队”、社会工作者和社区志愿者联席会议工作小组；"
                            "搭建“双报到”平台，引导在职党员、商圈业主、小区居民注册成为社区志愿者，并鼓励其参加"
                            "社会工作者职业水平考试。下一步：打造首个“自我创业”型党群服务中心，依托高级社工师工作室"
                            "和社会组织孵化中心引入专业社会工作力量。",
                lng=lng, lat=lat)
        else:
            population = r.randrange(2400, 9000, 10)
            cid = g.add(Community, street_id=g.street[street], name=name, kind=kind,
                        founded_year=r.choice((2001, 2004, 2008, 2012, 2015)) if kind == "社区" else None,
                        population=population, households=population // r.choice((2, 3)),
                        area_km2=round(r.uniform(0.6, 4.5), 2), party_secretary=g.name(), service_brand=brand,
                        pilot_status="", featured_scenes=[], description="", lng=lng, lat=lat)
        g.community[name] = cid
        g.point[cid] = (lng, lat)
    # Compounds and spaces.
    xg = g.community[XGSL]
    for c in COMPOUNDS:
        g.add(Compound, community_id=xg, name=c, households=None)
    lng, lat = g.point[xg]
    g.add(ServiceSpace, community_id=xg, name="新港山路社区服务中心", kind="服务中心", area_m2=2600, indoor=True,
          description="整合山海湾小区内 19 处物业用房，化零为整置换 2600 平方米空间打造而成", lng=lng, lat=lat)
    offsets = ((0.0012, 0.0004), (-0.0008, 0.0010), (0.0004, -0.0012))
    # The featured spaces host the report's 100+ linked activities; filler uses them only after the report.
    g.venues[xg] = ["新港山路社区服务中心", *COMPOUNDS]
    for (space, indoor), (dx, dy) in zip(FEATURED_SPACES, offsets, strict=True):
        g.add(ServiceSpace, community_id=xg, name=space, kind="特色场景", area_m2=None, indoor=indoor,
              description="“社工+志愿”融合创新的主要空间载体" + ("（室内）" if indoor else "（户外花园）"),
              lng=round(lng + dx, 6), lat=round(lat + dy, 6))
    for _street, name, kind, lng, lat, _brand in _COMMUNITIES[1:]:
        cid = g.community[name]
        centre = f"{name}党群服务中心"
        spaces = [(centre, "服务中心", r.randrange(300, 1500, 10), True), (f"{name}文化广场", "广场", None, False)]
        if kind == "村":
            spaces.append((f"{name}文化礼堂", "活动室", r.randrange(200, 600, 10), True))
        g.venues[cid] = []
        for sname, skind, area, indoor in spaces:
            slng, slat = g.jitter(lng, lat, 0.0012)
            g.add(ServiceSpace, community_id=cid, name=sname, kind=skind, area_m2=area, indoor=indoor,
                  description="", lng=slng, lat=slat)
            g.venues[cid].append(sname)
    for name, cid in g.community.items():
        if name in ("鱼鸣嘴社区", "三角村", "和睦社区", "乔莫社区"):
            for suffix in ("花园", "家园")[: r.randint(1, 2)]:
                g.add(Compound, community_id=cid, name=name[:2] + suffix, households=r.randrange(300, 1500, 10))


# ======================================================================================== organisations


def _organisations(g: _Gen) -> None:
    g.organization("高级社会工作师工作室", "工作站", street=XUE, community=XGSL,
                   description="设于新港山路社区党群服务中心，由青岛理工大学社会工作教研室主任、高级社工师刘世颖教授领衔，"
                               "由督导团队和工作团队组成，运用专业智库完善顶层设计、系统推进融合项目。")
    g.organization("青岛理工大学", "高校", street=XUE,
                   description="社会工作教研室为新港山路社区提供专业督导与智库支持。")
    g.organization("薛家岛街道办事处", "政府部门", street=XUE)
    g.organization(
        "乔司社会组织服务中心", "服务中心", street=QIAO, reg_status="登记", category="社区服务类", founded=2019,
        description="成立于 2019 年，集党建、交流、服务、培育、宣传等功能于一体的社会组织服务平台。理念“乔社领航 五社融合”，"
                    "以“融”字为主线贯穿社区治理融享、社工人才融聚、社会组织融建、志愿力量融助、慈善资源融汇五大区域，"
                    "打造“乔社善治”“乔社育才”“乔社有为”“乔社互助”“乔社积善”五大品牌。")
    g.organization("杨金泉纠纷调解服务中心", "服务中心", street=QIAO, reg_status="登记", category="社区服务类",
                   founded=2018, incubation="出壳",
                   description="开展区级品牌公益服务项目“乔司街道社会矛盾纠纷（非诉类）调解服务项目”。")
    g.organization("心灵守乔社会工作服务站", "工作站", street=QIAO, reg_status="登记", category="社会工作服务类",
                   founded=2020, incubation="出壳",
                   description="开展“阳光下 蔚蓝天”妇女权益维护、反家暴项目，以加强妇女维权服务和家庭建设为着力点。")
    g.organization(
        "胡阿虎公益服务中心", "服务中心", street=QIAO, reg_status="登记", category="公益慈善类", founded=2016,
        incubation="出壳",
        description="长期在辖区内提供志愿服务，从单一的补鞋扩展到 12 个便民服务项目：" + "、".join(HU_AHU_ITEMS)
                    + "（报道列举前五项，其余为演示数据）；志愿者队伍发展到 100 余人。胡阿虎师傅获评浙江好人、"
                    "浙江省最美志愿者、杭州市道德模范（平民英雄）。")
    g.organization("乔心愿公益服务中心", "服务中心", street=QIAO, reg_status="登记", category="公益慈善类",
                   founded=2019, incubation="出壳",
                   description="开展“乔心守护、医路同行”项目，长期在医院提供导诊志愿服务，成为患者就医的直通“乔”。")
    g.organization("乔社学院", "服务中心", street=QIAO,
                   description="乔司社会组织服务中心建立的培训平台（非独立登记），组建包括高校专家教授、优秀村社书记等在内的"
                               "智库导师团，开设多层次培训课程。")
    g.organization("乔司街道残疾人之家", "政府部门", street=QIAO, description="设有残疾人之家爱心超市。")
    g.organization("乔司街道办事处", "政府部门", street=QIAO)
    g.organization("临平区乔善公益基金会", "基金会", street=QIAO)
    g.organization("浙江理工大学", "高校", street=QIAO, description="社会工作专业师生参与慈善资源库技能服务。")
    for name in ("杭州乔新纺织有限公司", "临平顺泰物流有限公司", "杭州和睦超市连锁有限公司", "乔司爱心面馆"):
        g.organization(name, "企业", street=QIAO)
    for name in ("青岛港湾物业服务有限公司", "西海岸新区海韵商贸有限公司"):
        g.organization(name, "企业", street=XUE)
    # 乔司街道: exactly 63 registered (登记) and 216 filed (备案) social organisations, named ones included.
    themes = ("社会工作", "养老服务", "青少年服务", "助残服务", "邻里互助", "文化促进", "体育健身", "法律服务",
              "心理健康", "环保公益", "家庭教育", "乡贤治理", "新居民服务", "应急救援")
    forms = ("服务中心", "促进会", "协会", "服务社", "发展中心")
    registered_named = sum(1 for row in g.rows[Organization] if row["reg_status"] == "登记" and row["street_id"]
                           == g.street[QIAO])
    r = g.rng
    names = [f"杭州市临平区乔司{t}{f}" for f in forms for t in themes]
    assert len(names) >= 63 - registered_named
    for name in names[: 63 - registered_named]:
        g.organization(name, "社会组织", street=QIAO, reg_status="登记",
                       category=r.choice(("社区服务类", "公益慈善类", "文体类", "社会工作服务类")),
                       founded=r.randint(2008, 2023), incubation=r.choice((None, "成长", "出壳")))
    groups = ("夕阳红舞蹈队", "腰鼓队", "书画社", "太极拳队", "合唱团", "志愿服务队", "邻里互助会", "睦邻议事会",
              "巾帼志愿队", "红色宣讲团", "平安巡逻队", "读书会", "环保志愿队", "棋牌协会", "健身队", "乡风文明劝导队",
              "老年协会", "亲子阅读会", "垃圾分类督导队", "篮球队", "摄影社", "戏曲社", "编织兴趣社", "民间调解队",
              "助老服务队", "青年志愿队", "爱心车队", "义剪队", "健康宣教队", "手工坊", "旗袍队", "越剧社",
              "象棋社", "钓鱼协会", "农技服务队", "文艺轻骑兵")
    qiao_communities = [c[1] for c in _COMMUNITIES if c[0] == QIAO]
    for cname in qiao_communities:
        for grp in groups:
            g.organization(f"{cname}{grp}", "社会组织", street=QIAO, community=cname, reg_status="备案",
                           category="社区社会组织", founded=r.randint(2012, 2024),
                           incubation=r.choice((None, None, "入驻孵化", "成长")))
    # A few social organisations in 薛家岛街道 (not part of any report figure).
    for cname in (XGSL, "安子社区", "鱼鸣嘴社区"):
        for grp in ("志愿服务队", "邻里互助会", "书画社", "夕阳红舞蹈队"):
            g.organization(f"{cname}{grp}", "社会组织", street=XUE, community=cname, reg_status="备案",
                           category="社区社会组织", founded=r.randint(2012, 2023))
    g.organization("青岛市黄岛区薛家岛社会工作服务中心", "社会组织", street=XUE, reg_status="登记",
                   category="社会工作服务类", founded=2017)
    # Grades current at the demo date: 3×5A, 5×4A, 2×3A in 乔司街道 (awarded 2022–2025, valid five years).
    filler_registered = names[: 63 - registered_named]
    graded = [("杨金泉纠纷调解服务中心", "5A", date(2023, 11, 20)), ("胡阿虎公益服务中心", "5A", date(2024, 6, 18)),
              ("乔心愿公益服务中心", "5A", date(2025, 3, 26)), ("心灵守乔社会工作服务站", "4A", date(2024, 12, 10)),
              (filler_registered[0], "4A", date(2022, 3, 15)), (filler_registered[1], "4A", date(2023, 5, 8)),
              (filler_registered[2], "4A", date(2024, 9, 2)), (filler_registered[3], "4A", date(2025, 4, 22)),
              (filler_registered[4], "3A", date(2022, 12, 28)), (filler_registered[5], "3A", date(2024, 10, 15))]
    scores = {"5A": (900, 980), "4A": (800, 899), "3A": (700, 799)}
    for name, grade, awarded in graded:
        g.add(OrgGrade, organization_id=g.org[name], grade=grade, awarded_on=awarded,
              expires_on=awarded.replace(year=awarded.year + vocab.GRADE_YEARS), score=float(r.randint(*scores[grade])))
    # Earlier grades, expired before the demo date (history of the grades page).
    for name, grade, awarded in (("心灵守乔社会工作服务站", "3A", date(2020, 11, 6)), (filler_registered[6], "3A",
                                 date(2019, 6, 1))):
        g.add(OrgGrade, organization_id=g.org[name], grade=grade, awarded_on=awarded,
              expires_on=awarded.replace(year=awarded.year + vocab.GRADE_YEARS), score=float(r.randint(*scores[grade])))
    g.add(OrgGrade, organization_id=g.org["青岛市黄岛区薛家岛社会工作服务中心"], grade="4A",
          awarded_on=date(2022, 1, 20), expires_on=date(2027, 1, 20), score=861.0)


# ======================================================================================= people, projects


def _xgsl_tags(r: random.Random) -> Callable[[], list[str]]:
    def tags() -> list[str]:
        return [r.choices(("在职党员", "商圈业主", "小区居民"), weights=(30, 15, 55))[0]]
    return tags


def _people_and_projects(g: _Gen) -> None:
    r = g.rng
    early = (date(2019, 1, 1), date(2021, 6, 30))
    # 新港山路社区
    xg = g.volunteers("xgsl", 300, street=XUE, community=XGSL, reg=early, tags=_xgsl_tags(r), staff=10)
    lei = g.volunteers("xgsl", 40, street=XUE, community=XGSL, reg=(date(2019, 1, 1), date(2020, 12, 31)),
                       tags=lambda: ["退役军人", r.choice(("在职党员", "小区居民"))], female=0.1)
    liu = g.add(SocialWorker, name="刘世颖", level="高级社会工作师", street_id=g.street[XUE],
                community_id=g.community[XGSL], organization_id=g.org["高级社会工作师工作室"],
                title="青岛理工大学社会工作教研室主任、齐鲁和谐使者", certified_year=2010, training_hours=320.0)
    g.sw_by_place[("community", g.community[XGSL])].append(liu)
    g.social_workers(3, street=XUE, community=XGSL, org="高级社会工作师工作室", levels=(0, 70, 30))
    g.sw_by_place[("community", g.community[XGSL])].extend(g.sw_by_place[("org", g.org["高级社会工作师工作室"])])
    g.social_workers(3, street=XUE, community=XGSL)
    studio = "高级社会工作师工作室"
    g.team_of("督导团队", [], street=XUE, community=XGSL, org=studio, founded=2023,
              description="高级社会工作师工作室督导团队：由刘世颖教授及青岛理工大学社会工作专业教师组成。")
    g.team_of("工作团队", xg[:12], street=XUE, community=XGSL, org=studio, founded=2023,
              description="高级社会工作师工作室工作团队：社区工作者与骨干志愿者。")
    g.team_of("两专工作队", xg[:10], street=XUE, community=XGSL, founded=2023,
              description="由专职人员和专业人员组成。")
    g.team_of("社工与志愿者联席会议工作小组", xg[10:25], street=XUE, community=XGSL, founded=2023,
              description="社会工作者和社区志愿者联席会议工作小组，常态化联动志愿服务队伍。")
    jieyou = xg[25:49]
    g.team_of("邻里解忧团", jieyou, street=XUE, community=XGSL, founded=2021,
              description="由 20 余名社区“明白人”组成，打造“万事无忧”社区工作品牌，化解居民急难愁盼。")
    g.team_of("雷锋战友志愿服务队", lei, street=XUE, community=XGSL, founded=2019,
              description="退役军人志愿者赓续雷锋精神，开展“雷锋战友志愿行”与雷锋精神宣讲。")
    g.team_of("小哥友好志愿服务队", xg[49:79], street=XUE, community=XGSL, founded=2022,
              description="为外卖小哥等新就业群体提供暖心服务。")
    areas = {
        "候鸟有家": ("社区治理", ["候鸟人群/外来人口"], "外来人员社区融合项目：针对辖区人员流动性大、外来人口多的特点，"
                                                   "依托“银铃筑梦课堂”“YEAH归人”“邻里节”等平台吸引外来流动人口参与社区活动。"),
        "小哥友好型": ("志愿互助", ["新就业群体/外卖小哥"], "新就业群体关爱项目：全方位打造“小哥友好型社区”，为新业态新就业群体"
                                                        "提供暖心服务，实现“进得来、融得入、被关爱、促发展”。"),
        "万事无忧": ("社区治理", ["全体居民"], "社区能人化解纠纷项目：邻里解忧团 20 余名社区“明白人”协调化解矛盾纠纷。"),
        "雷锋战友志愿行": ("志愿互助", ["全体居民", "老年人"], "雷锋精神赓续项目：开展雷锋精神宣讲与志愿服务。"),
    }
    for name, (area, groups, desc) in areas.items():
        g.project_of(name, street=XUE, community=XGSL, area=area, groups=groups, start=date(2021, 3, 1),
                     description=desc)
    g.project_of("“自我创业”型党群服务中心", street=XUE, community=XGSL, area="社区治理", groups=["全体居民"],
                 status="筹备中", description="下一步计划：打造首个“自我创业”型党群服务中心。")
    g.project_of("社会组织孵化中心", street=XUE, community=XGSL, org=studio, area="社会组织", groups=["全体居民"],
                 status="筹备中", description="下一步计划：依托高级社工师工作室和社会组织孵化中心，引入专业社会工作力量。")
    g.brand("港好有你 治享家园", street=XUE, community=XGSL, description="“专业社工引领志愿服务、志愿服务助推社会工作”融合服务品牌。")
    g.brand("睦邻友好", street=XUE, community=XGSL, area="社区治理", description="依托社区“邻里节”打造的文化品牌。")
    g.brand("银铃筑梦课堂", street=XUE, community=XGSL, area="志愿互助", description="面向老年人与外来流动人口的学习平台。")
    g.brand("YEAH归人", street=XUE, community=XGSL, area="社区治理", description="吸引外来流动人口参与社区活动的平台。")
    g.brand("万事无忧", street=XUE, community=XGSL, area="社区治理", description="邻里解忧团社区工作品牌。")

    # 乔司街道 organisations' people.
    qiao_comms = [c[1] for c in _COMMUNITIES if c[0] == QIAO]
    sunshine = g.volunteers("sunshine", 330, street=QIAO, communities=qiao_comms, org="心灵守乔社会工作服务站",
                            reg=(date(2021, 1, 1), date(2022, 12, 31)), female=0.85,
                            tags=lambda: r.choice(([], ["在职党员"], ["高校学生"])))
    for i in range(4):
        g.team_of(f"妇女维权志愿小分队（第{'一二三四'[i]}分队）", sunshine[i * 22:(i + 1) * 22], street=QIAO,
                  org="心灵守乔社会工作服务站", founded=2023,
                  description="宣传妇女权益保护及反家暴法，开展妇女维权志愿服务。")
    hu = g.volunteers("huahu", 112, street=QIAO, communities=qiao_comms, org="胡阿虎公益服务中心",
                      reg=(date(2018, 1, 1), date(2022, 6, 30)), female=0.4, tags=lambda: r.choice(([], ["退役军人"])))
    g.team_of("胡阿虎志愿服务队", hu, street=QIAO, org="胡阿虎公益服务中心", founded=2016,
              description="从补鞋起步，提供补衣服、修家电、磨刀、理发等 12 个便民服务项目。")
    xy = g.volunteers("qiaoxinyuan", 180, street=QIAO, communities=qiao_comms, org="乔心愿公益服务中心",
                      reg=(date(2019, 6, 1), date(2022, 12, 31)), female=0.6,
                      tags=lambda: r.choice(([], ["高校学生"], ["在职党员"])))
    g.team_of("乔心愿导诊志愿服务队", xy, street=QIAO, org="乔心愿公益服务中心", founded=2019)
    yj = g.volunteers("yangjinquan", 30, street=QIAO, communities=qiao_comms, org="杨金泉纠纷调解服务中心",
                      reg=(date(2019, 1, 1), date(2021, 12, 31)), female=0.3, tags=lambda: ["在职党员"])
    g.team_of("杨金泉调解志愿者队", yj, street=QIAO, org="杨金泉纠纷调解服务中心", founded=2019)
    sj = g.volunteers("shengjia_makers", 24, street=QIAO, community="胜稼村", reg=(date(2020, 1, 1), date(2021, 12, 31)),
                      female=0.95, tags=lambda: ["小区居民"])
    g.team_of("幸福工坊钩花志愿指导队", sj, street=QIAO, community="胜稼村", founded=2022)
    g.social_workers(6, street=QIAO, org="心灵守乔社会工作服务站", levels=(30, 55, 15))
    g.social_workers(5, street=QIAO, org="乔司社会组织服务中心", levels=(20, 60, 20))
    g.social_workers(2, street=QIAO, org="杨金泉纠纷调解服务中心")
    g.social_workers(2, street=QIAO, org="乔心愿公益服务中心")
    g.social_workers(1, street=QIAO, org="胡阿虎公益服务中心")
    for cname in [c[1] for c in _COMMUNITIES if c[1] != XGSL]:
        g.social_workers(r.randint(2, 4), street=XUE if cname in ("安子社区", "鱼鸣嘴社区") else QIAO, community=cname)

    centre = "乔司社会组织服务中心"
    g.brand("乔社领航 五社融合", street=QIAO, org=centre, description="乔司社会组织服务中心的运营理念。")
    for name, area, desc in (
        ("乔社善治", "社区治理", "社区治理融享：每年开展村社和社会组织摸排调研，提炼需求清单，引导社会组织参与基层治理。"),
        ("乔社育才", "人才培育", "社工人才融聚：外引内育，建立“乔社学院”，培育社会组织与社工人才。"),
        ("乔社有为", "社会组织", "社会组织融建：专项培育、精准培育、孵化与等级评估。"),
        ("乔社互助", "志愿互助", "志愿力量融助：推行“社会工作者+志愿者”协作机制。"),
        ("乔社积善", "慈善资源", "慈善资源融汇：“乔见社彩·共融共聚”乔司街道慈善资源库，精准对接供需双方。"),
    ):
        g.brand(name, street=QIAO, org=centre, area=area, description=desc)
    projects = (
        ("乔司街道社会矛盾纠纷（非诉类）调解服务项目", "杨金泉纠纷调解服务中心", None, "社区治理", ["全体居民"], "区级",
         date(2020, 6, 1), "共调解各类矛盾纠纷 600 余起，成功率 98% 以上。"),
        ("阳光下 蔚蓝天", "心灵守乔社会工作服务站", None, "社区治理", ["妇女"], "区级", date(2023, 3, 1),
         "妇女权益维护、反家暴项目：以加强妇女维权服务和家庭建设为着力点。"),
        ("乔心守护、医路同行", "乔心愿公益服务中心", None, "志愿互助", ["老年人", "全体居民"], "市级", date(2019, 9, 1),
         "长期在医院提供导诊志愿服务。"),
        ("胡阿虎便民志愿服务", "胡阿虎公益服务中心", None, "志愿互助", ["老年人", "困难家庭"], "市级", date(2016, 5, 1),
         "从单一的补鞋扩展到补衣服、修家电、磨刀、理发等 12 个便民服务项目。"),
        ("乔社学院社工人才培育", "乔社学院", None, "人才培育", ["全体居民"], "区级", date(2023, 9, 1),
         "聚焦基础理论、通用能力、实务技能、考证培训、团队建设等专题开展培训。"),
        ("胜稼村幸福工坊钩花项目", None, "胜稼村", "慈善资源", ["失地妇女"], "区级", date(2022, 3, 1),
         "帮助辖区失地妇女掌握钩花制作技巧，售出花束、花篮、挂件、饰品等手工编织产品。"),
        ("一碗面一毛钱", "乔司爱心面馆", None, "慈善资源", ["残疾人"], "区级", date(2021, 1, 1),
         "创新残疾人就业创业新路径，为残疾人之家爱心超市捐款。"),
        ("“乔头堡”培养计划", centre, None, "人才培育", ["全体居民"], None, date(2024, 3, 1),
         "“六个一”模式：开展一轮集中培训、上好一堂主题党课、记好一本民情日记、撰写一份调研报告、实施一场主题打擂、"
         "组织一系列考察学习；以实训实战为导向，做到以讲促学、以学促干、以干促效。"),
        ("乔见社彩·共融共聚 乔司街道慈善资源库", centre, None, "慈善资源", ["全体居民"], None, date(2023, 1, 1),
         "线上街道级公益慈善资源库，融聚政府、企业、基金会、社会组织、高校等多元主体，精准对接供需；"
         "各社区成立社区慈善资源库。"),
        ("社会组织能力提升与实训督导", centre, None, "社会组织", ["全体居民"], None, date(2025, 1, 1),
         "“赋能乔司、分类分型”专项培育与精准培育，陪伴式成长服务。"),
        ("村社与社会组织需求摸排调研", centre, None, "社区治理", ["全体居民"], None, date(2021, 3, 1),
         "每年定期开展村社和社会组织摸排调研，提炼辖区基层治理需求清单。"),
    )
    for name, org, comm, area, groups, level, start, desc in projects:
        g.project_of(name, street=QIAO, org=org, community=comm, area=area, groups=groups, level=level,
                     start=start, description=desc)
    for project, metric, value, due in (("阳光下 蔚蓝天", "activities", 80, date(2025, 12, 31)),
                                        ("胜稼村幸福工坊钩花项目", "people_served", 1600, date(2025, 12, 31)),
                                        ("乔司街道社会矛盾纠纷（非诉类）调解服务项目", "disputes", 700,
                                         date(2026, 12, 31))):
        g.add(ProjectTarget, project_id=g.project[project], metric=metric, target_value=float(value),
              start_date=date(2025, 1, 1), due_date=due)
    # Filler projects of the other communities.
    for cname, pairs in (
        ("安子社区", (("银龄互助", "志愿互助", "老年人"), ("海岸守护", "社区治理", "全体居民"))),
        ("鱼鸣嘴社区", (("渔村文化传承", "社区治理", "全体居民"), ("四点半课堂", "志愿互助", "儿童青少年"))),
        ("胜稼村", (("美丽庭院共建", "社区治理", "全体居民"),)),
        ("三角村", (("乡贤议事会", "社区治理", "全体居民"), ("银龄食堂助餐", "慈善资源", "老年人"))),
        ("方桥村", (("新居民融入", "社区治理", "候鸟人群/外来人口"),)),
        ("永玄村", (("村规民约宣传", "社区治理", "全体居民"),)),
        ("和睦社区", (("四点半课堂", "志愿互助", "儿童青少年"), ("邻里守望", "志愿互助", "老年人"))),
        ("乔莫社区", (("困境家庭帮扶", "慈善资源", "困难家庭"), ("新就业群体驿站", "志愿互助", "新就业群体/外卖小哥"))),
    ):
        street = XUE if cname in ("安子社区", "鱼鸣嘴社区") else QIAO
        for pname, area, group in pairs:
            pid = g.project_of(f"{cname}·{pname}", street=street, community=cname, area=area, groups=[group],
                               start=date(2021, 1, 1))
            g.filler_projects[g.community[cname]].append(pid)
    for name in ("候鸟有家", "小哥友好型", "万事无忧", "雷锋战友志愿行"):
        g.filler_projects[g.community[XGSL]].append(g.project[name])


# ================================================================================================ facts


_PROJECT_TITLES = {
    "候鸟有家": ("候鸟有家·新居民融入茶话会", "银铃筑梦课堂：智能手机教学", "YEAH归人·青年融入沙龙", "邻里节·睦邻友好"),
    "小哥友好型": ("小哥驿站·爱心午餐", "外卖小哥交通安全讲堂", "小哥友好·健康体检", "新就业群体座谈会"),
    "万事无忧": ("万事无忧·邻里议事会", "明白人调解技能督导", "万事无忧·居民议事"),
    "雷锋战友志愿行": ("雷锋战友志愿行·敬老服务", "雷锋战友志愿行·助残服务", "学雷锋志愿服务日"),
}
_LEI_FENG_TOPICS = ("雷锋日记里的初心", "新时代的雷锋精神", "老兵讲雷锋故事", "雷锋精神进校园", "雷锋精神与邻里互助",
                    "学雷锋 做好事")


def _facts_report1(g: _Gen) -> None:
    """新港山路社区: records behind the report-1 figures, dated up to REPORT1_AS_OF."""
    r = g.rng
    pool = g.pool["xgsl"]
    leads = g.sw_by_place[("community", g.community[XGSL])][:4]  # 刘世颖 and the studio
    featured = [s for s, _ in FEATURED_SPACES]
    end = REPORT1_AS_OF - timedelta(days=1)
    for day in g.days_spread(108, date(2022, 1, 1), end):
        project = r.choice(tuple(_PROJECT_TITLES))
        g.activity(street=XUE, community=XGSL, project=project, title=r.choice(_PROJECT_TITLES[project]),
                   type="联动服务", venue=r.choice(featured), day=day, pool=pool, n_vol=(4, 12),
                   lead=r.choice(leads), people=(20, 80), fact=True)
    lei = [m["volunteer_id"] for m in g.rows[TeamMember] if m["team_id"] == g.team["雷锋战友志愿服务队"]]
    days = g.days_spread(130, date(2021, 3, 6), end) + [date(y, 3, 5) for y in range(2021, 2025)]
    for day in sorted(days):
        g.activity(street=XUE, community=XGSL, project="雷锋战友志愿行",
                   title=f"雷锋精神宣讲：{r.choice(_LEI_FENG_TOPICS)}", type="宣讲", venue=r.choice(featured[1:]),
                   day=day, pool=lei, n_vol=(3, 8), people=(15, 80), fact=True)
    for day in g.days_spread(64, date(2021, 4, 1), end):
        g.mediation(street=XUE, community=XGSL, received=day, type=r.choice(("邻里", "物业", "家庭", "其他")),
                    source=r.choice(("纠纷", "纠纷", "投诉")), outcome="化解成功", people=r.randint(2, 6),
                    team="邻里解忧团", project="万事无忧", location=r.choice(COMPOUNDS))
    places = ("沿街商铺", "社区公共区域", "周边施工工地", "农贸市场", "社区道路")
    for day in g.days_spread(212, date(2021, 4, 1), end):
        g.mediation(street=XUE, community=XGSL, received=day, type=r.choice(("邻里", "物业", "劳资", "其他")),
                    source=r.choice(("投诉", "投诉", "纠纷")), outcome="化解成功", people=r.randint(1, 5),
                    team="邻里解忧团", project="万事无忧", location=r.choice(places))


def _facts_report2(g: _Gen) -> None:
    """乔司街道: records behind the report-2 figures, dated up to REPORT2_AS_OF."""
    r = g.rng
    qiao_comms = [c[1] for c in _COMMUNITIES if c[0] == QIAO]
    end = REPORT2_AS_OF - timedelta(days=1)
    # 杨金泉: 612 cases (603 resolved, 9 not), 158 of them enterprise relocation (征迁), all resolved.
    project = "乔司街道社会矛盾纠纷（非诉类）调解服务项目"
    days = g.days_spread(612, date(2021, 1, 4), end)
    failed = set(r.sample(range(612), 9))
    relocation = set(r.sample(sorted(set(range(612)) - failed), 158))
    people = [r.randint(2, 5) for _ in days]
    for i, day in enumerate(days):
        kind = "征迁" if i in relocation else r.choice(("邻里", "物业", "家庭", "劳资", "其他"))
        g.mediation(street=QIAO, community=r.choice(qiao_comms), org="杨金泉纠纷调解服务中心", project=project,
                    received=day, type=kind, source="纠纷" if kind == "征迁" else r.choice(("纠纷", "投诉")),
                    outcome="未化解" if i in failed else "化解成功", people=people[i] + (2 if kind == "征迁" else 0),
                    location="企业厂区" if kind == "征迁" else "")
    # 心灵守乔 “阳光下 蔚蓝天”: 17 lectures, ≥ 300 distinct volunteers; the squads hold 88 of the 330 volunteers.
    sunshine = g.pool["sunshine"]
    cover = list(sunshine)
    r.shuffle(cover)
    workers = g.sw_by_place[("org", g.org["心灵守乔社会工作服务站"])]
    start = date(2023, 3, 1)
    for i, day in enumerate(g.days_spread(17, start, end)):
        g.activity(street=QIAO, community=r.choice(qiao_comms), org="心灵守乔社会工作服务站", project="阳光下 蔚蓝天",
                   title=f"妇女权益保障讲座（第{i + 1}场）", type="宣讲", venue="村社文化礼堂", day=day, pool=sunshine,
                   n_vol=(6, 10), lead=r.choice(workers), people=(40, 120), fact=True, cover=cover)
    for day in g.days_spread(46, start, end):
        kind = r.choice(("联动服务", "探访关爱"))
        title = "反家暴法宣传进村社" if kind == "联动服务" else "妇女维权入户走访"
        g.activity(street=QIAO, community=r.choice(qiao_comms), org="心灵守乔社会工作服务站", project="阳光下 蔚蓝天",
                   title=title, type=kind, venue="村社宣传点", day=day, pool=sunshine, n_vol=(8, 14),
                   lead=r.choice(workers) if r.random() < 0.7 else None, people=(30, 200), fact=True, cover=cover)
    # 胜稼村幸福工坊: 35 weaving trainings (1,452 participants), 8 markets, one donation of 1,130 yuan.
    makers = g.pool["shengjia_makers"]
    sj_workers = g.sw_by_place[("community", g.community["胜稼村"])]
    served = [41 + (i % 3) for i in range(35)]  # 41, 42, 43 … = 1,452
    for i, day in enumerate(g.days_spread(35, date(2022, 3, 1), end)):
        g.activity(street=QIAO, community="胜稼村", project="胜稼村幸福工坊钩花项目", title=f"钩花编织技艺培训（第{i + 1}期）",
                   type="培训", venue="胜稼村文化礼堂", day=day, pool=makers, n_vol=(2, 3),
                   lead=r.choice(sj_workers) if i % 3 == 0 else None, people=served[i], slot=1, fact=True)
    markets = ("杭州市公益集市", "临平区文化集市", "乔司街道邻里集市", "临平区公益市集", "乔司街道新春集市",
               "杭州市巾帼创业集市", "临平区助残公益集市", "乔司街道文化广场集市")
    for day, market in zip(g.days_spread(8, date(2022, 9, 1), end), markets, strict=True):
        g.activity(street=QIAO, community="胜稼村", project="胜稼村幸福工坊钩花项目", title=f"手工编织产品义卖（{market}）",
                   type="义卖", venue=market, day=day, pool=makers, n_vol=(3, 6), people=(60, 200), slot=0,
                   charity=True, fact=True)
    g.add(Donation, street_id=g.street[QIAO], community_id=g.community["胜稼村"], organization_id=None,
          project_id=g.project["胜稼村幸福工坊钩花项目"], donor_name="胜稼村幸福工坊（钩花产品义卖所得）", donor_type="个人",
          recipient="乔司街道慈善资源库（乔社积善）", is_money=True, amount_yuan=1130.0, items="", quantity=None,
          donated_on=date(2025, 5, 20), channel="义卖")
    # 乔社学院: 12 trainings (436 trainees) on the five topics.
    topics = ("基础理论", "通用能力", "实务技能", "考证培训", "团队建设", "基础理论", "实务技能", "通用能力",
              "考证培训", "团队建设", "基础理论", "实务技能")
    trainees = (38, 35, 40, 33, 36, 37, 34, 39, 35, 36, 38, 35)
    for i, day in enumerate(g.days_spread(12, date(2024, 3, 1), end)):
        g.add(Training, street_id=g.street[QIAO], organization_id=g.org["乔社学院"],
              project_id=g.project["乔社学院社工人才培育"], title=f"乔社学院{topics[i]}专题培训", topic=topics[i],
              held_on=day, sessions=1 + i % 2, trainees=trainees[i], hours=3.0 * (1 + i % 2))
    # Capacity building in 2025: 12 sessions, 362 person-times.
    for i, (sessions, people_n) in enumerate(((3, 78), (2, 64), (2, 70), (3, 82), (2, 68))):
        g.add(Training, street_id=g.street[QIAO], organization_id=g.org["乔司社会组织服务中心"],
              project_id=g.project["社会组织能力提升与实训督导"], title=f"社会组织能力提升与实训督导（第{i + 1}期）",
              topic="能力建设", held_on=date(2025, 1 + i, 15 + i), sessions=sessions, trainees=people_n,
              hours=2.5 * sessions)
    # 一碗面一毛钱: a donation every month to the 残疾人之家爱心超市 (5,000+ yuan by mid-2025).
    month = date(2021, 1, 28)
    while month <= end:
        _noodle_donation(g, month)
        month = (month.replace(day=1) + timedelta(days=32)).replace(day=28)


def _noodle_donation(g: _Gen, day: date) -> None:
    g.add(Donation, street_id=g.street[QIAO], community_id=None, organization_id=g.org["乔司街道残疾人之家"],
          project_id=g.project["一碗面一毛钱"], donor_name="乔司爱心面馆（一碗面一毛钱）", donor_type="企业",
          recipient="残疾人之家爱心超市", is_money=True, amount_yuan=round(g.rng.uniform(85, 125), 1), items="",
          quantity=None, donated_on=day, channel="线下")


def _indicators(g: _Gen) -> None:
    """Every figure of the two reports as reported."""
    x = {"report": 1, "street": XUE, "community": XGSL}
    g.indicator(XGSL, "成立年份", 2010, "=", "年", **x)
    g.indicator(XGSL, "居民小区", 2, "=", "个", **x, note="海尔山海湾、京海园")
    g.indicator(XGSL, "居住人口", 8900, "=", "人", **x)
    g.indicator(XGSL, "试点入选：青岛市入选社区数", 3, "=", "个", **x,
                note="山东省委社会工作部党建引领“专业社工+志愿服务”融合试点项目")
    g.indicator(XGSL, "试点入选：西海岸新区入选社区数", 1, "=", "个", **x, note="西海岸新区唯一入选社区")
    g.indicator("新港山路社区服务中心", "整合物业用房", 19, "=", "处", **x, note="山海湾小区内物业用房")
    g.indicator("新港山路社区服务中心", "服务空间面积", 2600, "=", "平方米", **x)
    g.indicator(XGSL, "特色场景", 3, "=", "处", **x)
    g.indicator(XGSL, "“社工+志愿”联动服务活动", 100, "≥", "场次", **x, kpi_key="linked_activities",
                note="在三处特色场景开展，报道为“100余场次”")
    g.indicator("邻里解忧团", "社区“明白人”", 20, "≥", "人", **x)
    g.indicator("邻里解忧团", "成立年份", 2021, "=", "年", **x)
    g.indicator("邻里解忧团", "协调化解小区矛盾纠纷（2021 年以来）", 60, "≥", "件", **x,
                note="海尔山海湾、京海园两个小区内")
    g.indicator(XGSL, "协同社区化解投诉纠纷（2021 年以来）", 200, "≥", "件", **x, kpi_key="disputes_resolved")
    g.indicator(XGSL, "雷锋精神宣讲活动（2021 年以来）", 130, "≥", "场次", **x, project="雷锋战友志愿行")
    q = {"report": 2, "street": QIAO}
    centre = "乔司社会组织服务中心"
    g.indicator(centre, "成立年份", 2019, "=", "年", **q, org=centre)
    yj = {**q, "org": "杨金泉纠纷调解服务中心", "project": "乔司街道社会矛盾纠纷（非诉类）调解服务项目"}
    g.indicator("杨金泉纠纷调解服务中心", "调解矛盾纠纷", 600, "≥", "起", **yj, kpi_key="disputes")
    g.indicator("杨金泉纠纷调解服务中心", "调解成功率", 98, "≥", "%", **yj, kpi_key="dispute_success_rate",
                note="报道为“成功率98%以上”")
    g.indicator("杨金泉纠纷调解服务中心", "累计服务", 2000, "≥", "人", **yj)
    g.indicator("杨金泉纠纷调解服务中心", "化解企业征迁纠纷", 150, "≥", "起", **yj)
    ss = {**q, "org": "心灵守乔社会工作服务站", "project": "阳光下 蔚蓝天"}
    g.indicator("阳光下 蔚蓝天", "妇女维权志愿小分队", 4, "=", "支", **ss)
    g.indicator("阳光下 蔚蓝天", "妇女权益保障讲座", 17, "=", "场", **ss)
    g.indicator("阳光下 蔚蓝天", "动员志愿者", 300, "≥", "人", **ss)
    g.indicator("阳光下 蔚蓝天", "发放宣传单页", 30000, "≥", "份", **ss, note="报道为“三万余份”")
    g.indicator("阳光下 蔚蓝天", "重复家暴率较前一年变化", -42.8, "=", "%", **ss, note="较前一年减少 42.8%")
    g.indicator("阳光下 蔚蓝天", "恶性家暴", 0, "=", "起", **ss)
    g.indicator("乔社学院", "培训活动", 12, "=", "次", **q, org="乔社学院", kpi_key="trainings")
    g.indicator("乔社学院", "服务人数", 400, "≥", "人", **q, org="乔社学院")
    g.indicator(QIAO, "登记注册类社会组织", 63, "=", "家", **q, kpi_key="orgs_registered")
    g.indicator(QIAO, "备案管理类社会组织", 216, "=", "家", **q, kpi_key="orgs_filed")
    g.indicator(centre, "社会组织能力提升、实训督导活动（2025 年以来）", 12, "=", "场", **q, org=centre,
                kpi_key="training_sessions")
    g.indicator(centre, "能力提升、实训督导服务（2025 年以来）", 350, "≥", "人次", **q, org=centre,
                kpi_key="trainees")
    g.indicator(centre, "已培育 5A 社会组织", 3, "=", "家", **q, org=centre, kpi_key="orgs_5a")
    g.indicator(centre, "已培育 4A 社会组织", 5, "=", "家", **q, org=centre, kpi_key="orgs_4a")
    g.indicator(centre, "已培育 3A 社会组织", 2, "=", "家", **q, org=centre, kpi_key="orgs_3a")
    g.indicator(centre, "市级品牌公益服务项目", 2, "=", "个", **q, org=centre, kpi_key="brand_projects_city")
    g.indicator(centre, "区级品牌公益项目", 5, "=", "个", **q, org=centre, kpi_key="brand_projects_district")
    g.indicator("胡阿虎公益服务中心", "便民服务项目", 12, "=", "个", **q, org="胡阿虎公益服务中心")
    g.indicator("胡阿虎公益服务中心", "志愿者队伍", 100, "≥", "人", **q, org="胡阿虎公益服务中心")
    xy = {**q, "org": "乔心愿公益服务中心", "project": "乔心守护、医路同行"}
    g.indicator("乔心守护、医路同行", "组织志愿者", 18000, "≥", "人次", **xy, note="报道为“超1.8万人次”")
    g.indicator("乔心守护、医路同行", "服务对象", 700000, "≥", "人次", **xy, kpi_key="people_served",
                note="报道为“超70万人次”")
    g.indicator("一碗面一毛钱", "为残疾人之家爱心超市捐款", 5000, "≥", "元", **q, org="乔司街道残疾人之家",
                project="一碗面一毛钱", kpi_key="money")
    sj = {**q, "community": "胜稼村", "project": "胜稼村幸福工坊钩花项目"}
    g.indicator("胜稼村幸福工坊", "编织技艺培训", 35, "=", "场", **sj)
    g.indicator("胜稼村幸福工坊", "培训参与", 1400, "≥", "人次", **sj)
    g.indicator("胜稼村幸福工坊", "参加集市活动", 8, "=", "次", **sj)
    g.indicator("胜稼村幸福工坊", "售出手工编织产品", 600, "≥", "件", **sj, note="花束、花篮、挂件、饰品等")
    g.indicator("胜稼村幸福工坊", "累计捐款", 1130, "=", "元", **sj)


# =============================================================================================== filler


def _days(start: date, end: date) -> Iterable[date]:
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def _filler(g: _Gen) -> None:
    """Synthetic records from 2021-01-01 to ``today`` (the only part that depends on ``today``)."""
    r = g.rng
    today = g.today
    late = (date(2021, 1, 1), today)
    # Volunteers registering over the years in every community.
    for street, cname, _kind, _lng, _lat, _brand in _COMMUNITIES:
        n_old, n_new = (0, 110) if cname == XGSL else (r.randint(50, 80), r.randint(60, 100))
        tags = _xgsl_tags(r) if cname == XGSL else (lambda: r.choice(([], [], ["在职党员"], ["小区居民"],
                                                                       ["退役军人"], ["高校学生"])))
        pool = "xgsl" if cname == XGSL else cname
        if n_old:
            g.volunteers(pool, n_old, street=street, community=cname, reg=(date(2018, 1, 1), date(2020, 12, 31)),
                         tags=tags)
        g.volunteers(pool, n_new, street=street, community=cname, reg=late, tags=tags)
        if cname != XGSL:
            members = r.sample(g.pool[pool], 18)
            g.team_of(f"{cname}志愿服务队", members, street=street, community=cname, founded=r.randint(2015, 2021))
    # Activities of every community, growing over the years.
    rates = {XGSL: 0.22}
    for day in _days(FILLER_START, today):
        w = _YEAR_WEIGHT.get(day.year, 1.4)
        for street, cname, _kind, _lng, _lat, _brand in _COMMUNITIES:
            p = rates.get(cname, 0.12) * w
            n = (r.random() < p) + (r.random() < p * 0.3)
            for _ in range(n):
                _filler_activity(g, street, cname, day)
        # Organisations' own services.
        if r.random() < 0.06 * w:
            item = r.choice(HU_AHU_ITEMS)
            title = "志愿者为老人理发" if item == "理发" else f"胡阿虎便民服务日：{item}"
            g.activity(street=QIAO, community=r.choice([c[1] for c in _COMMUNITIES if c[0] == QIAO]),
                       org="胡阿虎公益服务中心", project="胡阿虎便民志愿服务", title=title, type="便民服务",
                       venue="乔司街道新时代文明实践站", day=day, pool=g.pool["huahu"], n_vol=(3, 9),
                       people=(30, 120), slot=0)
        if day.weekday() in (1, 4) and r.random() < 0.35:
            g.activity(street=QIAO, community=None, org="乔心愿公益服务中心", project="乔心守护、医路同行",
                       title="“乔心守护、医路同行”导诊志愿服务", type="便民服务",
                       venue="乔司街道社区卫生服务中心（导诊台）", day=day, pool=g.pool["qiaoxinyuan"], n_vol=(5, 12),
                       lead=r.choice(g.sw_by_place[("org", g.org["乔心愿公益服务中心"])]) if r.random() < 0.3 else None,
                       people=(150, 400), slot=0, hours=(2.0, 4.0))
        if r.random() < 0.03 * w:
            g.activity(street=QIAO, community=r.choice([c[1] for c in _COMMUNITIES if c[0] == QIAO]),
                       org="杨金泉纠纷调解服务中心", project="乔司街道社会矛盾纠纷（非诉类）调解服务项目",
                       title=r.choice(("矛盾纠纷调解接待日", "法律知识进村社")),
                       type=r.choice(("调解", "宣讲")), venue="村社调解室", day=day, pool=g.pool["yangjinquan"],
                       n_vol=(2, 5), lead=r.choice(g.sw_by_place[("org", g.org["杨金泉纠纷调解服务中心"])]))
        if day > REPORT2_AS_OF and r.random() < 0.04:
            g.activity(street=QIAO, community=r.choice([c[1] for c in _COMMUNITIES if c[0] == QIAO]),
                       org="心灵守乔社会工作服务站", project="阳光下 蔚蓝天",  # it goes on after the report
                       title=r.choice(("妇女儿童心理关爱", "家庭关系辅导小组")),
                       type="探访关爱", venue="村社服务站", day=day, pool=g.pool["sunshine"], n_vol=(4, 10),
                       lead=r.choice(g.sw_by_place[("org", g.org["心灵守乔社会工作服务站"])]))
    # 杨金泉 keeps mediating after the report (rate stays ≥ 98 %); 一碗面一毛钱 keeps donating.
    n = 0
    for day in _days(REPORT2_AS_OF + timedelta(days=1), today):
        if r.random() < 0.33:
            n += 1
            outcome = "处理中" if (today - day).days < 20 else ("未化解" if n % 70 == 0 else "化解成功")
            g.mediation(street=QIAO, community=r.choice([c[1] for c in _COMMUNITIES if c[0] == QIAO]),
                        org="杨金泉纠纷调解服务中心", project="乔司街道社会矛盾纠纷（非诉类）调解服务项目", received=day,
                        type=r.choice(("邻里", "物业", "家庭", "劳资", "征迁")), source=r.choice(("纠纷", "投诉")),
                        outcome=outcome, people=r.randint(2, 5))
        if day.day == 28:
            _noodle_donation(g, day)
    # Community mediation, donations and trainings.
    for _street, cname, _kind, _lng, _lat, _brand in _COMMUNITIES:
        start = REPORT1_AS_OF if cname == XGSL else FILLER_START
        for day in _days(start, today):
            if r.random() < 0.035:
                age = (today - day).days
                outcome = "处理中" if age < 15 else r.choices(("化解成功", "未化解"), weights=(90, 10))[0]
                g.mediation(street=_street, community=cname, received=day, type=r.choice(vocab.MEDIATION_TYPES[:2]
                            + ("家庭", "其他")), source=r.choice(vocab.MEDIATION_SOURCES), outcome=outcome,
                            people=r.randint(2, 6), location=r.choice(COMPOUNDS) if cname == XGSL else "")
            if r.random() < 0.03:
                money = r.random() < 0.6
                g.add(Donation, street_id=g.street[_street], community_id=g.community[cname], organization_id=None,
                      project_id=r.choice(g.filler_projects[g.community[cname]]) if r.random() < 0.5 else None,
                      **_donor(r, g), recipient=f"{cname}",
                      is_money=money, amount_yuan=float(r.randrange(200, 5000, 50)) if money else float(
                          r.randrange(300, 3000, 100)), items="" if money else r.choice(("米面油", "冬衣", "学习用品")),
                      quantity=None if money else float(r.randint(10, 80)), donated_on=day,
                      channel=r.choice(("线下", "线上")))
    trainings = (
        (XUE, "高级社会工作师工作室", "社会工作者职业水平考试辅导", "考证培训"),
        (XUE, "高级社会工作师工作室", "“社工+志愿”融合服务督导", "实务技能"),
        (QIAO, "心灵守乔社会工作服务站", "反家暴法专题培训", "实务技能"),
        (QIAO, "胡阿虎公益服务中心", "便民志愿服务技能培训", "通用能力"),
        (QIAO, "乔心愿公益服务中心", "导诊志愿者岗前培训", "通用能力"),
    )
    for year in range(2021, today.year + 1):
        for street, org, title, topic in trainings:
            day = date(year, r.randint(3, 11), r.randint(1, 28))
            if day <= today:
                g.add(Training, street_id=g.street[street], organization_id=g.org[org], project_id=None,
                      title=f"{year}年{title}", topic=topic, held_on=day, sessions=r.randint(1, 3),
                      trainees=r.randint(15, 60), hours=float(r.choice((2, 3, 4, 6))))
    _charity(g)


def _filler_activity(g: _Gen, street: str, cname: str, day: date) -> None:
    r = g.rng
    cid = g.community[cname]
    kind = r.choices(_FILLER_TYPES, _FILLER_TYPE_WEIGHTS)[0]
    projects = g.filler_projects[cid]
    project_id = r.choice(projects) if projects and r.random() < 0.6 else None
    project = next((n for n, i in g.project.items() if i == project_id), None) if project_id else None
    if project in _PROJECT_TITLES and r.random() < 0.5:
        kind, title = "联动服务", r.choice(_PROJECT_TITLES[project])
    else:
        title = r.choice(_TITLES[kind])
    leads = g.sw_by_place[("community", cid)]
    venues = g.venues[cid]
    if cname == XGSL and day >= REPORT1_AS_OF:
        venues = venues + [s for s, _ in FEATURED_SPACES]
    with_volunteers = r.random() < 0.92
    g.activity(street=street, community=cname, project=project, title=title, type=kind,
               venue=r.choice(venues), day=day, pool=g.pool["xgsl" if cname == XGSL else cname],
               n_vol=(2, 12) if with_volunteers else (0, 0), lead=r.choice(leads) if r.random() < 0.55 else None,
               people=(8, 90), charity=kind == "义卖")


# Donors of the community donations other than residents: (name, donor type), every type of the vocabulary.
_INSTITUTIONAL_DONORS = (("辖区爱心企业", "企业"), ("辖区商户", "企业"), ("共建单位", "政府"), ("区慈善总会", "社会组织"),
                         ("公益基金会", "基金会"), ("高校志愿服务团队", "高校"))


def _donor(r: random.Random, g: _Gen) -> dict[str, str]:
    """A resident (个人) three times in five, else an institution with its own type."""
    if r.random() < 0.6:
        return {"donor_name": g.name(), "donor_type": "个人"}
    name, kind = r.choice(_INSTITUTIONAL_DONORS)
    return {"donor_name": name, "donor_type": kind}


_XGSL_OFFERS = ("小区物业用房", "外卖小哥爱心驿站补给")


def _charity(g: _Gen) -> None:
    """The charity resource libraries: resources from every provider type, needs and matches."""
    r = g.rng
    today = g.today
    offers = (  # street, provider, provider type, kind, title, amount, unit
        (QIAO, "乔司街道办事处", "政府", "资金", "社区微治理专项资金", 80000, "元"),
        (QIAO, "乔司街道办事处", "政府", "场地", "街道文化礼堂公益活动场地", 40, "场次"),
        (QIAO, "临平区乔善公益基金会", "基金会", "资金", "困难家庭帮扶基金", 50000, "元"),
        (QIAO, "临平区乔善公益基金会", "基金会", "物资", "助学礼包", 200, "份"),
        (QIAO, "杭州乔新纺织有限公司", "企业", "物资", "冬季爱心棉被", 300, "床"),
        (QIAO, "临平顺泰物流有限公司", "企业", "服务", "爱心物资免费配送", 60, "次"),
        (QIAO, "杭州和睦超市连锁有限公司", "企业", "物资", "米面油爱心包", 500, "份"),
        (QIAO, "乔司爱心面馆", "企业", "资金", "一碗面一毛钱爱心款", 3000, "元"),
        (QIAO, "胡阿虎公益服务中心", "社会组织", "服务", "便民维修志愿服务", 120, "次"),
        (QIAO, "心灵守乔社会工作服务站", "社会组织", "技能", "妇女儿童心理疏导", 80, "小时"),
        (QIAO, "乔心愿公益服务中心", "社会组织", "服务", "就医陪诊志愿服务", 150, "人次"),
        (QIAO, "浙江理工大学", "高校", "技能", "社工专业学生实务督导", 100, "小时"),
        (QIAO, "浙江理工大学", "高校", "服务", "大学生暑期支教", 40, "次"),
        (QIAO, "爱心人士（匿名）", "个人", "资金", "个人爱心捐款", 5000, "元"),
        (XUE, "薛家岛街道办事处", "政府", "资金", "社区志愿服务激励资金", 30000, "元"),
        (XUE, "青岛理工大学", "高校", "技能", "社会工作专业督导", 60, "小时"),
        (XUE, "高级社会工作师工作室", "社会组织", "服务", "个案与小组工作服务", 50, "次"),
        (XUE, "青岛港湾物业服务有限公司", "企业", "场地", "小区物业用房", 19, "处"),
        (XUE, "西海岸新区海韵商贸有限公司", "企业", "物资", "外卖小哥爱心驿站补给", 400, "份"),
    )
    resources: list[dict[str, Any]] = []
    for street, provider, ptype, kind, title, amount, unit in offers:
        comms = [c for c in _COMMUNITIES if c[0] == street]
        comm = r.choice(comms) if r.random() < 0.4 else None
        if title in _XGSL_OFFERS:  # 山海湾's 19 property rooms and the 小哥友好型 station are 新港山路社区's own
            comm = next(c for c in comms if c[1] == XGSL)
        lng, lat = g.jitter(comm[3], comm[4], 0.002) if comm else g.jitter(*g.point[g.community[comms[0][1]]], 0.002)
        # Most of a library was built up in its first years (乔社积善 from 2022); a few offers are recent.
        offered = g.day_between(date(2022, 6, 1), date(2023, 2, 28) if r.random() < 0.7 else today - timedelta(days=60))
        rid = g.add(CharityResource, street_id=g.street[street], community_id=g.community[comm[1]] if comm else None,
                    provider_name=provider, provider_org_id=g.org.get(provider), provider_type=ptype, kind=kind,
                    title=title, amount=float(amount), unit=unit, offered_on=offered,
                    status="available", lng=lng, lat=lat)
        resources.append({"row": g.rows[CharityResource][-1], "id": rid, "left": float(amount)})
    groups = ("老年人", "儿童青少年", "残疾人", "困难家庭", "妇女", "新就业群体/外卖小哥", "候鸟人群/外来人口")
    reasons = ("需求与资源库服务范围不符", "重复申报，已并入同类需求", "材料不全，请补充后重新提交")
    for i in range(64):
        street, cname, _kind, lng, lat, _brand = _COMMUNITIES[i % len(_COMMUNITIES)]
        # A need of a kind and unit the street's library offers, so that it can be matched.
        template = r.choice([x for x in resources if x["row"]["street_id"] == g.street[street]])["row"]
        kind, unit = template["kind"], template["unit"]
        amount = max(1.0, float(round(template["amount"] * r.uniform(0.04, 0.2))))
        if unit == "元":
            amount = max(100.0, amount // 100 * 100)
        filed = g.day_between(date(2023, 3, 1), today - timedelta(days=5))
        status = r.choices(("pending", "approved", "matched", "completed", "rejected"), (12, 18, 25, 33, 12))[0]
        if (today - filed).days < 30 and status == "completed":
            status = "matched"
        # A match takes 3 to 20 days after filing, from a resource already in the library by then.
        delay = r.randint(3, 20)
        candidates = [x for x in resources if x["row"]["street_id"] == g.street[street] and x["row"]["kind"] == kind
                      and x["row"]["unit"] == unit and x["left"] > 0
                      and x["row"]["offered_on"] <= filed + timedelta(days=delay)]
        if status in ("matched", "completed") and not candidates:
            status = "approved"
        nlng, nlat = g.jitter(lng, lat, 0.002)
        group = r.choice(groups)
        nid = g.add(CharityNeed, street_id=g.street[street], community_id=g.community[cname],
                    title=f"{cname}{group}{kind}需求", category=kind, beneficiary_group=group,
                    urgency=r.choices(("紧急", "较急", "一般"), (15, 30, 55))[0], amount=amount, unit=unit,
                    filed_on=filed, status=status, reject_reason=r.choice(reasons) if status == "rejected" else "",
                    lng=nlng, lat=nlat)
        if status in ("matched", "completed"):
            res = r.choice(candidates)
            take = min(amount, res["left"])
            res["left"] -= take
            matched = min(max(filed + timedelta(days=delay), res["row"]["offered_on"]), today)
            g.add(CharityMatch, need_id=nid, resource_id=res["id"], amount=take, matched_on=matched,
                  completed_on=min(matched + timedelta(days=r.randint(5, 30)), today) if status == "completed" else None)
    for res in resources:
        if res["left"] <= 0:
            res["row"]["status"] = "exhausted"


# Star levels: each street's preset (by name: presets are reference data of migration 0003) and awards.
STREET_PRESETS = {QIAO: "全国（默认）", XUE: "全国（默认）"}
_NATIONAL = ((1, 100.0), (2, 300.0), (3, 600.0), (4, 1000.0), (5, 1500.0))


def _stars(g: _Gen) -> None:
    """StreetStarPreset choices and StarAward rows: most volunteers are awarded a star some weeks after their
    approved hours reach it; the rest are 达标可申请 (eligible, not yet awarded). Own random stream, so the rows
    before it do not change."""
    r = random.Random(SEED + 4)
    for street, preset in STREET_PRESETS.items():
        g.rows[StreetStarPreset].append({"street_id": g.street[street], "preset_id": preset})
    xgsl = g.community[XGSL]
    home = {v["id"]: v["community_id"] for v in g.rows[Volunteer]}
    records = sorted((rec["service_date"], rec["volunteer_id"], rec["hours"]) for rec in g.rows[ServiceRecord]
                     if rec["status"] == "approved")
    total: dict[int, float] = defaultdict(float)
    crossings: list[tuple[int, int, date]] = []
    for day, vid, hours in records:
        before = total[vid]
        total[vid] = round(before + hours, 2)
        crossings += [(vid, rank, day) for rank, need in _NATIONAL if before < need <= total[vid]]
    stopped: set[int] = set()
    for vid, rank, day in sorted(crossings, key=lambda c: (c[0], c[1])):
        awarded_on = day + timedelta(days=r.randint(14, 75))
        if vid in stopped or awarded_on > g.today or r.random() < 0.3:
            stopped.add(vid)  # no higher star before the lower one
            continue
        g.add(StarAward, volunteer_id=vid, preset_id="全国（默认）", rank=rank, awarded_on=awarded_on,
              awarded_by="demo_staff" if home[vid] == xgsl else "demo_admin")


def build_demo_rows(today: date) -> dict[type[SQLModel], list[dict[str, Any]]]:
    """The demo rows per table, ids relative to the demo set. Pure: no database; same ``today``, same rows."""
    if today < EARLIEST_TODAY:
        raise ValueError(f"演示数据的日期须不早于 {EARLIEST_TODAY:%Y-%m-%d}（报道数据截至 {REPORT2_AS_OF:%Y-%m-%d}）")
    g = _Gen(today)
    _places(g)
    _organisations(g)
    _people_and_projects(g)
    _facts_report1(g)
    _facts_report2(g)
    _indicators(g)
    _filler(g)
    _stars(g)
    return dict(g.rows)


# ============================================================================================== loading


def _defaults(model: type[SQLModel]) -> list[tuple[str, Any, Callable[[], Any] | None]]:
    out = []
    for name in model.__table__.c.keys():  # type: ignore[attr-defined]
        field = model.model_fields.get(name)
        if field is None:
            continue
        factory = field.default_factory
        default = None if field.default is PydanticUndefined else field.default
        out.append((name, default, factory))  # type: ignore[arg-type]
    return out


def _reserve_ids(session: Session, table: Table, n: int) -> int:
    """The offset to add to relative ids 1..n so that they follow every id ever used (PostgreSQL: lock, advance)."""
    name = table.name
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f'LOCK TABLE "{name}" IN SHARE ROW EXCLUSIVE MODE'))
        seq = session.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name}).scalar_one()
        last, called = session.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
        top = session.execute(select(func.max(table.c.id))).scalar_one() or 0
        offset = max(int(last) if called else int(last) - 1, int(top))
        session.execute(text("SELECT setval(CAST(:s AS regclass), :v)"), {"s": seq, "v": offset + n})
        return offset
    top = int(session.execute(select(func.max(table.c.id))).scalar_one() or 0)
    # AUTOINCREMENT tables remember the largest id ever used: ids of deleted rows are never handed out again.
    has_seq = session.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first()
    if has_seq:
        used = session.execute(text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": name}).scalar()
        top = max(top, int(used or 0))
    return top


def _insert(session: Session, rows: dict[type[SQLModel], list[dict[str, Any]]], models: Iterable[type[SQLModel]],
            offsets: dict[str, int], users: dict[str, int]) -> None:
    for model in models:
        data = rows.get(model)
        if not data:
            continue
        table: Table = model.__table__  # type: ignore[attr-defined]
        has_id = "id" in table.c
        offset = _reserve_ids(session, table, len(data)) if has_id else 0
        offsets[table.name] = offset
        fks = [(fk.parent.name, fk.column.table.name) for fk in table.foreign_keys]
        defaults = _defaults(model)
        out = []
        for values in data:
            row = dict(values)
            for col, default, factory in defaults:
                if col not in row:
                    row[col] = factory() if factory is not None else default
            if has_id:
                row["id"] += offset
            for col, target in fks:
                v = row.get(col)
                if v is None:
                    continue
                row[col] = users[v] if target == "appuser" else v + offsets[target]
            out.append(row)
        if session.get_bind().dialect.name == "postgresql":
            _copy(session, table, out)
        else:
            session.execute(insert(table), out)


def _copy(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY in the session's transaction: one stream instead of one statement per row."""
    cols = list(rows[0])
    json_cols = {c for c in cols if isinstance(table.c[c].type, JSON)}
    names = ", ".join(f'"{c}"' for c in cols)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in json_cols else row[c] for c in cols])


def _load(session: Session, rows: dict[type[SQLModel], list[dict[str, Any]]]) -> dict[str, int]:
    """Insert generated rows and create the demo accounts, in the caller's write transaction."""
    for street in rows[Street]:
        clash = session.execute(select(Street.id).where(Street.name == street["name"])).first()
        if clash is not None:
            raise ValueError(f"已存在名为“{street['name']}”的街道，演示数据不能与真实数据混在一起。")
    begin_write(session)
    offsets: dict[str, int] = {}
    _insert(session, rows, (Street, Community), offsets, {})
    staff_scope = next(c["id"] for c in rows[Community] if c["name"] == XGSL) + offsets["community"]
    users = {}
    for (username, _desc), (role, scope_type, scope_id, display) in zip(DEMO_ACCOUNTS, (
        ("leader", "all", None, "演示领导"), ("staff", "community", staff_scope, "演示社工"),
        ("admin", "all", None, "演示管理员"),
    ), strict=True):
        users[username] = create_user(session=session, actor=None, username=username, password=DEMO_PASSWORD,
                                      role=role, scope_type=scope_type, scope_id=scope_id, display_name=display,
                                      is_demo=True)
    # Demo rows name their star preset; presets are reference data (migration 0003), not demo rows.
    preset_ids = dict(session.execute(select(StarPreset.name, StarPreset.id)).all())
    named = [m for m in (StreetStarPreset, StarAward) if all(x["preset_id"] in preset_ids for x in rows.get(m, []))]
    rows = {**{m: v for m, v in rows.items() if m not in (StreetStarPreset, StarAward)},
            **{m: [{**x, "preset_id": preset_ids[x["preset_id"]]} for x in rows[m]] for m in named}}
    offsets["starpreset"] = 0
    _insert(session, rows, MODELS[2:], offsets, users)
    _insert(session, rows, (StreetStarPreset,), offsets, users)
    refresh_volunteer_totals(session, None)  # bulk-inserted records bypass the write services
    return {m.__table__.name: len(v) for m, v in rows.items()}  # type: ignore[attr-defined]


def demo_loaded(session: Session) -> bool:
    """True while the demo data set is loaded."""
    return session.get(AppMeta, META_KEY) is not None


class DemoRefused(WriteError):
    """The demo data set may not be loaded, reset or cleared here (the database holds real records)."""


def real_record_tables(session: Session, *, first_only: bool = False) -> list[str]:
    """The tables holding real records: rows not marked ``is_demo`` in a table that carries the mark (users
    included). Reference data (star presets, grade bands), the audit trail and other bookkeeping carry no mark and
    never count."""
    out = []
    for table in SQLModel.metadata.sorted_tables:
        if "is_demo" not in table.c:
            continue
        if session.execute(select(literal(1)).select_from(table).where(table.c.is_demo == false()).limit(1)).first():
            out.append(table.name)
            if first_only:
                break
    return out


def holds_real_records(session: Session) -> bool:
    """True if the database holds any real record (see ``real_record_tables``): it is not a demo database, never
    gets the demo accounts, and cannot be loaded with, reset to or cleared of the demo."""
    return bool(real_record_tables(session, first_only=True))


def is_demo_database(session: Session) -> bool:
    """The demo is loaded and nothing real was entered: the only kind of database whose login page shows the demo
    accounts."""
    return demo_loaded(session) and not holds_real_records(session)


def refuse_if_real(session: Session, action: str) -> None:
    """``DemoRefused`` naming the tables with real records, if there are any; ``action`` is 载入 / 重置 / 清除."""
    tables = real_record_tables(session)
    if tables:
        labels = "、".join(vocab.TABLE_LABELS.get(t, t) for t in tables[:6]) + ("等" if len(tables) > 6 else "")
        raise DemoRefused(f"数据库中已有真实数据（{labels}），不能{action}演示数据：演示数据只用于演示数据库，"
                          "不能与真实数据混在一起。如需演示，请另建一个空数据库。")


def _check_actor(actor: CurrentUser | None) -> None:
    if actor is not None and not actor.is_admin:
        raise PermissionDenied("只有管理员可以载入、重置或清除演示数据。")


def _lock(session: Session) -> None:
    # Two app servers starting together on one PostgreSQL: the second waits, then sees the demo loaded.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(52014)"))


def _mark_loaded(session: Session, today: date) -> None:
    # The only place the demo marker is set (load and reset): it tells the UI this is a demo database.
    session.execute(delete(AppMeta).where(AppMeta.key == CLEARED_KEY))
    session.add(AppMeta(key=META_KEY, value=today.isoformat()))


def load_demo(engine: Engine, today: date | None = None, *, actor: CurrentUser | None = None) -> bool:
    """Load the demo data set into a migrated database unless it is loaded; True if it loaded now.

    Refused (``DemoRefused``) on a database that holds real records: they never get demo accounts or demo rows.
    """
    _check_actor(actor)
    today = today or clock.today()
    with Session(engine) as session:
        refuse_if_real(session, "载入")
        if demo_loaded(session):
            return False
    rows = build_demo_rows(today)  # before taking the write lock
    with session_scope(engine, write=True) as session:
        _lock(session)
        begin_write(session)  # the write lock before the checks: no real record can slip in between
        refuse_if_real(session, "载入")
        if demo_loaded(session):
            return False
        counts = _load(session, rows)
        _mark_loaded(session, today)
        record_audit(session, actor, "demo_load", "appmeta", None, None, {"today": today.isoformat(), "rows": counts})
    return True


def _delete_demo(session: Session) -> None:
    """Delete every demo row and every row hanging off one (FK-safe, children first); keep the audit log.

    A row is deleted if it is marked ``is_demo`` or references a deleted row (e.g. an activity someone entered in a
    demo community). References to demo users from kept rows (``created_by``, ``approved_by``) are set to NULL.
    """
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name != "appuser"]
    doomed: dict[str, Any] = {}
    for t in tables:
        parts = [t.c.is_demo.is_(True)] if "is_demo" in t.c else []
        for fk in t.foreign_keys:
            target = fk.column.table
            if target.name in doomed and doomed[target.name] is not None and target is not t:
                parts.append(fk.parent.in_(select(fk.column).where(doomed[target.name])))
        doomed[t.name] = or_(*parts) if parts else None
    for t in reversed(tables):
        if doomed[t.name] is not None:
            session.execute(delete(t).where(doomed[t.name]))
    users = AppUser.__table__  # type: ignore[attr-defined]
    demo_users = select(users.c.id).where(users.c.is_demo.is_(True))
    for t in tables:
        for fk in t.foreign_keys:
            if fk.column.table is users:
                session.execute(update(t).where(fk.parent.in_(demo_users)).values({fk.parent.name: None}))
    session.execute(delete(users).where(users.c.is_demo.is_(True)))
    session.execute(delete(AppMeta).where(AppMeta.key == META_KEY))


def reset_demo(engine: Engine, today: date | None = None, *, actor: CurrentUser | None = None) -> None:
    """Delete the demo data set and its users, and load it again, in one transaction. Refused (``DemoRefused``) on a
    database that holds real records."""
    _check_actor(actor)
    today = today or clock.today()
    with Session(engine) as session:
        refuse_if_real(session, "重置")
    rows = build_demo_rows(today)
    with session_scope(engine, write=True) as session:
        _lock(session)
        begin_write(session)
        refuse_if_real(session, "重置")
        _delete_demo(session)
        counts = _load(session, rows)
        _mark_loaded(session, today)
        record_audit(session, actor, "demo_reset", "appmeta", None, None, {"today": today.isoformat(), "rows": counts})


def clear_demo(engine: Engine, today: date | None = None, *, actor: CurrentUser | None = None) -> dict[str, int]:
    """Delete the demo data set and its accounts (one transaction); the demo rows deleted per table.

    Refused (``DemoRefused``) on a database that holds real records. Afterwards the database is empty of records
    and the next start does not load the demo again (``CLEARED_KEY``), whatever ``LOAD_DEMO`` says; an explicit
    ``load_demo`` still can.
    """
    _check_actor(actor)
    today = today or clock.today()
    with session_scope(engine, write=True) as session:
        _lock(session)
        begin_write(session)
        refuse_if_real(session, "清除")
        counts = {name: n for name, n in demo_row_counts(session).items() if n}
        _delete_demo(session)
        session.execute(delete(AppMeta).where(AppMeta.key == CLEARED_KEY))
        session.add(AppMeta(key=CLEARED_KEY, value=today.isoformat()))
        record_audit(session, actor, "demo_clear", "appmeta", None, None, {"today": today.isoformat(), "rows": counts})
    return counts


def demo_row_counts(session: Session) -> dict[str, int]:
    """How many demo rows each table holds (for the admin page and the report)."""
    out = {}
    for model in (*MODELS, AppUser):
        table = model.__table__  # type: ignore[attr-defined]
        out[table.name] = session.execute(
            select(func.count()).select_from(table).where(table.c.is_demo.is_(True))).scalar_one()
    return out
