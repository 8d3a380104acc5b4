"""The monthly 台账 workbook (db.transfer.ledger): its 汇总 equals the overview's figures (db.figures.values) for that scope and month, each detail sheet's 合计 equals its figure, names are masked unless the
caller allows them, and a user gets only the ledgers of their own scope. On seeded rows and on the demo data."""

from __future__ import annotations

import io
import uuid
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from db import figures
from db.activities.writes import create_activity
from db.auth import load_user
from db.engine import session_scope
from db.errors import PermissionDenied
from db.models import AppUser, Community, Organization, Street, Training, Volunteer
from db.periods import Period, period_of
from db.privacy import mask_name
from db.scope import Scope
from db.transfer.ledger import LEDGER_FIGURES, ledger_workbook, month_period
from tests.conftest import DEMO_TODAY
from tests.factories import activity_input, build_world, hours, make_case, make_donation, make_record

TODAY = date(2025, 6, 30)


def read(data: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb}


def summary(sheets) -> dict[str, object]:
    rows = sheets["汇总"]
    start = rows.index(("指标", "数值", "单位", "口径"))
    return {r[0]: r[1] for r in rows[start + 1:]}


def expected_summary(session, scope: Scope, period: Period) -> dict[str, object]:
    values = figures.values(session, LEDGER_FIGURES, scope, period)
    out = {}
    for key in LEDGER_FIGURES:
        label = figures.label(key)
        value = values[key]
        out[label] = figures.format_rate(value) if figures.is_rate(key) else (round(value, 2) if isinstance(value, float) else value)
    return out


def total_row(rows: list[tuple]) -> tuple:
    assert str(rows[-1][0]).startswith("合计（"), rows[-1]
    return rows[-1]


def column(rows: list[tuple], name: str) -> int:
    return rows[0].index(name)


def assert_sheets_add_up(sheets, figures: dict[str, object]) -> None:
    """Each detail sheet's 合计 row (and its row count) is the figure the overview shows."""
    acts, recs, gifts = sheets["活动"], sheets["志愿服务记录"], sheets["捐赠"]
    cases, trainings = sheets["纠纷调解"], sheets["培训"]
    assert len(acts) - 2 == figures["活动场次"]
    assert (total_row(acts)[column(acts, "服务人次")] or 0) == figures["服务人次"]
    assert round(total_row(recs)[column(recs, "时长（小时）")] or 0, 2) == figures["服务时长"]
    assert len(recs) - 2 == sum(1 for r in recs[1:-1])
    assert (total_row(gifts)[column(gifts, "善款（元）")] or 0) == figures["善款"]
    assert (total_row(gifts)[column(gifts, "物资折价（元）")] or 0) == figures["物资折价"]
    assert len(cases) - 2 == figures["受理纠纷"]
    assert len(trainings) - 2 == figures["培训"]
    assert (total_row(trainings)[column(trainings, "参训人次")] or 0) == figures["培训人次"]


@pytest.fixture
def seeded(engine):
    """June 2025 in community A (activities with volunteers, a backfilled 荣誉 record, a pending one, donations,
    cases, a training), plus rows that must be left out: May, July, community B, street 2."""
    w = build_world(engine, n_volunteers=0)
    with session_scope(engine, write=True) as s:
        vols = []
        for name, community in (("张小明", w.community_a), ("李华", w.community_a), ("王芳", w.community_b)):
            v = Volunteer(name=name, street_id=w.street1, community_id=community, registered_on=date(2024, 1, 1))
            s.add(v)
            s.flush()
            vols.append(v.id)
        org = Organization(name="港湾社工站", kind="工作站", street_id=w.street1, community_id=w.community_a)
        s.add(org)
        s.flush()
        s.add(Training(street_id=w.street1, organization_id=org.id, title="社工实务", topic="实务技能",
                       held_on=date(2025, 6, 12), sessions=2, trainees=35, hours=6))
        s.add(Training(street_id=w.street1, organization_id=org.id, title="五月培训", topic="实务技能",
                       held_on=date(2025, 5, 12), sessions=1, trainees=10, hours=2))
    ids = {}
    for title, day, community, people in (("六月一", date(2025, 6, 3), w.community_a, [(vols[0], 2), (vols[1], None)]),
                                          ("六月二", date(2025, 6, 20), w.community_a, [(vols[0], 1.5)]),
                                          ("五月", date(2025, 5, 20), w.community_a, [(vols[1], 1)]),
                                          ("东山", date(2025, 6, 5), w.community_b, [(vols[2], 2)])):
        with session_scope(engine, write=True) as s:
            user = w.staff_a if community == w.community_a else w.staff_s1
            ids[title] = create_activity(session=s, user=user, idempotency_key=uuid.uuid4().hex, today=TODAY,
                                         data=activity_input(title=title, activity_date=day, community_id=community,
                                                             lead_social_worker_id=w.worker1,
                                                             people_served=25, unique_persons=20,
                                                             volunteers=hours(*people)))
    with session_scope(engine, write=True) as s:
        from db.models import Activity

        act = s.get(Activity, ids["六月二"])
        make_record(s, act, s.get(Volunteer, vols[1]), 1.0, kind="荣誉")
        make_record(s, s.get(Activity, ids["六月一"]), s.get(Volunteer, vols[2]), 1.0, kind="荣誉", status="pending")
        street, a, b = s.get(Street, w.street1), s.get(Community, w.community_a), s.get(Community, w.community_b)
        make_donation(s, street, a, date(2025, 6, 2), 5000.0)
        make_donation(s, street, a, date(2025, 6, 9), 800.0, is_money=False)
        make_donation(s, street, a, date(2025, 7, 1), 999.0)
        make_donation(s, street, b, date(2025, 6, 9), 100.0)
        make_case(s, a, date(2025, 6, 4), "化解成功")
        make_case(s, a, date(2025, 6, 14), "处理中")
        make_case(s, b, date(2025, 6, 14), "未化解")
    return w, vols


