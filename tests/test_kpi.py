"""KPI definitions (db.kpi) against a small hand-built data set.

Every expected figure is computed here in plain Python from the data set's own description (not from the
database and not with db.kpi), for several scopes and periods; tiles must also equal their drill-downs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time

import pytest

from db import figures
from db.activities.writes import ActivityInput, VolunteerHours, create_activity
from db.engine import session_scope
from db.migrate import upgrade
from db.models import Activity, Volunteer
from db.periods import Period, period_of
from db.scope import ALL, Scope
from tests.factories import (
    make_case,
    make_community,
    make_donation,
    make_project,
    make_record,
    make_social_worker,
    make_street,
    make_user,
    make_volunteers,
)

D, T = date, time
TODAY = D(2025, 6, 20)

# ------------------------------------------------------------------------------------------- the data set

COMMUNITY_STREET = {"A": "S1", "B": "S1", "C": "S2"}

# volunteer: (home street, home community or None, registered on)
VOLUNTEERS = {
    "a1": ("S1", "A", D(2024, 1, 10)),
    "a2": ("S1", "A", D(2024, 5, 1)),
    "a3": ("S1", "A", D(2025, 3, 10)),
    "a4": ("S1", "A", D(2025, 6, 25)),  # registered after every period below
    "b1": ("S1", "B", D(2025, 1, 5)),
    "c1": ("S2", "C", D(2023, 7, 1)),
    "c2": ("S2", "C", D(2025, 6, 20)),  # registered on the last day of 本月
    "s1": ("S1", None, D(2024, 2, 2)),  # street-level volunteer, no community
}


@dataclass(frozen=True)
class Act:
    key: str
    community: str
    day: date
    start: time
    end: time
    social_worker: str  # "lead" (a lead social worker), "ticked" (actor ticked, no lead), "" (none)
    volunteers: tuple[tuple[str, float], ...]
    people: int


ACTS = (
    Act("act1", "A", D(2024, 11, 5), T(9), T(11), "lead", (("a1", 2), ("a2", 1.5)), 30),
    Act("act2", "A", D(2025, 3, 1), T(0), T(2), "lead", (("a1", 2),), 10),  # first instant of the custom range
    Act("act3", "A", D(2025, 4, 15), T(22), T(23, 30), "", (("a2", 1.5), ("a3", 1)), 12),  # volunteers only
    Act("act4", "A", D(2025, 4, 16), T(8), T(9), "lead", (), 5),  # social worker only
    Act("act5", "A", D(2025, 5, 31), T(23), T(23, 59), "lead", (("a1", 0.5),), 7),  # just before 本月
    Act("act6", "A", D(2025, 6, 1), T(0), T(1), "lead", (("a3", 1),), 8),  # first instant of 本月
    Act("act7", "A", D(2025, 6, 20), T(23), T(23, 59), "lead", (("a1", 0.9), ("b1", 0.5)), 9),  # last evening
    Act("act8", "B", D(2025, 6, 10), T(9), T(12), "", (("a1", 3), ("a2", 3)), 20),  # A's volunteers serve in B
    Act("act9", "C", D(2025, 2, 14), T(14), T(16), "lead", (("c1", 2),), 50),
    Act("act10", "C", D(2025, 6, 21), T(9), T(10), "lead", (("c1", 1),), 3),  # after today
    Act("act11", "B", D(2024, 12, 31), T(9), T(10), "lead", (("s1", 1),), 6),
    Act("act12", "B", D(2025, 6, 12), T(10), T(11), "ticked", (("b1", 1),), 4),
)

# Records entered besides the activity form: (activity, volunteer, hours, kind, status)
EXTRA_RECORDS = (
    ("act6", "a2", 0.75, "荣誉", "approved"),
    ("act6", "c2", 1.0, "信用", "pending"),
    ("act7", "s1", 0.5, "信用", "rejected"),
    ("act9", "c1", 0.5, "荣誉", "approved"),
    ("act2", "a3", 1.0, "荣誉", "pending"),
)

# Mediation cases: (community, received on, outcome)
CASES = (
    ("A", D(2025, 6, 5), "化解成功"), ("A", D(2025, 6, 15), "未化解"), ("A", D(2025, 6, 18), "处理中"),
    ("A", D(2025, 3, 10), "化解成功"), ("A", D(2024, 8, 1), "化解成功"),
    ("B", D(2025, 6, 7), "处理中"),
    ("C", D(2025, 3, 1), "化解成功"), ("C", D(2025, 4, 1), "化解成功"), ("C", D(2025, 4, 15), "未化解"),
    ("C", D(2025, 6, 21), "化解成功"),
)

# Donations: (street, community or None, date, yuan, money?)
DONATIONS = (
    ("S1", "A", D(2025, 6, 3), 5000, True), ("S1", "A", D(2025, 6, 4), 1200.5, False),
    ("S1", None, D(2025, 4, 10), 20000, True), ("S1", "B", D(2024, 12, 25), 300, True),
    ("S2", "C", D(2025, 3, 1), 800, False), ("S2", "C", D(2025, 6, 20), 100, True),
    ("S2", "C", D(2025, 6, 21), 999, True),
)

SCOPES = ("all", "street1", "street2", "community_a", "community_b", "community_c")
PERIODS = {
    "month": period_of("month", TODAY),
    "quarter": period_of("quarter", TODAY),
    "year": period_of("year", TODAY),
    "custom": period_of("custom", TODAY, D(2025, 3, 1), D(2025, 4, 15)),
    "last_year": period_of("custom", TODAY, D(2024, 1, 1), D(2024, 12, 31)),
    "all": period_of("all", TODAY),
}


# ------------------------------------------------------------------------------ the independent computation


def in_scope(scope: str, street: str, community: str | None) -> bool:
    return {
        "all": True, "street1": street == "S1", "street2": street == "S2", "community_a": community == "A",
        "community_b": community == "B", "community_c": community == "C",
    }[scope]


def in_period(day: date, period: Period) -> bool:
    return period.start <= day <= period.end


def all_records():
    """(volunteer, activity, hours, kind, status, day, street, community) of every service record."""
    acts = {a.key: a for a in ACTS}
    out = []
    for a in ACTS:
        for volunteer, hours in a.volunteers:
            out.append((volunteer, a.key, hours, "信用", "approved", a.day, COMMUNITY_STREET[a.community],
                        a.community))
    for act_key, volunteer, hours, kind, status in EXTRA_RECORDS:
        a = acts[act_key]
        out.append((volunteer, act_key, hours, kind, status, a.day, COMMUNITY_STREET[a.community], a.community))
    return out


def approved(scope: str, period: Period, kind: str | None = None):
    return [r for r in all_records() if r[4] == "approved" and in_period(r[5], period)
            and in_scope(scope, r[6], r[7]) and (kind is None or r[3] == kind)]


def acts_in(scope: str, period: Period):
    return [a for a in ACTS if in_period(a.day, period) and in_scope(scope, COMMUNITY_STREET[a.community],
                                                                       a.community)]


def cases_in(scope: str, period: Period, outcomes=("化解成功", "未化解", "处理中")):
    return [c for c in CASES if in_period(c[1], period) and in_scope(scope, COMMUNITY_STREET[c[0]], c[0])
            and c[2] in outcomes]


def donations_in(scope: str, period: Period, money: bool):
    return [d for d in DONATIONS if d[4] is money and in_period(d[2], period) and in_scope(scope, d[0], d[1])]


def expected(key: str, scope: str, period: Period) -> float | None:
    if key == "volunteers":
        return sum(1 for street, community, registered in VOLUNTEERS.values()
                   if registered <= period.end and in_scope(scope, street, community))
    if key == "active_volunteers":
        # Counted where the volunteer is registered (by the period's end), wherever they served.
        return len({r[0] for r in approved("all", period)
                    if VOLUNTEERS[r[0]][2] <= period.end and in_scope(scope, *VOLUNTEERS[r[0]][:2])})
    if key == "hours":
        return sum(r[2] for r in approved(scope, period))
    if key == "credit_hours":
        return sum(r[2] for r in approved(scope, period, "信用"))
    if key == "honour_hours":
        return sum(r[2] for r in approved(scope, period, "荣誉"))
    if key == "activities":
        return len(acts_in(scope, period))
    if key == "linked_activities":
        return sum(1 for a in acts_in(scope, period) if a.social_worker and a.volunteers)
    if key == "people_served":
        return sum(a.people for a in acts_in(scope, period))
    if key == "disputes":
        return len(cases_in(scope, period))
    if key == "disputes_resolved":
        return len(cases_in(scope, period, ("化解成功",)))
    if key == "disputes_concluded":
        return len(cases_in(scope, period, ("化解成功", "未化解")))
    if key == "money":
        return sum(d[3] for d in donations_in(scope, period, True))
    if key == "in_kind":
        return sum(d[3] for d in donations_in(scope, period, False))
    if key == "active_rate":
        registered = expected("volunteers", scope, period)
        return None if registered == 0 else expected("active_volunteers", scope, period) / registered
    if key == "dispute_success_rate":
        resolved = expected("disputes_resolved", scope, period)
        unresolved = len(cases_in(scope, period, ("未化解",)))
        return None if resolved + unresolved == 0 else resolved / (resolved + unresolved)
    raise KeyError(key)


# ------------------------------------------------------------------------------------------------ fixture


@dataclass
class Data:
    engine: object
    streets: dict[str, int]
    communities: dict[str, int]
    volunteers: dict[str, int]
    activities: dict[str, int]

    def scope(self, name: str) -> Scope:
        if name == "all":
            return ALL
        if name.startswith("street"):
            return Scope(street_id=self.streets["S" + name[-1]])
        return Scope(community_id=self.communities[name[-1].upper()])


@pytest.fixture(scope="module")
def data(databases) -> Data:
    engine = databases.new()
    upgrade(engine)
    with session_scope(engine, write=True) as s:
        streets = {"S1": make_street(s, "薛家岛街道"), "S2": make_street(s, "乔司街道")}
        communities = {k: make_community(s, streets[COMMUNITY_STREET[k]], f"社区{k}") for k in COMMUNITY_STREET}
        projects = {k: make_project(s, st) for k, st in streets.items()}
        workers = {k: make_social_worker(s, st) for k, st in streets.items()}
        volunteers = {}
        for key, (street, community, registered) in VOLUNTEERS.items():
            volunteers[key] = make_volunteers(s, streets[street], communities.get(community), 1, registered,
                                              names=[f"志愿者{key}"])[0].id
        admin = make_user(s, "admin")
    activities = {}
    for a in ACTS:
        street = COMMUNITY_STREET[a.community]
        form = ActivityInput(
            activity_date=a.day, start_time=a.start, end_time=a.end, title=f"活动{a.key}", type="联动服务",
            community_id=communities[a.community].id, project_id=projects[street].id,
            actors={"with_social_worker"} if a.social_worker == "ticked" else {"with_community"},
            lead_social_worker_id=workers[street].id if a.social_worker == "lead" else None,
            people_served=a.people, volunteers=[VolunteerHours(volunteers[v], h) for v, h in a.volunteers],
        )
        with session_scope(engine, write=True) as s:
            activities[a.key] = create_activity(session=s, user=admin, data=form, idempotency_key=uuid.uuid4().hex,
                                                today=D(2025, 12, 31))
    with session_scope(engine, write=True) as s:
        for act_key, volunteer, hours, kind, status in EXTRA_RECORDS:
            make_record(s, s.get(Activity, activities[act_key]), s.get(Volunteer, volunteers[volunteer]), hours,
                        kind=kind, status=status)
        for community, received, outcome in CASES:
            make_case(s, communities[community], received, outcome)
        for street, community, day, amount, money in DONATIONS:
            make_donation(s, streets[street], communities.get(community), day, amount, money)
    return Data(engine, {k: v.id for k, v in streets.items()}, {k: v.id for k, v in communities.items()},
                volunteers, activities)


def value(data: Data, key: str, scope: str, period: str):
    with session_scope(data.engine) as session:
        return figures.value(session, key, data.scope(scope), PERIODS[period])


def records(data: Data, key: str, scope: str, period: str):
    with session_scope(data.engine) as session:
        return figures.records(session, key, data.scope(scope), PERIODS[period])


def close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a == pytest.approx(b, abs=1e-9)


# -------------------------------------------------------------------------------------------------- tests


def test_data_set_covers_every_kpi():
    # The data set is only a test if each figure is non-zero somewhere and differs between scopes.
    for key in [*figures.FLOW_FIGURES, *figures.RATES]:
        seen = {expected(key, s, PERIODS[p]) for s in SCOPES for p in PERIODS}
        assert len(seen - {None, 0}) >= 2, key


@pytest.mark.parametrize("key", list(figures.FLOW_FIGURES))
def test_kpi_equals_independent_computation(data, key):
    wrong = {}
    for scope in SCOPES:
        for period in PERIODS:
            got, want = value(data, key, scope, period), expected(key, scope, PERIODS[period])
            if not close(got, want):
                wrong[(scope, period)] = (got, want)
    assert wrong == {}, "(scope, period): (db.kpi, expected)"


@pytest.mark.parametrize("key", list(figures.RATES))
def test_rate_equals_independent_computation(data, key):
    wrong = {}
    for scope in SCOPES:
        for period in PERIODS:
            got, want = value(data, key, scope, period), expected(key, scope, PERIODS[period])
            if not close(got, want):
                wrong[(scope, period)] = (got, want)
    assert wrong == {}


@pytest.mark.parametrize("key", list(figures.FLOW_FIGURES))
def test_drilldown_total_equals_tile(data, key):
    kpi = figures.FIGURES[key]
    wrong = {}
    for scope in SCOPES:
        for period in PERIODS:
            df = records(data, key, scope, period)
            if kpi.distinct_on:
                total = df[kpi.distinct_on].nunique()
            elif kpi.measure:
                total = float(df[kpi.measure].sum())
            else:
                total = len(df)
            tile = value(data, key, scope, period)
            if not close(total, tile):
                wrong[(scope, period)] = (tile, total)
    assert wrong == {}


def test_kpi_values_agree_with_kpi_value(data):
    keys = [*figures.FLOW_FIGURES, *figures.RATES]
    for scope in ("all", "community_a", "community_b"):
        with session_scope(data.engine) as session:
            batch = figures.values(session, keys, data.scope(scope), PERIODS["month"])
        for key in keys:
            assert close(batch[key], value(data, key, scope, "month")), (scope, key)


def test_activity_drilldown_lists_exactly_the_activities_of_the_period(data):
    df = records(data, "activities", "community_a", "month")
    assert set(df["activity_id"]) == {data.activities["act6"], data.activities["act7"]}
    assert set(df["community"]) == {"社区A"}


def test_activities_at_the_edges_of_the_period_are_counted_once(data):
    # 本月 = 1–20 June: 00:00 on the 1st and 23:00 on the 20th are in; 23:00 on 31 May and the 21st are out.
    ids = set(records(data, "activities", "all", "month")["activity_id"])
    assert {data.activities["act6"], data.activities["act7"]} <= ids
    assert not {data.activities["act5"], data.activities["act10"]} & ids


def test_linked_activities_need_both_a_social_worker_and_volunteers(data):
    # 15–16 April in A: one activity with volunteers only, one with a social worker only.
    with session_scope(data.engine) as session:
        period = Period(D(2025, 4, 15), D(2025, 4, 16))
        scope = data.scope("community_a")
        assert figures.value(session, "activities", scope, period) == 2
        assert figures.value(session, "linked_activities", scope, period) == 0
    # June in B: act8 has volunteers but no social worker; act12 has the social-worker actor and a volunteer.
    linked = records(data, "linked_activities", "community_b", "month")
    assert list(linked["activity_id"]) == [data.activities["act12"]]


def test_active_volunteers_exclude_pending_and_rejected_records(data):
    # June: A's registered volunteers a1, a2 (荣誉), a3 have approved records; c2 is only pending, s1 only rejected.
    assert value(data, "active_volunteers", "community_a", "month") == 3
    df = records(data, "active_volunteers", "community_a", "month")
    ids = set(df["volunteer_id"])
    assert data.volunteers["c2"] not in ids and data.volunteers["s1"] not in ids
    assert data.volunteers["a2"] in ids  # 荣誉 hours count as service


def test_active_volunteers_count_each_volunteer_once(data):
    # a1 served three times in 2025 up to 20 June, in two communities.
    assert len(records(data, "active_volunteers", "street1", "year").query(
        f"volunteer_id == {data.volunteers['a1']}")) >= 3
    assert value(data, "active_volunteers", "street1", "year") == len(
        set(records(data, "active_volunteers", "street1", "year")["volunteer_id"]))


def test_hours_split_into_credit_and_honour(data):
    for scope in SCOPES:
        for period in PERIODS:
            total = value(data, "hours", scope, period)
            parts = value(data, "credit_hours", scope, period) + value(data, "honour_hours", scope, period)
            assert close(total, parts), (scope, period)


def test_dispute_success_rate_ignores_cases_in_progress(data):
    # June in A: 化解成功 1, 未化解 1, 处理中 1 → 1 ÷ (1 + 1), not 1 ÷ 3.
    assert value(data, "dispute_success_rate", "community_a", "month") == pytest.approx(0.5)


def test_rate_with_zero_denominator_is_none_and_shows_a_dash(data):
    # June in B: the only case is still 处理中; in 2024 B had no registered volunteer yet (s1 has no community).
    assert value(data, "dispute_success_rate", "community_b", "month") is None
    assert value(data, "active_rate", "community_b", "last_year") is None
    assert figures.format_rate(value(data, "dispute_success_rate", "community_b", "month")) == "—"


def test_period_without_any_data_gives_zeros_and_no_rates(data):
    empty = Period(D(2001, 1, 1), D(2001, 12, 31))
    with session_scope(data.engine) as session:
        got = figures.values(session, [*figures.FLOW_FIGURES, *figures.RATES], ALL, empty)
    assert {k: got[k] for k in figures.FLOW_FIGURES} == dict.fromkeys(figures.FLOW_FIGURES, 0)
    assert {k: got[k] for k in figures.RATES} == dict.fromkeys(figures.RATES)
    assert {figures.format_rate(got[k]) for k in figures.RATES} == {"—"}


def test_active_rate_never_exceeds_one(data):
    """A share of registered volunteers cannot pass 100 %.

    In June three volunteers served in community B (a1, a2 from A, b1 from B), but B has one registered
    volunteer (b1). Counting the numerator by where volunteers served would show 300 %; both parts count
    volunteers where they are registered.
    """
    rate = value(data, "active_rate", "community_b", "month")
    assert rate is not None
    assert 0 <= rate <= 1


@pytest.mark.parametrize("rate, text", [(None, "—"), (0, "0.0%"), (0.5, "50.0%"), (0.98234, "98.2%"), (1, "100.0%")])
def test_format_rate(rate, text):
    assert figures.format_rate(rate) == text
