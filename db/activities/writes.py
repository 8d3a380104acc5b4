"""Activities and their volunteer service records: validation, create, edit, delete (through db.write)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import pandas as pd
from sqlalchemy import and_, delete, insert, select, true
from sqlmodel import Session

from db import clock, vocab
from db.auth import CurrentUser
from db.errors import PermissionDenied
from db.fields import Fields
from db.fields import as_int as _as_int
from db.inputs import typed_inputs
from db.models import Activity, Community, Project, ServiceRecord, SocialWorker, Volunteer
from db.places.resolve import inside_rule, refuse_unless_inside, require_in_scope, resolve_place
from db.privacy import mask_name
from db.volunteers.totals import refresh_volunteer_totals
from db.write import (
    begin_write,
    create_record,
    delete_versioned,
    load_for_write,
    load_in_scope,
    record_audit,
    snapshot,
    submit,
    update_versioned,
)

MAX_PEOPLE = 100_000
MISSING = "该活动不存在或已被删除。"


@dataclass
class VolunteerHours:
    """One volunteer's hours at the activity; ``hours=None`` (or a blank text) means the whole activity. The form's
    table hands over what was typed: a number, or a text that validation reads or refuses."""

    volunteer_id: int | None
    hours: float | str | None


@dataclass
class ActivityInput:
    """What the activity form collects. Fields may be None or wrong: validation says which and why."""

    activity_date: date | None
    start_time: time | None
    end_time: time | None
    title: str | None
    type: str | None
    venue: str | None = ""
    community_id: int | None = None
    organization_id: int | None = None
    project_id: int | None = None
    actors: set[str] = field(default_factory=set)  # Activity field names of db.vocab.ACTORS
    lead_social_worker_id: int | None = None
    people_served: Any = 0
    unique_persons: Any = None
    volunteers: list[VolunteerHours] = field(default_factory=list)
    note: str | None = ""


@dataclass
class _Resolved:
    values: dict[str, Any]
    records: list[tuple[int, float]]


def _label(name: str) -> str:
    return f"「{vocab.FIELD_LABELS.get(name, name)}」"


def validate_activity(session: Session, user: CurrentUser, data: ActivityInput,
                      activity_id: int | None = None, today: date | None = None) -> _Resolved:
    """Check every field; raise ValidationFailed naming each wrong field in Chinese. Nothing is written. The place
    (a community, its street following, or an organisation) must lie in the user's scope (PermissionDenied), and
    the project, lead social worker and volunteers in the street of the user's scope (db.places.resolve)."""
    today = today or clock.today()
    f = Fields(vocab.FIELD_LABELS)

    title = f.text("title", data.title, 100, required=True)
    if data.type not in vocab.ACTIVITY_TYPES:
        f.fail("type", f"须为：{'、'.join(vocab.ACTIVITY_TYPES)}")
    venue = f.text("venue", data.venue, 100)
    note = f.text("note", data.note, 1000)

    starts_at = ends_at = None
    if isinstance(data.activity_date, date) and data.activity_date > today:
        f.fail("activity_date", f"不能晚于今天（{today:%Y-%m-%d}），请在活动结束后录入")
    day = f.day("activity_date", data.activity_date, today)
    for name in ("start_time", "end_time"):
        value = getattr(data, name)
        if not isinstance(value, time):
            f.fail(name, "不能为空" if value is None or value == "" else "须为时间")
    if day is not None and isinstance(data.start_time, time) and isinstance(data.end_time, time):
        starts_at = datetime.combine(day, data.start_time).replace(second=0, microsecond=0)
        ends_at = datetime.combine(day, data.end_time).replace(second=0, microsecond=0)
        if ends_at <= starts_at:
            f.fail("end_time", "须晚于开始时间")
            starts_at = ends_at = None

    # Where: a community (street follows) or an organisation; staff default to their own scope.
    place = resolve_place(session, user, f, community_id=data.community_id, organization_id=data.organization_id,
                          needs="community_or_org", missing=("community_id", "不能为空：请选择活动所在的社区"))

    project = require_in_scope(session, user, Project, data.project_id, f, "project_id")
    if project is not None and place.street_id is not None and project.street_id != place.street_id:
        f.fail("project_id", "不属于该活动所在街道")
    lead = require_in_scope(session, user, SocialWorker, data.lead_social_worker_id, f, "lead_social_worker_id")

    people_served = f.integer("people_served", 0 if data.people_served in (None, "") else data.people_served,
                              0, MAX_PEOPLE)
    unique_persons = None
    try:
        unique_persons = _as_int(data.unique_persons)
        if unique_persons is not None and unique_persons < 0:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        unique_persons = None
        f.fail("unique_persons", "须为不小于 0 的整数")
    # 服务人次 is compared only when valid, so that 服务人数 is not also blamed for a wrong 服务人次.
    if unique_persons is not None and people_served is not None and unique_persons > people_served:
        f.fail("unique_persons", "不能多于服务人次")

    actors = set(data.actors or set())
    known_actors = {name for name, _ in vocab.ACTORS}
    if actors - known_actors:
        f.fail("actors", "含有未知主体")
    if lead is not None:
        actors.add("with_social_worker")

    records = validate_volunteers(session, data.volunteers, starts_at, ends_at, activity_id, f.errors, user=user)
    if records:
        actors.add("with_volunteers")
    else:
        actors.discard("with_volunteers")
    if not actors:
        f.fail("actors", "至少选择一项")

    f.raise_if_any()
    values = {
        "street_id": place.street_id, "community_id": place.community_id,
        "organization_id": place.organization_id, "project_id": data.project_id, "title": title, "type": data.type,
        "venue": venue, "starts_at": starts_at, "ends_at": ends_at,
        "lead_social_worker_id": data.lead_social_worker_id, "people_served": people_served,
        "unique_persons": unique_persons, "note": note, **{name: name in actors for name, _ in vocab.ACTORS},
    }
    return _Resolved(values, records)


