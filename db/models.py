"""SQLModel tables for the whole domain of DESIGN.md §3.

Conventions:
- Every table a user can edit carries ``version`` (optimistic locking) and ``is_demo`` (demo data is marked and
  never mixed into real data: a reset deletes exactly the rows with ``is_demo``).
- Domain vocabularies (activity types, grades, levels...) are stored as the Chinese terms users already use in
  their 台账; see ``db.vocab``. Machine states (roles, record status) are short English codes with Chinese labels.
- Times are naive local time (Asia/Shanghai): every street office in scope lives in one time zone.
- Hot columns are denormalised onto ``ServiceRecord`` (street, community, organisation, date) so that the
  10-million-row leaderboards and KPIs filter one table by index instead of joining.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint, false, text, true
from sqlmodel import Field, SQLModel


def _now() -> datetime:
    from db.clock import now

    return now()


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


# ---------------------------------------------------------------------------------------------- places


# A street (街道) or town (镇): the unit a leader runs; carries the district code for the offline map.
class Street(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)
    province: str = Field(default="", max_length=30)
    city: str = Field(default="", max_length=30)
    district: str = Field(default="", max_length=30)
    district_code: str = Field(default="", max_length=6)  # 行政区划代码, e.g. 370211
    lng: float | None = None  # GCJ-02
    lat: float | None = None
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# A community (社区) or village (村) inside a street.
class Community(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    name: str = Field(max_length=60)
    kind: str = Field(default="社区", max_length=10)  # 社区 / 村
    founded_year: int | None = None
    population: int | None = None
    households: int | None = None
    area_km2: float | None = None
    party_secretary: str = Field(default="", max_length=30)
    service_brand: str = Field(default="", max_length=60)
    pilot_status: str = Field(default="", max_length=200)
    featured_scenes: list[str] = _json_list()
    description: str = Field(default="", max_length=2000)
    lng: float | None = None  # GCJ-02
    lat: float | None = None
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)

    __table_args__ = (UniqueConstraint("street_id", "name"),)


# A residential compound (小区) inside a community.
class Compound(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    name: str = Field(max_length=60)
    households: int | None = None
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# A service space (服务中心, 活动室, 雷锋广场...) with its floor area.
class ServiceSpace(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    name: str = Field(max_length=80)
    kind: str = Field(default="", max_length=20)  # 服务中心 / 特色场景 / 活动室 ...
    area_m2: float | None = None
    indoor: bool | None = None
    description: str = Field(default="", max_length=500)
    lng: float | None = None
    lat: float | None = None
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# ---------------------------------------------------------------------------------------- organisations


# Any organisation: social organisations and centres, enterprises, foundations, government units, universities.
class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, index=True)
    kind: str = Field(max_length=20)  # db.vocab.ORG_KINDS
    street_id: int | None = Field(default=None, foreign_key="street.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    reg_status: str | None = Field(default=None, max_length=10)  # 登记 / 备案 (social organisations)
    category: str = Field(default="", max_length=30)  # 社区服务类 / 公益慈善类 / 文体类 ...
    incubation_stage: str | None = Field(default=None, max_length=10)  # 入驻孵化 / 成长 / 出壳
    founded_year: int | None = None
    description: str = Field(default="", max_length=1000)
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# A grade (等级评估 5A…1A) awarded to a social organisation; a grade lasts five years.
class OrgGrade(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    grade: str = Field(max_length=2)  # 5A … 1A
    awarded_on: date
    expires_on: date = Field(index=True)
    score: float | None = None
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# The lowest assessment score that earns a grade (5A…1A). Bands differ by city: city "" is the default set,
# a row with a city name overrides it for the streets of that city. Reference data, seeded by migration 0004.
class GradeBand(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    city: str = Field(default="", max_length=30)
    grade: str = Field(max_length=2)
    min_score: float
    version: int = Field(default=1)

    __table_args__ = (UniqueConstraint("city", "grade", name="uq_gradeband_city_grade"),)


# A service brand (品牌), e.g. 乔社善治 or 港好有你 治享家园.
class Brand(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60)
    street_id: int | None = Field(default=None, foreign_key="street.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    area: str | None = Field(default=None, max_length=10)  # one of the five areas
    description: str = Field(default="", max_length=500)
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# ---------------------------------------------------------------------------------------------- people


# A registered volunteer. The real name is kept but shown masked; the phone likewise.
class Volunteer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=30)
    phone: str = Field(default="", max_length=20)
    gender: str = Field(default="", max_length=2)  # 男 / 女
    birth_year: int | None = None
    street_id: int = Field(foreign_key="street.id")
    community_id: int | None = Field(default=None, foreign_key="community.id")
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    tags: list[str] = _json_list()  # 在职党员 / 商圈业主 / 小区居民 ("双报到")
    registered_on: date
    leaderboard_opt_out: bool = False
    is_staff: bool = False
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime)

    __table_args__ = (
        Index("ix_volunteer_street_registered", "street_id", "registered_on"),
        Index("ix_volunteer_community_registered", "community_id", "registered_on"),
        Index("ix_volunteer_org_registered", "organization_id", "registered_on"),
        Index("ix_volunteer_registered", "registered_on"),
        Index("ix_volunteer_opt_out", "leaderboard_opt_out"), Index("ix_volunteer_staff", "is_staff"),  # the few unranked
    )


# A volunteer team (志愿服务队), e.g. 邻里解忧团.
class VolunteerTeam(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60)
    street_id: int = Field(foreign_key="street.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    founded_year: int | None = None
    description: str = Field(default="", max_length=500)
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# Membership of a volunteer in a team.
class TeamMember(SQLModel, table=True):
    team_id: int = Field(foreign_key="volunteerteam.id", primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True, index=True)
    joined_on: date | None = None
    is_demo: bool = Field(default=False)


# A social worker (社会工作者) with a professional level.
class SocialWorker(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=30)
    level: str = Field(max_length=12)  # 助理社会工作师 / 社会工作师 / 高级社会工作师
    street_id: int = Field(foreign_key="street.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    title: str = Field(default="", max_length=100)
    certified_year: int | None = None
    training_hours: float = 0
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# ------------------------------------------------------------------------------------------------ work


# A project (项目) serving one of the five areas, owned by a community or an organisation.
class Project(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    street_id: int = Field(foreign_key="street.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    area: str = Field(max_length=10)  # 社区治理 / 人才培育 / 社会组织 / 志愿互助 / 慈善资源
    brand_level: str | None = Field(default=None, max_length=4)  # 市级 / 区级
    status: str = Field(default="进行中", max_length=6)  # 筹备中 / 进行中 / 已结项
    beneficiary_groups: list[str] = _json_list()
    start_date: date | None = None
    end_date: date | None = None
    description: str = Field(default="", max_length=2000)
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# A target of a project (e.g. 40 activities by 2025-12-31).
class ProjectTarget(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    metric: str = Field(max_length=20)  # a figure key of db.figures (figures.PROJECT_METRICS)
    target_value: float
    start_date: date | None = None
    due_date: date | None = None
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# An activity (活动): the unit of “社工+志愿” work that staff record.
class Activity(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id")
    community_id: int | None = Field(default=None, foreign_key="community.id")
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    project_id: int | None = Field(default=None, foreign_key="project.id")  # indexed with its date (below)
    title: str = Field(max_length=100)
    type: str = Field(max_length=10)  # db.vocab.ACTIVITY_TYPES
    venue: str = Field(default="", max_length=100)
    starts_at: datetime = Field(sa_type=DateTime)
    ends_at: datetime = Field(sa_type=DateTime)
    # The five actors of 五社联动 that took part.
    with_community: bool = False
    with_organization: bool = False
    with_social_worker: bool = False
    with_volunteers: bool = False
    with_charity: bool = False
    lead_social_worker_id: int | None = Field(default=None, foreign_key="socialworker.id")
    people_served: int = 0  # 人次
    unique_persons: int | None = None  # where known
    note: str = Field(default="", max_length=1000)
    created_by: int | None = Field(default=None, foreign_key="appuser.id", index=True)
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime)
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime)
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)

    __table_args__ = (
        Index("ix_activity_starts", "starts_at"),
        Index("ix_activity_street_starts", "street_id", "starts_at"),
        Index("ix_activity_community_starts", "community_id", "starts_at"),
        Index("ix_activity_org_starts", "organization_id", "starts_at"),
        Index("ix_activity_project_starts", "project_id", "starts_at"),
    )


# One volunteer's hours at one activity: 信用 (recorded at the activity) or 荣誉 (backfilled later).
class ServiceRecord(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id")
    activity_id: int = Field(foreign_key="activity.id")
    hours: float
    kind: str = Field(default="信用", max_length=2)  # 信用 / 荣誉
    status: str = Field(default="approved", max_length=10)  # pending / approved / rejected
    reason: str = Field(default="", max_length=200)  # backfill or rejection reason
    approved_by: int | None = Field(default=None, foreign_key="appuser.id")
    approved_at: datetime | None = Field(default=None, sa_type=DateTime)
    # Copied from the activity so that KPIs and leaderboards read one table by index.
    service_date: date
    street_id: int = Field(foreign_key="street.id")
    community_id: int | None = Field(default=None, foreign_key="community.id")
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    project_id: int | None = Field(default=None, foreign_key="project.id")
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)

    __table_args__ = (
        UniqueConstraint("activity_id", "volunteer_id", "kind", name="uq_record_activity_volunteer_kind"),
        Index("ix_record_activity", "activity_id"),
        # A volunteer's records by day, covering what the summaries' recompute and the clash check read of them.
        Index("ix_record_volunteer_date", "volunteer_id", "service_date", "status", "activity_id", "hours", "kind"),
        # Covering for the leaderboards and their totals (by date and status, then volunteer, activity, hours,
        # kind): a year's board reads this index alone, never the table (migration 0005).
        Index("ix_record_date_cover", "service_date", "status", "volunteer_id", "activity_id", "hours", "kind"),
        Index("ix_record_street_date", "street_id", "service_date", "status"),
        Index("ix_record_community_date", "community_id", "service_date", "status"),
        Index("ix_record_org_date", "organization_id", "service_date", "status"),
    )


# Approved service hours per volunteer over all history: a summary of ServiceRecord that every write service
# touching approved records recomputes for the volunteers it touched, in the same transaction (db/volunteers/totals.py), so
# star levels need not sum the whole history on every read. A volunteer with no approved record has no row.
class VolunteerTotal(SQLModel, table=True):
    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True)
    hours: float = 0.0
    records: int = 0


# Summaries by month (db/summaries.py): recomputed from the raw rows, for the keys each write touched, before the
# write's transaction commits; rebuilt whole after a bulk load or a restore. ``month`` is the month's first day.
# No foreign keys: a summary row may name a place or project being deleted in the same transaction until the
# recompute at commit removes it. Several rows may share a key; readers sum them.
class VolunteerMonth(SQLModel, table=True):
    """Approved service per volunteer × month × place and project of the service (leaderboards, active counts)."""

    id: int | None = Field(default=None, primary_key=True)
    month: date
    volunteer_id: int
    street_id: int
    community_id: int | None = None
    organization_id: int | None = None
    project_id: int | None = None
    hours: float = 0.0
    records: int = 0
    activities: int = 0  # distinct activities (an activity lies in one month, place and project)
    credit_hours: float = 0.0  # 信用 only
    credit_records: int = 0
    credit_activities: int = 0

    __table_args__ = (
        Index("ix_volmonth_month", "month", "street_id", "community_id", "volunteer_id", "hours", "activities"),
        Index("ix_volmonth_volunteer", "volunteer_id", "month", "project_id"),
    )


class VolunteerSpan(SQLModel, table=True):
    """Approved hours and records per volunteer × calendar year (kind Y) or quarter (Q), every place: the year's
    and the quarter's boards of everyone find their top volunteers here (db/volunteers/totals.py)."""

    volunteer_id: int = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=1)
    start: date = Field(primary_key=True)
    hours: float = 0.0
    records: int = 0
    first_day: date | None = None  # of the span's approved service: active volunteers of a period from its start

    __table_args__ = (Index("ix_volspan_kind_start", "kind", "start", "hours"),
                      Index("ix_volspan_first", "kind", "start", "first_day", "volunteer_id"))


