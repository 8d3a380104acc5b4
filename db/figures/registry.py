"""Every KPI defined once (DESIGN.md §5).

A KPI is a *record set* (a SELECT of the rows behind it, for one scope and period) plus an *aggregate* over
exactly that record set. The tile, its chart, its drill-down table and its export all come from here, so a
tile always equals the sum of its drill-down. Rates are a pair of KPIs; a zero denominator gives None ("—").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, distinct, exists, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from db import vocab
from db.models import (
    Activity,
    Community,
    Donation,
    MediationCase,
    Organization,
    OrgGrade,
    Project,
    ServiceRecord,
    SocialWorker,
    Street,
    Training,
    Volunteer,
)
from db.periods import Period
from db.scope import Scope


@dataclass(frozen=True)
class Kpi:
    """A count or sum over a record set."""

    key: str
    label: str
    unit: str
    records: Callable[[Scope, Period], Select]  # the rows behind the figure
    measure: str | None  # column of ``records`` summed; None = count rows
    distinct_on: str | None = None  # column counted distinct (active volunteers)
    help: str = ""


@dataclass(frozen=True)
class Rate:
    """A ratio of two KPIs, shown as a percentage; None when the denominator is zero."""

    key: str
    label: str
    numerator: str
    denominator: str
    help: str = ""


def _in_period(column: Any, period: Period, is_datetime: bool = False) -> Any:
    if is_datetime:
        return and_(column >= period.start_dt, column < period.end_dt_exclusive)
    return and_(column >= period.start, column <= period.end)


# ------------------------------------------------------------------------------------------ record sets


def volunteer_rows(scope: Scope, period: Period) -> Select:
    """Volunteers registered on or before the end of the period (registered volunteers)."""
    return (
        select(Volunteer.id.label("volunteer_id"), Volunteer.name, Volunteer.gender, Volunteer.registered_on,
               Volunteer.street_id, Volunteer.community_id, Volunteer.organization_id)
        .where(Volunteer.registered_on <= period.end, *scope.clauses(Volunteer))
    )


def approved_record_rows(scope: Scope, period: Period, kind: str | None = None) -> Select:
    """Approved service records in the period (optionally of one kind: 信用 / 荣誉)."""
    clauses = [ServiceRecord.status == "approved", _in_period(ServiceRecord.service_date, period),
               *scope.clauses(ServiceRecord)]
    if kind is not None:
        clauses.append(ServiceRecord.kind == kind)
    return select(
        ServiceRecord.id.label("record_id"), ServiceRecord.volunteer_id, ServiceRecord.activity_id,
        ServiceRecord.service_date, ServiceRecord.hours, ServiceRecord.kind, ServiceRecord.street_id,
        ServiceRecord.community_id, ServiceRecord.organization_id, ServiceRecord.project_id,
    ).where(*clauses)


def active_record_rows(scope: Scope, period: Period) -> Select:
    """Approved records in the period of volunteers registered in the scope (by the period's end).

    Active volunteers are counted where they are registered, like registered volunteers, so the active rate
    compares like with like and never passes 100 %.
    """
    return (
        select(ServiceRecord.id.label("record_id"), ServiceRecord.volunteer_id, ServiceRecord.activity_id,
               ServiceRecord.service_date, ServiceRecord.hours, ServiceRecord.kind, Volunteer.street_id,
               Volunteer.community_id, Volunteer.organization_id, ServiceRecord.project_id)
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(ServiceRecord.status == "approved", _in_period(ServiceRecord.service_date, period),
               Volunteer.registered_on <= period.end, *scope.clauses(Volunteer))
    )


def activity_rows(scope: Scope, period: Period, linked_only: bool = False) -> Select:
    """Activities that started in the period. ``linked_only``: a social worker and volunteers both took part."""
    clauses = [_in_period(Activity.starts_at, period, is_datetime=True), *scope.clauses(Activity)]
    if linked_only:
        clauses += [Activity.with_social_worker.is_(True), Activity.with_volunteers.is_(True)]
    return select(
        Activity.id.label("activity_id"), Activity.starts_at, Activity.title, Activity.type, Activity.venue,
        Activity.people_served, Activity.with_community, Activity.with_organization, Activity.with_social_worker,
        Activity.with_volunteers, Activity.with_charity, Activity.street_id,
        Activity.community_id, Activity.organization_id, Activity.project_id,
    ).where(*clauses)


def mediation_rows(scope: Scope, period: Period, outcome: str | None = None,
                   concluded_only: bool = False) -> Select:
    """Mediation cases received in the period."""
    clauses = [_in_period(MediationCase.received_on, period), *scope.clauses(MediationCase)]
    if outcome is not None:
        clauses.append(MediationCase.outcome == outcome)
    if concluded_only:
        clauses.append(MediationCase.outcome.in_(("化解成功", "未化解")))
    return select(
        MediationCase.id.label("case_id"), MediationCase.received_on, MediationCase.resolved_on,
        MediationCase.type, MediationCase.source, MediationCase.outcome, MediationCase.people_involved,
        MediationCase.street_id, MediationCase.community_id, MediationCase.organization_id,
    ).where(*clauses)


def donation_rows(scope: Scope, period: Period, money: bool) -> Select:
    """Donations received in the period: money (元) or in kind (estimated 元)."""
    return select(
        Donation.id.label("donation_id"), Donation.donated_on, Donation.donor_name, Donation.donor_type,
        Donation.recipient, Donation.amount_yuan, Donation.items, Donation.channel, Donation.street_id,
        Donation.community_id, Donation.organization_id, Donation.project_id,
    ).where(Donation.is_money.is_(money), _in_period(Donation.donated_on, period), *scope.clauses(Donation))


# ---------------------------------------------------------------------------------------------- the KPIs

KPIS: dict[str, Kpi] = {
    k.key: k
    for k in (
        Kpi("volunteers", "注册志愿者", "人", volunteer_rows, None,
            help="时段结束时已注册的志愿者人数"),
        Kpi("active_volunteers", "活跃志愿者", "人", active_record_rows, None, distinct_on="volunteer_id",
            help="本范围注册的志愿者中，时段内至少有 1 条已审核服务记录的人数"),
        Kpi("hours", "服务时长", "小时", approved_record_rows, "hours",
            help="时段内已审核的服务时长（信用 + 荣誉，不含路途时间）"),
        Kpi("credit_hours", "信用时长", "小时", lambda s, p: approved_record_rows(s, p, "信用"), "hours",
            help="活动现场记录的时长"),
        Kpi("honour_hours", "荣誉时长", "小时", lambda s, p: approved_record_rows(s, p, "荣誉"), "hours",
            help="事后补录的时长"),
        Kpi("activities", "活动场次", "场", activity_rows, None, help="时段内开展的活动"),
        Kpi("linked_activities", "社工+志愿", "场", lambda s, p: activity_rows(s, p, linked_only=True), None,
            help="社会工作者与志愿者共同参与的“社工+志愿”联动活动"),
        Kpi("people_served", "服务人次", "人次", activity_rows, "people_served", help="活动服务的人次之和"),
        Kpi("disputes", "受理纠纷", "件", mediation_rows, None, help="时段内受理的矛盾纠纷"),
        Kpi("disputes_resolved", "化解成功", "件", lambda s, p: mediation_rows(s, p, "化解成功"), None),
        Kpi("disputes_concluded", "已办结纠纷", "件", lambda s, p: mediation_rows(s, p, concluded_only=True), None,
            help="化解成功与未化解之和（处理中的不计）"),
        Kpi("money", "善款", "元", lambda s, p: donation_rows(s, p, True), "amount_yuan", help="收到的资金捐赠"),
        Kpi("in_kind", "物资折价", "元", lambda s, p: donation_rows(s, p, False), "amount_yuan",
            help="收到的物资捐赠，按折价计"),
    )
}

RATES: dict[str, Rate] = {
    r.key: r
    for r in (
        Rate("active_rate", "活跃率", "active_volunteers", "volunteers", help="活跃志愿者 ÷ 注册志愿者"),
        Rate("dispute_success_rate", "调解成功率", "disputes_resolved", "disputes_concluded",
             help="化解成功 ÷ 已办结（化解成功 + 未化解）"),
    )
}

# The tiles of the overview, in order.
CORE_TILES = ("volunteers", "active_volunteers", "active_rate", "hours", "activities", "linked_activities",
              "people_served", "disputes", "dispute_success_rate", "money")


def kpi_value(session: Session, key: str, scope: Scope, period: Period) -> float | None:
    """The value of one KPI or rate (a rate is a fraction 0–1, or None when its denominator is zero)."""
    if key in RATES:
        rate = RATES[key]
        den = kpi_value(session, rate.denominator, scope, period) or 0
        if den == 0:
            return None
        return (kpi_value(session, rate.numerator, scope, period) or 0) / den
    kpi = KPIS[key]
    sub = kpi.records(scope, period).subquery()
    value = session.execute(select(_aggregate(kpi, sub)).select_from(sub)).scalar_one()
    return float(value) if kpi.measure else int(value)


def kpi_values(session: Session, keys: tuple[str, ...] | list[str], scope: Scope, period: Period
               ) -> dict[str, float | None]:
    """Several KPIs at once, each computed from its own definition."""
    cache: dict[str, float | None] = {}
    for key in keys:
        if key in RATES:
            rate = RATES[key]
            for part in (rate.numerator, rate.denominator):
                if part not in cache:
                    cache[part] = kpi_value(session, part, scope, period)
            den = cache[rate.denominator] or 0
            cache[key] = None if den == 0 else (cache[rate.numerator] or 0) / den
        elif key not in cache:
            cache[key] = kpi_value(session, key, scope, period)
    return {k: cache[k] for k in keys}


def kpi_records(session: Session, key: str, scope: Scope, period: Period, limit: int | None = None
                ) -> pd.DataFrame:
    """The rows behind a KPI, with community / street / project names: its drill-down and export."""
    kpi = KPIS[key]
    sub = kpi.records(scope, period).subquery()
    cols = [sub]
    query = select(*cols)
    if "street_id" in sub.c:
        query = query.add_columns(Street.name.label("street")).outerjoin(Street, Street.id == sub.c.street_id)
    if "community_id" in sub.c:
        query = query.add_columns(Community.name.label("community")).outerjoin(
            Community, Community.id == sub.c.community_id)
    if "project_id" in sub.c:
        query = query.add_columns(Project.name.label("project")).outerjoin(Project, Project.id == sub.c.project_id)
    order = [c for c in ("starts_at", "service_date", "received_on", "donated_on", "registered_on") if c in sub.c]
    if order:
        query = query.order_by(sub.c[order[0]].desc())
    if limit is not None:
        query = query.limit(limit)
    return pd.read_sql(query, session.connection())


def format_rate(value: float | None) -> str:
    """A rate as 「98.2%」, or 「—」 when its denominator was zero (DESIGN.md §4)."""
    return "—" if value is None else f"{value * 100:.1f}%"


# ------------------------------------------------------------------------------------ changes and trends

# The date column of each record set that places a row in a month.
_DATE_COLUMN = {"volunteer_id": "registered_on", "record_id": "service_date", "activity_id": "starts_at",
                "case_id": "received_on", "donation_id": "donated_on"}


@dataclass(frozen=True)
class Change:
    """A figure with its 环比 (previous period) and 同比 (same period last year) values."""

    value: float | None
    previous: float | None
    last_year: float | None

    @staticmethod
    def _ratio(now: float | None, before: float | None) -> float | None:
        # A change against nothing (no earlier period, or an earlier value of 0) is undefined: shown as "—".
        if now is None or before is None or before == 0:
            return None
        return (now - before) / before

    @property
    def mom(self) -> float | None:
        """环比 as a fraction, None when undefined."""
        return self._ratio(self.value, self.previous)

    @property
    def yoy(self) -> float | None:
        """同比 as a fraction, None when undefined."""
        return self._ratio(self.value, self.last_year)


def kpi_changes(session: Session, keys: tuple[str, ...] | list[str], scope: Scope, period: Period
                ) -> dict[str, Change]:
    """Each KPI for ``period`` with its 环比 and 同比 values (rates compare as percentage points' base)."""
    from db.periods import previous_period, same_period_last_year

    now = kpi_values(session, keys, scope, period)
    prev_p, last_p = previous_period(period), same_period_last_year(period)
    prev = kpi_values(session, keys, scope, prev_p) if prev_p else dict.fromkeys(keys)
    last = kpi_values(session, keys, scope, last_p) if last_p else dict.fromkeys(keys)
    return {k: Change(now[k], prev[k], last[k]) for k in keys}


def _month_expr(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def kpi_monthly(session: Session, key: str, scope: Scope, period: Period) -> pd.DataFrame:
    """A KPI month by month over ``period`` (columns month 'YYYY-MM', value), from the KPI's own record set.

    Months with no rows appear with 0, so charts show gaps as zero rather than skipping them.
    ``volunteers`` (a stock, not a flow) is the cumulative count registered by each month's end.
    """
    kpi = KPIS[key]
    sub = kpi.records(scope, period).subquery()
    id_col = sub.c.keys()[0]
    month = _month_expr(session, sub.c[_DATE_COLUMN[id_col]]).label("month")
    rows = session.execute(select(month, _aggregate(kpi, sub).label("value")).group_by(month).order_by(month)).all()
    got = {r.month: float(r.value) for r in rows}
    start = period.start
    if period.kind == "all" and got:
        # 累计 runs from the first month that has records, not from the epoch.
        start = max(start, pd.Period(min(got), freq="M").start_time.date())
    months = pd.period_range(start, period.end, freq="M").strftime("%Y-%m").tolist()
    if key == "volunteers":
        # Registered volunteers is a stock: each month shows the count registered by that month's end.
        before = session.execute(select(func.count()).select_from(
            volunteer_rows(scope, period).where(Volunteer.registered_on < start).subquery())).scalar_one()
        total, values = float(before), []
        for m in months:
            total += got.get(m, 0.0)
            values.append(total)
        return pd.DataFrame({"month": months, "value": values})
    return pd.DataFrame({"month": months, "value": [got.get(m, 0.0) for m in months]})


def _aggregate(kpi: Kpi, sub: Any) -> Any:
    if kpi.distinct_on:
        return func.count(distinct(sub.c[kpi.distinct_on]))
    if kpi.measure:
        return func.coalesce(func.sum(sub.c[kpi.measure]), literal(0))
    return func.count()


def kpi_grouped(session: Session, key: str, scope: Scope, period: Period, by: str = "community_id"
                ) -> pd.DataFrame:
    """A KPI per group (community_id, street_id, organization_id or project_id) from its own record set."""
    kpi = KPIS[key]
    sub = kpi.records(scope, period).subquery()
    rows = session.execute(select(sub.c[by].label(by), _aggregate(kpi, sub).label(key)).group_by(sub.c[by])).all()
    return pd.DataFrame(rows, columns=[by, key])


# ================================================================ registers, grades, trainings and projects
#
# Figures of 社会组织与社工 and 项目成效, each a record set plus an aggregate like the KPIs above. They are kept
# in their own registry, MORE_KPIS, because tests/test_kpi.py checks every member of KPIS against its own
# independent computation; tests/test_organizations.py and tests/test_projects.py check these the same way.
# ``find_kpi``, ``figure_value`` and ``figure_records`` work on both registries.
#
# Registers (organisations, social workers) carry no entry or exit dates, so a register figure is the register
# as it stands; the period only decides the day on which grades are read (its last day) and, for projects and
# trainings, which ones fall in it.


def _add_months_clamped(d: date, months: int) -> date:
    """``d`` plus whole months; a day the target month lacks becomes its last day (31 Aug + 6 months → 28 Feb)."""
    index = d.year * 12 + d.month - 1 + months
    year, month = index // 12, index % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(d.day, last))


def grade_expiry(awarded_on: date) -> date:
    """The last day a grade is valid: awarded_on + GRADE_YEARS years (a grade of 29 Feb ends on 28 Feb)."""
    return _add_months_clamped(awarded_on, 12 * vocab.GRADE_YEARS)


def grade_warning_end(day: date) -> date:
    """The last expiry date that, seen on ``day``, counts as “runs out within 6 months” (day + 6 months)."""
    return _add_months_clamped(day, vocab.GRADE_WARNING_MONTHS)


def grade_is_current(awarded_on: date, expires_on: date, day: date) -> bool:
    """A grade is current on ``day`` when awarded_on ≤ day ≤ expires_on (both ends included)."""
    return awarded_on <= day <= expires_on


def grade_runs_out_soon(expires_on: date, day: date) -> bool:
    """Seen on ``day``, a grade runs out within 6 months when day ≤ expires_on ≤ day + 6 months."""
    return day <= expires_on <= grade_warning_end(day)


def _org_scope(scope: Scope) -> list[Any]:
    """Scope clauses for the organisation table (an organisation scope is the organisation itself)."""
    out: list[Any] = []
    if scope.street_id is not None:
        out.append(Organization.street_id == scope.street_id)
    if scope.community_id is not None:
        out.append(Organization.community_id == scope.community_id)
    if scope.organization_id is not None:
        out.append(Organization.id == scope.organization_id)
    return out


def organization_rows(scope: Scope, period: Period, reg_status: str | None = None) -> Select:
    """Social organisations on the register (登记 or 备案) in the scope, as the register stands."""
    clauses = [Organization.reg_status.in_(vocab.REG_STATUSES), *_org_scope(scope)]
    if reg_status is not None:
        clauses.append(Organization.reg_status == reg_status)
    return select(
        Organization.id.label("organization_id"), Organization.name.label("organization"), Organization.kind,
        Organization.reg_status, Organization.category, Organization.incubation_stage, Organization.founded_year,
        Organization.street_id, Organization.community_id,
    ).where(*clauses)


def current_grade_rows(scope: Scope, period: Period, grade: str | None = None, runs_out_soon: bool = False
                       ) -> Select:
    """Each organisation's current grade on the period's last day: its latest grade with awarded_on ≤ day ≤
    expires_on (latest by award date, then by id). ``runs_out_soon``: only those expiring by day + 6 months."""
    day = period.end
    newer = aliased(OrgGrade)
    later_current = (
        select(newer.id).where(
            newer.organization_id == OrgGrade.organization_id, newer.awarded_on <= day, newer.expires_on >= day,
            or_(newer.awarded_on > OrgGrade.awarded_on,
                and_(newer.awarded_on == OrgGrade.awarded_on, newer.id > OrgGrade.id)))
    )
    clauses = [OrgGrade.awarded_on <= day, OrgGrade.expires_on >= day, ~exists(later_current), *_org_scope(scope)]
    if grade is not None:
        clauses.append(OrgGrade.grade == grade)
    if runs_out_soon:
        clauses.append(OrgGrade.expires_on <= grade_warning_end(day))
    return (
        select(OrgGrade.id.label("grade_id"), OrgGrade.organization_id, Organization.name.label("organization"),
               OrgGrade.grade, OrgGrade.awarded_on, OrgGrade.expires_on, OrgGrade.score, Organization.reg_status,
               Organization.street_id, Organization.community_id)
        .join(Organization, Organization.id == OrgGrade.organization_id).where(*clauses)
    )


def social_worker_rows(scope: Scope, period: Period, level: str | None = None) -> Select:
    """Social workers on the register in the scope (optionally of one level)."""
    clauses = [*scope.clauses(SocialWorker)]
    if level is not None:
        clauses.append(SocialWorker.level == level)
    return select(
        SocialWorker.id.label("worker_id"), SocialWorker.name, SocialWorker.level, SocialWorker.title,
        SocialWorker.certified_year, SocialWorker.training_hours, SocialWorker.street_id, SocialWorker.community_id,
        SocialWorker.organization_id,
    ).where(*clauses)


def _training_scope(scope: Scope) -> list[Any]:
    # A training belongs to a street and maybe an organisation; a community's trainings are those of the
    # organisations based in it.
    out: list[Any] = []
    if scope.street_id is not None:
        out.append(Training.street_id == scope.street_id)
    if scope.organization_id is not None:
        out.append(Training.organization_id == scope.organization_id)
    if scope.community_id is not None:
        out.append(Training.organization_id.in_(
            select(Organization.id).where(Organization.community_id == scope.community_id)))
    return out


def training_rows(scope: Scope, period: Period) -> Select:
    """Trainings held in the period."""
    return select(
        Training.id.label("training_id"), Training.held_on, Training.title, Training.topic, Training.sessions,
        Training.trainees, Training.hours, Training.street_id, Training.organization_id, Training.project_id,
    ).where(_in_period(Training.held_on, period), *_training_scope(scope))


def project_rows(scope: Scope, period: Period, brand_level: str | None = None) -> Select:
    """Projects running at some time in the period (not started after it, not ended before it)."""
    clauses = [or_(Project.start_date.is_(None), Project.start_date <= period.end),
               or_(Project.end_date.is_(None), Project.end_date >= period.start), *scope.clauses(Project)]
    if brand_level is not None:
        clauses.append(Project.brand_level == brand_level)
    return select(
        Project.id.label("project_id"), Project.name.label("project_name"), Project.area, Project.brand_level,
        Project.status, Project.start_date, Project.end_date, Project.street_id, Project.community_id,
        Project.organization_id,
    ).where(*clauses)


MORE_KPIS: dict[str, Kpi] = {
    k.key: k
    for k in (
        Kpi("social_orgs", "社会组织", "家", organization_rows, None, help="登记与备案的社会组织（名册现状）"),
        Kpi("orgs_registered", "登记社会组织", "家", lambda s, p: organization_rows(s, p, "登记"), None,
            help="在民政部门登记注册的社会组织"),
        Kpi("orgs_filed", "备案社会组织", "家", lambda s, p: organization_rows(s, p, "备案"), None,
            help="在街道备案管理的社区社会组织"),
        Kpi("orgs_graded", "有效等级", "家", current_grade_rows, None,
            help="时段末日持有有效等级（5A…1A，有效期 5 年）的社会组织"),
        *(Kpi(f"orgs_{g.lower()}", f"{g} 社会组织", "家", (lambda s, p, g=g: current_grade_rows(s, p, g)), None,
              help=f"时段末日当前等级为 {g} 的社会组织") for g in vocab.GRADES),
        Kpi("grades_running_out", "半年内到期", "家", lambda s, p: current_grade_rows(s, p, runs_out_soon=True),
            None, help="当前等级将在 6 个月内（含当天）到期的社会组织，需及早申请复评"),
        Kpi("social_workers", "社会工作者", "人", social_worker_rows, None, help="在册社会工作者（名册现状）"),
        *(Kpi(f"social_workers_{code}", f"{vocab.SOCIAL_WORKER_LEVEL_SHORT[level]}社工", "人",
              (lambda s, p, level=level: social_worker_rows(s, p, level)), None, help=f"{level}（名册现状）")
          for code, level in zip(("assistant", "intermediate", "senior"), vocab.SOCIAL_WORKER_LEVELS, strict=True)),
        Kpi("trainings", "培训", "次", training_rows, None, help="时段内举办的培训"),
        Kpi("training_sessions", "培训场次", "场", training_rows, "sessions", help="时段内培训的场次之和"),
        Kpi("trainees", "培训人次", "人次", training_rows, "trainees", help="时段内培训的参训人次之和"),
        Kpi("training_hours", "培训学时", "小时", training_rows, "hours", help="时段内培训的学时之和"),
        Kpi("projects", "项目", "个", project_rows, None, help="时段内在实施（或筹备中）的项目"),
        Kpi("brand_projects_city", "市级品牌项目", "个", lambda s, p: project_rows(s, p, "市级"), None,
            help="市级品牌公益服务项目"),
        Kpi("brand_projects_district", "区级品牌项目", "个", lambda s, p: project_rows(s, p, "区级"), None,
            help="区级品牌公益服务项目"),
    )
}
_DATE_COLUMN["training_id"] = "held_on"  # so that kpi_monthly-style trends can place a training in a month


def find_kpi(key: str) -> Kpi:
    """The definition of a count or sum from either registry."""
    return KPIS[key] if key in KPIS else MORE_KPIS[key]


def _value_of(session: Session, kpi: Kpi, records: Select) -> float:
    sub = records.subquery()
    value = session.execute(select(_aggregate(kpi, sub)).select_from(sub)).scalar_one()
    return float(value) if kpi.measure else int(value)


def figure_value(session: Session, key: str, scope: Scope, period: Period) -> float | None:
    """``kpi_value`` for any key of KPIS, MORE_KPIS or RATES."""
    if key in RATES or key in KPIS:
        return kpi_value(session, key, scope, period)
    kpi = MORE_KPIS[key]
    return _value_of(session, kpi, kpi.records(scope, period))


def figure_values(session: Session, keys: tuple[str, ...] | list[str], scope: Scope, period: Period
                  ) -> dict[str, float | None]:
    """Several figures of any registry, each from its own definition."""
    return {key: figure_value(session, key, scope, period) for key in keys}


def figure_records(session: Session, key: str, scope: Scope, period: Period) -> pd.DataFrame:
    """The rows behind a figure of any registry (its drill-down and export)."""
    if key in KPIS:
        return kpi_records(session, key, scope, period)
    return pd.read_sql(MORE_KPIS[key].records(scope, period), session.connection())


# -------------------------------------------------------------------------------------- one project's figures

# The figures a project target may name: their record sets carry the project (or, for mediation, its case).
PROJECT_METRICS = ("activities", "linked_activities", "people_served", "hours", "active_volunteers", "disputes",
                   "disputes_resolved", "money", "in_kind", "trainings", "training_sessions", "trainees")


def project_records(key: str, project_id: int, period: Period) -> Select:
    """The record set of figure ``key`` over every place, restricted to the records of one project."""
    kpi = find_kpi(key)
    sub = kpi.records(Scope(), period).subquery()
    if "case_id" in sub.c:
        keep = sub.c.case_id.in_(select(MediationCase.id).where(MediationCase.project_id == project_id))
    elif "project_id" in sub.c:
        keep = sub.c.project_id == project_id
    else:
        raise ValueError(f"{key} is not a figure of a project")
    return select(sub).where(keep)


def project_value(session: Session, key: str, project_id: int, period: Period) -> float | None:
    """A figure (or a rate of two figures) for one project's own records."""
    if key in RATES:
        rate = RATES[key]
        den = project_value(session, rate.denominator, project_id, period) or 0
        if den == 0:
            return None
        return (project_value(session, rate.numerator, project_id, period) or 0) / den
    return _value_of(session, find_kpi(key), project_records(key, project_id, period))


def project_monthly(session: Session, key: str, project_id: int, period: Period) -> pd.DataFrame:
    """A project's figure month by month (columns month 'YYYY-MM', value); empty months are 0."""
    kpi = find_kpi(key)
    sub = project_records(key, project_id, period).subquery()
    id_col = sub.c.keys()[0]
    month = _month_expr(session, sub.c[_DATE_COLUMN[id_col]]).label("month")
    rows = session.execute(select(month, _aggregate(kpi, sub).label("value")).group_by(month).order_by(month)).all()
    got = {r.month: float(r.value) for r in rows}
    if not got:
        return pd.DataFrame({"month": [], "value": []})
    start = max(period.start, pd.Period(min(got), freq="M").start_time.date()) if period.kind == "all" else period.start
    months = pd.period_range(start, period.end, freq="M").strftime("%Y-%m").tolist()
    return pd.DataFrame({"month": months, "value": [got.get(m, 0.0) for m in months]})


def grouped_values(session: Session, key: str, scope: Scope, period: Period, by: Any, label: str = "group",
                   project_id: int | None = None) -> pd.DataFrame:
    """A figure of any registry per group, from its own record set; ``by(sub)`` gives the group expression
    over the record set's subquery and the joins it needs (e.g. to the mediation case for its team).
    ``project_id``: the record set of that project only (``scope`` is then not used)."""
    kpi = find_kpi(key)
    records = kpi.records(scope, period) if project_id is None else project_records(key, project_id, period)
    sub = records.subquery()
    group, joins = by(sub)
    query = select(group.label(label), _aggregate(kpi, sub).label(key)).select_from(sub)
    for target, on in joins:
        query = query.outerjoin(target, on)
    rows = session.execute(query.group_by(group)).all()
    return pd.DataFrame(rows, columns=[label, key])


def month_of(session: Session, column: Any) -> Any:
    """The 'YYYY-MM' of a date or datetime column, in the session's SQL dialect (for trends by month)."""
    return _month_expr(session, column)
