"""Volunteer reads (DESIGN.md §4, §6 志愿者): leaderboards, active volunteers, a volunteer's service record and
the printable 志愿服务记录证明.

Leaderboards
- Records counted: approved service records whose service date lies in the period, in the scope *where the
  service took place* (the record's denormalised street / community / organisation), optionally of one project,
  of the members of one team, and 信用 only. So the board's total hours equal the 服务时长 KPI of the same scope
  and period (``db.figures`` ``hours`` / ``credit_hours``).
- One GROUP BY over ServiceRecord per board (its date/status and place indexes), ORDER BY … LIMIT in the
  database; no Python loop over records.
- Volunteers who opted out (``leaderboard_opt_out``) and staff (``is_staff``) are left out of the volunteer
  rankings but counted in the totals (``BoardTotals``). Team boards count every member's hours: a team's hours
  are the team's work, and no person is named there.
- Order: the value (hours or activities) descending, then the other measure descending, then the volunteer (or
  team) id ascending. Rank: standard competition ranking on the value — equal values share a rank and the next
  rank skips (“1, 2, 2, 4”). Hours are compared rounded to 0.01 h, so float noise never splits a tie. At most
  ``limit`` rows are returned; when a tie straddles the cut, the rows shown keep their shared rank.
- Names are always masked here (张*明); only the certificate (staff/admin, ``certificate``) carries the full name.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import Numeric, case, cast, distinct, func, select
from sqlmodel import Session

from db import figures, vocab
from db.auth import CurrentUser
from db.errors import NotFound, PermissionDenied
from db.models import (
    Activity,
    Community,
    Organization,
    Project,
    ServiceRecord,
    Street,
    TeamMember,
    Volunteer,
    VolunteerTeam,
)
from db.periods import EPOCH, Period
from db.privacy import mask_name, mask_phone, phone_tail
from db.scope import Scope
from db.volunteers import totals as summed

SR = ServiceRecord


@dataclass(frozen=True)
class BoardFilter:
    """What a leaderboard counts: scope and period of the service, optional team, project, 信用 only."""

    scope: Scope
    period: Period
    team_id: int | None = None
    project_id: int | None = None
    credit_only: bool = False


@dataclass(frozen=True)
class BoardTotals:
    """Totals over every counted record, ranked or not (opted-out volunteers and staff included)."""

    hours: float
    records: int
    volunteers: int
    activities: int
    unranked_volunteers: int  # opted out or staff: counted here, absent from the volunteer ranking
    unranked_hours: float


def _hours_sum():
    # Rounded to 0.01 h in the database (NUMERIC on PostgreSQL), so equal totals compare equal when ordering.
    return func.round(cast(func.sum(SR.hours), Numeric(14, 2)), 2)


def _volunteer_key(session: Session):
    """The GROUP BY key of a volunteer board. On SQLite it is ``volunteer_id + 0``: once ANALYZE statistics exist,
    SQLite would otherwise skip-scan ix_record_volunteer_date to save the GROUP BY sort and read every year of
    history (3× slower at 1M records); ``+ 0`` keeps it on the date and place indexes the period narrows."""
    if session.get_bind().dialect.name == "sqlite":
        return (SR.volunteer_id + 0).label("volunteer_id")
    return SR.volunteer_id


def record_clauses(f: BoardFilter, *, with_team: bool = True) -> list:
    """WHERE clauses on ServiceRecord for a board (the record set both boards and totals aggregate)."""
    clauses = [SR.status == "approved", SR.service_date >= f.period.start, SR.service_date <= f.period.end,
               *f.scope.where(SR)]
    if f.credit_only:
        clauses.append(SR.kind == "信用")
    if f.project_id is not None:
        clauses.append(SR.project_id == f.project_id)
    if with_team and f.team_id is not None:
        clauses.append(SR.volunteer_id.in_(select(TeamMember.volunteer_id).where(TeamMember.team_id == f.team_id)))
    return clauses


def _competition_ranks(values: list[float]) -> list[int]:
    """1, 2, 2, 4 over values already in board order (descending; every larger value precedes, so a row's rank
    among the rows shown is its rank among all)."""
    ranks: list[int] = []
    for i, v in enumerate(values):
        ranks.append(ranks[-1] if i and v == values[i - 1] else i + 1)
    return ranks


def _board_frame(rows: list, columns: list[str], metric: str, mask: bool = False) -> pd.DataFrame:
    """The fetched top rows (at most ``limit``) as a DataFrame with ranks; plain lists, one frame build."""
    data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    data["hours"] = [round(float(h), 2) for h in data["hours"]]
    data["activities"] = [int(n) for n in data["activities"]]
    if mask:
        data["name"] = [mask_name(n) for n in data["name"]]
    return pd.DataFrame({"rank": _competition_ranks(data[metric]), **data}, columns=["rank", *columns])


def volunteer_board(session: Session, f: BoardFilter, metric: str = "hours",
                    limit: int = vocab.LEADERBOARD_LIMIT) -> pd.DataFrame:
    """The volunteer ranking: rank, volunteer_id, name (masked), community, street, hours, activities."""
    if metric not in vocab.LEADERBOARD_METRICS:
        raise ValueError(f"unknown leaderboard metric {metric!r}")
    agg = summed.board_sums(session, f, record_clauses, _volunteer_key(session), limit if metric == "hours" else None)
    primary, secondary = (agg.c.hours, agg.c.activities) if metric == "hours" else (agg.c.activities, agg.c.hours)
    query = (
        select(agg.c.volunteer_id, Volunteer.name, Community.name.label("community"), Street.name.label("street"),
               agg.c.hours, agg.c.activities)
        .join(Volunteer, Volunteer.id == agg.c.volunteer_id)
        .join(Street, Street.id == Volunteer.street_id)
        .outerjoin(Community, Community.id == Volunteer.community_id)
        .where(Volunteer.leaderboard_opt_out.is_(False), Volunteer.is_staff.is_(False))
        .order_by(primary.desc(), secondary.desc(), agg.c.volunteer_id.asc())
        .limit(limit)
    )
    return _board_frame(session.execute(query).all(),
                        ["volunteer_id", "name", "community", "street", "hours", "activities"], metric, mask=True)


def team_board(session: Session, f: BoardFilter, metric: str = "hours",
               limit: int = vocab.LEADERBOARD_LIMIT) -> pd.DataFrame:
    """The team ranking: rank, team_id, team, community, street, hours, activities, members (who served).

    A volunteer in two teams counts for both. ``f.team_id`` narrows the board to that team.
    """
    if metric not in vocab.LEADERBOARD_METRICS:
        raise ValueError(f"unknown leaderboard metric {metric!r}")
    agg = summed.team_sums(session, f)
    if agg is None:
        clauses = record_clauses(f, with_team=False)
        if f.team_id is not None:
            clauses.append(TeamMember.team_id == f.team_id)
        agg = (
            select(TeamMember.team_id, _hours_sum().label("hours"),
                   func.count(distinct(SR.activity_id)).label("activities"),
                   func.count(distinct(SR.volunteer_id)).label("members"))
            .join(TeamMember, TeamMember.volunteer_id == SR.volunteer_id)
            .where(*clauses).group_by(TeamMember.team_id).subquery()
        )
    primary, secondary = (agg.c.hours, agg.c.activities) if metric == "hours" else (agg.c.activities, agg.c.hours)
    query = (
        select(agg.c.team_id, VolunteerTeam.name.label("team"),
               func.coalesce(Community.name, Organization.name).label("community"), Street.name.label("street"),
               agg.c.hours, agg.c.activities, agg.c.members)
        .join(VolunteerTeam, VolunteerTeam.id == agg.c.team_id)
        .join(Street, Street.id == VolunteerTeam.street_id)
        .outerjoin(Community, Community.id == VolunteerTeam.community_id)
        .outerjoin(Organization, Organization.id == VolunteerTeam.organization_id)
        .order_by(primary.desc(), secondary.desc(), agg.c.team_id.asc())
        .limit(limit)
    )
    return _board_frame(session.execute(query).all(),
                        ["team_id", "team", "community", "street", "hours", "activities", "members"], metric)


def board_totals(session: Session, f: BoardFilter) -> BoardTotals:
    """Hours, records, volunteers and activities over every counted record, and how many of those volunteers
    (and hours) the ranking leaves out (opted out or staff). From the summaries where they can answer
    (``board_figures``, ``board_volunteers``), else from the records."""
    clauses = record_clauses(f)
    span = summed.board_span(session, f)  # read once: the volunteers and the unranked both follow it
    sums, volunteers = summed.board_figures(session, f, record_clauses), summed.board_volunteers(session, f, span)
    if sums is None:
        total = session.execute(select(func.coalesce(func.sum(SR.hours), 0.0), func.count(),
                                       func.count(distinct(SR.activity_id))).where(*clauses)).one()
        sums = float(total[0]), int(total[1]), int(total[2])
    if volunteers is None:
        volunteers = session.execute(select(func.count(distinct(SR.volunteer_id))).where(*clauses)).scalar_one()
    unranked = summed.board_unranked(session, f, record_clauses, span)
    return BoardTotals(hours=round(sums[0], 2), records=sums[1], volunteers=int(volunteers), activities=sums[2],
                       unranked_volunteers=unranked[0], unranked_hours=round(unranked[1], 2))


# ---------------------------------------------------------------------------------------- active rate


def active_by_community(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Per community: registered volunteers, active volunteers (db.figures' definitions) and the active rate
    (None when no one is registered). Columns community_id, community, street, registered, active, active_rate."""
    registered = figures.grouped(session, "volunteers", scope, period).rename(columns={"volunteers": "registered"})
    active = figures.grouped(session, "active_volunteers", scope, period).rename(
        columns={"active_volunteers": "active"})
    df = registered.merge(active, on="community_id", how="outer").fillna({"registered": 0, "active": 0})
    places = {r.id: r for r in session.execute(
        select(Community.id, Community.name, Community.street_id, Street.name.label("street"))
        .join(Street, Street.id == Community.street_id))}
    known = df["community_id"].map(lambda c: pd.notna(c) and c in places)
    df["community"] = [places[c].name if k else "未归属社区" for c, k in zip(df["community_id"], known, strict=True)]
    df["street"] = [places[c].street if k else "" for c, k in zip(df["community_id"], known, strict=True)]
    df["_order"] = [places[c].street_id if k else 10**9 for c, k in zip(df["community_id"], known, strict=True)]
    df[["registered", "active"]] = df[["registered", "active"]].astype(int)
    df["active_rate"] = [a / r if r else None for a, r in zip(df["active"], df["registered"], strict=True)]
    df = df.sort_values(["_order", "community_id"], na_position="last").reset_index(drop=True)
    return df[["community_id", "community", "street", "registered", "active", "active_rate"]]


