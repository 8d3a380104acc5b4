"""Loading and resetting the demo data set, its accounts, and the invariants the app relies on."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, inspect, select
from sqlmodel import Session

from db import figures
from db.auth import authenticate
from db.demo import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    build_demo_rows,
    demo_loaded,
    demo_row_counts,
    load_demo,
    reset_demo,
)
from db.demo.generator import REPORT2_AS_OF
from db.errors import PermissionDenied
from db.models import (
    Activity,
    AppUser,
    AuditLog,
    CharityMatch,
    CharityNeed,
    CharityResource,
    Community,
    Donation,
    MediationCase,
    OrgGrade,
    Project,
    ServiceRecord,
    Street,
    Training,
    Volunteer,
)
from db.periods import period_of
from db.scope import ALL
from tests.asserts import assert_refused
from tests.conftest import DEMO_TODAY

# ------------------------------------------------------------------------------------- load and reset


def test_load_demo_is_idempotent(engine):
    assert load_demo(engine, today=DEMO_TODAY) is True
    with Session(engine) as session:
        assert demo_loaded(session)
        before = demo_row_counts(session)
    assert load_demo(engine, today=DEMO_TODAY) is False
    with Session(engine) as session:
        assert demo_row_counts(session) == before
    # The size the brief asks for.
    assert 8 <= before["community"] <= 10
    assert 1500 <= before["volunteer"] <= 2500
    assert 3000 <= before["activity"] <= 5000
    assert 20000 <= before["servicerecord"] <= 30000
    assert before["appuser"] == 3


def test_reset_demo_restores_the_same_rows_and_never_reuses_ids(engine):
    """A demo database is reset to the same rows; a database with real records refuses (tests/test_demo_guard.py)."""
    load_demo(engine, today=DEMO_TODAY)
    with Session(engine) as session:
        before = demo_row_counts(session)
        audit_before = session.execute(select(func.count()).select_from(AuditLog)).scalar_one()
        last_id = session.execute(select(func.max(Activity.id))).scalar_one()

    reset_demo(engine, today=DEMO_TODAY)

    with Session(engine) as session:
        assert demo_loaded(session)
        assert demo_row_counts(session) == before
        # Ids are never reused: the reloaded demo set follows every id used before.
        first_new = session.execute(select(func.min(Activity.id)).where(Activity.is_demo.is_(True))).scalar_one()
        assert first_new > last_id
        assert session.execute(select(func.count()).select_from(AuditLog)).scalar_one() > audit_before
        names = session.execute(select(AppUser.username).where(AppUser.is_demo.is_(True))).scalars().all()
        assert sorted(names) == sorted(u for u, _ in DEMO_ACCOUNTS)


def test_demo_accounts_log_in_with_their_roles_and_scopes(engine):
    load_demo(engine, today=DEMO_TODAY)
    with Session(engine) as session:
        community = session.execute(select(Community.id).where(Community.name == "新港山路社区")).scalar_one()
        expected = {"demo_leader": ("leader", "all", None, "演示领导"),
                    "demo_staff": ("staff", "community", community, "演示社工"),
                    "demo_admin": ("admin", "all", None, "演示管理员")}
        assert [u for u, _ in DEMO_ACCOUNTS] == list(expected)
        for username, (role, scope_type, scope_id, display) in expected.items():
            user = authenticate(session=session, username=username, password=DEMO_PASSWORD)
            assert (user.role, user.scope_type, user.scope_id, user.display_name) == (role, scope_type, scope_id,
                                                                                       display)
        assert DEMO_PASSWORD == "wushe-demo"


def test_only_an_admin_may_load_or_reset(engine):
    load_demo(engine, today=DEMO_TODAY)
    with Session(engine) as session:
        leader = authenticate(session=session, username="demo_leader", password=DEMO_PASSWORD)
        admin = authenticate(session=session, username="demo_admin", password=DEMO_PASSWORD)
    assert_refused(engine, lambda: reset_demo(engine, today=DEMO_TODAY, actor=leader), None, error=PermissionDenied)
    assert load_demo(engine, today=DEMO_TODAY, actor=admin) is False


def test_two_servers_loading_at_once_load_once(engine):
    """Two app servers starting together on one database: one loads, the other sees it loaded."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: load_demo(engine, today=DEMO_TODAY), range(2)))
    assert sorted(results) == [False, True]
    with Session(engine) as session:
        assert demo_row_counts(session)["street"] == 2
        assert session.execute(select(func.count()).select_from(AppUser)).scalar_one() == 3


# ------------------------------------------------------------------------------------ generation (no db)


def test_generation_is_deterministic_and_facts_do_not_depend_on_today():
    first = build_demo_rows(DEMO_TODAY)
    assert build_demo_rows(DEMO_TODAY) == first
    earlier = build_demo_rows(date(2025, 8, 1))
    project_ids = {p["name"]: p["id"] for p in first[Project]}
    assert project_ids == {p["name"]: p["id"] for p in earlier[Project]}
    for name in ("阳光下 蔚蓝天", "胜稼村幸福工坊钩花项目"):  # their records up to the report are facts
        pid = project_ids[name]

        def facts(rows, pid=pid):
            return [a for a in rows[Activity] if a["project_id"] == pid and a["starts_at"].date() <= REPORT2_AS_OF]

        assert facts(first) and facts(first) == facts(earlier)
    # Filler runs up to the given day.
    assert max(a["starts_at"] for a in earlier[Activity]).date() <= date(2025, 8, 1)
    assert max(a["starts_at"] for a in first[Activity]).date() >= DEMO_TODAY - timedelta(days=7)


