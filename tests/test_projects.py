"""项目成效 (db.projects): target progress and the behind-schedule flag at their boundaries, a project's own figures,
the portfolio, and the reported indicators beside the records (the anti-domestic-violence project on the demo
data). SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, time

import pandas as pd
import pytest
from sqlalchemy import select

from db import figures
from db.activities.writes import create_activity
from db.engine import session_scope
from db.models import MediationCase, Project, ProjectTarget, ReportedIndicator, Street
from db.periods import Period, period_of
from db.projects.reads import (
    elapsed_share,
    filter_portfolio,
    judge_target,
    measured_span,
    portfolio,
    portfolio_counts,
    portfolio_figures,
    project_card,
    project_figures,
    project_indicators,
    target_progress,
)
from db.scope import ALL, Scope
from tests.conftest import DEMO_TODAY
from tests.factories import (
    activity_input,
    hours,
    make_case,
    make_community,
    make_project,
    make_street,
    make_user,
    make_volunteers,
)

D = date

# ---------------------------------------------------------------------------------------- the rule itself


def test_elapsed_share_counts_both_ends():
    start, due = D(2025, 1, 1), D(2025, 1, 10)  # ten days
    assert elapsed_share(start, due, D(2024, 12, 31)) == 0
    assert elapsed_share(start, due, start) == pytest.approx(0.1)
    assert elapsed_share(start, due, D(2025, 1, 5)) == pytest.approx(0.5)
    assert elapsed_share(start, due, due) == 1
    assert elapsed_share(start, due, D(2026, 1, 1)) == 1
    assert elapsed_share(start, start, start) == 1  # a one-day target


@pytest.mark.parametrize(("actual", "state"), [
    (4, "behind"),  # 40 % done, 50 % of the time gone
    (5, "on_track"),  # exactly on schedule is not behind
    (9.99, "on_track"),
    (10, "done"),
    (12, "done"),
])
def test_behind_schedule_when_progress_is_below_the_elapsed_share(actual, state):
    status = judge_target(actual, 10, D(2025, 1, 1), D(2025, 1, 10), D(2025, 1, 5))
    assert status.state == state
    assert status.progress == pytest.approx(actual / 10)
    assert status.behind is (state == "behind")


def test_a_target_before_its_start_and_without_a_schedule():
    assert judge_target(0, 10, D(2025, 2, 1), D(2025, 3, 1), D(2025, 1, 31)).state == "not_started"
    assert judge_target(3, 10, D(2025, 2, 1), None, D(2025, 3, 1)).state == "no_schedule"
    assert judge_target(3, 10, None, D(2025, 3, 1), D(2025, 3, 1)).state == "no_schedule"
    assert judge_target(10, 10, None, None, D(2025, 3, 1)).state == "done"


def test_past_the_due_date_an_unmet_target_is_behind():
    status = judge_target(79, 80, D(2025, 1, 1), D(2025, 12, 31), D(2026, 6, 1))
    assert status.elapsed_share == 1 and status.state == "behind"


def test_measured_span_stops_at_the_due_date_or_today():
    assert measured_span(D(2025, 1, 1), D(2025, 12, 31), D(2025, 6, 1)) == Period(D(2025, 1, 1), D(2025, 6, 1))
    assert measured_span(D(2025, 1, 1), D(2025, 12, 31), D(2026, 6, 1)) == Period(D(2025, 1, 1), D(2025, 12, 31))
    assert measured_span(D(2025, 2, 1), D(2025, 12, 31), D(2025, 1, 31)) is None


# ------------------------------------------------------------------------------------------ one project


@pytest.fixture
def world(engine):
    """A project with activities in two communities (inside and outside its target span) and cases, and another
    project in the same community."""
    with session_scope(engine, write=True) as s:
        street = make_street(s, "乔司街道")
        a, b = make_community(s, street, "胜稼村"), make_community(s, street, "三角村")
        project = make_project(s, street, None, "阳光下 蔚蓝天", area="社区治理", start_date=D(2025, 1, 1),
                               brand_level="区级", beneficiary_groups=["妇女"])
        other = make_project(s, street, a, "胜稼村·美丽庭院共建", area="社区治理")
        volunteers = [v.id for v in make_volunteers(s, street, a, n=3)]
        s.add(ProjectTarget(project_id=project.id, metric="activities", target_value=10, start_date=D(2025, 3, 1),
                            due_date=D(2025, 3, 10)))
        s.add(ProjectTarget(project_id=project.id, metric="people_served", target_value=100, due_date=None))
        admin = make_user(s, "admin")
        for n, (day, community, proj, people) in enumerate((
                (D(2025, 2, 28), a, project, 10), (D(2025, 3, 1), a, project, 20), (D(2025, 3, 5), b, project, 30),
                (D(2025, 3, 10), b, project, 40), (D(2025, 3, 11), a, project, 50), (D(2025, 3, 5), a, other, 60))):
            create_activity(session=s, user=admin, idempotency_key=uuid.uuid4().hex, today=D(2025, 12, 31),
                            data=activity_input(activity_date=day, community_id=community.id, project_id=proj.id,
                                                people_served=people, unique_persons=None,
                                                start_time=time(8 + 2 * n), end_time=time(10 + 2 * n),
                                                volunteers=hours((volunteers[day.day % 3], 2.0)),
                                                actors={"with_community"}))
        for day, outcome in ((D(2025, 3, 2), "化解成功"), (D(2025, 3, 3), "处理中")):
            case = make_case(s, a, day, outcome)
            case.project_id = project.id
        make_case(s, a, D(2025, 3, 4), "未化解")  # not the project's
        s.flush()
        return engine, {"project": project.id, "other": other.id, "a": a.id, "b": b.id, "street": street.id}


def test_project_figures_count_the_projects_records_wherever_they_were_made(world):
    engine, ids = world
    year = Period(D(2025, 1, 1), D(2025, 12, 31))
    with session_scope(engine) as s:
        got = project_figures(s, ids["project"], ("activities", "people_served", "hours", "active_volunteers",
                                                      "disputes", "disputes_resolved", "dispute_success_rate"), year)
        other = figures.value(s, "activities", ALL, year, project_id=ids["other"])
        monthly = figures.monthly(s, "activities", ALL, year, project_id=ids["project"])
    assert got["activities"] == 5 and got["people_served"] == 150
    assert got["hours"] == 10.0 and 1 <= got["active_volunteers"] <= 3
    assert got["disputes"] == 2 and got["disputes_resolved"] == 1
    assert got["dispute_success_rate"] == 1.0  # the case in progress is not concluded
    assert other == 1
    assert monthly["value"].sum() == 5 and list(monthly["month"])[:3] == ["2025-01", "2025-02", "2025-03"]


def test_target_progress_counts_from_start_to_due_and_flags_behind(world):
    engine, ids = world
    with session_scope(engine) as s:
        mid = target_progress(s, ids["project"], D(2025, 3, 5)).set_index("metric")
        late = target_progress(s, ids["project"], D(2026, 1, 1)).set_index("metric")
        early = target_progress(s, ids["project"], D(2025, 2, 1)).set_index("metric")
    # 1 and 5 March are inside the span by 5 March (28 Feb is before the start): 2 of 10 = 20 %, 50 % of days gone.
    assert mid.loc["activities", "actual"] == 2 and mid.loc["activities", "progress"] == pytest.approx(0.2)
    assert mid.loc["activities", "elapsed_share"] == pytest.approx(0.5)
    assert mid.loc["activities", "behind"] and mid.loc["activities", "state_label"] == "进度落后"
    # At the end: 1, 5 and 10 March (11 March is after the due date).
    assert late.loc["activities", "actual"] == 3 and late.loc["activities", "elapsed_share"] == 1
    # No due date: counted from the project's start, no schedule to be behind of; 150 of 100 is done.
    assert late.loc["people_served", "actual"] == 150 and late.loc["people_served", "state"] == "done"
    assert early.loc["activities", "state"] == "not_started" and early.loc["activities", "actual"] == 0


def test_portfolio_lists_each_project_with_its_own_figures(world):
    engine, ids = world
    year = Period(D(2025, 1, 1), D(2025, 12, 31))
    with session_scope(engine) as s:
        df = portfolio(s, Scope(street_id=ids["street"]), year).set_index("project_id")
        expected = {k: figures.value(s, k, ALL, year, project_id=ids["project"])
                    for k in ("activities", "people_served", "hours", "active_volunteers")}
        tiles = portfolio_figures(s, Scope(street_id=ids["street"]), year)
    row = df.loc[ids["project"]]
    assert {k: row[k] for k in expected} == pytest.approx(expected)
    assert row["beneficiary_groups"] == "妇女" and row["owner"] == "乔司街道"
    assert df.loc[ids["other"], "owner"] == "胜稼村"
    assert tiles == {"projects": 2, "brand_projects_city": 0, "brand_projects_district": 1}
    counts = portfolio_counts(df.reset_index(), ["area", "status"])
    assert counts["projects"].sum() == 2
    assert len(filter_portfolio(df, ["社区治理"], ["区级"], None)) == 1
    assert len(filter_portfolio(df, None, ["无"], ["进行中"])) == 1


def test_a_project_not_started_in_the_period_is_not_in_the_portfolio(world):
    engine, ids = world
    with session_scope(engine) as s:
        df = portfolio(s, ALL, Period(D(2024, 1, 1), D(2024, 12, 31)))
    assert list(df["project_id"]) == [ids["other"]]  # the other has no start date


def test_project_card_says_what_the_project_has(world):
    engine, ids = world
    with session_scope(engine) as s:
        card = project_card(s, ids["project"])
        assert project_card(s, 987_654) is None
    assert card.has_activities and card.has_cases and not card.has_trainings
    assert card.tiles[0] == "activities" and "dispute_success_rate" in card.tiles
    assert card.beneficiary_groups == ["妇女"] and card.brand_level == "区级"


def test_project_indicators_sit_beside_the_projects_records(world):
    engine, ids = world
    with session_scope(engine, write=True) as s:
        s.add(ReportedIndicator(subject="阳光下 蔚蓝天", street_id=ids["street"], project_id=ids["project"],
                                metric="开展活动", kpi_key="activities", value=4, qualifier="≥", unit="场",
                                as_of=D(2025, 3, 6), source="测试来源"))
        s.add(ReportedIndicator(subject="阳光下 蔚蓝天", street_id=ids["street"], project_id=ids["project"],
                                metric="恶性家暴", value=0, qualifier="=", unit="起", as_of=D(2025, 3, 6),
                                source="测试来源"))
    with session_scope(engine) as s:
        df = project_indicators(s, ids["project"], D(2025, 12, 31)).set_index("metric")
    # Records up to the as-of date: 28 Feb, 1 and 5 March.
    assert df.loc["开展活动", "record_value"] == 3 and df.loc["开展活动", "qualifier"] == "≥"
    assert pd.isna(df.loc["恶性家暴", "record_value"]) and df.loc["恶性家暴", "value"] == 0  # no record figure


# ------------------------------------------------------------------------------------------ the demo data


def _project(engine, name: str) -> int:
    with session_scope(engine) as s:
        return s.execute(select(Project.id).where(Project.name == name)).scalar_one()


def test_demo_anti_domestic_violence_indicators_with_their_source(demo_engine):
    pid = _project(demo_engine, "阳光下 蔚蓝天")
    with session_scope(demo_engine) as s:
        df = project_indicators(s, pid, DEMO_TODAY).set_index("metric")
        card = project_card(s, pid)
    assert df.loc["重复家暴率较前一年变化", "value"] == -42.8 and df.loc["重复家暴率较前一年变化", "unit"] == "%"
    assert df.loc["恶性家暴", "value"] == 0 and df.loc["恶性家暴", "qualifier"] == "="
    assert df.loc["动员志愿者", "qualifier"] == "≥" and df.loc["动员志愿者", "value"] == 300
    assert set(df["source"]) == {"杭州市临平区民政局官网"}
    assert set(df["as_of"]) == {D(2025, 6, 30)}
    assert card.beneficiary_groups == ["妇女"] and card.brand_level == "区级"


def test_demo_anti_domestic_violence_records_up_to_the_report(demo_engine):
    pid = _project(demo_engine, "阳光下 蔚蓝天")
    with session_scope(demo_engine) as s:
        upto = project_figures(s, pid, ("activities", "active_volunteers"), Period(date(2000, 1, 1), D(2025, 6, 30)))
    assert upto["activities"] == 63  # 17 lectures and 46 other activities
    assert upto["active_volunteers"] >= 300


def test_demo_mediation_project_records_beside_the_report(demo_engine):
    pid = _project(demo_engine, "乔司街道社会矛盾纠纷（非诉类）调解服务项目")
    with session_scope(demo_engine) as s:
        df = project_indicators(s, pid, DEMO_TODAY).set_index("metric")
        targets = target_progress(s, pid, DEMO_TODAY)
        rate = figures.value(s, "dispute_success_rate", ALL, period_of("all", DEMO_TODAY), project_id=pid)
        cases = s.execute(select(MediationCase.id).where(MediationCase.project_id == pid)).all()
    assert df.loc["调解矛盾纠纷", "record_value"] >= 600
    assert df.loc["调解成功率", "record_value"] >= 98
    assert rate >= 0.98 and figures.format_rate(rate).endswith("%")
    assert len(targets) == 1 and targets.iloc[0]["metric"] == "disputes"
    assert targets.iloc[0]["actual"] <= len(cases)


def test_demo_portfolio_brand_projects(demo_engine):
    with session_scope(demo_engine) as s:
        qiaosi = s.execute(select(Street.id).where(Street.name == "乔司街道")).scalar_one()
        df = portfolio(s, Scope(street_id=qiaosi), period_of("all", DEMO_TODAY))
        activities = figures.value(s, "activities", ALL, period_of("all", DEMO_TODAY))
    assert (df["brand_level"] == "市级").sum() == 2 and (df["brand_level"] == "区级").sum() == 5
    assert df["activities"].sum() <= activities
