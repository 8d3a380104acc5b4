"""The monthly summaries (db/summaries.py: VolunteerMonth, FigureMonth) stay exactly what a full recomputation from
the raw rows gives, through a seeded random sequence of writes through the services: activity creates, edits (date,
place, project, volunteers, hours changed) and deletes, 荣誉 backfills and their reviews (approved or rejected),
donations, and activity imports. The recomputation here is independent of the summaries' SQL: plain Python over
the raw rows. SQLite and PostgreSQL.

SUMMARY_STEPS (default 30) sets the length of the sequence, SUMMARY_SEED its seed (default: three fixed seeds).
"""

from __future__ import annotations

import os
import random
import uuid
from collections import defaultdict
from datetime import date, time, timedelta

import pytest
from sqlalchemy import delete, distinct, func, insert, select, update

from db import figures, recompute
from db.activities.writes import activity_for_edit, create_activity, delete_activity, update_activity
from db.admin.backup import make_backup, restore_backup
from db.charity.writes import DonationInput, record_donation
from db.engine import session_scope
from db.figures import reads, summaries
from db.models import (
    ActiveCount,
    Activity,
    Community,
    Donation,
    FigureMonth,
    FigureYear,
    PlaceYear,
    ServiceRecord,
    Street,
    TeamMember,
    TeamSpan,
    Volunteer,
    VolunteerMonth,
    VolunteerSpan,
    VolunteerTotal,
)
from db.periods import Period, period_of
from db.recompute import SUM_COLS
from db.scope import ALL, Scope
from db.spans import ALL_TIME
from db.transfer.importers import run_import
from db.vocab import ACTOR_FIELDS
from db.volunteers.reads import BoardFilter, volunteer_board
from db.volunteers.writes import (
    BackfillInput,
    TeamInput,
    backfill_hours,
    create_team,
    review_records,
    update_volunteer,
    volunteer_for_edit,
)
from tests.factories import activity_input, hours, make_volunteers

TODAY = date(2025, 6, 30)
STEPS = int(os.environ.get("SUMMARY_STEPS", "30"))
SEEDS = [int(os.environ["SUMMARY_SEED"])] if "SUMMARY_SEED" in os.environ else [1, 2, 3]
DAYS = [date(2025, 3, 1) + timedelta(days=i) for i in range(121)]  # 2025-03-01 … 2025-06-29


def _month(day) -> date:
    return (day.date() if hasattr(day, "date") and callable(day.date) else day).replace(day=1)


def _r(x: float) -> float:
    return round(float(x), 6)


def recomputed(s) -> tuple[dict, dict]:
    """Both summaries from the raw rows, in Python: {key: values}."""
    vm: dict = defaultdict(lambda: [0.0, 0, set(), 0.0, 0, set()])
    fm: dict = defaultdict(lambda: [0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0, 0, set()])
    for r in s.execute(select(ServiceRecord).where(ServiceRecord.status == "approved")).scalars():
        place = (r.street_id, r.community_id, r.organization_id, r.project_id)
        v = vm[(_month(r.service_date), r.volunteer_id, *place)]
        v[0] += r.hours
        v[1] += 1
        v[2].add(r.activity_id)
        if r.kind == "信用":
            v[3] += r.hours
            v[4] += 1
            v[5].add(r.activity_id)
        f = fm[(_month(r.service_date), *place)]
        f[3] += 1
        f[4] += r.hours
        f[5 if r.kind == "信用" else 6] += r.hours
        if r.activity_id is not None:
            f[14].add(r.activity_id)
    for a in s.execute(select(Activity)).scalars():
        f = fm[(_month(a.starts_at), a.street_id, a.community_id, a.organization_id, a.project_id)]
        f[0] += 1
        f[1] += int(a.with_social_worker and a.with_volunteers)
        f[2] += a.people_served
        for i, actor in enumerate(ACTOR_FIELDS, start=9):
            f[i] += int(getattr(a, actor))
    for d in s.execute(select(Donation)).scalars():
        f = fm[(_month(d.donated_on), d.street_id, d.community_id, d.organization_id, d.project_id)]
        f[7 if d.is_money else 8] += d.amount_yuan
    volunteers = {k: (_r(v[0]), v[1], len(v[2]), _r(v[3]), v[4], len(v[5])) for k, v in vm.items()}
    figures = {k: tuple(_r(x) if isinstance(x, float) else len(x) if isinstance(x, set) else x for x in v)
               for k, v in fm.items() if any(v)}
    return volunteers, figures


def stored(s) -> tuple[dict, dict]:
    """Both summaries as kept, summed per key (a key may have several rows)."""
    vm: dict = defaultdict(lambda: [0.0, 0, 0, 0.0, 0, 0])
    for r in s.execute(select(VolunteerMonth)).scalars():
        v = vm[(r.month, r.volunteer_id, r.street_id, r.community_id, r.organization_id, r.project_id)]
        for i, x in enumerate((r.hours, r.records, r.activities, r.credit_hours, r.credit_records,
                               r.credit_activities)):
            v[i] += x
    fm: dict = defaultdict(lambda: [0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0, 0, 0])
    for r in s.execute(select(FigureMonth)).scalars():
        f = fm[(r.month, r.street_id, r.community_id, r.organization_id, r.project_id)]
        for i, x in enumerate((r.activities, r.linked_activities, r.people_served, r.records, r.hours,
                               r.credit_hours, r.honour_hours, r.money, r.in_kind,
                               *(getattr(r, actor) for actor in ACTOR_FIELDS), r.served_activities)):
            f[i] += x
    return ({k: tuple(_r(x) if isinstance(x, float) else x for x in v) for k, v in vm.items()},
            {k: tuple(_r(x) if isinstance(x, float) else x for x in v) for k, v in fm.items()
             if any(v)})


