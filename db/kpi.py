"""Every KPI defined once (DESIGN.md §5).

A KPI is a *record set* (a SELECT of the rows behind it, for one scope and period) plus an *aggregate* over
exactly that record set. The tile, its chart, its drill-down table and its export all come from here, so a
tile always equals the sum of its drill-down. Rates are a pair of KPIs; a zero denominator gives None ("—").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, distinct, func, literal, select
from sqlmodel import Session

from db.models import Activity, Community, Donation, MediationCase, Project, ServiceRecord, Street, Volunteer
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