def validate_volunteers(session: Session, rows: list[VolunteerHours], starts_at: datetime | None,
                        ends_at: datetime | None, activity_id: int | None, errors: dict[str, str], *,
                        user: CurrentUser | None = None) -> list[tuple[int, float]]:
    """The (volunteer id, hours) pairs of an activity from ``starts_at`` to ``ends_at``, or messages in ``errors``:
    each volunteer once, hours > 0 and no longer than the activity, no overlapping activity of the volunteer
    (other than ``activity_id``). Used by the activity form and by every other form that writes service hours.
    With ``user``, a volunteer outside the street of the user's scope is refused (``PermissionDenied``)."""
    label = _label("volunteers")
    hours_label = _label("hours")
    rows = [r for r in rows if not (r.volunteer_id is None and (r.hours is None or r.hours == ""))]
    seen: set[int] = set()
    out: list[tuple[int, float]] = []
    problems: list[str] = []
    duration = (ends_at - starts_at).total_seconds() / 3600 if starts_at and ends_at else None
    ids = [r.volunteer_id for r in rows if r.volunteer_id is not None]
    # The names for the messages (not whole rows: 20 volunteers 0.39 → 0.2 ms) and, with ``user``, whether each
    # lies in the street of the user's scope (``refuse_outside``'s rule, read in the same statement).
    rule = inside_rule(session, user, Volunteer) if user is not None and ids else None
    inside = (true() if rule is None else rule).label("inside")
    found = ({v.id: v for v in session.execute(select(Volunteer.id, Volunteer.name, inside)
                                               .where(Volunteer.id.in_(ids)))} if ids else {})
    refuse_unless_inside(label, {i: v.inside for i, v in found.items()})
    for n, row in enumerate(rows, start=1):
        who = f"第 {n} 位志愿者"
        if row.volunteer_id is None:
            problems.append(f"{label}{who}未选择")
            continue
        volunteer = found.get(row.volunteer_id)
        if volunteer is None:
            problems.append(f"{label}{who}不存在")
            continue
        who = f"{who}（{mask_name(volunteer.name)}）"
        if row.volunteer_id in seen:
            problems.append(f"{label}{who}重复填写")
            continue
        seen.add(row.volunteer_id)
        if (row.hours is None or row.hours == "") and duration is not None:
            row = VolunteerHours(row.volunteer_id, duration)  # blank hours = the whole activity
        try:
            hours = float(row.hours)  # type: ignore[arg-type]
            if hours != hours:  # NaN
                raise ValueError
        except (TypeError, ValueError):
            problems.append(f"{hours_label}{who}须填写数字")
            continue
        if hours <= 0:
            problems.append(f"{hours_label}{who}须大于 0 小时")
            continue
        if duration is not None and hours > duration + 1e-9:
            problems.append(f"{hours_label}{who}为 {hours:g} 小时，超过活动时长 {duration:g} 小时（不含路途时间）")
            continue
        out.append((row.volunteer_id, round(hours, 2)))
    if out and starts_at and ends_at:
        # ``version`` is not in the day's covering index (ix_record_date_cover): without statistics, SQLite would
        # otherwise read every record of the day (3 ms at 10M records) rather than these volunteers' (0.1 ms).
        clash = session.execute(
            select(ServiceRecord.volunteer_id, ServiceRecord.version, Activity.title, Activity.starts_at,
                   Activity.ends_at)
            .join(Activity, Activity.id == ServiceRecord.activity_id)
            .where(ServiceRecord.volunteer_id.in_([v for v, _ in out]),
                   ServiceRecord.status != "rejected",
                   ServiceRecord.service_date == starts_at.date(),
                   and_(Activity.starts_at < ends_at, Activity.ends_at > starts_at),
                   Activity.id != (activity_id or -1))
        ).first()
        if clash is not None:
            name = mask_name(found[clash.volunteer_id].name)
            problems.append(
                f"{label}{name} 在 {clash.starts_at:%H:%M}–{clash.ends_at:%H:%M} 已参加活动「{clash.title}」，"
                "同一志愿者不能同时参加两场活动")
    if problems:
        errors["volunteers"] = "；".join(problems)
    return out


