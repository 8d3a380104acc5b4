"""The record sets behind the figures (DESIGN.md §5): for a scope and a period, the SELECT of the rows a figure
counts or sums. The registry (``db.figures.registry``) pairs each with an aggregate; tiles, charts, drill-downs
and exports all read these, so a tile always equals the sum of its drill-down.

Registers (organisations, social workers) carry no entry or exit dates, so a register figure is the register as
it stands; the period only decides the day on which grades are read (its last day) and, for projects and
trainings, which ones fall in it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import aliased

from db import vocab
from db.models import (
    Activity,
    Donation,
    MediationCase,
    Organization,
    OrgGrade,
    Project,
    ServiceRecord,
    SocialWorker,
    Training,
    Volunteer,
)
from db.periods import Period, add_months
from db.scope import Scope


def in_period(column: Any, period: Period, is_datetime: bool = False) -> Any:
    """``column`` within the period's days (a datetime column up to the end of its last day)."""
    if is_datetime:
        return and_(column >= period.start_dt, column < period.end_dt_exclusive)
    return and_(column >= period.start, column <= period.end)



def volunteer_rows(scope: Scope, period: Period) -> Select:
    """Volunteers registered on or before the end of the period (registered volunteers)."""
    return (
        select(Volunteer.id.label("volunteer_id"), Volunteer.name, Volunteer.gender, Volunteer.registered_on,
               Volunteer.street_id, Volunteer.community_id, Volunteer.organization_id)
        .where(Volunteer.registered_on <= period.end, *scope.where(Volunteer))
    )


def approved_record_rows(scope: Scope, period: Period, kind: str | None = None) -> Select:
    """Approved service records in the period (optionally of one kind: 信用 / 荣誉)."""
    clauses = [ServiceRecord.status == "approved", in_period(ServiceRecord.service_date, period),
               *scope.where(ServiceRecord)]
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
        .where(ServiceRecord.status == "approved", in_period(ServiceRecord.service_date, period),
               Volunteer.registered_on <= period.end, *scope.where(Volunteer))
    )


def activity_rows(scope: Scope, period: Period, linked_only: bool = False) -> Select:
    """Activities that started in the period. ``linked_only``: a social worker and volunteers both took part."""
    clauses = [in_period(Activity.starts_at, period, is_datetime=True), *scope.where(Activity)]
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
    clauses = [in_period(MediationCase.received_on, period), *scope.where(MediationCase)]
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
    ).where(Donation.is_money.is_(money), in_period(Donation.donated_on, period), *scope.where(Donation))


def organization_rows(scope: Scope, period: Period, reg_status: str | None = None) -> Select:
    """Social organisations on the register (登记 or 备案) in the scope, as the register stands."""
    clauses = [Organization.reg_status.in_(vocab.REG_STATUSES), *scope.where(Organization)]
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
    clauses = [OrgGrade.awarded_on <= day, OrgGrade.expires_on >= day, ~exists(later_current), *scope.where(Organization)]
    if grade is not None:
        clauses.append(OrgGrade.grade == grade)
    if runs_out_soon:
        clauses.append(OrgGrade.expires_on <= add_months(day, vocab.GRADE_WARNING_MONTHS))
    return (
        select(OrgGrade.id.label("grade_id"), OrgGrade.organization_id, Organization.name.label("organization"),
               OrgGrade.grade, OrgGrade.awarded_on, OrgGrade.expires_on, OrgGrade.score, Organization.reg_status,
               Organization.street_id, Organization.community_id)
        .join(Organization, Organization.id == OrgGrade.organization_id).where(*clauses)
    )


def social_worker_rows(scope: Scope, period: Period, level: str | None = None) -> Select:
    """Social workers on the register in the scope (optionally of one level)."""
    clauses = [*scope.where(SocialWorker)]
    if level is not None:
        clauses.append(SocialWorker.level == level)
    return select(
        SocialWorker.id.label("worker_id"), SocialWorker.name, SocialWorker.level, SocialWorker.title,
        SocialWorker.certified_year, SocialWorker.training_hours, SocialWorker.street_id, SocialWorker.community_id,
        SocialWorker.organization_id,
    ).where(*clauses)


def training_rows(scope: Scope, period: Period) -> Select:
    """Trainings held in the period."""
    return select(
        Training.id.label("training_id"), Training.held_on, Training.title, Training.topic, Training.sessions,
        Training.trainees, Training.hours, Training.street_id, Training.organization_id, Training.project_id,
    ).where(in_period(Training.held_on, period), *scope.where(Training))


def project_rows(scope: Scope, period: Period, brand_level: str | None = None) -> Select:
    """Projects running at some time in the period (not started after it, not ended before it)."""
    clauses = [or_(Project.start_date.is_(None), Project.start_date <= period.end),
               or_(Project.end_date.is_(None), Project.end_date >= period.start), *scope.where(Project)]
    if brand_level is not None:
        clauses.append(Project.brand_level == brand_level)
    return select(
        Project.id.label("project_id"), Project.name.label("project_name"), Project.area, Project.brand_level,
        Project.status, Project.start_date, Project.end_date, Project.street_id, Project.community_id,
        Project.organization_id,
    ).where(*clauses)