def test_generation_refuses_a_day_before_the_reports():
    with pytest.raises(ValueError):
        build_demo_rows(date(2025, 1, 1))


# ---------------------------------------------------------------------------------------------- invariants


@pytest.fixture(scope="module")
def session(demo_engine):
    with Session(demo_engine) as s:
        yield s


def _records(session: Session):
    return session.execute(
        select(ServiceRecord.volunteer_id, ServiceRecord.hours, ServiceRecord.service_date, ServiceRecord.street_id,
               ServiceRecord.community_id, ServiceRecord.organization_id, ServiceRecord.project_id,
               Activity.starts_at, Activity.ends_at, Activity.street_id, Activity.community_id,
               Activity.organization_id, Activity.project_id)
        .join(Activity, Activity.id == ServiceRecord.activity_id)
    ).all()


def test_record_hours_are_positive_and_within_the_activity(session):
    rows = _records(session)
    assert len(rows) > 20000
    for r in rows:
        assert r.ends_at > r.starts_at
        assert 0 < r.hours <= (r.ends_at - r.starts_at).total_seconds() / 3600


def test_records_copy_their_activity(session):
    for r in _records(session):
        assert r.service_date == r.starts_at.date()
        assert (r[3], r[4], r[5], r[6]) == (r[9], r[10], r[11], r[12])


def test_no_volunteer_is_on_two_overlapping_activities(session):
    spans = defaultdict(list)
    for r in _records(session):
        spans[r.volunteer_id].append((r.starts_at, r.ends_at))
    assert len(spans) > 1000
    for items in spans.values():
        items.sort()
        for (_s1, e1), (s2, _e2) in zip(items, items[1:], strict=False):
            assert s2 >= e1


def test_volunteers_serve_after_registering(session):
    rows = session.execute(select(ServiceRecord.service_date, Volunteer.registered_on)
                           .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)).all()
    assert all(registered <= served for served, registered in rows)


def test_actor_flags_match_the_records(session):
    with_records = set(session.execute(select(ServiceRecord.activity_id).distinct()).scalars())
    activities = session.execute(select(Activity.id, Activity.with_volunteers, Activity.with_social_worker,
                                        Activity.lead_social_worker_id, Activity.starts_at, Activity.ends_at)).all()
    assert any(not a.with_volunteers for a in activities)  # some activities have no volunteers at all
    for a in activities:
        assert a.with_volunteers == (a.id in with_records)
        assert a.with_social_worker == (a.lead_social_worker_id is not None)
        assert a.ends_at > a.starts_at


def test_record_kinds_and_statuses_are_mixed(session):
    counts = dict(session.execute(select(ServiceRecord.status, func.count()).group_by(ServiceRecord.status)).all())
    assert counts["approved"] > 0.9 * sum(counts.values())
    assert counts["pending"] > 0 and counts["rejected"] > 0
    kinds = dict(session.execute(select(ServiceRecord.kind, func.count()).group_by(ServiceRecord.kind)).all())
    assert 0 < kinds["荣誉"] < 0.1 * kinds["信用"]
    reasons = session.execute(select(ServiceRecord.reason).where(ServiceRecord.status == "rejected")).scalars().all()
    assert all(reasons)


def test_nothing_is_dated_after_today(session):
    end_of_today = datetime.combine(DEMO_TODAY + timedelta(days=1), time.min)
    checks = [
        (Activity.ends_at, end_of_today), (Activity.starts_at, end_of_today), (ServiceRecord.service_date, DEMO_TODAY),
        (ServiceRecord.approved_at, end_of_today), (MediationCase.received_on, DEMO_TODAY),
        (MediationCase.resolved_on, DEMO_TODAY), (Donation.donated_on, DEMO_TODAY), (Training.held_on, DEMO_TODAY),
        (CharityResource.offered_on, DEMO_TODAY), (CharityNeed.filed_on, DEMO_TODAY),
        (CharityMatch.matched_on, DEMO_TODAY), (CharityMatch.completed_on, DEMO_TODAY),
        (Volunteer.registered_on, DEMO_TODAY), (OrgGrade.awarded_on, DEMO_TODAY),
    ]
    for column, limit in checks:
        latest = session.execute(select(func.max(column))).scalar_one()
        assert latest is not None and latest <= limit, column
    assert session.execute(select(func.min(Activity.starts_at))).scalar_one() >= datetime(2021, 1, 1)


def test_this_month_and_this_year_are_not_empty(session):
    for kind in ("month", "year"):
        period = period_of(kind, DEMO_TODAY)
        assert figures.value(session, "activities", ALL, period) > 0
        assert figures.value(session, "hours", ALL, period) > 0
        assert figures.value(session, "disputes", ALL, period) > 0


def test_every_row_is_marked_demo(session):
    for model in (Street, Community, Volunteer, Activity, ServiceRecord, MediationCase, Donation, Training,
                  CharityResource, CharityNeed, CharityMatch, Project, OrgGrade):
        assert session.execute(select(func.count()).select_from(model).where(model.is_demo.is_(False))).scalar_one() == 0


def test_mediation_cases_never_name_parties(session):
    columns = {c["name"] for c in inspect(session.get_bind()).get_columns("mediationcase")}
    assert not any("name" in c or "party" in c for c in columns)
    locations = set(session.execute(select(MediationCase.location)).scalars())
    volunteer_names = set(session.execute(select(Volunteer.name)).scalars())
    assert not locations & volunteer_names
    assert session.execute(select(func.min(MediationCase.people_involved))).scalar_one() >= 1
    unresolved = session.execute(select(func.count()).select_from(MediationCase).where(
        MediationCase.outcome == "处理中", MediationCase.resolved_on.is_not(None))).scalar_one()
    assert unresolved == 0