def _write_records(session: Session, activity_id: int, values: dict[str, Any], records: list[tuple[int, float]],
                   user: CurrentUser) -> list[dict[str, Any]]:
    """Insert the 信用 records of an activity in one statement; returns what the audit trail keeps of them."""
    if not records:
        return []
    now = clock.now()
    # Staff record hours at the activity (信用) and confirm them by entering them: approved at once.
    common = {
        "activity_id": activity_id, "kind": "信用", "status": "approved", "reason": "", "approved_by": user.id,
        "approved_at": now, "service_date": values["starts_at"].date(), "street_id": values["street_id"],
        "community_id": values["community_id"], "organization_id": values["organization_id"],
        "project_id": values["project_id"], "is_demo": False, "version": 1,
    }
    session.execute(insert(ServiceRecord), [{**common, "volunteer_id": v, "hours": h} for v, h in records])
    refresh_volunteer_totals(session, [v for v, _h in records])
    return [{"volunteer_id": v, "hours": h, "kind": "信用", "status": "approved"} for v, h in records]


def _records_snapshot(session: Session, activity_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ServiceRecord.volunteer_id, ServiceRecord.hours, ServiceRecord.kind, ServiceRecord.status)
        .where(ServiceRecord.activity_id == activity_id).order_by(ServiceRecord.volunteer_id)
    ).all()
    return [dict(r._mapping) for r in rows]


@typed_inputs
def create_activity(*, session: Session, user: CurrentUser, data: ActivityInput, idempotency_key: str,
                    today: date | None = None) -> int:
    """Record an activity with its volunteers' hours. A repeated ``idempotency_key`` returns the first id."""
    resolved: list[_Resolved] = []

    def build() -> Activity:
        resolved.append(validate_activity(session, user, data, today=today))
        return Activity(**resolved[0].values, created_by=user.id)

    def add_records(activity: Activity) -> dict[str, Any]:
        assert activity.id is not None
        written = _write_records(session, activity.id, resolved[0].values, resolved[0].records, user)
        return {**snapshot(activity), "volunteers": written}

    return create_record(session, user, idempotency_key, "activity", build, add_records)