def recounted(s) -> dict:
    """The active counts from the raw rows, in Python: {(kind, start, project, street, community, organisation):
    distinct volunteers with an approved record in the span, at the place each is registered now}."""
    place = {v.id: (v.street_id, v.community_id or 0, v.organization_id or 0)
             for v in s.execute(select(Volunteer)).scalars()}
    seen: dict = defaultdict(set)
    for r in s.execute(select(ServiceRecord).where(ServiceRecord.status == "approved")).scalars():
        d = r.service_date
        for kind, start in (("M", date(d.year, d.month, 1)), ("Q", date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)),
                            ("Y", date(d.year, 1, 1)), ("A", ALL_TIME)):
            for project in (-1, r.project_id or 0):
                seen[(kind, start, project, *place[r.volunteer_id])].add(r.volunteer_id)
    return {k: len(v) for k, v in seen.items()}


def team_recount(s) -> dict:
    """The team spans from the raw rows, in Python: {(team, kind, start): (hours, records, activities, members)} over
    the approved records of each team's current members."""
    teams: dict = defaultdict(set)
    for m in s.execute(select(TeamMember)).scalars():
        teams[m.volunteer_id].add(m.team_id)
    spans: dict = defaultdict(lambda: [0.0, 0, set(), set()])
    for r in s.execute(select(ServiceRecord).where(ServiceRecord.status == "approved")).scalars():
        d = r.service_date
        for team in teams.get(r.volunteer_id, ()):
            for kind, start in (("M", date(d.year, d.month, 1)), ("Q", date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)),
                                ("Y", date(d.year, 1, 1)), ("A", ALL_TIME)):
                x = spans[(team, kind, start)]
                x[0] += r.hours
                x[1] += 1
                if r.activity_id is not None:
                    x[2].add(r.activity_id)
                x[3].add(r.volunteer_id)
    return {k: (_r(h), n, len(a), len(v)) for k, (h, n, a, v) in spans.items()}


def team_spans(s) -> dict:
    return {(t.team_id, t.kind, t.start): (_r(t.hours), t.records, t.activities, t.members)
            for t in s.execute(select(TeamSpan)).scalars()}


def active_counts(s) -> dict:
    return {(c.kind, c.start, c.project_id, c.street_id, c.community_id, c.organization_id): c.volunteers
            for c in s.execute(select(ActiveCount)).scalars()}