class ActiveCount(SQLModel, table=True):
    """How many volunteers served (an approved record) in a span — a month (kind M), a calendar quarter (Q) or year
    (Y), all time (A, ``start`` 1900-01-01) — counted where they are registered, in every project (``project_id``
    -1) or in one (0: records of no project). A volunteer is registered in one place, so counts add up over places;
    they never add up over spans or projects. Ids 0 stand for none, so that the key can be unique."""

    kind: str = Field(primary_key=True, max_length=1)
    start: date = Field(primary_key=True)
    project_id: int = Field(primary_key=True)
    street_id: int = Field(primary_key=True)
    community_id: int = Field(primary_key=True)
    organization_id: int = Field(primary_key=True)
    volunteers: int = 0


class TeamSpan(SQLModel, table=True):
    """Approved service of a team's members — every place and project — per month (M), calendar quarter (Q), year
    (Y) and all time (A, ``start`` 1900-01-01): the team board of everywhere (db/team_spans.py)."""

    team_id: int = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=1)
    start: date = Field(primary_key=True)
    hours: float = 0.0
    records: int = 0
    activities: int = 0  # distinct: a member's activity counts once however many members served in it
    members: int = 0  # members with an approved record in the span


class PlaceSums(SQLModel):
    """The additive figures of a place (street, community) — ``PlaceYear`` — or of a cell (``FigureSums``)."""

    id: int | None = Field(default=None, primary_key=True)
    street_id: int
    community_id: int | None = None
    activities: int = 0
    linked_activities: int = 0
    people_served: int = 0
    records: int = 0
    hours: float = 0.0
    credit_hours: float = 0.0
    honour_hours: float = 0.0
    money: float = 0.0
    in_kind: float = 0.0
    with_community: int = 0  # activities each of the five actors took part in (the 五社联动 shares)
    with_organization: int = 0
    with_social_worker: int = 0
    with_volunteers: int = 0
    with_charity: int = 0
    served_activities: int = 0  # activities with an approved service record (the leaderboards' 参与活动)


