"""The record sets behind the figures (DESIGN.md §5): for a scope and a period, the SELECT of the rows a figure
counts or sums. The registry (``db.figures.registry``) pairs each with an aggregate; tiles, charts, drill-downs
and exports all read these, so a tile always equals the sum of its drill-down.

Registers (organisations, social workers) carry no entry or exit dates, so a register figure is the register as
it stands; the period only decides the day on which grades are read (its last day) and, for projects and
trainings, which ones fall in it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

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
from db.privacy import mask_name
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
        MediationCase.street_id, MediationCase.community_id, MediationCase.organization_id, MediationCase.team_id,
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


# ------------------------------------------------------------------------- drill-down rows as people read them
# Below: what a drill-down shows and exports beside a record set's ids (issue 10). They read the rows a figure
# counted and add words to them; the record sets above, and so every figure, are unchanged.

_CHUNK = 5_000


def _lookup(session: Session, key: Any, label: Any, ids: Any) -> dict[int, str]:
    wanted = sorted({int(i) for i in ids if i is not None and not pd.isna(i)})
    found: dict[int, str] = {}
    for at in range(0, len(wanted), _CHUNK):
        found.update(session.execute(select(key, label).where(key.in_(wanted[at:at + _CHUNK]))).all())
    return found


def with_names(session: Session, df: pd.DataFrame, real_names: bool) -> pd.DataFrame:
    """A drill-down's rows with the volunteer's name beside ``volunteer_id`` (masked unless ``real_names``: only
    for a user who may see the real names of the scope, ``db.privacy.sees_real_names``) and the activity's
    title beside ``activity_id``."""
    out = df.copy()
    if "volunteer_id" in out and "name" not in out:
        names = _lookup(session, Volunteer.id, Volunteer.name, out["volunteer_id"])
        out.insert(out.columns.get_loc("volunteer_id") + 1, "name", [names.get(v) for v in out["volunteer_id"]])
    if "name" in out and not real_names:
        out["name"] = out["name"].map(mask_name)
    if "activity_id" in out and "title" not in out:
        titles = _lookup(session, Activity.id, Activity.title, out["activity_id"])
        out.insert(out.columns.get_loc("activity_id") + 1, "title", [titles.get(a) for a in out["activity_id"]])
    return out


def per_volunteer(df: pd.DataFrame, most_titles: int = 10) -> pd.DataFrame:
    """Service records (``with_names`` rows) folded to one row per volunteer — as a figure counting people counts
    them: volunteer_id, name, community, street, records, activities, hours, first and last service day and the
    activities' titles (the first ``most_titles``, then how many more)."""
    columns = ["volunteer_id", "name", "community", "street", "records", "activity_count", "hours", "first_day",
               "last_day", "activities_list"]
    if df.empty:
        return pd.DataFrame(columns=columns)

    def titles(values: pd.Series) -> str:
        unique = list(dict.fromkeys(t for t in values if isinstance(t, str)))
        more = len(unique) - most_titles
        return "、".join(unique[:most_titles]) + (f" 等 {len(unique)} 场" if more > 0 else "")

    first = {c: "first" for c in ("name", "community", "street") if c in df}
    grouped = df.sort_values("service_date").groupby("volunteer_id", sort=False).agg(
        **{c: (c, how) for c, how in first.items()}, records=("volunteer_id", "size"),
        activity_count=("activity_id", "nunique"), hours=("hours", "sum"), first_day=("service_date", "min"),
        last_day=("service_date", "max"), activities_list=("title", titles))
    out = grouped.reset_index().sort_values(["hours", "volunteer_id"], ascending=[False, True])
    return out[[c for c in columns if c in out]].reset_index(drop=True)