def assert_summaries_exact(engine) -> tuple[dict, dict]:
    with session_scope(engine) as s:
        expected = recomputed(s)
        got = stored(s)
        totals: dict = defaultdict(lambda: [0.0, 0])
        for (_m, v, *_place), x in expected[0].items():
            totals[v][0] += x[0]
            totals[v][1] += x[1]
        kept = {t.volunteer_id: (_r(t.hours), t.records) for t in s.execute(select(VolunteerTotal)).scalars()}
        spans: dict = defaultdict(lambda: [0.0, 0])
        for (m, v, *_place), x in expected[0].items():
            for key in ((v, "Y", date(m.year, 1, 1)), (v, "Q", date(m.year, 3 * ((m.month - 1) // 3) + 1, 1))):
                spans[key][0] += x[0]
                spans[key][1] += x[1]
        kept_spans = {(t.volunteer_id, t.kind, t.start): (_r(t.hours), t.records)
                      for t in s.execute(select(VolunteerSpan)).scalars()}
        first_days = {(t.volunteer_id, t.kind, t.start): t.first_day for t in s.execute(select(VolunteerSpan)).scalars()}
        firsts: dict = {}
        for r in s.execute(select(ServiceRecord).where(ServiceRecord.status == "approved")).scalars():
            d = r.service_date
            for key in ((r.volunteer_id, "Y", date(d.year, 1, 1)),
                        (r.volunteer_id, "Q", date(d.year, 3 * ((d.month - 1) // 3) + 1, 1))):
                firsts[key] = min(firsts.get(key, d), d)
        assert active_counts(s) == recounted(s)
        assert team_spans(s) == team_recount(s)
    assert kept == {v: (_r(h), n) for v, (h, n) in totals.items()}
    assert kept_spans == {k: (_r(h), n) for k, (h, n) in spans.items()}
    assert first_days == firsts
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    with session_scope(engine) as s:  # each year of a cell is the sum of its months
        years: dict = defaultdict(lambda: [0] * 15)
        for (m, *place), values in expected[1].items():
            for i, x in enumerate(values):
                years[(date(m.year, 1, 1), *place)][i] += x
        kept_years = {(r.year, r.street_id, r.community_id, r.organization_id, r.project_id):
                      tuple(_r(getattr(r, c)) for c in SUM_COLS) for r in s.execute(select(FigureYear)).scalars()}
        kept_places = {(r.year, r.street_id, r.community_id): tuple(_r(getattr(r, c)) for c in SUM_COLS)
                       for r in s.execute(select(PlaceYear)).scalars()}
    assert kept_years == {k: tuple(_r(x) for x in v) for k, v in years.items()}
    places: dict = defaultdict(lambda: [0] * 15)  # each place's year is the sum of its cells' years
    for (y, street, community, _org, _project), values in years.items():
        for i, x in enumerate(values):
            places[(y, street, community)][i] += x
    assert kept_places == {k: tuple(_r(x) for x in v) for k, v in places.items()}
    return expected


class Writer:
    """Random writes through the services of the shared world (street 1: communities A and B, project 1 in A)."""

    def __init__(self, engine, w, rng: random.Random, seed: int):
        self.engine, self.w, self.rng = engine, w, rng
        self.hour = 10 + 2 * (seed % 6)  # each seed its own two hours: the world is shared between seeds
        self.free_days = list(DAYS)
        rng.shuffle(self.free_days)
        self.activities: dict[int, date] = {}  # mine, with their day
        self.pending: list[int] = []
        with session_scope(engine, write=True) as s:  # names an import can find (digits are read as hours)
            names = [f"导入{'甲乙丙丁戊己庚辛'[seed % 8]}{x}" for x in "子丑寅"]
            self.importable = [v.id for v in make_volunteers(s, s.get(Street, w.street1), s.get(Community, w.community_a),
                                                              n=3, names=names)]
            self.names = dict(zip(self.importable, names, strict=True))
        self.teams = [self._run(create_team, user=w.staff_s1, idempotency_key=uuid.uuid4().hex, today=TODAY,
                                data=TeamInput(name=f"汇总测试队{seed}{i}", community_id=w.community_a))
                      for i in range(2)]

    def _form(self, day: date):
        rng, w = self.rng, self.w
        community = rng.choice([w.community_a, w.community_b])
        project = rng.choice([w.project1, None])
        chosen = rng.sample(w.volunteers, rng.randint(0, 5))
        actors = set(rng.sample(["with_community", "with_social_worker", "with_organization"], rng.randint(1, 2)))
        return activity_input(activity_date=day, start_time=time(self.hour), end_time=time(self.hour + 2),
                              community_id=community, project_id=project, actors=actors,
                              people_served=rng.randint(0, 300), unique_persons=None,
                              volunteers=hours(*((v, rng.choice([0.5, 1, 1.25, 1.5, 2])) for v in chosen)))

    def _run(self, fn, **kwargs):
        with session_scope(self.engine, write=True) as s:
            return fn(session=s, **kwargs)

    def create(self):
        day = self.free_days.pop()
        aid = self._run(create_activity, user=self.w.staff_s1, idempotency_key=uuid.uuid4().hex, today=TODAY,
                        data=self._form(day))
        self.activities[aid] = day

    def edit(self):
        aid = self.rng.choice(sorted(self.activities))
        with session_scope(self.engine) as s:
            _data, version = activity_for_edit(s, self.w.staff_s1, aid)
        day = self.activities[aid]
        if self.rng.random() < 0.5:  # moved to another day (often another month)
            self.free_days.append(day)
            day = self.free_days.pop(0)
        self._run(update_activity, user=self.w.staff_s1, activity_id=aid, expected_version=version,
                  data=self._form(day), today=TODAY)
        self.activities[aid] = day

    def delete(self):
        aid = self.rng.choice(sorted(self.activities))
        with session_scope(self.engine) as s:
            version = activity_for_edit(s, self.w.staff_s1, aid)[1]
        self._run(delete_activity, user=self.w.staff_s1, activity_id=aid, expected_version=version)
        self.free_days.append(self.activities.pop(aid))
        with session_scope(self.engine) as s:
            alive = set(s.execute(select(ServiceRecord.id).where(ServiceRecord.id.in_(self.pending))).scalars())
        self.pending = [r for r in self.pending if r in alive]

    def backfill(self):
        # staff_a (community A) enters 荣誉 hours for someone not yet on one of community A's activities.
        with session_scope(self.engine) as s:
            rows = s.execute(select(Activity.id).where(Activity.id.in_(list(self.activities)),
                                                       Activity.community_id == self.w.community_a)).scalars().all()
            if not rows:
                return
            aid = self.rng.choice(sorted(rows))
            taken = set(s.execute(select(ServiceRecord.volunteer_id).where(ServiceRecord.activity_id == aid)).scalars())
        free = [v for v in self.w.volunteers if v not in taken]
        if not free:
            return
        rid = self._run(backfill_hours, user=self.w.staff_a, idempotency_key=uuid.uuid4().hex,
                        data=BackfillInput(volunteer_id=self.rng.choice(free), activity_id=aid,
                                           hours=self.rng.choice([1, 1.75]), reason="现场未签到"))
        self.pending.append(rid)

    def review(self):
        if not self.pending:
            return
        picked = self.rng.sample(self.pending, self.rng.randint(1, len(self.pending)))
        with session_scope(self.engine) as s:
            versions = dict(s.execute(select(ServiceRecord.id, ServiceRecord.version)
                                      .where(ServiceRecord.id.in_(picked))).all())
        approve = self.rng.random() < 0.7
        self._run(review_records, user=self.w.staff_s1, records=versions, approve=approve,
                  reason="" if approve else "时长与签到不符")
        self.pending = [r for r in self.pending if r not in versions]

    def donate(self):
        rng = self.rng
        money = rng.random() < 0.6
        self._run(record_donation, user=self.w.staff_s1, idempotency_key=uuid.uuid4().hex, today=TODAY,
                  data=DonationInput(donor_name="爱心企业", donor_type="企业", is_money=money,
                                     amount_yuan=rng.choice([100, 250.5, 1000.25, 0.1]),
                                     donated_on=rng.choice(DAYS), community_id=rng.choice([self.w.community_a, None]),
                                     street_id=self.w.street1, project_id=rng.choice([self.w.project1, None]),
                                     items="" if money else "大米", quantity=None if money else 10))

    def import_activities(self):
        days = [self.free_days.pop() for _ in range(self.rng.randint(1, 2))]
        lines = ["活动日期,活动名称,活动类型,开始时间,结束时间,所属社区,参与主体,参与志愿者,每人时长,服务人次"]
        for i, day in enumerate(days):
            people = "、".join(self.names[v] for v in self.rng.sample(self.importable, 2))
            lines.append(f"{day:%Y-%m-%d},导入活动{uuid.uuid4().hex[:6]}{i},宣讲,{self.hour}:00,{self.hour + 2}:00,新港山路社区,社区,"
                         f"\"{people}\",1.5,{self.rng.randint(1, 90)}")
        result = run_import(self.engine, self.w.staff_s1, "activities", "\r\n".join(lines).encode("utf-8"),
                            "台账.csv", mode="valid_only", today=TODAY)
        assert [r.status for r in result.rows] == ["ok"] * len(days), [r.problems for r in result.rows]
        with session_scope(self.engine) as s:
            for aid, starts in s.execute(select(Activity.id, Activity.starts_at).where(
                    Activity.id.notin_(list(self.activities)), Activity.title.like("导入活动%"))).all():
                self.activities[aid] = starts.date()

    def move(self):
        # A volunteer registered in community A moves to B (or back): their active counts move with them. (The
        # names an import finds: the shared world's names hold digits, which the volunteer form refuses.)
        v = self.rng.choice(self.importable)
        with session_scope(self.engine) as s:
            data, version = volunteer_for_edit(s, self.w.staff_s1, v)
        data.community_id = self.w.community_b if data.community_id == self.w.community_a else self.w.community_a
        self._run(update_volunteer, user=self.w.staff_s1, volunteer_id=v, expected_version=version, data=data,
                  today=TODAY)

    def regroup(self):
        # Members join and leave teams: through the volunteer form (the ORM and its statements), or a statement
        # on the memberships of a volunteer of the shared world (whose names the form refuses).
        rng = self.rng
        if rng.random() < 0.5:
            v = rng.choice(self.importable)
            with session_scope(self.engine) as s:
                data, version = volunteer_for_edit(s, self.w.staff_s1, v)
            data.team_ids = rng.sample(self.teams, rng.randint(0, 2))
            self._run(update_volunteer, user=self.w.staff_s1, volunteer_id=v, expected_version=version, data=data,
                      today=TODAY)
            return
        v, team = rng.choice(self.w.volunteers), rng.choice(self.teams)
        with session_scope(self.engine, write=True) as s:
            member = TeamMember.volunteer_id == v, TeamMember.team_id == team
            if s.execute(select(TeamMember).where(*member)).first() is None:
                s.execute(insert(TeamMember), [{"team_id": team, "volunteer_id": v, "is_demo": False}])
            else:
                s.execute(delete(TeamMember).where(*member))

    def step(self):
        ops = [self.create, self.donate, self.import_activities, self.move, self.regroup]
        if self.activities:
            ops += [self.edit, self.delete, self.backfill, self.backfill, self.create]
        if self.pending:
            ops += [self.review, self.review]
        op = self.rng.choice(ops)
        op()
        return op.__name__


@pytest.mark.timeout(600)  # 3 seeds × 30 writes × 2 checks each on a loaded machine
@pytest.mark.parametrize("seed", SEEDS)
def test_summaries_equal_a_full_recomputation_after_random_writes(eng, w, seed):
    writer = Writer(eng, w, random.Random(seed), seed)
    done = defaultdict(int)
    for _ in range(STEPS):
        done[writer.step()] += 1
        assert_summaries_exact(eng)
    assert done["create"] + done["import_activities"] > 0
    volunteers, figures = assert_summaries_exact(eng)
    assert volunteers and figures  # the check compared something


def test_a_rolled_back_write_leaves_the_summaries_alone(eng, w):
    before = assert_summaries_exact(eng)
    with pytest.raises(RuntimeError), session_scope(eng, write=True) as s:
        create_activity(session=s, user=w.staff_s1, idempotency_key=uuid.uuid4().hex, today=TODAY,
                        data=activity_input(activity_date=date(2025, 1, 9), community_id=w.community_a,
                                            volunteers=hours((w.volunteers[0], 2))))
        raise RuntimeError("the page failed after the service")
    assert assert_summaries_exact(eng) == before


def test_an_edit_moving_an_activity_to_another_month_moves_its_figures(eng, w):
    v = w.volunteers[5]
    with session_scope(eng, write=True) as s:
        aid = create_activity(session=s, user=w.staff_s1, idempotency_key=uuid.uuid4().hex, today=TODAY,
                              data=activity_input(activity_date=date(2025, 1, 20), start_time=time(7, 0),
                                                  end_time=time(9, 0), community_id=w.community_b,
                                                  people_served=11, unique_persons=None,
                                                  volunteers=hours((v, 2))))
    _vm, fm = assert_summaries_exact(eng)
    jan = (date(2025, 1, 1), w.street1, w.community_b, None, None)
    assert fm[jan][0] >= 1
    jan_before = fm[jan]
    with session_scope(eng) as s:
        data, version = activity_for_edit(s, w.staff_s1, aid)
    data.activity_date = date(2025, 2, 3)
    with session_scope(eng, write=True) as s:
        update_activity(session=s, user=w.staff_s1, activity_id=aid, expected_version=version, data=data,
                        today=TODAY)
    vm, fm = assert_summaries_exact(eng)
    assert fm.get(jan, (0,) * 14)[:3] == (jan_before[0] - 1, jan_before[1], jan_before[2] - 11)
    assert vm[(date(2025, 2, 1), v, w.street1, w.community_b, None, None)][:3] >= (2.0, 1, 1)


def test_the_demo_data_has_its_summaries(demo_engine):
    volunteers, figures = assert_summaries_exact(demo_engine)
    assert len(volunteers) > 1000 and len(figures) > 100


def test_a_restore_rebuilds_the_summaries(eng, w, engine):
    with session_scope(eng, write=True) as s:
        create_activity(session=s, user=w.staff_s1, idempotency_key=uuid.uuid4().hex, today=TODAY,
                        data=activity_input(activity_date=date(2025, 1, 28), start_time=time(20), end_time=time(21),
                                            community_id=w.community_a, volunteers=hours((w.volunteers[1], 1))))
    with eng.begin() as conn:  # a summary row the raw rows do not explain (written outside any session)
        bogus = conn.execute(insert(FigureMonth).values(month=date(2020, 1, 1), street_id=w.street1, activities=5)
                             ).inserted_primary_key[0]
    backup = make_backup(eng)
    with eng.begin() as conn:
        conn.execute(delete(FigureMonth).where(FigureMonth.id == bogus))
    restore_backup(engine, backup)
    assert assert_summaries_exact(engine) == assert_summaries_exact(eng)


def raw_board(s, f: BoardFilter) -> dict[int, tuple[float, int]]:
    """Every volunteer's hours and distinct activities straight from the raw records (the board's definition)."""
    sr = ServiceRecord
    where = [sr.status == "approved", sr.service_date >= f.period.start, sr.service_date <= f.period.end,
             *f.scope.where(sr)]
    if f.credit_only:
        where.append(sr.kind == "信用")
    if f.project_id is not None:
        where.append(sr.project_id == f.project_id)
    rows = s.execute(select(sr.volunteer_id, func.sum(sr.hours), func.count(distinct(sr.activity_id)))
                     .where(*where).group_by(sr.volunteer_id)).all()
    return {v: (round(float(h), 2), int(n)) for v, h, n in rows}


@pytest.mark.parametrize("kind", ["year", "quarter", "all", "month", "custom"])
def test_the_board_from_summaries_equals_the_raw_records(demo_engine, kind):
    today = date(2026, 11, 28)
    period = period_of(kind, today, date(2025, 3, 17), date(2026, 2, 9)) if kind == "custom" else \
        period_of(kind, today)
    with session_scope(demo_engine) as s:
        street, community = s.execute(select(ServiceRecord.street_id, ServiceRecord.community_id)
                                      .where(ServiceRecord.community_id.is_not(None)).limit(1)).one()
        project = s.execute(select(ServiceRecord.project_id).where(ServiceRecord.project_id.is_not(None))
                            .limit(1)).scalar_one()
        ranked = set(s.execute(select(Volunteer.id).where(Volunteer.leaderboard_opt_out.is_(False),
                                                          Volunteer.is_staff.is_(False))).scalars())
        for f in (BoardFilter(ALL, period), BoardFilter(Scope(street_id=street), period, credit_only=True),
                  BoardFilter(Scope(street_id=street, community_id=community), period),
                  BoardFilter(ALL, period, project_id=project)):
            expected = {v: x for v, x in raw_board(s, f).items() if v in ranked}
            board = volunteer_board(s, f, "hours", limit=10**6)
            got = {int(v): (h, a) for v, h, a in zip(board["volunteer_id"], board["hours"], board["activities"],
                                                     strict=True)}
            assert got == expected
            assert kind == "month" or got  # the demo has records in every period but maybe this month's
            top = sorted(expected.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:50]
            assert list(volunteer_board(s, f, "hours", limit=50)["volunteer_id"]) == [v for v, _ in top]


def test_every_kind_of_statement_through_a_session_is_followed(eng, w):
    """A row added by the ORM, by insert().values(), changed by an ORM attribute and by update(), deleted by the
    ORM: each keeps the summaries exact (the services use several of these)."""
    day = date(2024, 7, 3)
    with session_scope(eng, write=True) as s:
        s.execute(insert(Donation).values(street_id=w.street1, community_id=w.community_b, donor_name="甲",
                                          donor_type="企业", amount_yuan=30.5, donated_on=day))
        orm = Donation(street_id=w.street1, donor_name="乙", donor_type="企业", amount_yuan=12.0, donated_on=day)
        s.add(orm)
    assert_summaries_exact(eng)
    with session_scope(eng, write=True) as s:
        row = s.get(Donation, orm.id)
        row.donated_on, row.amount_yuan = date(2024, 8, 9), 99.0  # another month: both months follow
    assert_summaries_exact(eng)
    with session_scope(eng, write=True) as s:
        s.execute(update(Donation).where(Donation.donor_name == "甲", Donation.donated_on == day)
                  .values(community_id=None, is_money=False))
    _vm, fm = assert_summaries_exact(eng)
    assert fm[(date(2024, 7, 1), w.street1, None, None, None)][7:9] == (0.0, 30.5)
    with session_scope(eng, write=True) as s:
        s.delete(s.get(Donation, orm.id))
    _vm, fm = assert_summaries_exact(eng)
    assert (date(2024, 8, 1), w.street1, None, None, None) not in fm


def test_an_import_with_a_refused_row_keeps_the_good_rows_summaries(eng, w):
    """Each imported row runs in its own savepoint: a refused row rolled back to its savepoint must not lose the
    summary keys of the rows written before it in the same transaction."""
    with session_scope(eng, write=True) as s:
        make_volunteers(s, s.get(Street, w.street1), s.get(Community, w.community_a), names=["存档丁"])
    # The second row is refused by the service itself (the same volunteer at the same time), inside its savepoint.
    lines = ["活动日期,活动名称,活动类型,开始时间,结束时间,所属社区,参与主体,服务人次,参与志愿者,每人时长",
             "2024-05-06,导入好行一,宣讲,09:00,10:00,新港山路社区,社区,17,存档丁,1",
             "2024-05-06,导入坏行,宣讲,09:00,10:00,新港山路社区,社区,5,存档丁,1",
             "2024-05-08,导入好行二,宣讲,09:00,10:00,新港山路社区,社区,23,存档丁,1"]
    before = assert_summaries_exact(eng)[1].get((date(2024, 5, 1), w.street1, w.community_a, None, None), (0,) * 14)
    result = run_import(eng, w.staff_s1, "activities", "\r\n".join(lines).encode("utf-8"), "台账.csv",
                        mode="valid_only", today=TODAY)
    assert [r.status for r in result.rows] == ["ok", "rejected", "ok"], [r.problems for r in result.rows]
    assert "同时参加两场活动" in result.rows[1].problems[0].reason
    after = assert_summaries_exact(eng)[1][(date(2024, 5, 1), w.street1, w.community_a, None, None)]
    assert (after[0] - before[0], after[2] - before[2]) == (2, 40)


@pytest.mark.parametrize("kind", ["year", "quarter", "all", "month", "custom"])
def test_figures_from_summaries_equal_their_record_sets(demo_engine, kind):
    """Every summed figure and active volunteers, as a value and per community / project, equal the aggregate of the
    figure's own record set (db.figures.records, read directly)."""
    today = date(2026, 11, 28)
    period = period_of(kind, today, date(2025, 3, 17), date(2026, 2, 9)) if kind == "custom" else \
        period_of(kind, today)
    with session_scope(demo_engine) as s:
        street = s.execute(select(Activity.street_id).limit(1)).scalar_one()
        for key in (*sorted(summaries.SUMMED), "active_volunteers"):
            for scope in (ALL, Scope(street_id=street)):
                def close(a, b):
                    def norm(d):  # a frame's NaN / float group is None / int
                        return {None if g is None or g != g else int(g): round(float(v), 4) for g, v in d.items() if v}
                    return norm(a) == norm(b)
                assert close({None: figures.value(s, key, scope, period)},
                             reads._raw_by_group(s, key, scope, period, None, None)), (key, scope)
                got = figures.grouped(s, key, scope, period, "community_id")
                assert close(dict(zip(got["community_id"], got[key], strict=True)),
                             reads._raw_by_group(s, key, scope, period, None, "community_id")), (key, scope)


def _same(s, key: str, scope: Scope, period: Period, by: str | None) -> None:
    """The figure per ``by`` (or its value) equals the aggregate of its own record set."""
    def norm(d):
        return {None if g is None or g != g else g if by == "month" else int(g): round(float(v), 4)
                for g, v in d.items() if v}
    if by is None:
        got = {None: figures.value(s, key, scope, period)}
    elif by == "month":
        got = reads._by_group(s, key, scope, period, None, by)
    else:
        frame = figures.grouped(s, key, scope, period, by)
        got = dict(zip(frame[by], frame[key], strict=True))
    assert norm(got) == norm(reads._raw_by_group(s, key, scope, period, None, by)), (key, scope, period, by)


def test_active_counts_answer_only_where_they_are_exact(eng, w):
    """The per-span counts hold every volunteer who served; the figure only those registered by the period's end
    and only records in the period. A volunteer registered after serving, and records after the period's end in
    the same span, make the counts step aside (the rows answer), and the figure stays its record set's."""
    with session_scope(eng, write=True) as s:  # 2019: a year no other test of the shared world writes in
        street, community = s.get(Street, w.street1), s.get(Community, w.community_b)
        late = make_volunteers(s, street, community, registered_on=date(2019, 5, 15), names=["晚登记"])[0].id
        early = [v.id for v in make_volunteers(s, street, community, n=3, registered_on=date(2019, 1, 1))]
    with session_scope(eng, write=True) as s:
        create_activity(session=s, user=w.staff_s1, idempotency_key=uuid.uuid4().hex, today=TODAY,
                        data=activity_input(activity_date=date(2019, 4, 10), start_time=time(6), end_time=time(7),
                                            community_id=w.community_b, project_id=w.project1,
                                            volunteers=hours((late, 1), (early[0], 1))))
        create_activity(session=s, user=w.staff_s1, idempotency_key=uuid.uuid4().hex, today=TODAY,
                        data=activity_input(activity_date=date(2019, 6, 20), start_time=time(6), end_time=time(7),
                                            community_id=w.community_b, volunteers=hours((early[1], 1))))
        create_activity(session=s, user=w.staff_s1, idempotency_key=uuid.uuid4().hex, today=TODAY,
                        data=activity_input(activity_date=date(2019, 11, 5), start_time=time(6), end_time=time(7),
                                            community_id=w.community_b, volunteers=hours((early[2], 1), (early[0], 1))))
    assert_summaries_exact(eng)
    april, quarter = Period(date(2019, 4, 1), date(2019, 4, 30), "month"), Period(date(2019, 4, 1), date(2019, 6, 30), "quarter")
    to_june, year = Period(date(2019, 4, 1), date(2019, 6, 10)), Period(date(2019, 1, 1), date(2019, 12, 31), "year")
    with session_scope(eng) as s:
        assert summaries.exact_span(s, april) is None  # 晚登记 served in April, registered in May
        assert summaries.exact_span(s, quarter) == ("Q", date(2019, 4, 1))
        assert summaries.exact_span(s, to_june) is None  # a record on 6-20 lies in the quarter after the period
        assert summaries.exact_span(s, year) == ("Y", date(2019, 1, 1))
        # A year's start to a day: from the first days — counted directly, or the year's count less those who
        # first served after the day (most of the year).
        to_may, to_sept = Period(date(2019, 1, 1), date(2019, 5, 31)), Period(date(2019, 1, 1), date(2019, 9, 30))
        assert summaries.exact_span(s, to_may) is None and summaries.exact_span(s, to_sept) is None
        to_april = Period(date(2019, 1, 1), date(2019, 4, 30))  # 晚登记 served in it, registered after it
        assert reads._by_group(s, "active_volunteers", ALL, to_april, None, None) == {None: 1}  # early[0]
        for period in (april, quarter, to_june, year, to_may, to_sept, to_april):
            for scope in (ALL, Scope(street_id=w.street1), Scope(community_id=w.community_b)):
                for by in (None, "community_id", "project_id", "month"):
                    _same(s, "active_volunteers", scope, period, by)
        q2 = figures.grouped(s, "active_volunteers", ALL, quarter, "project_id").set_index("project_id")
        raw = reads._raw_by_group(s, "active_volunteers", ALL, quarter, None, "project_id")
        assert q2.loc[w.project1, "active_volunteers"] == raw[w.project1] >= 2


def test_a_moved_volunteer_is_counted_where_they_are_registered(eng, w):
    with session_scope(eng, write=True) as s:  # 2018: a year no other test of the shared world writes in
        v = make_volunteers(s, s.get(Street, w.street1), s.get(Community, w.community_a),
                            registered_on=date(2018, 1, 1), names=["搬家者"])[0].id
    with session_scope(eng, write=True) as s:
        create_activity(session=s, user=w.staff_s1, idempotency_key=uuid.uuid4().hex, today=TODAY,
                        data=activity_input(activity_date=date(2018, 8, 3), start_time=time(6), end_time=time(7),
                                            community_id=w.community_a, volunteers=hours((v, 1))))
    year = Period(date(2018, 1, 1), date(2018, 12, 31), "year")

    def count(s, community):
        return figures.value(s, "active_volunteers", Scope(community_id=community), year)

    with session_scope(eng) as s:
        before = count(s, w.community_a), count(s, w.community_b)
        data, version = volunteer_for_edit(s, w.staff_s1, v)
    data.community_id = w.community_b
    with session_scope(eng, write=True) as s:
        update_volunteer(session=s, user=w.staff_s1, volunteer_id=v, expected_version=version, data=data, today=TODAY)
    assert_summaries_exact(eng)
    with session_scope(eng) as s:
        assert summaries.exact_span(s, year) == ("Y", date(2018, 1, 1))
        assert (count(s, w.community_a), count(s, w.community_b)) == (before[0] - 1, before[1] + 1)
        _same(s, "active_volunteers", Scope(street_id=w.street1), year, "community_id")


@pytest.mark.timeout(600)
def test_the_upgrade_from_0009_fills_the_new_summaries_exactly(engine):
    """A database at revision 0009 with its summaries (the demo, taken back to 0009) upgrades to summaries equal to a
    full recomputation: the active counts, the first days, the actors' activities and the years."""
    from alembic import command

    from db.demo import load_demo
    from db.migrate import alembic_config, upgrade

    load_demo(engine)
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009")
        conn.commit()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(FigureMonth.__table__)).scalar_one() > 100
    upgrade(engine)
    with engine.connect() as conn:
        assert recompute.in_step(conn)
        assert conn.execute(select(func.count()).select_from(ActiveCount.__table__)).scalar_one() > 100
    assert_summaries_exact(engine)


def test_a_years_row_less_its_months_is_exactly_the_months(demo_engine):
    """``summaries.sources``: for windows of whole months across years — 本年 to date, a year less a month at either
    end, 累计, windows inside one year and across three — the signed sums of the rows it names equal the sums of
    the months' own rows, for every summed column and per community (a community whose rows lie only in the months
    taken off is left out, as if its months had been added)."""
    starts = [date(2024, 1, 1), date(2024, 2, 1), date(2024, 4, 1), date(2025, 1, 1), date(2025, 3, 1),
              date(2025, 11, 1), date(2026, 1, 1), date(2026, 2, 1)]
    ends = [date(2025, 1, 1), date(2025, 10, 1), date(2025, 12, 1), date(2026, 4, 1), date(2026, 10, 1),
            date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]
    cols = [FigureMonth.__table__.c[k] for k in summaries._SUMMED]
    subtracted = 0
    with session_scope(demo_engine) as s:
        for first in starts:
            for after in ends:
                if first >= after:
                    continue
                expected = {g: dict(zip(summaries._SUMMED, (_r(v) for v in vs), strict=True)) for g, *vs in s.execute(
                    select(FigureMonth.community_id, *(func.sum(c) for c in cols))
                    .where(*summaries.in_months(FigureMonth, (first, after))).group_by(FigureMonth.community_id))}
                expected = {g: vs for g, vs in expected.items() if any(vs.values())}
                terms = summaries.sources(s, (first, after))
                subtracted += any(sign < 0 for *_, sign in terms)
                got = summaries._summed_all(s, ALL, (first, after), None, "community_id")
                assert {g: {k: _r(v) for k, v in vs.items()} for g, vs in got.items()} == expected, (first, after)
                total = summaries._summed_all(s, ALL, (first, after), None, None)[None]
                assert {k: _r(v) for k, v in total.items()} == {
                    k: _r(sum(vs[k] for vs in expected.values())) for k in summaries._SUMMED}, (first, after)
        # 本年 to the demo's day (2026-11-28): the year's row less November and December, not ten months' rows
        assert [(m.__name__, sign) for m, _w, sign in summaries.sources(s, (date(2026, 1, 1), date(2026, 11, 1)))] \
            == [("FigureYear", 1), ("FigureMonth", -1)]
    assert subtracted > 10


def test_a_community_only_in_the_months_taken_off_is_left_out(eng, w):
    """A year's row less its last month: cents leave no residue, and a community whose only rows lie in that month is
    not listed with zeros (2013: a year no other test writes)."""
    rows = [(w.community_a, date(2013, 3, 5), 10.1), (w.community_a, date(2013, 12, 5), 0.2),
            (w.community_b, date(2013, 12, 9), 7.3)]
    with session_scope(eng, write=True) as s:
        ids = [s.execute(insert(Donation).values(street_id=w.street1, community_id=c, donor_name="存档", donor_type="企业",
                                                 amount_yuan=x, donated_on=d).returning(Donation.id)).scalar_one()
               for c, d, x in rows]
    try:
        with session_scope(eng) as s:
            whole = (date(2013, 1, 1), date(2013, 12, 1))
            assert [sign for *_, sign in summaries.sources(s, whole)] == [1, -1]
            got = summaries._summed_all(s, Scope(street_id=w.street1), whole, None, "community_id")
            assert set(got) == {w.community_a}
            assert got[w.community_a]["money"] == 10.1
            total = summaries._summed_all(s, Scope(street_id=w.street1), whole, None, None)[None]
            assert total["money"] == 10.1
    finally:
        with session_scope(eng, write=True) as s:
            s.execute(delete(Donation).where(Donation.id.in_(ids)))
    assert_summaries_exact(eng)


def test_the_month_to_date_is_its_row_only_when_nothing_is_dated_after(eng, w):
    """``summaries.split`` with a session: a month held from its first day to a day in it is read whole from the
    summaries when no record, activity or donation is dated after that day in the month, and from the raw rows
    when one is; the figure is the same days' either way (2012: a year no other test writes)."""
    period = Period(date(2012, 5, 1), date(2012, 5, 10))
    with session_scope(eng, write=True) as s:
        ids = [s.execute(insert(Donation).values(street_id=w.street1, community_id=w.community_a, donor_name="存档",
                                                 donor_type="企业", amount_yuan=x, donated_on=d).returning(Donation.id))
               .scalar_one() for d, x in ((date(2012, 5, 3), 12.5), (date(2012, 5, 25), 40.0))]
    try:
        with session_scope(eng) as s:
            assert summaries.split(period, s).whole is None  # the donation of the 25th: raw rows
            assert summaries.split(period, s, figures=False).whole == (date(2012, 5, 1), date(2012, 6, 1))
            assert figures.value(s, "money", Scope(street_id=w.street1), period) == 12.5
        with session_scope(eng, write=True) as s:
            s.execute(delete(Donation).where(Donation.id == ids[1]))
        with session_scope(eng) as s:
            parts = summaries.split(period, s)
            assert parts.whole == (date(2012, 5, 1), date(2012, 6, 1)) and parts.partial == ()
            assert figures.value(s, "money", Scope(street_id=w.street1), period) == 12.5
            assert summaries.split(period).partial == (period,)  # without a session: as before
    finally:
        with session_scope(eng, write=True) as s:
            s.execute(delete(Donation).where(Donation.id.in_(ids)))


def test_a_partial_month_is_its_row_less_the_fewer_days_outside(eng, w):
    """``split(subtract=True)``: a partial month with fewer days outside the period than inside it is its month's
    row less the raw rows of those days — at either end of the period; the sums are the period's own (no residue of
    cents, no community listed for rows only in the days taken off). 2011: a year no other test writes."""
    rows = [(w.community_a, date(2011, 6, 3), 7.7), (w.community_a, date(2011, 6, 6), 10.1),
            (w.community_a, date(2011, 6, 28), 0.2), (w.community_b, date(2011, 6, 29), 5.0)]
    with session_scope(eng, write=True) as s:
        ids = [s.execute(insert(Donation).values(street_id=w.street1, community_id=c, donor_name="存档", donor_type="企业",
                                                 amount_yuan=x, donated_on=d).returning(Donation.id)).scalar_one()
               for c, d, x in rows]
    street = Scope(street_id=w.street1)
    try:
        with session_scope(eng) as s:
            tail = Period(date(2011, 6, 1), date(2011, 6, 25))
            parts = summaries.split(tail, s, subtract=True)
            assert parts.whole == (date(2011, 6, 1), date(2011, 7, 1)) and parts.partial == ()
            assert parts.less == (Period(date(2011, 6, 26), date(2011, 6, 30)),)
            assert figures.value(s, "money", street, tail) == 17.8
            by_place = figures.grouped(s, "money", street, tail, "community_id")
            assert dict(zip(by_place["community_id"], by_place["money"], strict=True)) == {w.community_a: 17.8}
            head = Period(date(2011, 6, 5), date(2011, 7, 31))
            parts = summaries.split(head, s, subtract=True)
            assert parts.whole == (date(2011, 6, 1), date(2011, 8, 1))
            assert parts.less == (Period(date(2011, 6, 1), date(2011, 6, 4)),)
            assert figures.value(s, "money", street, head) == 15.3
            to_the_end = Period(date(2011, 6, 5), date(2011, 6, 30))  # no whole month: June less its first days
            assert summaries.split(to_the_end, s, subtract=True) == summaries.Split(
                (date(2011, 6, 1), date(2011, 7, 1)), (), (Period(date(2011, 6, 1), date(2011, 6, 4)),))
            assert figures.value(s, "money", street, to_the_end) == 15.3
            short = Period(date(2011, 6, 1), date(2011, 6, 10))  # 20 days outside, 10 inside: the raw rows
            assert summaries.split(short, s, subtract=True).partial == (short,)
            assert figures.value(s, "money", street, short) == 17.8
    finally:
        with session_scope(eng, write=True) as s:
            s.execute(delete(Donation).where(Donation.id.in_(ids)))