class FigureSums(PlaceSums):
    """A cell — place (street, community, organisation) × project of the source row — over a month
    (``FigureMonth``) or a calendar year (``FigureYear``, the sum of its months)."""

    organization_id: int | None = None
    project_id: int | None = None


class FigureMonth(FigureSums, table=True):
    month: date

    __table_args__ = (Index("ix_figmonth_month", "month", "street_id", "community_id"),
                      Index("ix_figmonth_project", "project_id", "month"))


FIGURE_SUMS = ("activities", "linked_activities", "people_served", "records", "hours", "credit_hours", "honour_hours",
               "money", "in_kind", "with_community", "with_organization", "with_social_worker", "with_volunteers",
               "with_charity", "served_activities")  # FigureSums' summed columns


class FigureYear(FigureSums, table=True):
    year: date  # its first day

    # The sums by project and by organisation over every place (累计, whole years) read these indexes only.
    __table_args__ = (Index("ix_figyear_year", "year", "street_id", "community_id"),
                      Index("ix_figyear_project_cover", "project_id", "year", *FIGURE_SUMS),
                      Index("ix_figyear_org_cover", "organization_id", "year", *FIGURE_SUMS))


class PlaceYear(PlaceSums, table=True):
    """``FigureYear`` summed over organisations and projects: what a place's tiles and place tables read for whole
    years when no organisation or project is chosen (1,200 rows at 10M records against FigureYear's 99,000)."""

    year: date  # its first day

    __table_args__ = (Index("ix_placeyear_year", "year", "street_id", "community_id"),)