def test_community_ledger_equals_the_tiles(engine, seeded):
    w, vols = seeded
    period = month_period(date(2025, 6, 17), TODAY)
    assert period == Period(date(2025, 6, 1), date(2025, 6, 30), "month")
    with session_scope(engine) as s:
        name, data = ledger_workbook(s, w.staff_a, Scope(community_id=w.community_a), date(2025, 6, 1),
                                     today=TODAY, real_names=False)
        expected = expected_summary(s, Scope(community_id=w.community_a), period)
    assert name == "新港山路社区_2025年6月_台账.xlsx"
    sheets = read(data)
    assert list(sheets) == ["汇总", "活动", "志愿服务记录", "捐赠", "纠纷调解", "培训"]
    figures = summary(sheets)
    assert figures == expected
    # The seeded June of community A, by hand: what the figures above must be.
    assert (figures["活动场次"], figures["服务人次"], figures["服务时长"], figures["荣誉时长"]) == (2, 50, 6.5, 1)
    assert (figures["善款"], figures["物资折价"], figures["受理纠纷"], figures["化解成功"]) == (5000, 800, 2, 1)
    assert (figures["培训"], figures["培训人次"], figures["调解成功率"]) == (1, 35, "100.0%")
    assert_sheets_add_up(sheets, figures)
    acts = sheets["活动"]
    assert [r[2] for r in acts[1:-1]] == ["六月一", "六月二"]
    people = acts[1][column(acts, "参与志愿者（时长）")]
    assert people == f"{mask_name('张小明')}（2小时）、{mask_name('李华')}（2小时）" and "张小明" not in people
    assert {r[2] for r in sheets["志愿服务记录"][1:-1]} == {mask_name("张小明"), mask_name("李华")}


def test_real_names_only_when_allowed(engine, seeded):
    w, _vols = seeded
    with session_scope(engine) as s:
        _name, data = ledger_workbook(s, w.staff_a, Scope(community_id=w.community_a), date(2025, 6, 1),
                                      today=TODAY, real_names=True)
    sheets = read(data)
    assert sheets["活动"][1][column(sheets["活动"], "参与志愿者（时长）")] == "张小明（2小时）、李华（2小时）"
    assert "含志愿者实名" in sheets["汇总"][1][0]


def test_street_ledger_equals_the_street_tiles(engine, seeded):
    w, _vols = seeded
    with session_scope(engine) as s:
        name, data = ledger_workbook(s, w.staff_s1, Scope(street_id=w.street1), date(2025, 6, 1), today=TODAY,
                                     real_names=False)
        expected = expected_summary(s, Scope(street_id=w.street1), Period(date(2025, 6, 1), date(2025, 6, 30)))
    assert name == "薛家岛街道_2025年6月_台账.xlsx"
    figures = summary(read(data))
    assert figures == expected and figures["活动场次"] == 3 and figures["善款"] == 5100
    assert_sheets_add_up(read(data), figures)


def test_ledgers_outside_the_users_scope_are_refused(engine, seeded):
    w, _vols = seeded
    with session_scope(engine) as s:
        for user, scope in ((w.staff_a, Scope(community_id=w.community_b)), (w.staff_a, Scope(street_id=w.street1)),
                            (w.staff_s1, Scope(community_id=w.community_c)), (w.staff_s1, Scope(street_id=w.street2))):
            with pytest.raises(PermissionDenied) as info:
                ledger_workbook(s, user, scope, date(2025, 6, 1), today=TODAY, real_names=False)
            assert str(info.value) == "您只能生成本人数据范围内的社区或街道台账。"
        # A leader reads (but does not write): the street's ledger is theirs to download.
        _name, data = ledger_workbook(s, w.leader, Scope(community_id=w.community_b), date(2025, 6, 1), today=TODAY,
                                      real_names=False)
    assert summary(read(data))["活动场次"] == 1


def test_a_future_month_is_refused():
    with pytest.raises(ValueError):
        month_period(date(2025, 8, 1), TODAY)
    assert month_period(date(2025, 6, 1), date(2025, 6, 12)) == Period(date(2025, 6, 1), date(2025, 6, 12), "month")


@pytest.mark.parametrize("month", [date(2026, 11, 1), date(2026, 10, 1)])
def test_demo_ledgers_equal_the_overview_tiles(demo_engine, month):
    with session_scope(demo_engine) as s:
        row = s.execute(select(AppUser).where(AppUser.username == "demo_staff")).scalar_one()
        staff = load_user(s, row.id, row.session_epoch)
        assert staff is not None and staff.scope.community_id is not None
        community = s.get(Community, staff.scope.community_id)
        period = month_period(month, DEMO_TODAY)
        if month.month == DEMO_TODAY.month:
            assert period == period_of("month", DEMO_TODAY)  # the overview's 本月
        for scope in (Scope(community_id=community.id), Scope(street_id=community.street_id)):
            admin_row = s.execute(select(AppUser).where(AppUser.username == "demo_admin")).scalar_one()
            admin = load_user(s, admin_row.id, admin_row.session_epoch)
            _name, data = ledger_workbook(s, admin, scope, month, today=DEMO_TODAY, real_names=True)
            sheets = read(data)
            figures = summary(sheets)
            assert figures == expected_summary(s, scope, period)
            assert figures["活动场次"] > 0 and figures["服务时长"] > 0
            assert_sheets_add_up(sheets, figures)