def active_by_month(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Per month of the period: registered by the month's end, active in the month, active rate (db.figures)."""
    active = figures.monthly(session, "active_volunteers", scope, period).rename(columns={"value": "active"})
    registered = figures.monthly(session, "volunteers", scope, period).rename(columns={"value": "registered"})
    df = active.merge(registered, on="month", how="left").fillna({"registered": 0})
    df[["registered", "active"]] = df[["registered", "active"]].astype(int)
    df["active_rate"] = [a / r if r else None for a, r in zip(df["active"], df["registered"], strict=True)]
    return df[["month", "registered", "active", "active_rate"]]


# ----------------------------------------------------------------------------------- pickers and lists


def teams(session: Session, scope: Scope) -> list[tuple[int, str]]:
    """(id, name) of the volunteer teams in a scope."""
    rows = session.execute(select(VolunteerTeam.id, VolunteerTeam.name).where(*scope.where(VolunteerTeam))
                           .order_by(VolunteerTeam.street_id, VolunteerTeam.id)).all()
    return [(r.id, r.name) for r in rows]


def projects(session: Session, scope: Scope) -> list[tuple[int, str]]:
    """(id, name) of the projects in a scope."""
    rows = session.execute(select(Project.id, Project.name).where(*scope.where(Project))
                           .order_by(Project.street_id, Project.id)).all()
    return [(r.id, r.name) for r in rows]


def volunteer_options(session: Session, scope: Scope, real_names: bool = False) -> list[tuple[int, str]]:
    """(id, label) of a scope's volunteers: 张*明 · 新港山路社区 · 尾号1234 · #12 (real name if ``real_names``)."""
    rows = session.execute(
        select(Volunteer.id, Volunteer.name, Volunteer.phone, Community.name.label("community"))
        .outerjoin(Community, Community.id == Volunteer.community_id)
        .where(*scope.where(Volunteer)).order_by(Volunteer.id)
    ).all()
    name = (lambda n: n) if real_names else mask_name
    return [(r.id, f"{name(r.name)} · {r.community or '—'} · {phone_tail(r.phone)} · #{r.id}") for r in rows]


def team_table(session: Session, scope: Scope) -> pd.DataFrame:
    """Teams in a scope with their members: team_id, team, community, street, founded_year, members,
    description, version."""
    members = select(TeamMember.team_id, func.count().label("members")).group_by(TeamMember.team_id).subquery()
    rows = session.execute(
        select(VolunteerTeam.id, VolunteerTeam.name, func.coalesce(Community.name, Organization.name),
               Street.name, VolunteerTeam.founded_year, func.coalesce(members.c.members, 0),
               VolunteerTeam.description, VolunteerTeam.version)
        .join(Street, Street.id == VolunteerTeam.street_id)
        .outerjoin(Community, Community.id == VolunteerTeam.community_id)
        .outerjoin(Organization, Organization.id == VolunteerTeam.organization_id)
        .outerjoin(members, members.c.team_id == VolunteerTeam.id)
        .where(*scope.where(VolunteerTeam)).order_by(VolunteerTeam.street_id, VolunteerTeam.id)
    ).all()
    return pd.DataFrame(rows, columns=["team_id", "team", "community", "street", "founded_year", "members",
                                       "description", "version"])


def activity_options(session: Session, scope: Scope, today: date, days: int = 400) -> list[tuple[int, str]]:
    """(id, label) of the activities in a scope over the last ``days`` days, newest first (for backfill)."""
    since = date.fromordinal(today.toordinal() - days)
    rows = session.execute(
        select(Activity.id, Activity.starts_at, Activity.ends_at, Activity.title, Community.name.label("community"))
        .outerjoin(Community, Community.id == Activity.community_id)
        .where(*scope.where(Activity), Activity.starts_at >= since)
        .order_by(Activity.starts_at.desc(), Activity.id.desc())
    ).all()
    return [(r.id, f"{r.starts_at:%Y-%m-%d %H:%M}–{r.ends_at:%H:%M} {r.title} · {r.community or '—'} · #{r.id}")
            for r in rows]


def pending_records(session: Session, scope: Scope, limit: int = 500, real_names: bool = False) -> pd.DataFrame:
    """Pending service records in a scope (where served), oldest first: record_id, version, service_date,
    title, community, volunteer_id, name (masked unless ``real_names``), hours, kind, reason."""
    rows = session.execute(
        select(SR.id, SR.version, SR.service_date, Activity.title, Community.name, SR.volunteer_id, Volunteer.name,
               SR.hours, SR.kind, SR.reason)
        .join(Activity, Activity.id == SR.activity_id)
        .join(Volunteer, Volunteer.id == SR.volunteer_id)
        .outerjoin(Community, Community.id == SR.community_id)
        .where(SR.status == "pending", *scope.where(SR))
        .order_by(SR.service_date, SR.id).limit(limit)
    ).all()
    df = pd.DataFrame(rows, columns=["record_id", "version", "service_date", "title", "community", "volunteer_id",
                                     "name", "hours", "kind", "reason"])
    df["name"] = df["name"] if real_names else df["name"].map(mask_name)
    return df


def pending_count(session: Session, scope: Scope) -> int:
    return int(session.execute(select(func.count()).select_from(SR)
                               .where(SR.status == "pending", *scope.where(SR))).scalar_one())


# --------------------------------------------------------------------------------- one volunteer's file


@dataclass
class VolunteerFile:
    """One volunteer as the 档案 shows them (masked name; the real name only on the certificate)."""

    id: int
    masked_name: str
    gender: str
    phone: str  # masked: 138****5678
    street_id: int
    street: str
    community_id: int | None
    community: str
    organization_id: int | None
    organization: str
    registered_on: date
    tags: list[str]
    teams: list[str]
    leaderboard_opt_out: bool
    is_staff: bool
    hours: float
    credit_hours: float
    honour_hours: float
    activities: int
    pending: int
    version: int


def _load_volunteer(session: Session, scope: Scope, volunteer_id: int) -> Volunteer:
    """The volunteer if registered within ``scope``; NotFound otherwise (no hint that it exists elsewhere)."""
    volunteer = session.execute(select(Volunteer).where(Volunteer.id == volunteer_id, *scope.where(Volunteer))
                                ).scalar()
    if volunteer is None:
        raise NotFound("该志愿者不存在或不在您的数据范围内。")
    return volunteer


def volunteer_file(session: Session, scope: Scope, volunteer_id: int) -> VolunteerFile:
    """A volunteer's profile and approved-hour totals (all time)."""
    v = _load_volunteer(session, scope, volunteer_id)
    sums = session.execute(
        select(func.coalesce(func.sum(SR.hours), 0.0),
               func.coalesce(func.sum(case((SR.kind == "信用", SR.hours), else_=0.0)), 0.0),
               func.coalesce(func.sum(case((SR.kind == "荣誉", SR.hours), else_=0.0)), 0.0),
               func.count(distinct(SR.activity_id)))
        .where(SR.volunteer_id == volunteer_id, SR.status == "approved")
    ).one()
    pending = session.execute(select(func.count()).select_from(SR)
                              .where(SR.volunteer_id == volunteer_id, SR.status == "pending")).scalar_one()
    team_names = session.execute(
        select(VolunteerTeam.name).join(TeamMember, TeamMember.team_id == VolunteerTeam.id)
        .where(TeamMember.volunteer_id == volunteer_id).order_by(VolunteerTeam.id)).scalars().all()
    street = session.get(Street, v.street_id)
    community = session.get(Community, v.community_id) if v.community_id else None
    org = session.get(Organization, v.organization_id) if v.organization_id else None
    return VolunteerFile(
        id=v.id or 0, masked_name=mask_name(v.name), gender=v.gender or "—", phone=mask_phone(v.phone),
        street_id=v.street_id, street=street.name if street else "", community_id=v.community_id,
        community=community.name if community else "—", organization_id=v.organization_id,
        organization=org.name if org else "—", registered_on=v.registered_on, tags=list(v.tags or []),
        teams=list(team_names), leaderboard_opt_out=v.leaderboard_opt_out, is_staff=v.is_staff,
        hours=round(float(sums[0]), 2), credit_hours=round(float(sums[1]), 2), honour_hours=round(float(sums[2]), 2),
        activities=int(sums[3]), pending=int(pending), version=v.version,
    )


def service_record(session: Session, scope: Scope, volunteer_id: int, period: Period | None = None) -> pd.DataFrame:
    """Every service record of a volunteer (all statuses), newest first: record_id, service_date, starts_at,
    ends_at, title, type, community, project, hours, kind, status (Chinese), reason."""
    _load_volunteer(session, scope, volunteer_id)
    query = (
        select(SR.id, SR.service_date, Activity.starts_at, Activity.ends_at, Activity.title, Activity.type,
               func.coalesce(Community.name, Organization.name), Project.name, SR.hours, SR.kind, SR.status,
               SR.reason)
        .join(Activity, Activity.id == SR.activity_id)
        .outerjoin(Community, Community.id == SR.community_id)
        .outerjoin(Organization, Organization.id == SR.organization_id)
        .outerjoin(Project, Project.id == SR.project_id)
        .where(SR.volunteer_id == volunteer_id)
    )
    if period is not None:
        query = query.where(SR.service_date >= period.start, SR.service_date <= period.end)
    rows = session.execute(query.order_by(Activity.starts_at.desc(), SR.id.desc())).all()
    df = pd.DataFrame(rows, columns=["record_id", "service_date", "starts_at", "ends_at", "title", "type",
                                     "community", "project", "hours", "kind", "status", "reason"])
    df["status"] = df["status"].map(lambda s: vocab.RECORD_STATUSES.get(s, s))
    return df


# ------------------------------------------------------------------------------------ the certificate


@dataclass
class CertificateLine:
    service_date: date
    title: str
    organiser: str
    hours: float
    kinds: str  # 信用 / 荣誉 / 信用、荣誉


@dataclass
class Certificate:
    """The 志愿服务记录证明 of one volunteer: approved hours per activity over a period, with totals."""

    number: str
    name: str  # the real name: only staff and admins obtain a certificate
    gender: str
    volunteer_id: int
    registered_on: date
    community: str
    street: str
    period_start: date | None
    period_end: date
    lines: list[CertificateLine] = field(default_factory=list)
    total_hours: float = 0.0
    credit_hours: float = 0.0
    honour_hours: float = 0.0
    issuer: str = ""
    issued_on: date | None = None


def default_issuer(session: Session, volunteer_id: int) -> str:
    """The body that vouches for a volunteer's record: their community's committee, else their organisation,
    else their street office."""
    v = session.get(Volunteer, volunteer_id)
    if v is None:
        raise NotFound("该志愿者不存在。")
    if v.community_id is not None:
        c = session.get(Community, v.community_id)
        if c is not None:
            return f"{c.name}村民委员会" if c.kind == "村" else f"{c.name}居民委员会"
    if v.organization_id is not None:
        o = session.get(Organization, v.organization_id)
        if o is not None:
            return o.name
    s = session.get(Street, v.street_id)
    return f"{s.name}办事处" if s else ""


def certificate(session: Session, user: CurrentUser, volunteer_id: int, *, issued_on: date,
                period: Period | None = None, issuer: str | None = None) -> Certificate:
    """The certificate of a volunteer registered in the user's scope. Staff and admins only: it carries the
    real name. Approved records only; per activity, oldest first."""
    if not user.may_certify:
        raise PermissionDenied("只有工作人员和管理员可以出具志愿服务记录证明。")
    v = _load_volunteer(session, user.scope, volunteer_id)
    issuer = (issuer or "").strip() or default_issuer(session, volunteer_id)
    if len(issuer) > 60:
        from db.errors import ValidationFailed

        raise ValidationFailed({"issuer": f"「{vocab.VOLUNTEER_FIELD_LABELS['issuer']}」不能超过 60 个字"})
    clauses = [SR.volunteer_id == volunteer_id, SR.status == "approved"]
    if period is not None:
        clauses += [SR.service_date >= period.start, SR.service_date <= period.end]
    rows = session.execute(
        select(SR.activity_id, SR.service_date, Activity.starts_at, Activity.title,
               func.coalesce(Organization.name, Community.name, Street.name).label("organiser"),
               SR.hours, SR.kind)
        .join(Activity, Activity.id == SR.activity_id)
        .join(Street, Street.id == SR.street_id)
        .outerjoin(Community, Community.id == SR.community_id)
        .outerjoin(Organization, Organization.id == SR.organization_id)
        .where(*clauses).order_by(Activity.starts_at, SR.activity_id, SR.kind)
    ).all()
    lines: list[CertificateLine] = []
    by_activity: dict[int, CertificateLine] = {}
    credit = honour = 0.0
    for r in rows:  # one row per record of one volunteer: a few hundred at most
        if r.kind == "荣誉":
            honour += r.hours
        else:
            credit += r.hours
        line = by_activity.get(r.activity_id)
        if line is None:
            line = by_activity[r.activity_id] = CertificateLine(r.service_date, r.title, r.organiser, 0.0, r.kind)
            lines.append(line)
        elif r.kind not in line.kinds:
            line.kinds = f"{line.kinds}、{r.kind}"
        line.hours = round(line.hours + r.hours, 2)
    street = session.get(Street, v.street_id)
    community = session.get(Community, v.community_id) if v.community_id else None
    start = None if period is None or period.start <= EPOCH else period.start
    return Certificate(
        number=f"ZYFW-{volunteer_id:06d}-{issued_on:%Y%m%d}", name=v.name, gender=v.gender or "—",
        volunteer_id=volunteer_id, registered_on=v.registered_on, community=community.name if community else "—",
        street=street.name if street else "", period_start=start,
        period_end=min(period.end, issued_on) if period is not None else issued_on, lines=lines,
        total_hours=round(credit + honour, 2), credit_hours=round(credit, 2), honour_hours=round(honour, 2),
        issuer=issuer, issued_on=issued_on,
    )


_CERT_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f4f6; color: #111827;
       font-family: "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", "SimSun", "STSong", serif; }