# A training (培训) with its sessions and trainees, e.g. the 12 乔社学院 trainings.
class Training(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    title: str = Field(max_length=100)
    topic: str = Field(default="", max_length=30)  # 基础理论 / 通用能力 / 实务技能 / 考证培训 / 团队建设 / 能力建设
    held_on: date = Field(index=True)
    sessions: int = 1
    trainees: int = 0  # 人次
    hours: float = 0
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# A mediation case (纠纷调解). Parties are never named: only a count of people involved.
class MediationCase(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id")
    community_id: int | None = Field(default=None, foreign_key="community.id")
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    team_id: int | None = Field(default=None, foreign_key="volunteerteam.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="project.id")  # indexed with its date (below)
    received_on: date
    resolved_on: date | None = None
    type: str = Field(max_length=4)  # 邻里 / 物业 / 征迁 / 家庭 / 劳资 / 其他
    source: str = Field(max_length=4)  # 投诉 / 纠纷
    outcome: str = Field(max_length=6)  # 化解成功 / 未化解 / 处理中
    people_involved: int = 0
    location: str = Field(default="", max_length=60)  # e.g. the compound
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)

    __table_args__ = (
        Index("ix_mediation_street_received", "street_id", "received_on"),
        Index("ix_mediation_community_received", "community_id", "received_on"),
        Index("ix_mediation_org_received", "organization_id", "received_on"),
        Index("ix_mediation_project_received", "project_id", "received_on"),
    )


# --------------------------------------------------------------------------------------------- charity


# A resource offered to the charity resource library (乔社积善 / 乔见社彩).
class CharityResource(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    provider_name: str = Field(max_length=80)
    provider_org_id: int | None = Field(default=None, foreign_key="organization.id")
    provider_type: str = Field(max_length=6)  # 政府 / 企业 / 基金会 / 社会组织 / 高校 / 个人
    kind: str = Field(max_length=4)  # 资金 / 物资 / 场地 / 服务 / 技能
    title: str = Field(max_length=100)
    amount: float = 0
    unit: str = Field(default="元", max_length=10)
    offered_on: date
    status: str = Field(default="available", max_length=12)  # available / exhausted / withdrawn
    lng: float | None = None  # GCJ-02
    lat: float | None = None
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# A need filed by a community (需求清单).
class CharityNeed(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    title: str = Field(max_length=100)
    category: str = Field(max_length=4)  # same vocabulary as resource kind
    beneficiary_group: str = Field(default="", max_length=20)
    urgency: str = Field(default="一般", max_length=4)  # 紧急 / 较急 / 一般
    amount: float = 0
    unit: str = Field(default="元", max_length=10)
    filed_on: date
    status: str = Field(default="pending", max_length=12)  # pending/approved/matched/completed/rejected
    reject_reason: str = Field(default="", max_length=200)
    lng: float | None = None
    lat: float | None = None
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# A match of a need to a resource, with the amount taken from the resource.
class CharityMatch(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="charityneed.id", index=True)
    resource_id: int = Field(foreign_key="charityresource.id", index=True)
    amount: float
    matched_on: date
    completed_on: date | None = None
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# A donation (捐赠) of money or goods to a project or a place.
class Donation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id")
    community_id: int | None = Field(default=None, foreign_key="community.id")
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    project_id: int | None = Field(default=None, foreign_key="project.id")  # indexed with its date (below)
    donor_name: str = Field(max_length=80)
    donor_type: str = Field(max_length=6)  # same vocabulary as provider_type
    recipient: str = Field(default="", max_length=80)  # e.g. 残疾人之家爱心超市
    is_money: bool = True
    amount_yuan: float = 0  # money, or the estimated value of goods
    items: str = Field(default="", max_length=200)  # goods description when in kind
    quantity: float | None = None
    donated_on: date
    channel: str = Field(default="", max_length=20)  # 线下 / 线上 / 义卖
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)

    __table_args__ = (
        Index("ix_donation_street_date", "street_id", "donated_on"),
        Index("ix_donation_community_date", "community_id", "donated_on"),
        Index("ix_donation_org_date", "organization_id", "donated_on"),
        Index("ix_donation_project_date", "project_id", "donated_on"),
        Index("ix_donation_date", "donated_on"),
    )


# ------------------------------------------------------------------------------------ reported figures


# A figure from a report rather than from records, kept with its qualifier, unit, date and source.
class ReportedIndicator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=80, index=True)  # e.g. 杨金泉纠纷调解服务中心
    street_id: int | None = Field(default=None, foreign_key="street.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    metric: str = Field(max_length=60)
    kpi_key: str | None = Field(default=None, max_length=30)  # the record KPI it can be compared with
    value: float
    qualifier: str = Field(default="=", max_length=2)  # = / ≥ / ≈ / ≤
    unit: str = Field(default="", max_length=10)
    as_of: date
    source: str = Field(max_length=200)
    note: str = Field(default="", max_length=300)
    is_demo: bool = Field(default=False, index=True)
    version: int = Field(default=1)


# ------------------------------------------------------------------------------------- volunteer rules


# A preset of star thresholds (全国 / 北京 / 惠州 ...).
class StarPreset(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=30, unique=True)
    description: str = Field(default="", max_length=200)
    version: int = Field(default=1)


# One level of a star preset: the approved hours from which it applies.
class StarLevel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    preset_id: int = Field(foreign_key="starpreset.id", index=True)
    rank: int  # ordering, 1 = lowest
    label: str = Field(max_length=20)  # 一星 … 五星（金）
    min_hours: float

    __table_args__ = (UniqueConstraint("preset_id", "rank"),)


# The preset a street uses (chosen by an admin).
class StreetStarPreset(SQLModel, table=True):
    street_id: int = Field(foreign_key="street.id", primary_key=True)
    preset_id: int = Field(foreign_key="starpreset.id")
    version: int = Field(default=1)


# A star level awarded (已认定) to a volunteer: a recorded action.
class StarAward(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True)
    preset_id: int = Field(foreign_key="starpreset.id")
    rank: int
    awarded_on: date
    awarded_by: int | None = Field(default=None, foreign_key="appuser.id")
    is_demo: bool = Field(default=False, index=True)


# ------------------------------------------------------------------------------------ users and audit


# A user of the dashboard with a role and a scope. ("user" is reserved in PostgreSQL.)
class AppUser(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True)
    display_name: str = Field(default="", max_length=40)
    role: str = Field(max_length=10)  # leader / staff / admin
    scope_type: str = Field(default="all", max_length=12)  # all / street / community / organization
    scope_id: int | None = None
    password_hash: str = Field(max_length=200)
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=DateTime)
    is_locked: bool = False  # locked by an admin (until an admin unlocks); ends open sessions
    # Consecutive automatic locks without a successful login in between: each lasts twice as long as the one
    # before (lock_minutes, 2×, 4× ... up to MAX_LOCK_HOURS); a successful login or an admin's unlock resets it.
    lock_count: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    # Deactivated users are kept (the audit trail and records point at them) but can never log in.
    is_active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    # Set when an admin creates the user or resets the password: the app shows only a change-password form.
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Bumped on logout-everywhere, password change or lock: signed cookies of older epochs stop working.
    session_epoch: int = 1
    last_login_at: datetime | None = Field(default=None, sa_type=DateTime)
    is_demo: bool = Field(default=False, index=True)
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime)
    version: int = Field(default=1)


# Append-only audit trail of every create, update and delete, written in the writer's transaction, plus logins,
# logouts, password changes, exports, imports and certificates. Each row carries ``row_hash`` = sha256 over its
# fields and ``prev_hash`` (the row before's ``row_hash``): an edited or deleted row breaks the chain
# (db/write.py ``audit_hash``, db/admin/audit.py ``verify_audit_chain``).
class AuditLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=_now, index=True, sa_type=DateTime)
    user_id: int | None = Field(default=None, index=True)
    username: str = Field(default="", max_length=40)
    action: str = Field(max_length=20)  # create / update / delete / login / login_failed ... (vocab.AUDIT_ACTIONS)
    table_name: str = Field(max_length=40)
    record_id: int | None = None
    old_values: dict | None = Field(default=None, sa_column=Column(JSON))
    new_values: dict | None = Field(default=None, sa_column=Column(JSON))
    prev_hash: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": text("''")})
    row_hash: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": text("''")})

    __table_args__ = (Index("ix_audit_table_record", "table_name", "record_id"),)


