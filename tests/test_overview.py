"""The overview's figures on the demo data: every tile equals its drill-down, trends add up to the tile,
环比/同比 across year boundaries and empty periods, the 五社联动 index, and the profile of 新港山路社区."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from components.cards import change_text
from db import figures
from db.engine import session_scope
from db.figures import Change
from db.figures.linkage import actor_shares, area_matrix, community_ranking
from db.figures.reported import reported_beside_records
from db.models import Activity, Community, Project, Street
from db.periods import Period, period_of
from db.places.reads import community_profile, street_profile
from db.scope import ALL, Scope
from tests.conftest import DEMO_TODAY

PERIODS = {
    "month": period_of("month", DEMO_TODAY),
    "quarter": period_of("quarter", DEMO_TODAY),
    "year": period_of("year", DEMO_TODAY),
    "all": period_of("all", DEMO_TODAY),
    "custom": period_of("custom", DEMO_TODAY, date(2023, 12, 15), date(2024, 1, 20)),
}
FLOW_KPIS = ("hours", "credit_hours", "honour_hours", "activities", "linked_activities", "people_served",
             "disputes", "disputes_resolved", "money", "in_kind")


def _scopes(engine) -> dict[str, Scope]:
    with session_scope(engine) as s:
        xgsl = s.execute(select(Community.id).where(Community.name == "新港山路社区")).scalar_one()
        qiaosi = s.execute(select(Street.id).where(Street.name == "乔司街道")).scalar_one()
    return {"all": ALL, "street": Scope(street_id=qiaosi), "community": Scope(community_id=xgsl)}


@pytest.mark.parametrize("period_name", list(PERIODS))
def test_every_tile_equals_the_sum_of_its_drilldown(demo_engine, period_name):
    period = PERIODS[period_name]
    for scope_name, scope in _scopes(demo_engine).items():
        with session_scope(demo_engine) as s:
            for key, kpi in ((k, figures.FIGURES[k]) for k in figures.FLOW_FIGURES):
                value = figures.value(s, key, scope, period)
                rows = figures.records(s, key, scope, period)
                if kpi.distinct_on:
                    total = rows[kpi.distinct_on].nunique()
                elif kpi.measure:
                    total = rows[kpi.measure].sum()
                else:
                    total = len(rows)
                assert total == pytest.approx(value), (scope_name, period_name, key)


def test_demo_figures_are_not_all_zero_this_month(demo_engine):
    # The filler runs up to "today", so a leader opening 本月 sees activity.
    with session_scope(demo_engine) as s:
        assert figures.value(s, "activities", ALL, PERIODS["month"]) > 0
        assert figures.value(s, "hours", ALL, PERIODS["month"]) > 0


@pytest.mark.parametrize("key", FLOW_KPIS)
def test_monthly_trend_adds_up_to_the_tile(demo_engine, key):
    for scope in _scopes(demo_engine).values():
        for period in (PERIODS["year"], PERIODS["all"], PERIODS["custom"]):
            with session_scope(demo_engine) as s:
                series = figures.monthly(s, key, scope, period)
                assert series["value"].sum() == pytest.approx(figures.value(s, key, scope, period))


def test_monthly_trend_lists_every_month_once(demo_engine):
    with session_scope(demo_engine) as s:
        series = figures.monthly(s, "activities", ALL, PERIODS["custom"])
    assert list(series["month"]) == ["2023-12", "2024-01"]


def test_registered_volunteers_trend_ends_at_the_tile(demo_engine):
    with session_scope(demo_engine) as s:
        series = figures.monthly(s, "volunteers", ALL, PERIODS["year"])
        assert series["value"].iloc[-1] == figures.value(s, "volunteers", ALL, PERIODS["year"])
        assert series["value"].is_monotonic_increasing


def test_grouped_kpi_adds_up_to_the_tile(demo_engine):
    scope = _scopes(demo_engine)["street"]
    with session_scope(demo_engine) as s:
        for key in ("activities", "hours", "people_served", "linked_activities"):
            grouped = figures.grouped(s, key, scope, PERIODS["year"], by="community_id")
            assert grouped[key].sum() == pytest.approx(figures.value(s, key, scope, PERIODS["year"]))


def test_changes_compare_with_the_previous_period_and_last_year(demo_engine):
    # January 2026: 环比 is December 2025 (across the year boundary), 同比 January 2025.
    jan = period_of("month", date(2026, 1, 31))
    with session_scope(demo_engine) as s:
        change = figures.changes(s, ["activities"], ALL, jan)["activities"]
        dec = figures.value(s, "activities", ALL, Period(date(2025, 12, 1), date(2025, 12, 31)))
        jan_last = figures.value(s, "activities", ALL, Period(date(2025, 1, 1), date(2025, 1, 31)))
    assert change.previous == dec and change.last_year == jan_last
    assert change.mom == pytest.approx((change.value - dec) / dec)
    assert change.yoy == pytest.approx((change.value - jan_last) / jan_last)


def test_change_against_an_empty_period_is_a_dash(demo_engine):
    # The demo records start in 2021: January 2021's 同比 (January 2020) has nothing to compare with.
    jan = period_of("month", date(2021, 1, 31))
    with session_scope(demo_engine) as s:
        change = figures.changes(s, ["activities"], ALL, jan)["activities"]
    assert change.last_year == 0 and change.yoy is None
    assert change_text("activities", change.yoy, change.value, change.last_year) == "—"


def test_cumulative_period_has_no_changes(demo_engine):
    with session_scope(demo_engine) as s:
        change = figures.changes(s, ["activities", "active_rate"], ALL, PERIODS["all"])
    assert change["activities"].previous is None and change["activities"].mom is None
    assert change_text("active_rate", None, change["active_rate"].value, None) == "—"


def test_rate_changes_are_in_percentage_points():
    assert change_text("active_rate", None, 0.62, 0.5) == "+12.0 个百分点"
    assert change_text("activities", Change(12, 10, 0).mom, 12, 10) == "+20.0%"
    assert Change(12, 0, None).mom is None and Change(None, 3, 3).yoy is None


def test_index_is_the_mean_of_the_five_actor_shares(demo_engine):
    scope = _scopes(demo_engine)["street"]
    period = PERIODS["year"]
    with session_scope(demo_engine) as s:
        shares = actor_shares(s, scope, period)
        acts = s.execute(select(Activity).where(Activity.street_id == scope.street_id,
                                                Activity.starts_at >= period.start_dt,
                                                Activity.starts_at < period.end_dt_exclusive)).scalars().all()
    for row in shares.itertuples():
        mine = [a for a in acts if a.community_id == row.community_id]
        if not mine:
            assert row.index != row.index  # NaN: no activity, no index
            continue
        fields = ("with_community", "with_organization", "with_social_worker", "with_volunteers", "with_charity")
        expected = sum(sum(getattr(a, f) for a in mine) / len(mine) for f in fields) / 5 * 100
        assert row.index == pytest.approx(expected)
        assert row.activities == len(mine)


def test_area_matrix_and_ranking_add_up(demo_engine):
    scope = _scopes(demo_engine)["street"]
    with session_scope(demo_engine) as s:
        matrix = area_matrix(s, scope, PERIODS["all"])
        ranking = community_ranking(s, scope, PERIODS["all"])
        total = figures.value(s, "activities", scope, PERIODS["all"])
    assert matrix["activities"].sum() == total
    with session_scope(demo_engine) as s:
        in_communities = s.execute(select(func.count()).select_from(Activity).where(
            Activity.street_id == scope.street_id, Activity.community_id.is_not(None))).scalar_one()
    assert ranking["activities"].sum() == in_communities  # the ranking ranks communities only
    assert list(ranking["rank"]) == list(range(1, len(ranking) + 1))
    indexed = ranking.dropna(subset=["index"])
    assert list(indexed["index"]) == sorted(indexed["index"], reverse=True)


@pytest.mark.parametrize("days", [(date(2024, 3, 17), date(2025, 2, 9)), (date(2023, 1, 1), date(2023, 12, 31)),
                                  (date(2025, 6, 5), date(2025, 6, 20))])
def test_linkage_from_the_summaries_equals_the_activities(demo_engine, days):
    """Whole months from FigureMonth and the days at the ends from the activities: the area matrix and the actors'
    shares are exactly a count of the activities themselves."""
    period = Period(*days)
    with session_scope(demo_engine) as s:
        areas = dict(s.execute(select(Project.id, Project.area)).all())
        acts = s.execute(select(Activity).where(Activity.starts_at >= period.start_dt,
                                                Activity.starts_at < period.end_dt_exclusive)).scalars().all()
        matrix = area_matrix(s, ALL, period)
        shares = actor_shares(s, ALL, period)
    expected: dict = {}
    for a in acts:
        key = (a.community_id if a.community_id is not None else -1, areas.get(a.project_id) or "未归属项目")
        expected[key] = expected.get(key, 0) + 1
    assert acts and dict(zip(zip(matrix["community_id"], matrix["area"], strict=True), matrix["activities"],
                             strict=True)) == expected
    for row in shares.itertuples():
        mine = [a for a in acts if a.community_id == row.community_id]
        assert row.activities == len(mine)
        if mine:
            assert row.with_charity == pytest.approx(sum(a.with_charity for a in mine) / len(mine))


def test_xingangshanlu_profile_shows_the_report(demo_engine):
    scope = _scopes(demo_engine)["community"]
    with session_scope(demo_engine) as s:
        p = community_profile(s, scope.community_id)
        linked = figures.value(s, "linked_activities", scope, PERIODS["all"])
        reported = reported_beside_records(s, scope, DEMO_TODAY)
    assert p.facts["成立年份"] == "2010 年"
    assert p.facts["常住人口"] == "8,900 人"
    assert p.compounds == ["海尔山海湾", "京海园"]
    assert p.facts["党组织书记"] == "范偌为"
    assert p.facts["服务品牌"] == "港好有你 治享家园"
    assert "融合试点" in p.facts["试点情况"]
    assert 2600 in set(p.spaces["area_m2"].dropna())
    assert len(p.featured_scenes) == 3 and "雷锋广场" in p.featured_scenes
    assert {"邻里解忧团"} <= set(p.teams["name"])
    assert {"候鸟有家", "小哥友好型", "万事无忧", "雷锋战友志愿行"} <= set(p.projects["name"])
    assert linked >= 100
    row = reported[reported["kpi_key"] == "linked_activities"].iloc[0]
    assert row["qualifier"] == "≥" and row["value"] == 100 and row["source"] == "《大众日报》"
    assert row["record_value"] >= 100  # records up to the report's date, shown beside the reported figure


def test_qiaosi_street_profile_shows_its_figures(demo_engine):
    scope = _scopes(demo_engine)["street"]
    with session_scope(demo_engine) as s:
        p = street_profile(s, scope.street_id)
    assert p.district_code == "330113"
    assert p.facts["社会组织"] == "登记 63 家 · 备案 216 家"
    assert "胜稼村" in p.facts["社区/村"]
    assert {"乔社善治", "乔社育才", "乔社有为", "乔社互助", "乔社积善"} <= set(p.brands)
