"""Volunteer reads (db.volunteers): every leaderboard equals a second, independent computation from the raw
service records (plain Python over every row); masking, opt-out and staff exclusion (rankings vs totals);
信用-only; ties; active volunteers; a volunteer's record and certificate. SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from db import figures
from db.engine import session_scope
from db.errors import NotFound, PermissionDenied, ValidationFailed
from db.migrate import upgrade
from db.models import Activity, ServiceRecord, TeamMember, Volunteer, VolunteerTeam
from db.periods import Period, period_of
from db.privacy import mask_name
from db.scope import ALL, Scope
from db.volunteers import reads as vol
from tests.conftest import DEMO_TODAY
from tests.factories import make_community, make_project, make_street, make_user

TODAY = date(2025, 6, 30)
HOURS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.3, 0.7, 1.2)


class Data:
    """Ids of the generated data set (module-scoped, read-only)."""

    street1: int
    street2: int
    community_a: int
    community_b: int
    community_c: int
    project1: int
    project2: int
    team1: int
    team2: int
    opted_out: list[int]
    staff: list[int]
    volunteers: list[int]
    staff_user: object
    leader: object
    admin: object


def _generate(engine) -> Data:
    """Two streets, three communities, two projects, two teams, 40 volunteers (some opted out, some staff),
    300 activities from 2024-01-01 to TODAY with 1–8 volunteers each; kinds 信用/荣誉 and statuses mixed."""
    r = random.Random(4)
    d = Data()
    surnames, given = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊军洋"
    with session_scope(engine, write=True) as s:
        s1, s2 = make_street(s, "榜单街道一"), make_street(s, "榜单街道二")
        a, b, c = make_community(s, s1, "甲社区"), make_community(s, s1, "乙社区"), make_community(s, s2, "丙村")
        p1, p2 = make_project(s, s1, a, "榜单项目一"), make_project(s, s2, None, "榜单项目二")
        t1 = VolunteerTeam(name="榜单一队", street_id=s1.id, community_id=a.id)
        t2 = VolunteerTeam(name="榜单二队", street_id=s2.id, community_id=c.id)
        s.add_all([t1, t2])
        s.flush()
        vols = []
        for i in range(40):
            comm = (a, b, c)[i % 3]
            name = r.choice(surnames) + "".join(r.choice(given) for _ in range(r.choice((1, 2, 3))))
            v = Volunteer(name=name, street_id=comm.street_id, community_id=comm.id,
                          registered_on=date(2023, 1, 1) + timedelta(days=r.randint(0, 500)),
                          leaderboard_opt_out=i in (3, 7, 11), is_staff=i in (4, 8))
            vols.append(v)
        s.add_all(vols)
        s.flush()
        for v in vols[:15]:
            s.add(TeamMember(team_id=t1.id, volunteer_id=v.id))
        for v in vols[10:30]:  # 10–14 are in both teams
            s.add(TeamMember(team_id=t2.id, volunteer_id=v.id))
        day0 = date(2024, 1, 1)
        for _ in range(300):
            comm = r.choice((a, b, c))
            day = day0 + timedelta(days=r.randint(0, (TODAY - day0).days))
            start = datetime.combine(day, time(r.choice((8, 9, 14, 19))))
            project = p1 if comm is a and r.random() < 0.5 else (p2 if comm is c and r.random() < 0.5 else None)
            act = Activity(street_id=comm.street_id, community_id=comm.id, project_id=project.id if project else None,
                           title="榜单测试活动", type="联动服务", starts_at=start, ends_at=start + timedelta(hours=3))
            s.add(act)
            s.flush()
            for v in r.sample(vols, r.randint(1, 8)):
                kind = "荣誉" if r.random() < 0.15 else "信用"
                status = r.choices(("approved", "pending", "rejected"), (85, 10, 5))[0]
                s.add(ServiceRecord(volunteer_id=v.id, activity_id=act.id, hours=r.choice(HOURS), kind=kind,
                                    status=status, service_date=day, street_id=act.street_id,
                                    community_id=act.community_id, organization_id=None, project_id=act.project_id))
                if kind == "信用" and r.random() < 0.03:  # now and then the same activity also has 荣誉 hours
                    s.add(ServiceRecord(volunteer_id=v.id, activity_id=act.id, hours=0.5, kind="荣誉",
                                        status="approved", service_date=day, street_id=act.street_id,
                                        community_id=act.community_id, project_id=act.project_id))
        d.street1, d.street2 = s1.id, s2.id
        d.community_a, d.community_b, d.community_c = a.id, b.id, c.id
        d.project1, d.project2, d.team1, d.team2 = p1.id, p2.id, t1.id, t2.id
        d.volunteers = [v.id for v in vols]
        d.opted_out = [vols[i].id for i in (3, 7, 11)]
        d.staff = [vols[i].id for i in (4, 8)]
        d.staff_user = make_user(s, "staff", "community", a.id)
        d.leader = make_user(s, "leader")
        d.admin = make_user(s, "admin")
    return d


@pytest.fixture(scope="module")
def world(databases):
    engine = databases.new()
    upgrade(engine)
    return engine, _generate(engine)


# ------------------------------------------------------------------------ the independent computation


def _raw(engine):
    """Every service record, volunteer flag and team membership as plain Python values."""
    with session_scope(engine) as s:
        records = [dict(row._mapping) for row in s.execute(select(ServiceRecord.__table__))]
        flags = {row.id: (row.leaderboard_opt_out or row.is_staff)
                 for row in s.execute(select(Volunteer.id, Volunteer.leaderboard_opt_out, Volunteer.is_staff))}
        members = defaultdict(set)
        for row in s.execute(select(TeamMember.team_id, TeamMember.volunteer_id)):
            members[row.team_id].add(row.volunteer_id)
    return records, flags, members


def _kept(raw, f: vol.BoardFilter, team: bool = True):
    records, _flags, members = raw
    out = []
    for rec in records:
        if rec["status"] != "approved" or not f.period.start <= rec["service_date"] <= f.period.end:
            continue
        if any(want is not None and rec[col] != want for col, want in (
                ("street_id", f.scope.street_id), ("community_id", f.scope.community_id),
                ("organization_id", f.scope.organization_id), ("project_id", f.project_id))):
            continue
        if f.credit_only and rec["kind"] != "信用":
            continue
        if team and f.team_id is not None and rec["volunteer_id"] not in members[f.team_id]:
            continue
        out.append(rec)
    return out


def _ranked(per: dict[int, tuple[float, int]], metric: str, limit: int) -> list[tuple]:
    """[(rank, id, hours, activities)]: value desc, the other desc, id asc; rank = 1 + how many are greater."""
    items = [(k, round(h, 2), n) for k, (h, n) in per.items()]
    value = (lambda x: x[1]) if metric == "hours" else (lambda x: x[2])
    other = (lambda x: x[2]) if metric == "hours" else (lambda x: x[1])
    items.sort(key=lambda x: (-value(x), -other(x), x[0]))
    out = []
    for k, h, n in items[:limit]:
        rank = 1 + sum(1 for y in items if value(y) > value((k, h, n)))
        out.append((rank, k, h, n))
    return out


def expected_volunteers(raw, f, metric, limit=50):
    _records, flags, _members = raw
    hours, acts = defaultdict(float), defaultdict(set)
    for rec in _kept(raw, f):
        hours[rec["volunteer_id"]] += rec["hours"]
        acts[rec["volunteer_id"]].add(rec["activity_id"])
    per = {v: (hours[v], len(acts[v])) for v in hours if not flags[v]}
    return _ranked(per, metric, limit)


def expected_teams(raw, f, metric, limit=50):
    _records, _flags, members = raw
    hours, acts = defaultdict(float), defaultdict(set)
    for rec in _kept(raw, f, team=False):
        for team, who in members.items():
            if rec["volunteer_id"] in who and (f.team_id is None or team == f.team_id):
                hours[team] += rec["hours"]
                acts[team].add(rec["activity_id"])
    return _ranked({t: (hours[t], len(acts[t])) for t in hours}, metric, limit)


def expected_totals(raw, f):
    _records, flags, _members = raw
    kept = _kept(raw, f)
    vols = {r["volunteer_id"] for r in kept}
    return (round(sum(r["hours"] for r in kept), 2), len(kept), len(vols), len({r["activity_id"] for r in kept}),
            sum(1 for v in vols if flags[v]))


def as_tuples(df, id_col):
    return [(int(r["rank"]), int(r[id_col]), round(float(r["hours"]), 2), int(r["activities"]))
            for _, r in df.iterrows()]


PERIODS = {
    "month": period_of("month", TODAY), "quarter": period_of("quarter", TODAY), "year": period_of("year", TODAY),
    "all": period_of("all", TODAY), "custom": period_of("custom", TODAY, date(2024, 3, 15), date(2024, 9, 10)),
}


@pytest.mark.parametrize("period_kind", list(PERIODS))
def test_boards_equal_an_independent_computation(world, period_kind):
    engine, d = world
    raw = _raw(engine)
    period = PERIODS[period_kind]
    scopes = (ALL, Scope(street_id=d.street1), Scope(community_id=d.community_a), Scope(community_id=d.community_c))
    checked = 0
    with session_scope(engine) as s:
        for scope in scopes:
            for team_id, project_id, credit_only in ((None, None, False), (None, None, True), (d.team1, None, False),
                                                     (d.team2, None, True), (None, d.project1, False),
                                                     (None, d.project2, True)):
                f = vol.BoardFilter(scope, period, team_id, project_id, credit_only)
                for metric in ("hours", "activities"):
                    for limit in (50, 7):
                        where = f"{scope} team={team_id} project={project_id} credit={credit_only} {metric} {limit}"
                        got = as_tuples(vol.volunteer_board(s, f, metric, limit), "volunteer_id")
                        assert got == expected_volunteers(raw, f, metric, limit), where
                        got = as_tuples(vol.team_board(s, f, metric, limit), "team_id")
                        assert got == expected_teams(raw, f, metric, limit), where
                        checked += 1
                t = vol.board_totals(s, f)
                assert (t.hours, t.records, t.volunteers, t.activities, t.unranked_volunteers) == \
                    expected_totals(raw, f), f"{scope} {team_id} {project_id} {credit_only}"
    assert checked == 4 * 6 * 2 * 2


def test_the_whole_history_has_ties_and_a_full_board(world):
    """The data set really exercises the rules: shared ranks in both measures, more volunteers than the cut."""
    engine, _d = world
    with session_scope(engine) as s:
        f = vol.BoardFilter(ALL, PERIODS["all"])
        by_count = vol.volunteer_board(s, f, "activities", 50)
        by_hours = vol.volunteer_board(s, f, "hours", 7)
    assert by_count["rank"].duplicated().any()
    assert len(by_hours) == 7


def test_top_candidates_hold_unranked_volunteers_and_the_board_leaves_them_out(world):
    """A board of everyone by hours reads only the volunteers near its top from the spans' index (totals.
    _top_candidates), opted-out and staff volunteers included; the board still ranks only the others."""
    from db.volunteers import totals

    engine, _d = world
    raw = _raw(engine)
    flags = raw[1]
    f = vol.BoardFilter(ALL, PERIODS["all"])
    hours = defaultdict(float)
    for rec in _kept(raw, f):
        hours[rec["volunteer_id"]] += rec["hours"]
    unranked = max((v for v in hours if flags[v]), key=hours.get)
    # The limit that puts the cut just below that volunteer: one more than the ranked ones above them.
    top = 1 + sum(1 for v, h in hours.items() if not flags[v] and h > hours[unranked])
    with session_scope(engine) as s:
        assert unranked in totals._top_candidates(s, f, top)
        got = as_tuples(vol.volunteer_board(s, f, "hours", top), "volunteer_id")
    assert got == expected_volunteers(raw, f, "hours", top)
    assert unranked not in {row[1] for row in got}


def test_competition_ranking_with_secondary_order(world):
    """Equal values share a rank and the next rank skips (1, 2, 2, 4); within a tie the other measure, then the
    id, decide the order."""
    engine, _d = world
    with session_scope(engine) as s:
        board = vol.volunteer_board(s, vol.BoardFilter(ALL, PERIODS["all"]), "activities", 50)
    for i in range(1, len(board)):
        prev, row = board.iloc[i - 1], board.iloc[i]
        if row["activities"] == prev["activities"]:
            assert row["rank"] == prev["rank"]
            assert (row["hours"], -row["volunteer_id"]) <= (prev["hours"], -prev["volunteer_id"])
        else:
            assert row["activities"] < prev["activities"] and row["rank"] == i + 1


def test_names_are_masked_and_unranked_volunteers_are_absent_but_counted(world):
    engine, d = world
    f = vol.BoardFilter(ALL, PERIODS["all"])
    with session_scope(engine) as s:
        board = vol.volunteer_board(s, f, "hours", 1000)
        totals = vol.board_totals(s, f)
        names = dict(s.execute(select(Volunteer.id, Volunteer.name)).all())
    assert not set(board["volunteer_id"]) & set(d.opted_out + d.staff)
    assert list(board["name"]) == [mask_name(names[v]) for v in board["volunteer_id"]]
    assert all("*" in n for n in board["name"])
    assert not set(board["name"]) & set(names.values())
    raw = _raw(engine)
    kept = _kept(raw, f)
    hidden = {r["volunteer_id"] for r in kept} & set(d.opted_out + d.staff)
    assert hidden and totals.unranked_volunteers == len(hidden)
    assert totals.volunteers == len(board) + len(hidden)
    assert totals.hours == pytest.approx(board["hours"].sum() + totals.unranked_hours)
    # Team boards count every member's hours, the unranked ones included.
    with session_scope(engine) as s:
        teams = vol.team_board(s, vol.BoardFilter(ALL, PERIODS["all"], team_id=d.team1), "hours")
    team_hours = sum(r["hours"] for r in kept if r["volunteer_id"] in raw[2][d.team1])
    assert teams.iloc[0]["hours"] == pytest.approx(team_hours)


def test_mask_name():
    assert mask_name("张小明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_name("李") == "李"


def test_credit_only_ranking_leaves_out_honour_hours(world):
    engine, _d = world
    raw = _raw(engine)
    f_all, f_credit = vol.BoardFilter(ALL, PERIODS["all"]), vol.BoardFilter(ALL, PERIODS["all"], credit_only=True)
    with session_scope(engine) as s:
        both = vol.volunteer_board(s, f_all, "hours", 1000).set_index("volunteer_id")
        credit = vol.volunteer_board(s, f_credit, "hours", 1000).set_index("volunteer_id")
        assert vol.board_totals(s, f_credit).hours == pytest.approx(figures.value(s, "credit_hours", ALL, PERIODS["all"]))
    honour = defaultdict(float)
    for rec in _kept(raw, f_all):
        if rec["kind"] == "荣誉":
            honour[rec["volunteer_id"]] += rec["hours"]
    assert honour
    flagged = raw[1]  # opted out of rankings, or staff: never on a board
    assert any(flagged[v] for v in honour) and not all(flagged[v] for v in honour)
    for v, h in honour.items():
        if flagged[v]:
            assert v not in both.index and v not in credit.index
        else:
            assert both.loc[v, "hours"] == pytest.approx((credit.loc[v, "hours"] if v in credit.index else 0) + h)


def test_board_total_equals_the_hours_kpi(world):
    engine, d = world
    with session_scope(engine) as s:
        for period in PERIODS.values():
            for scope in (ALL, Scope(street_id=d.street2), Scope(community_id=d.community_b)):
                total = vol.board_totals(s, vol.BoardFilter(scope, period)).hours
                assert total == pytest.approx(figures.value(s, "hours", scope, period), abs=0.005)


def test_unknown_metric_is_refused(world):
    engine, _d = world
    with session_scope(engine) as s, pytest.raises(ValueError):
        vol.volunteer_board(s, vol.BoardFilter(ALL, PERIODS["all"]), "people")


# -------------------------------------------------------------------------------------- demo data set


@pytest.mark.parametrize("kind", ["month", "quarter", "year", "all"])
def test_demo_board_equals_an_independent_computation(demo_engine, kind):
    raw = _raw(demo_engine)
    f = vol.BoardFilter(ALL, period_of(kind, DEMO_TODAY))
    with session_scope(demo_engine) as s:
        got = as_tuples(vol.volunteer_board(s, f, "hours"), "volunteer_id")
        got_teams = as_tuples(vol.team_board(s, f, "activities"), "team_id")
    assert got == expected_volunteers(raw, f, "hours")
    assert got_teams == expected_teams(raw, f, "activities")
    assert len(got) == 50


# ---------------------------------------------------------------------------------------- active rate


def test_active_by_community_uses_the_kpi_definitions(world):
    engine, d = world
    period = PERIODS["year"]
    with session_scope(engine) as s:
        df = vol.active_by_community(s, ALL, period).set_index("community_id")
        for cid in (d.community_a, d.community_b, d.community_c):
            scope = Scope(community_id=cid)
            assert df.loc[cid, "registered"] == figures.value(s, "volunteers", scope, period)
            assert df.loc[cid, "active"] == figures.value(s, "active_volunteers", scope, period)
            assert df.loc[cid, "active_rate"] == pytest.approx(figures.value(s, "active_rate", scope, period))
        grouped = figures.grouped(s, "active_volunteers", ALL, period)
    assert df["active"].sum() == grouped["active_volunteers"].sum()


def test_active_rate_of_a_community_with_no_volunteers_is_none(world):
    engine, d = world
    with session_scope(engine, write=True) as s:
        from db.models import Street

        empty = make_community(s, s.get(Street, d.street1), "空社区").id
    with session_scope(engine) as s:
        df = vol.active_by_community(s, Scope(community_id=empty), PERIODS["year"])
        rate = figures.value(s, "active_rate", Scope(community_id=empty), PERIODS["year"])
    assert df.empty and rate is None  # no row to show, and the rate is “—”, not 0


def test_active_by_month_matches_the_monthly_kpis(world):
    engine, _d = world
    period = PERIODS["year"]
    with session_scope(engine) as s:
        df = vol.active_by_month(s, ALL, period)
        for row in df.itertuples():
            month = Period(date.fromisoformat(row.month + "-01"),
                           min((date.fromisoformat(row.month + "-01") + timedelta(days=32)).replace(day=1)
                               - timedelta(days=1), period.end))
            assert row.active == figures.value(s, "active_volunteers", ALL, month)
            assert row.active_rate == (None if row.registered == 0 else pytest.approx(row.active / row.registered))
    assert list(df["month"]) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]


# ----------------------------------------------------------------------------- a volunteer's record


def _busiest(engine, d) -> int:
    with session_scope(engine) as s:
        board = vol.volunteer_board(s, vol.BoardFilter(Scope(community_id=d.community_a), PERIODS["all"]), "hours")
    return int(board.iloc[0]["volunteer_id"])


def test_volunteer_file_and_record(world):
    engine, d = world
    vid = _busiest(engine, d)
    with session_scope(engine) as s:
        info = vol.volunteer_file(s, ALL, vid)
        records = vol.service_record(s, ALL, vid)
        rows = s.execute(select(ServiceRecord).where(ServiceRecord.volunteer_id == vid)).scalars().all()
    approved = [r for r in rows if r.status == "approved"]
    assert info.hours == pytest.approx(sum(r.hours for r in approved))
    assert info.credit_hours + info.honour_hours == pytest.approx(info.hours)
    assert info.activities == len({r.activity_id for r in approved})
    assert info.pending == sum(1 for r in rows if r.status == "pending")
    assert len(records) == len(rows)
    assert "*" in info.masked_name
    assert set(records["status"]) <= {"已通过", "待审核", "已驳回"}


def test_a_volunteer_outside_the_scope_is_not_found(world):
    engine, d = world
    vid = _busiest(engine, d)  # community A
    with session_scope(engine) as s, pytest.raises(NotFound):
        vol.volunteer_file(s, Scope(community_id=d.community_c), vid)
    with session_scope(engine) as s, pytest.raises(NotFound):
        vol.service_record(s, Scope(street_id=d.street2), vid)


def test_certificate_lists_approved_hours_per_activity(world):
    engine, d = world
    vid = _busiest(engine, d)
    with session_scope(engine) as s:
        cert = vol.certificate(s, d.staff_user, vid, issued_on=TODAY)
        real_name = s.get(Volunteer, vid).name
        approved = s.execute(select(ServiceRecord).where(ServiceRecord.volunteer_id == vid,
                                                         ServiceRecord.status == "approved")).scalars().all()
    assert cert.name == real_name
    assert cert.total_hours == pytest.approx(sum(r.hours for r in approved))
    assert cert.credit_hours == pytest.approx(sum(r.hours for r in approved if r.kind == "信用"))
    assert len(cert.lines) == len({r.activity_id for r in approved})
    assert sum(line.hours for line in cert.lines) == pytest.approx(cert.total_hours)
    assert [line.service_date for line in cert.lines] == sorted(line.service_date for line in cert.lines)
    assert cert.issuer == "甲社区居民委员会"
    html = vol.certificate_html(cert)
    assert "志愿服务记录证明" in html and real_name in html and cert.number in html
    total = f"{cert.total_hours:,.2f}"
    assert f"<b>{total[:-1] if total.endswith('0') else total}</b> 小时" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html.lower()


def test_certificate_of_a_period_and_with_a_custom_issuer_is_escaped(world):
    engine, d = world
    vid = _busiest(engine, d)
    period = PERIODS["custom"]
    with session_scope(engine) as s:
        cert = vol.certificate(s, d.admin, vid, issued_on=TODAY, period=period, issuer="<b>甲社区</b>")
        approved = s.execute(select(ServiceRecord).where(
            ServiceRecord.volunteer_id == vid, ServiceRecord.status == "approved",
            ServiceRecord.service_date >= period.start, ServiceRecord.service_date <= period.end)).scalars().all()
    assert cert.total_hours == pytest.approx(sum(r.hours for r in approved))
    html = vol.certificate_html(cert)
    assert "&lt;b&gt;甲社区&lt;/b&gt;" in html and "<b>甲社区</b>" not in html
    assert "2024年03月15日至2024年09月10日" in html


def test_certificate_is_for_staff_and_admins_within_scope(world):
    engine, d = world
    vid = _busiest(engine, d)
    with session_scope(engine, write=True) as s:
        other = make_user(s, "staff", "community", d.community_c)
    with session_scope(engine) as s:
        with pytest.raises(PermissionDenied):
            vol.certificate(s, d.leader, vid, issued_on=TODAY)
        with pytest.raises(NotFound):
            vol.certificate(s, other, vid, issued_on=TODAY)
        with pytest.raises(ValidationFailed) as caught:
            vol.certificate(s, d.admin, vid, issued_on=TODAY, issuer="长" * 61)
        assert caught.value.errors == {"issuer": "「出具单位」不能超过 60 个字"}


def test_pending_records_and_pickers(world):
    engine, d = world
    with session_scope(engine) as s:
        pending = vol.pending_records(s, Scope(community_id=d.community_a))
        assert len(pending) == vol.pending_count(s, Scope(community_id=d.community_a)) > 0
        assert all("*" in n for n in pending["name"])
        options = vol.volunteer_options(s, Scope(community_id=d.community_a))
        names = {v.id: v.name for v in s.execute(select(Volunteer)).scalars()}
        assert options and all(label.split(" · ")[0] == mask_name(names[vid]) for vid, label in options)
        assert all(len(names[vid]) >= 2 for vid, _ in options)  # so every shown name has a “*”
        # Staff and admins entering records (the backfill and edit pickers, the 档案) get the real names.
        real = vol.volunteer_options(s, Scope(community_id=d.community_a), real_names=True)
        assert [v for v, _ in real] == [v for v, _ in options]
        assert all(label.split(" · ")[0] == names[vid] and "*" not in label.split(" · ")[0] for vid, label in real)
        assert [t for t, _ in vol.teams(s, Scope(street_id=d.street1))] == [d.team1]
        assert vol.activity_options(s, Scope(community_id=d.community_a), TODAY)
