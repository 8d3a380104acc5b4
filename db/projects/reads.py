"""项目成效: the project portfolio, one project's figures and trend, its targets against the records, its reported
indicators beside what the records show, and its beneficiary groups.

A project's own figures are the record sets of ``db.figures`` restricted to the project's records
(``db.figures.record_set`` with a project), wherever the records were made.

Target progress (DESIGN.md §6; decision of the lead):
- actual = the target's figure (ProjectTarget.metric, a key of ``db.figures.PROJECT_METRICS``) over the project's
  records from the target's start (or else the project's start) to the earlier of its due date and today;
- progress = actual ÷ target value;
- elapsed share = days from the start to the earlier of today and the due date, both ends included, ÷ days
  from the start to the due date, both ends included (0 before the start, 1 from the due date on);
- behind schedule when progress < elapsed share (equal is on schedule); reached when progress ≥ 1; a target
  with no start or no due date has no schedule to be behind of (未设期限); before its start it is 未开始.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from db import figures, vocab
from db.figures.records import project_rows
from db.figures.reported import indicator_table
from db.models import (
    Activity,
    Community,
    MediationCase,
    Organization,
    Project,
    ProjectTarget,
    ReportedIndicator,
    Street,
    Training,
)
from db.periods import EPOCH, Period
from db.scope import Scope

# The figures of the portfolio, per project, from the KPI of that name grouped by project.
PORTFOLIO_FIGURES = ("activities", "people_served", "hours", "active_volunteers")
PROJECT_TILES = ("activities", "linked_activities", "people_served", "hours", "active_volunteers")
MEDIATION_TILES = ("disputes", "disputes_resolved", "dispute_success_rate")
TRAINING_TILES = ("trainings", "training_sessions", "trainees")
PORTFOLIO_TILES = ("projects", "brand_projects_city", "brand_projects_district")


# ------------------------------------------------------------------------------------------ portfolio


def portfolio(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """The projects in the scope running in the period (the ``projects`` record set) with their activities,
    people served, hours and volunteers (distinct volunteers with approved hours) in the period."""
    sub = project_rows(scope, period).subquery()
    query = (
        select(sub.c.project_id, sub.c.project_name, sub.c.area, sub.c.brand_level, sub.c.status,
               sub.c.start_date, sub.c.end_date, Project.beneficiary_groups, Street.name.label("street"),
               func.coalesce(Organization.name, Community.name, Street.name).label("owner"))
        .join(Project, Project.id == sub.c.project_id)
        .join(Street, Street.id == sub.c.street_id)
        .outerjoin(Organization, Organization.id == sub.c.organization_id)
        .outerjoin(Community, Community.id == sub.c.community_id)
        .order_by(sub.c.project_id)
    )
    df = pd.read_sql(query, session.connection())
    df["beneficiary_groups"] = df["beneficiary_groups"].map(_groups_text)
    for key in PORTFOLIO_FIGURES:
        # Every place: a project's records count wherever they were made.
        per = figures.grouped(session, key, Scope(), period, by="project_id").set_index("project_id")[key]
        df[key] = df["project_id"].map(per).fillna(0)
    df["activities"] = df["activities"].astype(int)
    df["people_served"] = df["people_served"].astype(int)
    df["active_volunteers"] = df["active_volunteers"].astype(int)
    return df


def _groups_text(groups) -> str:
    if isinstance(groups, str):  # a JSON column read through pandas may arrive as text
        groups = json.loads(groups)
    return "、".join(groups or [])


def portfolio_counts(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Projects of the portfolio counted by ``by`` (e.g. area and status): columns *by, projects."""
    if df.empty:
        return pd.DataFrame(columns=[*by, "projects"])
    filled = df.assign(**{c: df[c].fillna("无") for c in by})
    return filled.groupby(by, as_index=False).size().rename(columns={"size": "projects"})


def portfolio_figures(session: Session, scope: Scope, period: Period) -> dict[str, float | None]:
    """Projects, and city and district brand projects, in the scope and period (their record sets)."""
    return figures.values(session, PORTFOLIO_TILES, scope, period)