@typed_inputs
def update_activity(*, session: Session, user: CurrentUser, activity_id: int, expected_version: int,
                    data: ActivityInput, today: date | None = None) -> None:
    """Edit an activity and replace its 信用 records; refused if someone changed it since ``expected_version``."""
    begin_write(session)
    activity = load_for_write(session, user, Activity, activity_id, MISSING)
    old = {**snapshot(activity), "volunteers": _records_snapshot(session, activity_id)}
    resolved = validate_activity(session, user, data, activity_id=activity_id, today=today)
    v = resolved.values
    update_versioned(session, Activity, activity_id, expected_version,
                     {**v, "updated_at": clock.now()}, label="活动")
    # 荣誉 (backfilled) records are kept; the 信用 records are replaced by the form's list.
    session.execute(delete(ServiceRecord).where(ServiceRecord.activity_id == activity_id,
                                                ServiceRecord.kind == "信用"))
    refresh_volunteer_totals(session, [r["volunteer_id"] for r in old["volunteers"]])  # also those taken off
    _write_records(session, activity_id, v, resolved.records, user)
    session.flush()
    session.expire_all()
    new = {**snapshot(session.get(Activity, activity_id)), "volunteers": _records_snapshot(session, activity_id)}
    record_audit(session, user, "update", "activity", activity_id, old, new)


@typed_inputs
def delete_activity(*, session: Session, user: CurrentUser, activity_id: int, expected_version: int) -> None:
    """Delete an activity and its service records; refused if it changed since ``expected_version``."""
    begin_write(session)
    activity = load_for_write(session, user, Activity, activity_id, MISSING)
    old = {**snapshot(activity), "volunteers": _records_snapshot(session, activity_id)}
    session.execute(delete(ServiceRecord).where(ServiceRecord.activity_id == activity_id))
    delete_versioned(session, Activity, activity_id, expected_version, label="活动")
    refresh_volunteer_totals(session, [r["volunteer_id"] for r in old["volunteers"]])
    record_audit(session, user, "delete", "activity", activity_id, old, None)


def submit_activity(user: CurrentUser, data: ActivityInput, idempotency_key: str, engine=None) -> int:
    """Create an activity in its own transaction; a racing duplicate submission returns the first id."""
    return submit(create_activity, user=user, data=data, idempotency_key=idempotency_key, engine=engine)


def activity_for_edit(session: Session, user: CurrentUser, activity_id: int) -> tuple[ActivityInput, int]:
    """The form values of an existing activity and its version (for the edit form)."""
    activity = load_in_scope(session, user, Activity, activity_id, MISSING)
    records = session.execute(
        select(ServiceRecord.volunteer_id, ServiceRecord.hours)
        .where(ServiceRecord.activity_id == activity_id, ServiceRecord.kind == "信用")
        .order_by(ServiceRecord.id)
    ).all()
    data = ActivityInput(
        activity_date=activity.starts_at.date(), start_time=activity.starts_at.time(),
        end_time=activity.ends_at.time(), title=activity.title, type=activity.type, venue=activity.venue,
        community_id=activity.community_id, organization_id=activity.organization_id,
        project_id=activity.project_id,
        actors={name for name, _ in vocab.ACTORS if getattr(activity, name)},
        lead_social_worker_id=activity.lead_social_worker_id, people_served=activity.people_served,
        unique_persons=activity.unique_persons,
        volunteers=[VolunteerHours(r.volunteer_id, r.hours) for r in records], note=activity.note,
    )
    return data, activity.version


def recent_entries(session: Session, user: CurrentUser, limit: int = 20) -> pd.DataFrame:
    """The user's own latest activities (for 「我的最近录入」 with edit and delete)."""
    query = (
        select(Activity.id, Activity.starts_at, Activity.title, Activity.type, Activity.venue,
               Activity.people_served, Activity.version, Community.name.label("community"))
        .outerjoin(Community, Community.id == Activity.community_id)
        .where(Activity.created_by == user.id)
        .order_by(Activity.created_at.desc(), Activity.id.desc()).limit(limit)
    )
    df = pd.read_sql(query, session.connection())
    if df.empty:
        return df
    counts = session.execute(
        select(ServiceRecord.activity_id, ServiceRecord.volunteer_id)
        .where(ServiceRecord.activity_id.in_(df["id"].tolist()))
    ).all()
    per = pd.Series([c.activity_id for c in counts]).value_counts() if counts else pd.Series(dtype=int)
    df["volunteers"] = df["id"].map(per).fillna(0).astype(int)
    return df


__all__ = [
    "ActivityInput", "VolunteerHours", "PermissionDenied", "activity_for_edit", "create_activity",
    "delete_activity", "recent_entries", "submit_activity", "update_activity", "validate_activity",
]