.sheet { max-width: 190mm; margin: 12px auto; background: #fff; padding: 14mm 14mm 16mm;
         border: 1px solid #e5e7eb; }
h1 { text-align: center; font-size: 26px; letter-spacing: 10px; margin: 0 0 4px; }
.no { text-align: right; font-size: 12px; color: #4b5563; margin-bottom: 14px;
      font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
p.body { font-size: 15px; line-height: 2; text-indent: 2em; margin: 0 0 10px; }
table { width: 100%; border-collapse: collapse; font-size: 12.5px;
        font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
th, td { border: 1px solid #6b7280; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.date { white-space: nowrap; }
tfoot td { font-weight: 700; background: #fafafa; }
.note { font-size: 12px; color: #4b5563; margin-top: 8px; line-height: 1.7; }
.sign { margin-top: 28px; display: flex; justify-content: flex-end; }
.sign div { text-align: center; font-size: 15px; line-height: 2.2; min-width: 70mm; }
.seal { color: #9ca3af; font-size: 12px; }
@media print {
  body { background: #fff; }
  .sheet { margin: 0; padding: 0; border: none; max-width: none; }
}
"""


def _hours_text(value: float) -> str:
    """12 → 12.0, 1.5 → 1.5, 1.25 → 1.25 (one decimal unless the record holds two)."""
    text = f"{value:,.2f}"
    return text[:-1] if text.endswith("0") else text


def certificate_html(cert: Certificate) -> str:
    """The certificate as a standalone, print-ready HTML document (A4; CJK fonts by family name only, nothing
    fetched from the network). Every value is HTML-escaped."""
    e = html.escape
    since = f"{cert.period_start:%Y年%m月%d日}至" if cert.period_start else "注册以来至"
    until = f"{cert.period_end:%Y年%m月%d日}"
    issued = f"{cert.issued_on:%Y年%m月%d日}" if cert.issued_on else ""
    rows = "\n".join(
        f"<tr><td class='num'>{i}</td><td class='date'>{line.service_date:%Y-%m-%d}</td><td>{e(line.title)}</td>"
        f"<td>{e(line.organiser or '')}</td><td>{e(line.kinds)}</td><td class='num'>{_hours_text(line.hours)}</td></tr>"
        for i, line in enumerate(cert.lines, start=1)
    ) or "<tr><td colspan='6' style='text-align:center'>该时段内没有已审核的志愿服务记录</td></tr>"
    split = f"（其中信用时长 {_hours_text(cert.credit_hours)} 小时，荣誉时长 {_hours_text(cert.honour_hours)} 小时）"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>志愿服务记录证明 · {e(cert.number)}</title>
<style>{_CERT_CSS}</style>
</head>
<body>
<div class="sheet">
<h1>志愿服务记录证明</h1>
<div class="no">证明编号：{e(cert.number)}</div>
<p class="body">兹证明 <b>{e(cert.name)}</b>（性别：{e(cert.gender)}，志愿者编号：{cert.volunteer_id}）于
{cert.registered_on:%Y年%m月%d日}在{e(cert.street)}{e(cert.community if cert.community != '—' else '')}注册为志愿者。
{since}{until}，经审核的志愿服务记录共 {len(cert.lines)} 场活动，累计志愿服务时长 <b>{_hours_text(cert.total_hours)}</b> 小时{split}。明细如下：</p>
<table>
<thead><tr><th class="num">序号</th><th>服务日期</th><th>活动名称</th><th>组织单位</th><th>类别</th><th class="num">时长（小时）</th></tr></thead>
<tbody>
{rows}
</tbody>
<tfoot><tr><td colspan="5">合计（{len(cert.lines)} 场）</td><td class="num">{_hours_text(cert.total_hours)}</td></tr></tfoot>
</table>
<div class="note">说明：服务时长为经审核通过的志愿服务时长，不含路途时间。信用时长为活动现场记录的时长，荣誉时长为事后补录并经审核的时长。</div>
<p class="body" style="margin-top:14px">特此证明。</p>
<div class="sign"><div>出具单位：{e(cert.issuer)}<br><span class="seal">（盖章）</span><br>{issued}</div></div>
</div>
</body>
</html>
"""



def team_for_edit(session: Session, user: CurrentUser, team_id: int):
    """The form values of a team in the user's scope (writers only) and its version."""
    from db.volunteers.writes import TeamInput
    from db.write import load_for_write

    team = load_for_write(session, user, VolunteerTeam, team_id, "该队伍不存在或已被删除。")
    return TeamInput(name=team.name, community_id=team.community_id, organization_id=team.organization_id,
                     founded_year=team.founded_year, description=team.description or ""), team.version