def filter_portfolio(df: pd.DataFrame, areas: list[str] | None, levels: list[str] | None,
                     statuses: list[str] | None) -> pd.DataFrame:
    """The portfolio rows of the chosen areas, brand levels (“无” = no brand level) and statuses; none = all."""
    keep = pd.Series(True, index=df.index)
    if areas:
        keep &= df["area"].isin(areas)
    if levels:
        keep &= df["brand_level"].fillna("无").isin(levels)
    if statuses:
        keep &= df["status"].isin(statuses)
    return df[keep]


def project_options(session: Session, scope: Scope) -> list[tuple[int, str]]:
    """(id, name) of the projects in the scope, brand projects first."""
    rows = session.execute(
        select(Project.id, Project.name, Project.brand_level).where(*scope.where(Project)).order_by(Project.id)
    ).all()
    rank = {"市级": 0, "区级": 1}
    rows = sorted(rows, key=lambda r: (rank.get(r.brand_level, 2), r.id))
    return [(r.id, r.name) for r in rows]


# ------------------------------------------------------------------------------------------ one project


@dataclass
class ProjectCard:
    """What the project's card shows."""

    id: int
    name: str
    area: str
    brand_level: str | None
    status: str
    street: str
    owner: str
    start_date: date | None
    end_date: date | None
    beneficiary_groups: list[str] = field(default_factory=list)
    description: str = ""
    has_activities: bool = False
    has_cases: bool = False
    has_trainings: bool = False

    @property
    def tiles(self) -> tuple[str, ...]:
        """The figures worth showing for this project: activity figures unless it only mediates or trains."""
        activities = self.has_activities or not (self.has_cases or self.has_trainings)
        return ((PROJECT_TILES if activities else ()) + (MEDIATION_TILES if self.has_cases else ())
                + (TRAINING_TILES if self.has_trainings else ()))


def project_card(session: Session, project_id: int) -> ProjectCard | None:
    p = session.get(Project, project_id)
    if p is None:
        return None
    street = session.get(Street, p.street_id)
    org = session.get(Organization, p.organization_id) if p.organization_id else None
    community = session.get(Community, p.community_id) if p.community_id else None
    has_cases = session.execute(select(MediationCase.id).where(MediationCase.project_id == p.id).limit(1)).first()
    has_trainings = session.execute(select(Training.id).where(Training.project_id == p.id).limit(1)).first()
    has_activities = session.execute(select(Activity.id).where(Activity.project_id == p.id).limit(1)).first()
    owner = org.name if org else community.name if community else street.name if street else ""
    return ProjectCard(
        id=p.id or 0, name=p.name, area=p.area, brand_level=p.brand_level, status=p.status,
        street=street.name if street else "", owner=owner, start_date=p.start_date, end_date=p.end_date,
        beneficiary_groups=list(p.beneficiary_groups or []), description=p.description,
        has_activities=has_activities is not None, has_cases=has_cases is not None,
        has_trainings=has_trainings is not None,
    )


def project_figures(session: Session, project_id: int, keys: tuple[str, ...], period: Period
                    ) -> dict[str, float | None]:
    """The project's own figures for the period."""
    return figures.values(session, keys, Scope(), period, project_id=project_id)


def project_trend(session: Session, project_id: int, key: str, period: Period) -> pd.DataFrame:
    """The project's figure month by month (month, value)."""
    return figures.monthly(session, key, Scope(), period, project_id=project_id)


# ------------------------------------------------------------------------------------------ targets


@dataclass(frozen=True)
class TargetStatus:
    """A target measured on a day."""

    actual: float
    progress: float  # actual ÷ target value
    elapsed_share: float | None  # None when the target has no start or no due date
    state: str  # a key of vocab.TARGET_STATES

    @property
    def behind(self) -> bool:
        return self.state == "behind"


def elapsed_share(start: date, due: date, today: date) -> float:
    """Share of the target's days (start…due, both included) gone by ``today`` (included); 0 … 1."""
    if today < start:
        return 0.0
    total = (due - start).days + 1
    gone = (min(today, due) - start).days + 1
    return max(0.0, min(1.0, gone / total))