# One accepted form submission: its idempotency key is unique, so a retry cannot write twice.
class Submission(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=30)
    record_id: int | None = None
    user_id: int | None = None
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime)


# A single-row counter bumped by every write: sessions on every server compare it to know when caches are stale.
class DataVersion(SQLModel, table=True):
    id: int = Field(default=1, primary_key=True)
    version: int = 0
    changed_at: datetime = Field(default_factory=_now, sa_type=DateTime)


# ---------------------------------------------------------------------------------------------- kiosk links
# A read-only link that opens the big screen (大屏) of one street or community with no login. Only the SHA-256 of
# the token is stored: the token itself is shown once, to the admin who creates the link (db/admin/kiosk.py).
class KioskLink(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60)
    token_hash: str = Field(max_length=64, unique=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id")  # None: the whole street
    created_by: int | None = Field(default=None, foreign_key="appuser.id")
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime)


# Key/value facts about this installation (demo loaded, the secret key's check value...).
class AppMeta(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(default="", max_length=500)


# SQLite hands a deleted row's id to the next insert unless the table uses AUTOINCREMENT. Ids are what the
# audit trail, idempotency keys and open edit forms point at, so an id must never be reused.
for _table in SQLModel.metadata.tables.values():
    if "id" in _table.c and _table.c["id"].primary_key and _table.name != "dataversion":
        _table.dialect_options["sqlite"]["autoincrement"] = True
