"""The generator: one seeded random source, the places and names of the reports, and the rows it collects."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from sqlmodel import SQLModel

from db import vocab
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
    ProjectTarget,
    ReportedIndicator,
    ServiceRecord,
    ServiceSpace,
    SocialWorker,
    StarAward,
    Street,
    TeamMember,
    Training,
    Volunteer,
    VolunteerTeam,
)

if TYPE_CHECKING:
    pass


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