def judge_target(actual: float, target_value: float, start: date | None, due: date | None, today: date
                 ) -> TargetStatus:
    """Progress and state of a target (see the module docstring for the rule)."""
    progress = actual / target_value if target_value > 0 else 0.0
    if start is not None and today < start:
        return TargetStatus(actual, progress, 0.0 if due else None, "not_started")
    share = elapsed_share(start, due, today) if start is not None and due is not None else None
    if progress >= 1:
        return TargetStatus(actual, progress, share, "done")
    if share is None:
        return TargetStatus(actual, progress, None, "no_schedule")
    return TargetStatus(actual, progress, share, "behind" if progress < share else "on_track")


def measured_span(start: date | None, due: date | None, today: date) -> Period | None:
    """The days over which a target's actual is counted: start … min(due, today); None before the start."""
    first = start or EPOCH
    last = min(due, today) if due is not None else today
    if last < first:
        return None
    return Period(first, last, "custom")


def target_progress(session: Session, project_id: int, today: date) -> pd.DataFrame:
    """Every target of the project with its actual, progress, elapsed share and state on ``today``."""
    project = session.get(Project, project_id)
    targets = session.execute(
        select(ProjectTarget).where(ProjectTarget.project_id == project_id).order_by(ProjectTarget.id)
    ).scalars().all()
    rows = []
    for t in targets:
        start = t.start_date or (project.start_date if project else None)
        span = measured_span(start, t.due_date, today)
        actual = (figures.value(session, t.metric, Scope(), span, project_id=project_id) or 0.0) if span else 0.0
        status = judge_target(float(actual), t.target_value, start, t.due_date, today)
        rows.append({
            "target_id": t.id, "metric": t.metric, "label": figures.label(t.metric), "unit": figures.unit(t.metric),
            "target_value": t.target_value, "start_date": start, "due_date": t.due_date, "actual": status.actual,
            "progress": status.progress, "elapsed_share": status.elapsed_share, "state": status.state,
            "state_label": vocab.TARGET_STATES[status.state], "behind": status.behind,
        })
    return pd.DataFrame(rows, columns=["target_id", "metric", "label", "unit", "target_value", "start_date",
                                       "due_date", "actual", "progress", "elapsed_share", "state", "state_label",
                                       "behind"])


def metric_options() -> list[tuple[str, str]]:
    """(key, label with unit) of the figures a target may name."""
    return [(k, figures.tile_label(k)) for k in figures.PROJECT_METRICS]


# ------------------------------------------------------------------------------------- reported indicators


def project_indicators(session: Session, project_id: int, today: date) -> pd.DataFrame:
    """The project's reported indicators, each beside the project's own records where a figure compares.

    The same columns as ``db.figures.reported.reported_beside_records`` (so the same table draws both); the record
    figure is the project's, over the records up to the indicator's as-of date (like with like)."""
    def record_value(ind: ReportedIndicator) -> float | None:
        if not ind.kpi_key or not figures.is_known(ind.kpi_key):
            return None
        try:
            value = figures.value(session, ind.kpi_key, Scope(), Period(EPOCH, min(ind.as_of, today)),
                                  project_id=project_id)
        except ValueError:  # a figure that is not a project's (e.g. registered volunteers)
            return None
        return value * 100 if figures.is_rate(ind.kpi_key) and value is not None else value

    indicators = session.execute(select(ReportedIndicator).where(ReportedIndicator.project_id == project_id)
                                 .order_by(ReportedIndicator.id)).scalars()
    return indicator_table(session, indicators, today, record_value)


def indicator_kpi_options() -> list[tuple[str, str]]:
    """(key, label) of the record figures a reported indicator may be compared with."""
    flows = [(k, figures.tile_label(k)) for k in figures.FLOW_FIGURES]
    rates = [(k, f"{figures.label(k)}（%）") for k in figures.RATES]
    registers = [(k, figures.tile_label(k)) for k in figures.FIGURES if k not in figures.FLOW_FIGURES]
    return flows + rates + registers
