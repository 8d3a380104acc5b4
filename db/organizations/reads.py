"""社会组织与社工: the register of social organisations, grades and their expiry, score bands, incubation, brand
projects, social workers by level and trainings (mediation: db/organizations/mediation.py).

Every figure comes from a record set of ``db.figures`` (``figures.FIGURES``), grouped here; nothing is counted
twice in two ways. The grade rules (valid five years; current on a day d when awarded_on ≤ d ≤ expires_on; “runs
out within 6 months” when d ≤ expires_on ≤ d + 6 months) are ``db.organizations.grades.grade_*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func, or_, select
from sqlmodel import Session

from db import clock, figures, vocab
from db.figures.records import current_grade_rows, organization_rows, social_worker_rows, training_rows
from db.figures.reported import reported_beside_records
from db.models import (
    Brand,
    Community,
    GradeBand,
    MediationCase,
    Organization,
    OrgGrade,
    Project,
    ReportedIndicator,
    SocialWorker,
    Street,
    VolunteerTeam,
)
from db.organizations.grades import grade_is_current, grade_runs_out_soon, grade_warning_end
from db.periods import EPOCH, Period
from db.scope import Scope

GRADE_KEYS = tuple(f"orgs_{g.lower()}" for g in vocab.GRADES)
SOCIAL_WORKER_KEYS = ("social_workers_assistant", "social_workers_intermediate", "social_workers_senior")
TRAINING_KEYS = ("trainings", "training_sessions", "trainees", "training_hours")


def as_of(day: date) -> Period:
    """The period whose last day is ``day``: register and grade figures are read on that day."""
    return Period(EPOCH, day, "all")


# ------------------------------------------------------------------------------------------ score bands


def cities(session: Session) -> list[str]:
    """The cities of the streets (a city may have a set of score bands of its own)."""
    rows = session.execute(select(Street.city).where(Street.city != "").distinct().order_by(Street.city)).scalars()
    return list(rows)


def grade_bands(session: Session, city: str = "") -> dict[str, float]:
    """Minimum score per grade (5A first) for ``city``: its own complete set if it has one, else the default."""
    for name in ([city, ""] if city else [""]):
        rows = dict(session.execute(select(GradeBand.grade, GradeBand.min_score).where(GradeBand.city == name)).all())
        if all(g in rows for g in vocab.GRADES):
            return {g: float(rows[g]) for g in vocab.GRADES}
    return dict(vocab.DEFAULT_GRADE_BANDS)


def band_table(session: Session, city: str = "") -> pd.DataFrame:
    """The bands in force for ``city`` as a table: grade, min score, the score range, and which set applies."""
    own = session.execute(select(func.count()).select_from(GradeBand).where(GradeBand.city == city)).scalar_one()
    bands = grade_bands(session, city)
    rows, upper = [], vocab.GRADE_SCORE_MAX
    for grade in vocab.GRADES:
        low = bands[grade]
        rows.append({"grade": grade, "min_score": low, "range": f"{low:g} – {upper:g}",
                     "source": city if (city and own) else "默认"})
        upper = low - 0.1 if float(low).is_integer() else low
    return pd.DataFrame(rows, columns=["grade", "min_score", "range", "source"])


def band_versions(session: Session, city: str) -> dict[str, int]:
    """The version of each stored band row of ``city`` (for the admin's edit: a stale edit is refused)."""
    return dict(session.execute(select(GradeBand.grade, GradeBand.version).where(GradeBand.city == city)).all())


def grade_for_score(bands: dict[str, float], score: float) -> str | None:
    """The grade a score earns under ``bands`` (the highest whose minimum it reaches), or None below 1A."""
    for grade in vocab.GRADES:
        if score >= bands[grade]:
            return grade
    return None


def city_of_street(session: Session, street_id: int | None) -> str:
    street = session.get(Street, street_id) if street_id is not None else None
    return street.city if street else ""


# ------------------------------------------------------------------------------------------ the register


def register_figures(session: Session, scope: Scope, day: date) -> dict[str, float | None]:
    """Registered, filed, graded and running-out organisations, and the count per grade, on ``day``."""
    keys = ("orgs_registered", "orgs_filed", "social_orgs", "orgs_graded", "grades_running_out", *GRADE_KEYS)
    return figures.values(session, keys, scope, as_of(day))


def register_by(session: Session, scope: Scope, by: str) -> pd.DataFrame:
    """登记 / 备案 counts per ``by`` (street, category, kind or incubation_stage), with a total per row.

    Each column is the grouped record set of orgs_registered / orgs_filed, so the columns add up to the tiles."""
    label_of: dict[str, Any] = {
        "street": lambda sub: (func.coalesce(Street.name, "（未分街道）"), [(Street, Street.id == sub.c.street_id)]),
        "category": lambda sub: (func.coalesce(func.nullif(sub.c.category, ""), "（未分类）"), []),
        "kind": lambda sub: (sub.c.kind, []),
        "incubation_stage": lambda sub: (func.coalesce(sub.c.incubation_stage, "未入孵"), []),
    }
    period = as_of(date.max)
    frames = [figures.grouped(session, key, scope, period, label_of[by], label="group").set_index("group")
              for key in ("orgs_registered", "orgs_filed")]
    df = pd.concat(frames, axis=1).fillna(0).astype(int).reset_index()
    df["total"] = df["orgs_registered"] + df["orgs_filed"]
    if by == "incubation_stage":
        order = {s: i for i, s in enumerate(("未入孵", *vocab.INCUBATION_STAGES))}
        df = df.sort_values("group", key=lambda s: s.map(order).fillna(99))
    else:
        df = df.sort_values(["total", "group"], ascending=[False, True])
    return df.reset_index(drop=True)[["group", "orgs_registered", "orgs_filed", "total"]]


def organization_table(session: Session, scope: Scope) -> pd.DataFrame:
    """The social organisations on the register, with street, community and current grade (today's)."""
    sub = organization_rows(scope, as_of(date.max)).subquery()
    grades = current_grade_rows(scope, as_of(clock.today())).subquery()
    query = (
        select(sub.c.organization_id, sub.c.organization, sub.c.kind, sub.c.reg_status, sub.c.category,
               sub.c.incubation_stage, sub.c.founded_year, Street.name.label("street"),
               Community.name.label("community"), grades.c.grade)
        .outerjoin(Street, Street.id == sub.c.street_id).outerjoin(Community, Community.id == sub.c.community_id)
        .outerjoin(grades, grades.c.organization_id == sub.c.organization_id)
        .order_by(sub.c.reg_status.desc(), sub.c.organization_id)
    )
    return pd.read_sql(query, session.connection())


# ------------------------------------------------------------------------------------------------ grades


@dataclass(frozen=True)
class GradeState:
    """How a grade stands on a day."""

    current: bool
    runs_out_soon: bool
    days_left: int


def grade_state(awarded_on: date, expires_on: date, day: date) -> GradeState:
    return GradeState(grade_is_current(awarded_on, expires_on, day),
                      grade_is_current(awarded_on, expires_on, day) and grade_runs_out_soon(expires_on, day),
                      (expires_on - day).days)


def current_grades(session: Session, scope: Scope, day: date) -> pd.DataFrame:
    """Each organisation's current grade on ``day`` (the orgs_graded record set), best grade first, with the
    days left and whether it runs out within 6 months."""
    sub = current_grade_rows(scope, as_of(day)).subquery()
    query = (select(sub, Street.name.label("street")).outerjoin(Street, Street.id == sub.c.street_id))
    df = pd.read_sql(query, session.connection())
    df["awarded_on"] = pd.to_datetime(df["awarded_on"]).dt.date
    df["expires_on"] = pd.to_datetime(df["expires_on"]).dt.date
    df["days_left"] = [(e - day).days for e in df["expires_on"]]
    df["runs_out_soon"] = [grade_runs_out_soon(e, day) for e in df["expires_on"]]
    rank = {g: i for i, g in enumerate(vocab.GRADES)}
    df = df.sort_values(["grade", "awarded_on"], key=lambda s: s.map(rank) if s.name == "grade" else s)
    return df.reset_index(drop=True)


def grade_history(session: Session, scope: Scope, day: date) -> pd.DataFrame:
    """Every grade awarded in the scope with how it stands on ``day``: 当前有效 / 已被新等级取代 / 已过期 / 未生效."""
    current_ids = set(current_grades(session, scope, day)["grade_id"])
    rows = session.execute(
        select(OrgGrade.id, Organization.name, OrgGrade.grade, OrgGrade.awarded_on, OrgGrade.expires_on,
               OrgGrade.score)
        .join(Organization, Organization.id == OrgGrade.organization_id).where(*scope.where(Organization))
        .order_by(OrgGrade.awarded_on.desc(), OrgGrade.id.desc())
    ).all()
    out = []
    for r in rows:
        if r.id in current_ids:
            state = "当前有效"
        elif grade_is_current(r.awarded_on, r.expires_on, day):
            state = "已被新等级取代"
        elif r.expires_on < day:
            state = "已过期"
        else:
            state = "未生效"
        out.append({"grade_id": r.id, "organization": r.name, "grade": r.grade, "awarded_on": r.awarded_on,
                    "expires_on": r.expires_on, "score": r.score, "state": state})
    return pd.DataFrame(out, columns=["grade_id", "organization", "grade", "awarded_on", "expires_on", "score",
                                      "state"])


def warning_window(day: date) -> tuple[date, date]:
    """The expiry dates that count as “runs out within 6 months” seen on ``day`` (both ends included)."""
    return day, grade_warning_end(day)


# ------------------------------------------------------------------------------------- brands and projects


def brand_projects(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Projects with a brand level (市级 first), from the brand_projects_* record sets."""
    frames = []
    for level in vocab.BRAND_LEVELS:
        key = "brand_projects_city" if level == "市级" else "brand_projects_district"
        sub = figures.record_set(key, scope, period).subquery()
        frames.append(pd.read_sql(
            select(sub.c.project_id, sub.c.project_name, sub.c.brand_level, sub.c.area, sub.c.status,
                   sub.c.start_date, func.coalesce(Organization.name, Community.name).label("owner"))
            .outerjoin(Organization, Organization.id == sub.c.organization_id)
            .outerjoin(Community, Community.id == sub.c.community_id).order_by(sub.c.project_id),
            session.connection()))
    return pd.concat(frames, ignore_index=True)


def brands(session: Session, scope: Scope) -> pd.DataFrame:
    """Service brands (乔社善治, 港好有你 治享家园 …) in the scope."""
    rows = session.execute(
        select(Brand.name, Brand.area, Brand.description, Organization.name.label("owner"))
        .outerjoin(Organization, Organization.id == Brand.organization_id).where(*scope.where(Brand))
        .order_by(Brand.id)
    ).all()
    return pd.DataFrame(rows, columns=["name", "area", "description", "owner"])


# ---------------------------------------------------------------------------------------- social workers


def social_worker_figures(session: Session, scope: Scope) -> dict[str, float | None]:
    return figures.values(session, ("social_workers", *SOCIAL_WORKER_KEYS), scope, as_of(date.max))


def social_workers_by_organization(session: Session, scope: Scope) -> pd.DataFrame:
    """Social workers per organisation (or community, when not in one) and level: columns place, level, count."""
    def by(sub):
        place = func.coalesce(Organization.name, Community.name, "（未分配）")
        return place, [(Organization, Organization.id == sub.c.organization_id),
                       (Community, Community.id == sub.c.community_id)]

    frames = []
    for key, level in zip(SOCIAL_WORKER_KEYS, vocab.SOCIAL_WORKER_LEVELS, strict=True):
        df = figures.grouped(session, key, scope, as_of(date.max), by, label="place")
        frames.append(df.rename(columns={key: "count"}).assign(level=level))
    out = pd.concat(frames, ignore_index=True)
    return out[out["count"] > 0].reset_index(drop=True)[["place", "level", "count"]]


def social_worker_table(session: Session, scope: Scope) -> pd.DataFrame:
    sub = social_worker_rows(scope, as_of(date.max)).subquery()
    query = (select(sub.c.worker_id, sub.c.name, sub.c.level, sub.c.title, sub.c.certified_year,
                    sub.c.training_hours, func.coalesce(Organization.name, "").label("organization"),
                    func.coalesce(Community.name, "").label("community"))
             .outerjoin(Organization, Organization.id == sub.c.organization_id)
             .outerjoin(Community, Community.id == sub.c.community_id).order_by(sub.c.worker_id))
    df = pd.read_sql(query, session.connection())
    df["level_short"] = df["level"].map(vocab.SOCIAL_WORKER_LEVEL_SHORT)
    return df


# --------------------------------------------------------------------------------------------- trainings


def training_figures(session: Session, scope: Scope, period: Period) -> dict[str, float | None]:
    return figures.values(session, TRAINING_KEYS, scope, period)


def trainings_by_organization(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Trainings, sessions, trainees and hours per organising body, from the training record set."""
    def by(sub):
        return (func.coalesce(Organization.name, Street.name, "（未注明）"),
                [(Organization, Organization.id == sub.c.organization_id), (Street, Street.id == sub.c.street_id)])

    frames = [figures.grouped(session, key, scope, period, by, label="organizer").set_index("organizer")
              for key in TRAINING_KEYS]
    df = pd.concat(frames, axis=1).fillna(0).reset_index()
    return df.sort_values("trainees", ascending=False).reset_index(drop=True)


def training_table(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    sub = training_rows(scope, period).subquery()
    query = (select(sub.c.training_id, sub.c.held_on, sub.c.title, sub.c.topic, sub.c.sessions, sub.c.trainees,
                    sub.c.hours, func.coalesce(Organization.name, "").label("organizer"),
                    func.coalesce(Project.name, "").label("project"))
             .outerjoin(Organization, Organization.id == sub.c.organization_id)
             .outerjoin(Project, Project.id == sub.c.project_id).order_by(sub.c.held_on.desc(), sub.c.training_id))
    return pd.read_sql(query, session.connection())


# ------------------------------------------------------------------------------------ options for forms


def organization_options(session: Session, scope: Scope, registered_only: bool = False) -> list[tuple[int, str]]:
    """(id, name) of organisations in the scope; ``registered_only``: social organisations registered (登记)."""
    query = select(Organization.id, Organization.name, Organization.street_id).where(*scope.where(Organization))
    if registered_only:
        query = query.where(Organization.reg_status == "登记")
    return [(r.id, r.name) for r in session.execute(query.order_by(Organization.id))]


def team_options(session: Session, scope: Scope) -> list[tuple[int, str]]:
    return [(r.id, r.name) for r in session.execute(
        select(VolunteerTeam.id, VolunteerTeam.name).where(*scope.where(VolunteerTeam)).order_by(VolunteerTeam.id))]


def open_cases(session: Session, scope: Scope) -> list[tuple[tuple[int, int], str]]:
    """Mediation cases still 处理中 in the scope, oldest first: ((case id, version), label) for the 办结 form."""
    rows = session.execute(
        select(MediationCase.id, MediationCase.version, MediationCase.received_on, MediationCase.type,
               MediationCase.source, MediationCase.location, Community.name.label("community"),
               func.coalesce(VolunteerTeam.name, Organization.name).label("handler"))
        .outerjoin(Community, Community.id == MediationCase.community_id)
        .outerjoin(VolunteerTeam, VolunteerTeam.id == MediationCase.team_id)
        .outerjoin(Organization, Organization.id == MediationCase.organization_id)
        .where(MediationCase.outcome == "处理中", *scope.where(MediationCase))
        .order_by(MediationCase.received_on, MediationCase.id)).all()
    return [((r.id, r.version), " · ".join(x for x in (f"#{r.id}", f"{r.received_on:%Y-%m-%d} 受理", f"{r.type}{r.source}",
                                                        r.community or "", r.location or "", r.handler or "") if x))
            for r in rows]


def social_worker_names(session: Session, scope: Scope) -> list[tuple[int, str]]:
    return [(r.id, f"{r.name} · {r.level}") for r in session.execute(
        select(SocialWorker.id, SocialWorker.name, SocialWorker.level).where(*scope.where(SocialWorker))
        .order_by(SocialWorker.id))]


# ------------------------------------------------------------------------------------ reported figures

# Reported figures of this page's domain: the register, grades, brand projects, trainings and mediation.
DOMAIN_WORDS = ("社会组织", "品牌", "培训", "能力提升", "实训", "调解", "纠纷")
def register_indicators(session: Session, scope: Scope, today: date) -> pd.DataFrame:
    """Reported figures about organisations, grades, brand projects, trainings and mediation in the scope, each
    beside the record figure where the indicator names one (``db.figures.reported.reported_beside_records``)."""
    return reported_beside_records(session, scope, today, or_(
        ReportedIndicator.kpi_key.in_([k for k in figures.FIGURES if k not in figures.FLOW_FIGURES]), *[ReportedIndicator.metric.contains(w) for w in DOMAIN_WORDS]))


def grades_by_street(session: Session, scope: Scope, day: date) -> pd.DataFrame:
    """Current grades counted per street and grade (columns street, 5A … 1A, total), from orgs_5a … orgs_1a."""
    def by(sub):
        return func.coalesce(Street.name, "（未分街道）"), [(Street, Street.id == sub.c.street_id)]

    frames = [figures.grouped(session, key, scope, as_of(day), by, label="street").set_index("street")
              .rename(columns={key: grade}) for key, grade in zip(GRADE_KEYS, vocab.GRADES, strict=True)]
    df = pd.concat(frames, axis=1).fillna(0).astype(int)
    df["total"] = df.sum(axis=1)
    return df[df["total"] > 0].reset_index()
