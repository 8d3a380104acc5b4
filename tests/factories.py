"""Small helpers that insert reference rows and users for db tests.

Every helper takes an open session and flushes, so the new row has its id; the caller's ``session_scope`` commits.
Names are made unique with a counter, so several helpers can share one database.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel

from db.activities.writes import ActivityInput, VolunteerHours
from db.auth import CurrentUser, create_user, load_user
from db.engine import session_scope
from db.models import (
    Activity,
    AppUser,
    AuditLog,
    Community,
    Donation,
    MediationCase,
    Project,
    ServiceRecord,
    SocialWorker,
    Street,
    Submission,
    Volunteer,
)
from db.volunteers.totals import refresh_volunteer_totals
from db.write import data_version

PASSWORD = "Correct-horse-9"
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_street(session: Session, name: str | None = None, **values) -> Street:
    street = Street(name=name or f"测试街道{_n()}", district_code="370211", **values)
    session.add(street)
    session.flush()
    return street


def make_community(session: Session, street: Street, name: str | None = None, **values) -> Community:
    community = Community(street_id=street.id, name=name or f"测试社区{_n()}", **values)
    session.add(community)
    session.flush()
    return community


def make_project(session: Session, street: Street, community: Community | None = None, name: str | None = None,
                 area: str = "志愿互助", **values) -> Project:
    project = Project(street_id=street.id, community_id=community.id if community else None,
                      name=name or f"测试项目{_n()}", area=area, **values)
    session.add(project)
    session.flush()
    return project


def make_social_worker(session: Session, street: Street, community: Community | None = None,
                       name: str | None = None, level: str = "社会工作师") -> SocialWorker:
    worker = SocialWorker(street_id=street.id, community_id=community.id if community else None,
                          name=name or f"社工{_n()}", level=level)
    session.add(worker)
    session.flush()
    return worker


def make_volunteers(session: Session, street: Street, community: Community | None = None, n: int = 1,
                    registered_on: date = date(2024, 1, 1), names: list[str] | None = None) -> list[Volunteer]:
    out = []
    for i in range(n):
        volunteer = Volunteer(name=names[i] if names else f"张小明{_n()}", street_id=street.id,
                              community_id=community.id if community else None, registered_on=registered_on)
        session.add(volunteer)
        out.append(volunteer)
    session.flush()
    return out


def make_user(session: Session, role: str, scope_type: str = "all", scope_id: int | None = None,
              username: str | None = None, password: str = PASSWORD) -> CurrentUser:
    """A user created through db.auth.create_user (bootstrap actor), loaded as a CurrentUser."""
    user_id = create_user(session=session, actor=None, username=username or f"{role}_{_n()}", password=password,
                          role=role, scope_type=scope_type, scope_id=scope_id)
    user = load_user(session, user_id, 1)
    assert user is not None
    return user


def make_record(session: Session, activity: Activity, volunteer: Volunteer, hours: float, *, kind: str = "信用",
                status: str = "approved") -> ServiceRecord:
    """A service record inserted directly (荣誉 backfill, pending or rejected records), copying the activity; the
    volunteer's running total is recomputed as the write services do."""
    record = ServiceRecord(volunteer_id=volunteer.id, activity_id=activity.id, hours=hours, kind=kind,
                           status=status, service_date=activity.starts_at.date(), street_id=activity.street_id,
                           community_id=activity.community_id, organization_id=activity.organization_id,
                           project_id=activity.project_id)
    session.add(record)
    session.flush()
    refresh_volunteer_totals(session, [volunteer.id])
    return record


def make_case(session: Session, community: Community, received_on: date, outcome: str,
              type_: str = "邻里") -> MediationCase:
    case = MediationCase(street_id=community.street_id, community_id=community.id, received_on=received_on,
                         type=type_, source="纠纷", outcome=outcome, people_involved=2)
    session.add(case)
    session.flush()
    return case


def make_donation(session: Session, street: Street, community: Community | None, donated_on: date,
                  amount_yuan: float, is_money: bool = True) -> Donation:
    donation = Donation(street_id=street.id, community_id=community.id if community else None,
                        donor_name=f"爱心企业{_n()}", donor_type="企业", is_money=is_money,
                        amount_yuan=amount_yuan, donated_on=donated_on)
    session.add(donation)
    session.flush()
    return donation


def activity_input(**overrides) -> ActivityInput:
    """A valid form for 09:00–11:00 on 2025-06-10 unless overridden (places must be passed by the caller)."""
    values = {
        "activity_date": date(2025, 6, 10), "start_time": time(9, 0), "end_time": time(11, 0),
        "title": "邻里互助联动服务", "type": "联动服务", "venue": "社区党群服务中心",
        "people_served": 40, "unique_persons": 30, "actors": {"with_community"}, "volunteers": [],
    }
    return ActivityInput(**{**values, **overrides})


def hours(*pairs: tuple[int, float | None]) -> list[VolunteerHours]:
    return [VolunteerHours(v, h) for v, h in pairs]


def count_rows(engine: Engine, *models: type[SQLModel]) -> dict[str, int]:
    with session_scope(engine) as session:
        return {m.__tablename__: session.execute(select(func.count()).select_from(m)).scalar_one()  # type: ignore
                for m in models}


WRITE_TABLES = (Activity, ServiceRecord, AuditLog, Submission)


def write_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table an activity write touches, plus the data version."""
    counts = count_rows(engine, *WRITE_TABLES)
    with session_scope(engine) as session:
        counts["data_version"] = data_version(session)
    return counts


def user_count(engine: Engine) -> dict[str, int]:
    return count_rows(engine, AppUser, AuditLog)


@dataclass
class World:
    """Two streets: S1 with communities A and B, S2 with community C; a project and a social worker in each
    street; volunteers in S1; users of every role and scope. Ids only (never ORM objects across sessions)."""

    street1: int
    street2: int
    community_a: int
    community_b: int
    community_c: int
    project1: int  # street 1, community A
    project2: int  # street 2
    worker1: int
    worker2: int
    volunteers: list[int]  # street 1, community A
    admin: CurrentUser
    leader: CurrentUser
    staff_a: CurrentUser  # community A
    staff_s1: CurrentUser  # street 1
    staff_org_scope: CurrentUser | None = None


def build_world(engine: Engine, n_volunteers: int = 12) -> World:
    with session_scope(engine, write=True) as s:
        s1, s2 = make_street(s, "薛家岛街道"), make_street(s, "乔司街道")
        a = make_community(s, s1, "新港山路社区")
        b = make_community(s, s1, "东山社区")
        c = make_community(s, s2, "胜稼村", kind="村")
        p1 = make_project(s, s1, a, "港好有你")
        p2 = make_project(s, s2, None, "乔社善治")
        w1 = make_social_worker(s, s1, a)
        w2 = make_social_worker(s, s2, c)
        vols = make_volunteers(s, s1, a, n=n_volunteers)
        world = World(
            street1=s1.id, street2=s2.id, community_a=a.id, community_b=b.id, community_c=c.id,
            project1=p1.id, project2=p2.id, worker1=w1.id, worker2=w2.id, volunteers=[v.id for v in vols],
            admin=make_user(s, "admin"),
            leader=make_user(s, "leader", "street", s1.id),
            staff_a=make_user(s, "staff", "community", a.id),
            staff_s1=make_user(s, "staff", "street", s1.id),
        )
    return world
