"""社会组织与社工 (db.organizations and the register figures of db.kpi): grade rules at their exact boundaries, the
current grade, score bands, register / social-worker / training figures against an independent count, mediation
by team, type and month, and the reports' figures on the demo data. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from db import figures
from db.engine import session_scope
from db.models import (
    GradeBand,
    MediationCase,
    Organization,
    OrgGrade,
    ReportedIndicator,
    SocialWorker,
    Street,
    Training,
    VolunteerTeam,
)
from db.organizations.grades import grade_expiry, grade_is_current, grade_runs_out_soon, grade_warning_end
from db.organizations.mediation import mediation_breakdown
from db.organizations.reads import (
    as_of,
    band_table,
    current_grades,
    grade_bands,
    grade_for_score,
    grade_history,
    grade_state,
    register_by,
    register_figures,
    register_indicators,
    social_workers_by_organization,
    trainings_by_organization,
)
from db.periods import Period, period_of
from db.scope import ALL, Scope
from tests.conftest import DEMO_TODAY
from tests.factories import make_case, make_community, make_street

D = date

# ------------------------------------------------------------------------------------------ grade rules


@pytest.mark.parametrize(("awarded", "expires"), [
    (D(2021, 3, 1), D(2026, 3, 1)),
    (D(2020, 2, 29), D(2025, 2, 28)),  # no 29 February five years on
    (D(2024, 2, 29), D(2029, 2, 28)),
    (D(2023, 12, 31), D(2028, 12, 31)),
])
def test_a_grade_expires_five_years_after_its_award(awarded, expires):
    assert grade_expiry(awarded) == expires


def test_a_grade_is_current_from_its_award_to_its_expiry_both_included():
    awarded, expires = D(2021, 3, 1), D(2026, 3, 1)
    assert not grade_is_current(awarded, expires, awarded - timedelta(days=1))
    assert grade_is_current(awarded, expires, awarded)
    assert grade_is_current(awarded, expires, expires)
    assert not grade_is_current(awarded, expires, expires + timedelta(days=1))


@pytest.mark.parametrize(("day", "end"), [
    (D(2026, 1, 15), D(2026, 7, 15)),
    (D(2026, 8, 31), D(2027, 2, 28)),  # no 31 February: the month's last day
    (D(2027, 8, 31), D(2028, 2, 29)),  # leap year
    (D(2026, 12, 31), D(2027, 6, 30)),
])
def test_the_warning_window_ends_six_months_later(day, end):
    assert grade_warning_end(day) == end


def test_runs_out_within_six_months_at_its_exact_boundaries():
    day = D(2026, 1, 15)
    last = D(2026, 7, 15)  # day + 6 months
    assert grade_runs_out_soon(last, day)
    assert not grade_runs_out_soon(last + timedelta(days=1), day)
    assert grade_runs_out_soon(day, day)  # expires today: still current, and runs out
    assert not grade_runs_out_soon(day - timedelta(days=1), day)  # already expired: not "within 6 months"


def test_grade_state_on_a_day():
    state = grade_state(D(2021, 7, 15), D(2026, 7, 15), D(2026, 1, 15))
    assert state.current and state.runs_out_soon and state.days_left == 181
    state = grade_state(D(2021, 7, 16), D(2026, 7, 16), D(2026, 1, 15))
    assert state.current and not state.runs_out_soon
    expired = grade_state(D(2020, 1, 14), D(2025, 1, 14), D(2026, 1, 15))
    assert not expired.current and not expired.runs_out_soon


# ------------------------------------------------------------------------------------------ a small register


@pytest.fixture
def register(engine):
    """Two streets; social organisations registered and filed; grades around the boundaries of 2026-01-15."""
    with session_scope(engine, write=True) as s:
        s1, s2 = make_street(s, "乔司街道", city="杭州市"), make_street(s, "薛家岛街道", city="青岛市")
        c1 = make_community(s, s1, "胜稼村")

        def org(name, street, status, community=None, category="社区服务类", stage=None, kind="社会组织"):
            row = Organization(name=name, kind=kind, street_id=street.id, community_id=community.id if community
                               else None, reg_status=status, category=category, incubation_stage=stage)
            s.add(row)
            s.flush()
            return row

        orgs = {
            "a": org("甲服务中心", s1, "登记", stage="出壳"),
            "b": org("乙协会", s1, "登记", category="公益慈善类"),
            "c": org("丙队", s1, "备案", c1, category="社区社会组织", stage="入驻孵化"),
            "d": org("丁队", s1, "备案", c1, category="社区社会组织"),
            "e": org("戊中心", s2, "登记"),
            "x": org("某企业", s1, None, kind="企业"),
        }

        def grade(key, g, awarded, expires=None):
            s.add(OrgGrade(organization_id=orgs[key].id, grade=g, awarded_on=awarded,
                           expires_on=expires or grade_expiry(awarded)))

        grade("a", "3A", D(2020, 11, 6))  # replaced by the 4A below from 2024-12-10
        grade("a", "4A", D(2024, 12, 10))
        grade("b", "5A", D(2021, 7, 15))  # expires 2026-07-15 = 2026-01-15 + 6 months: runs out soon
        grade("e", "2A", D(2021, 7, 16))  # expires 2026-07-16: one day outside the window
        grade("e", "1A", D(2021, 1, 14))  # expired 2026-01-14, the day before
        s.flush()
        ids = {k: v.id for k, v in orgs.items()}
        return engine, {"s1": s1.id, "s2": s2.id, "c1": c1.id, **ids}


DAY = D(2026, 1, 15)


def test_register_figures_count_registered_and_filed_social_organisations(register):
    engine, ids = register
    with session_scope(engine) as s:
        everywhere = register_figures(s, ALL, DAY)
        street = register_figures(s, Scope(street_id=ids["s1"]), DAY)
        village = register_figures(s, Scope(community_id=ids["c1"]), DAY)
    assert (everywhere["orgs_registered"], everywhere["orgs_filed"], everywhere["social_orgs"]) == (3, 2, 5)
    assert (street["orgs_registered"], street["orgs_filed"]) == (2, 2)
    assert (village["orgs_registered"], village["orgs_filed"]) == (0, 2)


def test_register_by_street_type_and_stage_adds_up_to_the_tiles(register):
    engine, ids = register
    with session_scope(engine) as s:
        got = register_figures(s, ALL, DAY)
        for by in ("street", "category", "kind", "incubation_stage"):
            df = register_by(s, ALL, by)
            assert df["orgs_registered"].sum() == got["orgs_registered"], by
            assert df["orgs_filed"].sum() == got["orgs_filed"], by
        streets = register_by(s, ALL, "street").set_index("group")
    assert streets.loc["乔司街道", "orgs_registered"] == 2 and streets.loc["乔司街道", "orgs_filed"] == 2
    assert streets.loc["薛家岛街道", "total"] == 1


def test_the_current_grade_is_the_latest_current_one(register):
    engine, ids = register
    with session_scope(engine) as s:
        on_day = current_grades(s, ALL, DAY).set_index("organization")
        before = current_grades(s, ALL, D(2024, 12, 9)).set_index("organization")
        replaced = grade_history(s, ALL, D(2025, 1, 1))
    assert on_day.loc["甲服务中心", "grade"] == "4A"
    assert before.loc["甲服务中心", "grade"] == "3A"
    # On 2025-01-01 the 3A is still valid but the later 4A is the current grade.
    states = dict(zip(replaced["grade"] + replaced["organization"], replaced["state"], strict=True))
    assert states["3A甲服务中心"] == "已被新等级取代" and states["4A甲服务中心"] == "当前有效"
    assert "某企业" not in on_day.index
    assert set(on_day.index) == {"甲服务中心", "乙协会", "戊中心"}
    assert on_day.loc["戊中心", "grade"] == "2A"  # the 1A expired the day before


def test_grade_figures_on_the_expiry_day_and_the_day_after(register):
    engine, _ids = register
    with session_scope(engine) as s:
        awarded = figures.value(s, "orgs_5a", ALL, as_of(D(2021, 7, 15)))
        day_before = figures.value(s, "orgs_5a", ALL, as_of(D(2021, 7, 14)))
        last_day = figures.value(s, "orgs_5a", ALL, as_of(D(2026, 7, 15)))
        day_after = figures.value(s, "orgs_5a", ALL, as_of(D(2026, 7, 16)))
    assert (day_before, awarded, last_day, day_after) == (0, 1, 1, 0)


def test_runs_out_soon_figure_at_its_boundary(register):
    engine, _ids = register
    with session_scope(engine) as s:
        rows = figures.records(s, "grades_running_out", ALL, as_of(DAY))
        got = register_figures(s, ALL, DAY)
        history = grade_history(s, ALL, DAY).set_index("grade_id")
    assert list(rows["organization"]) == ["乙协会"]  # expires exactly 6 months on; 戊中心 one day later
    assert got["grades_running_out"] == 1
    assert (got["orgs_5a"], got["orgs_4a"], got["orgs_3a"], got["orgs_2a"], got["orgs_1a"]) \
        == (1, 1, 0, 1, 0)
    assert got["orgs_graded"] == 3
    assert sorted(history["state"]) == sorted(["已过期", "当前有效", "当前有效", "当前有效", "已过期"])


@pytest.mark.parametrize("key", [k for k in figures.FIGURES if k not in figures.FLOW_FIGURES if not k.startswith(("training", "trainees", "project",
                                                                            "brand"))])
def test_register_figure_equals_its_drilldown(register, key):
    engine, ids = register
    kpi = figures.FIGURES[key]
    for scope in (ALL, Scope(street_id=ids["s1"]), Scope(community_id=ids["c1"]), Scope(organization_id=ids["a"])):
        with session_scope(engine) as s:
            rows = figures.records(s, key, scope, as_of(DAY))
            value = figures.value(s, key, scope, as_of(DAY))
        total = rows[kpi.measure].sum() if kpi.measure else len(rows)
        assert total == pytest.approx(value), (key, scope)


# ------------------------------------------------------------------------------------------------ bands


def test_migration_seeds_the_default_bands(engine):
    with session_scope(engine) as s:
        bands = grade_bands(s)
        rows = s.execute(select(GradeBand.city, GradeBand.grade, GradeBand.min_score)).all()
    assert bands == {"5A": 900, "4A": 800, "3A": 700, "2A": 600, "1A": 500}
    assert {r.city for r in rows} == {""}


@pytest.mark.parametrize(("score", "grade"), [
    (1000, "5A"), (900, "5A"), (899.9, "4A"), (800, "4A"), (700, "3A"), (600, "2A"), (500, "1A"), (499.9, None),
    (0, None),
])
def test_grade_for_score_at_the_band_edges(score, grade):
    assert grade_for_score({"5A": 900, "4A": 800, "3A": 700, "2A": 600, "1A": 500}, score) == grade


def test_a_city_with_its_own_bands_uses_them_others_the_default(engine):
    with session_scope(engine, write=True) as s:
        for g, low in zip(("5A", "4A", "3A", "2A", "1A"), (950, 850, 750, 650, 550), strict=True):
            s.add(GradeBand(city="杭州市", grade=g, min_score=low))
    with session_scope(engine) as s:
        assert grade_bands(s, "杭州市")["5A"] == 950
        assert grade_bands(s, "青岛市")["5A"] == 900
        table = band_table(s, "杭州市")
    assert list(table["grade"]) == ["5A", "4A", "3A", "2A", "1A"]
    assert table["source"].unique().tolist() == ["杭州市"]
    assert table["range"].iloc[0] == "950 – 1000" and table["range"].iloc[1] == "850 – 949.9"


# ---------------------------------------------------------------------------------------- social workers


def test_social_workers_by_level_and_organisation(register):
    engine, ids = register
    with session_scope(engine, write=True) as s:
        for level, n in (("助理社会工作师", 3), ("社会工作师", 2), ("高级社会工作师", 1)):
            for i in range(n):
                s.add(SocialWorker(name=f"社工{level}{i}", level=level, street_id=ids["s1"],
                                   organization_id=ids["a"] if i == 0 else None,
                                   community_id=None if i == 0 else ids["c1"]))
        s.add(SocialWorker(name="外街社工", level="社会工作师", street_id=ids["s2"]))
    with session_scope(engine) as s:
        street = {k: figures.value(s, k, Scope(street_id=ids["s1"]), as_of(DAY)) for k in (
            "social_workers", "social_workers_assistant", "social_workers_intermediate", "social_workers_senior")}
        by_org = social_workers_by_organization(s, Scope(street_id=ids["s1"]))
    assert street == {"social_workers": 6, "social_workers_assistant": 3, "social_workers_intermediate": 2,
                      "social_workers_senior": 1}
    assert by_org["count"].sum() == 6
    assert by_org[(by_org["place"] == "甲服务中心")]["count"].sum() == 3
    assert by_org[(by_org["place"] == "胜稼村")]["count"].sum() == 3


def test_trainings_sum_sessions_trainees_and_hours_in_the_period(register):
    engine, ids = register
    with session_scope(engine, write=True) as s:
        for i, day in enumerate((D(2025, 12, 31), D(2026, 1, 1), D(2026, 1, 31), D(2026, 2, 1))):
            s.add(Training(street_id=ids["s1"], organization_id=ids["a"] if i % 2 == 0 else None, title=f"培训{i}",
                           topic="实务技能", held_on=day, sessions=i + 1, trainees=10 * (i + 1), hours=2.5))
    january = Period(D(2026, 1, 1), D(2026, 1, 31))
    with session_scope(engine) as s:
        values = {k: figures.value(s, k, ALL, january) for k in ("trainings", "training_sessions", "trainees",
                                                                "training_hours")}
        by_org = trainings_by_organization(s, ALL, january)
        community = figures.value(s, "trainings", Scope(community_id=ids["c1"]), january)
    assert values == {"trainings": 2, "training_sessions": 5.0, "trainees": 50.0, "training_hours": 5.0}
    assert by_org.set_index("organizer")["trainees"].to_dict() == {"乔司街道": 20, "甲服务中心": 30}
    assert community == 0  # no organiser based in the village


# --------------------------------------------------------------------------------------------- mediation


def test_mediation_by_team_type_and_month_adds_up_and_shows_a_dash_without_concluded_cases(engine):
    with session_scope(engine, write=True) as s:
        street = make_street(s)
        village = make_community(s, street, "胜稼村")
        team = VolunteerTeam(name="邻里解忧团", street_id=street.id, community_id=village.id)
        s.add(team)
        s.flush()
        for day, outcome, kind in ((D(2025, 3, 1), "化解成功", "邻里"), (D(2025, 3, 9), "未化解", "邻里"),
                                   (D(2025, 4, 2), "化解成功", "物业"), (D(2025, 4, 3), "处理中", "征迁")):
            case = make_case(s, village, day, outcome, kind)
            case.team_id = team.id if kind == "邻里" else None
        # Another team of the same name (one row, as the handler is shown by name), an organisation's case and a
        # case of the street itself (no community).
        twin = VolunteerTeam(name="邻里解忧团", street_id=street.id)
        org = Organization(name="和事佬调解中心", street_id=street.id, kind="社会组织", reg_status="登记")
        s.add_all([twin, org])
        s.flush()
        make_case(s, village, D(2025, 5, 6), "化解成功").team_id = twin.id
        make_case(s, village, D(2025, 5, 7), "化解成功").organization_id = org.id
        make_case(s, village, D(2025, 5, 8), "处理中").community_id = None
        s.flush()
    period = Period(D(2025, 1, 1), D(2025, 12, 31))
    with session_scope(engine) as s:
        totals = {k: figures.value(s, k, ALL, period) for k in ("disputes", "disputes_resolved", "disputes_concluded")}
        tables = {by: mediation_breakdown(s, ALL, period, by) for by in ("handler", "type", "month", "source")}
    for by, df in tables.items():
        assert df["disputes"].sum() == totals["disputes"], by
        assert df["disputes_resolved"].sum() == totals["disputes_resolved"], by
        assert df["disputes_concluded"].sum() == totals["disputes_concluded"], by
    handler = tables["handler"].set_index("group")
    assert handler.loc["邻里解忧团", "disputes"] == 3 and handler.loc["邻里解忧团", "success_rate"] == 2 / 3
    assert handler.loc["胜稼村（社区调解）", "disputes"] == 2
    assert handler.loc["和事佬调解中心", "disputes_resolved"] == 1
    assert handler.loc["（街道）", "disputes"] == 1 and handler.loc["（街道）", "success_rate"] is None
    assert len(handler) == 4
    kinds = tables["type"].set_index("group")
    assert kinds.loc["征迁", "disputes"] == 1
    assert kinds.loc["征迁", "success_rate"] is None  # only a case in progress: no rate
    assert figures.format_rate(kinds.loc["征迁", "success_rate"]) == "—"
    assert list(tables["month"]["group"]) == ["2025-03", "2025-04", "2025-05"]


def test_figures_counted_together_equal_each_counted_alone(engine):
    """``figures.grouped_together``: the dispute figures (each record set narrows 受理纠纷's) per handler, type and
    month in one statement each, equal to each figure grouped alone; figures whose record sets do not narrow one
    another (活动场次 and 受理纠纷) fall back to one read each and still agree."""
    from sqlalchemy import event

    with session_scope(engine, write=True) as s:
        street = make_street(s)
        village = make_community(s, street, "合村")
        for i, (outcome, kind) in enumerate((("化解成功", "邻里"), ("未化解", "物业"), ("处理中", "邻里"),
                                             ("化解成功", "家庭"))):
            make_case(s, village, D(2019, 2 + i, 3), outcome, kind)
    period, keys = Period(D(2019, 1, 1), D(2019, 12, 31)), ("disputes", "disputes_resolved", "disputes_concluded")
    statements = []
    listen = lambda *a: statements.append(a[2]) if a[2].lstrip().startswith("SELECT") else None  # noqa: E731
    for by in ("type", lambda sub: (figures.month_of(s, sub.c.received_on), [])):
        with session_scope(engine) as s:
            event.listen(engine, "before_cursor_execute", listen)
            try:
                together = figures.grouped_together(s, keys, ALL, period, by, label="group")
            finally:
                event.remove(engine, "before_cursor_execute", listen)
            alone = [figures.grouped(s, k, ALL, period, by, label="group").set_index("group")[k] for k in keys]
        assert len(statements) == 1 and "CASE WHEN" in statements[0]
        statements.clear()
        expected = pd.concat(alone, axis=1).fillna(0).astype(int)
        assert together.set_index("group").sort_index().equals(expected.sort_index())
    assert together.set_index("group").loc["2019-03"].tolist() == [1, 0, 1]
    with session_scope(engine) as s:
        mixed = figures.grouped_together(s, ("disputes", "activities"), ALL, period, "community_id")
    assert mixed.set_index("community_id").loc[village.id, "disputes"] == 4


def test_success_rate_with_zero_cases_is_none_and_shows_a_dash(engine):
    with session_scope(engine) as s:
        rate = figures.value(s, "dispute_success_rate", ALL, Period(D(2025, 1, 1), D(2025, 12, 31)))
        empty = mediation_breakdown(s, ALL, Period(D(2025, 1, 1), D(2025, 12, 31)), "type")
    assert rate is None and figures.format_rate(rate) == "—"
    assert empty.empty


def test_one_registry_names_each_figure_once():
    assert not set(figures.FIGURES) & set(figures.RATES)
    assert set(figures.FLOW_FIGURES) <= set(figures.FIGURES)
    assert set(figures.PROJECT_METRICS) <= set(figures.FIGURES)
    for rate in figures.RATES.values():
        assert {rate.numerator, rate.denominator} <= set(figures.FIGURES)


# ------------------------------------------------------------------------------------------ the demo data


@pytest.fixture
def demo(demo_engine):
    with session_scope(demo_engine) as s:
        qiaosi = s.execute(select(Street.id).where(Street.name == "乔司街道")).scalar_one()
    return demo_engine, Scope(street_id=qiaosi)


def test_demo_register_shows_63_registered_and_216_filed(demo):
    engine, qiaosi = demo
    with session_scope(engine) as s:
        got = register_figures(s, qiaosi, DEMO_TODAY)
        by_street = register_by(s, ALL, "street").set_index("group")
    assert (got["orgs_registered"], got["orgs_filed"]) == (63, 216)
    assert (by_street.loc["乔司街道", "orgs_registered"], by_street.loc["乔司街道", "orgs_filed"]) == (63, 216)


def test_demo_grades_are_3_5_2(demo):
    engine, qiaosi = demo
    with session_scope(engine) as s:
        got = register_figures(s, qiaosi, DEMO_TODAY)
    assert (got["orgs_5a"], got["orgs_4a"], got["orgs_3a"]) == (3, 5, 2)


def test_demo_brand_projects_are_2_city_and_5_district(demo):
    engine, qiaosi = demo
    with session_scope(engine) as s:
        values = {k: figures.value(s, k, qiaosi, period_of("all", DEMO_TODAY))
                  for k in ("brand_projects_city", "brand_projects_district")}
    assert values == {"brand_projects_city": 2, "brand_projects_district": 5}


def test_demo_yang_jinquan_mediates_600_plus_at_98_percent_plus(demo):
    engine, qiaosi = demo
    with session_scope(engine) as s:
        handler = mediation_breakdown(s, qiaosi, period_of("all", DEMO_TODAY), "handler").set_index("group")
    row = handler.loc["杨金泉纠纷调解服务中心"]
    assert row["disputes"] >= 600
    assert row["success_rate"] >= 0.98


def test_demo_qiaoshe_academy_held_12_trainings(demo):
    engine, qiaosi = demo
    with session_scope(engine) as s:
        by_org = trainings_by_organization(s, qiaosi, period_of("all", DEMO_TODAY)).set_index("organizer")
    assert by_org.loc["乔社学院", "trainings"] == 12
    assert by_org.loc["乔社学院", "trainees"] >= 400


def test_demo_every_mediation_case_is_grouped_once(demo):
    engine, _ = demo
    with session_scope(engine) as s:
        total = s.execute(select(MediationCase.id)).all()
        handler = mediation_breakdown(s, ALL, period_of("all", DEMO_TODAY), "handler")
    assert handler["disputes"].sum() == len(total)


def test_register_indicators_read_a_register_figure_for_the_street(register):
    engine, ids = register
    with session_scope(engine, write=True) as s:
        for metric, key in (("已培育 4A 社会组织", "orgs_4a"), ("调解矛盾纠纷", "disputes"), ("品牌公益项目", None)):
            s.add(ReportedIndicator(subject="甲服务中心", street_id=ids["s1"], organization_id=ids["a"], metric=metric,
                                    kpi_key=key, value=1, qualifier="≥", unit="家", as_of=DAY, source="测试来源"))
        s.add(ReportedIndicator(subject="甲服务中心", street_id=ids["s1"], organization_id=ids["a"], metric="成立年份",
                                value=2019, qualifier="=", unit="年", as_of=DAY, source="测试来源"))
    with session_scope(engine) as s:
        df = register_indicators(s, Scope(street_id=ids["s1"]), DAY).set_index("metric")
    # 乙协会's 5A and 甲's 4A are the street's; the centre reporting it has only its own 4A.
    assert df.loc["已培育 4A 社会组织", "record_value"] == 1
    assert df.loc["调解矛盾纠纷", "record_value"] == 0  # a KPIS figure: the organisation's own cases
    assert pd.isna(df.loc["品牌公益项目", "record_value"])  # no figure named: reported only
    assert "成立年份" not in df.index  # not about organisations, grades, brands, trainings or mediation
