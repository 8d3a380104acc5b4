"""Star levels (db.stars, db.volunteer_forms.award_star): the seeded presets, every threshold at its exact
boundary for each preset, per-street choice, editable presets, and awarding as a recorded, refusable action."""

from __future__ import annotations

import importlib
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from db.engine import session_scope
from db.errors import NotFound, PermissionDenied, StaleEdit
from db.migrate import upgrade
from db.models import Activity, AuditLog, StarAward, StreetStarPreset
from db.scope import Scope
from db.volunteers import stars as stars
from db.volunteers.writes import LevelInput, award_star, choose_street_preset, revoke_star, save_preset
from tests.asserts import assert_refused, in_session
from tests.factories import make_record, make_user, make_volunteers

PRESET_NAMES = ("全国（默认）", "北京", "惠州")
EXPECTED = {
    "全国（默认）": [100, 300, 600, 1000, 1500],
    "北京": [100, 200, 500, 800, 1000],
    "惠州": [100, 300, 600, 1000, 1500, 2000, 3000, 4000],
}


def preset_by_name(eng, name: str) -> stars.Preset:
    with session_scope(eng) as session:
        return next(p for p in stars.presets(session) if p.name == name)


def _activity(session, street_id: int, community_id: int | None, day: date = date(2024, 5, 1)) -> Activity:
    activity = Activity(street_id=street_id, community_id=community_id, title="测试活动", type="联动服务",
                        starts_at=datetime.combine(day, datetime.min.time()).replace(hour=8),
                        ends_at=datetime.combine(day, datetime.min.time()).replace(hour=12))
    session.add(activity)
    session.flush()
    return activity


def volunteers_with_hours(eng, street_id: int, community_id: int, totals: list[list[float]]) -> list[int]:
    """One volunteer per entry of ``totals``, with one approved record per listed hours (inserted directly:
    the thresholds, not the hour rules, are under test)."""
    from db.models import Street

    ids = []
    with session_scope(eng, write=True) as session:
        street = session.get(Street, street_id)
        from db.models import Community

        community = session.get(Community, community_id)
        for parts in totals:
            (volunteer,) = make_volunteers(session, street, community, n=1)
            for i, h in enumerate(parts):
                make_record(session, _activity(session, street_id, community_id, date(2024, 1 + i % 12, 1 + i // 12)),
                            volunteer, h)
            ids.append(volunteer.id)
    return ids


# ------------------------------------------------------------------------------------- seeded presets


def test_migration_seeds_the_three_presets(eng):
    with session_scope(eng) as session:
        seeded = {p.name: [lv.min_hours for lv in p.levels] for p in stars.presets(session)}
        labels = {p.name: [lv.label for lv in p.levels] for p in stars.presets(session)}
    for name, hours in EXPECTED.items():
        assert seeded[name] == [float(h) for h in hours]
    assert labels["惠州"][-3:] == ["五星（铜）", "五星（银）", "五星（金）"]
    assert labels["全国（默认）"] == ["一星", "二星", "三星", "四星", "五星"]
    # The migration keeps its own copy of the presets; it agrees with the rules module.
    migration = importlib.import_module("db.migrations.versions.0003_star_presets")
    assert {n: tuple(lv) for n, _d, lv in migration.PRESETS} == {n: tuple(v) for n, v in stars.SEED_PRESETS.items()}


def test_default_preset_is_listed_first(eng):
    with session_scope(eng) as session:
        assert stars.presets(session)[0].name == stars.DEFAULT_PRESET


# ------------------------------------------------------------------------------ thresholds (pure rule)


def _boundaries():
    for name, hours in EXPECTED.items():
        for rank, need in enumerate(hours, start=1):
            yield pytest.param(name, rank, float(need), id=f"{name}-{need}")


@pytest.mark.parametrize(("name", "rank", "need"), list(_boundaries()))
def test_each_threshold_is_reached_exactly_at_its_hours(eng, name, rank, need):
    levels = preset_by_name(eng, name).levels
    below = stars.eligible_level(round(need - 0.1, 1), levels)  # 99.9, 299.9, 599.9 …
    at = stars.eligible_level(need, levels)  # 100, 300, 600 …
    assert at is not None and at.rank == rank
    assert (below.rank if below else 0) == rank - 1
    assert stars.hours_to_next(round(need - 0.1, 1), levels) == pytest.approx(0.1)


def test_hours_to_next_star_and_the_top(eng):
    national = preset_by_name(eng, "全国（默认）").levels
    huizhou = preset_by_name(eng, "惠州").levels
    assert stars.hours_to_next(0, national) == 100
    assert stars.hours_to_next(100, national) == 200
    assert stars.next_level(100, national).label == "二星"
    assert stars.hours_to_next(1500, national) is None
    assert stars.next_level(1500, national) is None
    assert stars.hours_to_next(1500, huizhou) == 500
    assert stars.eligible_level(4000, huizhou).label == "五星（金）"
    assert stars.eligible_level(3999.99, huizhou).label == "五星（银）"


def test_float_noise_does_not_move_a_volunteer_across_a_threshold(eng):
    national = preset_by_name(eng, "全国（默认）").levels
    total = sum([33.3, 33.3, 33.3, 0.1])  # 99.99999999999999 in floating point
    assert total < 100
    assert stars.eligible_level(total, national).rank == 1


# ------------------------------------------------------------------- thresholds through the database


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_star_table_at_every_boundary_of_a_street_preset(eng, name):
    """A street of its own uses ``name``; volunteers sit just below and exactly at every threshold."""
    admin = make_admin(eng)
    from db.models import Street
    from tests.factories import make_community, make_street

    with session_scope(eng, write=True) as session:
        street = make_street(session)
        community = make_community(session, street)
        street_id, community_id = street.id, community.id
        assert isinstance(session.get(Street, street_id), Street)
    preset = preset_by_name(eng, name)
    with session_scope(eng, write=True) as session:
        choose_street_preset(session=session, user=admin, street_id=street_id, preset_id=preset.id,
                                   expected_version=None)
    totals = []
    for level in preset.levels:
        below = round(level.min_hours - 0.1, 1)
        # The exact total is reached through several records (as in real life), the near miss in one.
        totals += [[below], [level.min_hours / 2, level.min_hours / 2]]
    ids = volunteers_with_hours(eng, street_id, community_id, totals)
    with session_scope(eng) as session:
        table = stars.star_table(session, Scope(street_id=street_id)).set_index("volunteer_id")
    for i, level in enumerate(preset.levels):
        below, at = table.loc[ids[2 * i]], table.loc[ids[2 * i + 1]]
        assert at["hours"] == level.min_hours
        assert at["eligible_rank"] == level.rank and at["eligible"] == level.label
        assert below["eligible_rank"] == level.rank - 1
        assert below["next"] == level.label and below["to_next"] == pytest.approx(0.1)
        assert at["preset"] == name
        assert bool(at["pending"]) and at["awarded_rank"] == 0


def test_street_without_a_choice_uses_the_national_default(eng, w):
    with session_scope(eng) as session:
        assert session.get(StreetStarPreset, w.street2) is None
        assert stars.preset_for_street(session, w.street2).name == stars.DEFAULT_PRESET
        choices = stars.street_presets(session).set_index("street_id")
    assert choices.loc[w.street2, "preset"] == stars.DEFAULT_PRESET
    assert not choices.loc[w.street2, "chosen"]


def test_pending_and_rejected_hours_do_not_count_towards_a_star(eng, w):
    from db.models import Community, Street

    with session_scope(eng, write=True) as session:
        street, community = session.get(Street, w.street1), session.get(Community, w.community_a)
        (v,) = make_volunteers(session, street, community, n=1)
        make_record(session, _activity(session, w.street1, w.community_a), v, 99.9)
        make_record(session, _activity(session, w.street1, w.community_a), v, 5, status="pending")
        make_record(session, _activity(session, w.street1, w.community_a), v, 5, status="rejected")
        vid = v.id
    with session_scope(eng) as session:
        row = stars.star_table(session, Scope(), volunteer_id=vid).iloc[0]
    assert row["hours"] == 99.9 and row["eligible_rank"] == 0


# ------------------------------------------------------------------------------------- admin: presets


def make_admin(eng):
    with session_scope(eng, write=True) as session:
        return make_user(session, "admin")


def test_only_an_admin_chooses_a_street_preset(eng, w):
    beijing = preset_by_name(eng, "北京")
    for user in (w.leader, w.staff_s1, w.staff_a):
        assert_refused(eng, in_session(eng, lambda s, u=user: choose_street_preset(
            session=s, user=u, street_id=w.street1, preset_id=beijing.id, expected_version=None)),
            None, error=PermissionDenied)


def test_choosing_a_preset_is_versioned_and_audited(eng, w):
    admin = make_admin(eng)
    beijing, national = preset_by_name(eng, "北京"), preset_by_name(eng, "全国（默认）")
    from tests.factories import make_street

    with session_scope(eng, write=True) as session:
        street_id = make_street(session).id
    with session_scope(eng, write=True) as session:
        choose_street_preset(session=session, user=admin, street_id=street_id, preset_id=beijing.id,
                                   expected_version=None)
    with session_scope(eng) as session:
        assert stars.preset_for_street(session, street_id).name == "北京"
    # Someone who opened the page before that choice (no choice then) is refused, not silently applied.
    assert_refused(eng, in_session(eng, lambda s: choose_street_preset(
        session=s, user=admin, street_id=street_id, preset_id=national.id, expected_version=None)),
        None, error=StaleEdit)
    with session_scope(eng, write=True) as session:
        choose_street_preset(session=session, user=admin, street_id=street_id, preset_id=national.id,
                                   expected_version=1)
    with session_scope(eng) as session:
        assert stars.preset_for_street(session, street_id).name == stars.DEFAULT_PRESET
        audits = session.execute(select(AuditLog.action).where(AuditLog.table_name == "streetstarpreset",
                                                               AuditLog.record_id == street_id)).scalars().all()
    assert audits == ["create", "update"]


def levels(*pairs):
    return [LevelInput(label, hours) for label, hours in pairs]


def test_admin_creates_and_edits_a_preset(eng):
    admin = make_admin(eng)
    name = f"青岛{uuid.uuid4().hex[:6]}"
    with session_scope(eng, write=True) as session:
        preset_id = save_preset(session=session, user=admin, preset_id=None, name=name, description="测试",
                                      levels=levels(("一星", 50), ("二星", 150)))
    with session_scope(eng) as session:
        created = stars.preset(session, preset_id)
    assert [(lv.rank, lv.label, lv.min_hours) for lv in created.levels] == [(1, "一星", 50.0), (2, "二星", 150.0)]
    with session_scope(eng, write=True) as session:
        save_preset(session=session, user=admin, preset_id=preset_id, name=name, description="改",
                          levels=levels(("一星", 60), ("二星", 160), ("三星", 400)), expected_version=created.version)
    with session_scope(eng) as session:
        edited = stars.preset(session, preset_id)
    assert [lv.min_hours for lv in edited.levels] == [60.0, 160.0, 400.0]
    # An edit from a page opened before that change is refused.
    assert_refused(eng, in_session(eng, lambda s: save_preset(
        session=s, user=admin, preset_id=preset_id, name=name, description="", levels=levels(("一星", 70)),
        expected_version=created.version)), None, error=StaleEdit)


@pytest.mark.parametrize(("rows", "fragment"), [
    ([], "至少需要一级"),
    ([("一星", 100), ("二星", 100)], "须高于上一级"),
    ([("一星", 300), ("二星", 200)], "须高于上一级"),
    ([("一星", 0)], "须大于 0"),
    ([("一星", -5)], "须大于 0"),
    ([("", 100)], "名称不能为空"),
    ([("一星", 100), ("一星", 200)], "重复"),
    ([("一星", "很多")], "须填写数字"),
])
def test_bad_levels_are_refused_with_a_message(eng, rows, fragment):
    admin = make_admin(eng)
    assert_refused(eng, in_session(eng, lambda s: save_preset(
        session=s, user=admin, preset_id=None, name=f"坏{uuid.uuid4().hex[:6]}", description="",
        levels=levels(*rows))), "levels", "「星级档位」", fragment)


def test_preset_name_must_be_unique_and_present(eng):
    admin = make_admin(eng)
    for name, fragment in (("北京", "已存在"), ("  ", "不能为空")):
        assert_refused(eng, in_session(eng, lambda s, n=name: save_preset(
            session=s, user=admin, preset_id=None, name=n, description="", levels=levels(("一星", 1)))),
            "preset_name", fragment)


def test_staff_cannot_edit_presets(eng, w):
    assert_refused(eng, in_session(eng, lambda s: save_preset(
        session=s, user=w.staff_s1, preset_id=None, name="员工的标准", description="", levels=levels(("一星", 1)))),
        None, error=PermissionDenied)


# -------------------------------------------------------------------------------------------- awards


def award(eng, user, volunteer_id, rank, key=None, awarded_on=date(2025, 1, 2)):
    with session_scope(eng, write=True) as session:
        return award_star(session=session, user=user, volunteer_id=volunteer_id, rank=rank,
                          idempotency_key=key or uuid.uuid4().hex, awarded_on=awarded_on)


def test_awarding_needs_the_hours(eng, w):
    (short, enough) = volunteers_with_hours(eng, w.street2, w.community_c, [[99.9], [100.0]])
    assert_refused(eng, lambda: award(eng, w.admin, short, 1), "rank", "「星级」", "99.9 小时", "「一星」所需的 100 小时")
    award_id = award(eng, w.admin, enough, 1)
    with session_scope(eng) as session:
        row = session.get(StarAward, award_id)
        assert (row.volunteer_id, row.rank, row.awarded_by) == (enough, 1, w.admin.id)
        table = stars.star_table(session, Scope(), volunteer_id=enough).iloc[0]
        audit = session.execute(select(AuditLog).where(AuditLog.table_name == "staraward",
                                                       AuditLog.record_id == award_id)).scalar_one()
    assert table["awarded"] == "一星" and not table["pending"]
    assert audit.action == "create" and audit.new_values["label"] == "一星"


def test_award_is_refused_twice_and_never_downgraded(eng, w):
    (vid,) = volunteers_with_hours(eng, w.street2, w.community_c, [[150.0, 150.0]])
    award(eng, w.admin, vid, 2)
    for rank in (1, 2):
        assert_refused(eng, lambda r=rank: award(eng, w.admin, vid, r), "rank", "已认定为「二星」")


def test_award_of_an_unknown_level_is_refused(eng, w):
    (vid,) = volunteers_with_hours(eng, w.street2, w.community_c, [[100.0]])
    assert_refused(eng, lambda: award(eng, w.admin, vid, 9), "rank", "不在「全国（默认）」标准中")


def test_a_repeated_submission_awards_once(eng, w):
    (vid,) = volunteers_with_hours(eng, w.street2, w.community_c, [[100.0]])
    key = uuid.uuid4().hex
    first = award(eng, w.admin, vid, 1, key=key)
    assert award(eng, w.admin, vid, 1, key=key) == first
    with session_scope(eng) as session:
        assert session.execute(select(func.count()).select_from(StarAward)
                               .where(StarAward.volunteer_id == vid)).scalar_one() == 1


def test_leaders_and_staff_of_another_scope_cannot_award(eng, w):
    (vid,) = volunteers_with_hours(eng, w.street2, w.community_c, [[100.0]])
    assert_refused(eng, lambda: award(eng, w.leader, vid, 1), None, error=PermissionDenied)
    for staff in (w.staff_a, w.staff_s1):  # community A / street 1; the volunteer is in street 2
        assert_refused(eng, lambda u=staff: award(eng, u, vid, 1), None, error=PermissionDenied)


def test_staff_award_within_their_scope(eng, w):
    (vid,) = volunteers_with_hours(eng, w.street1, w.community_a, [[120.0]])
    award(eng, w.staff_a, vid, 1)
    with session_scope(eng) as session:
        assert stars.star_table(session, Scope(), volunteer_id=vid).iloc[0]["awarded_rank"] == 1


def revoke(eng, user, award_id, reason="认定时误用了另一名志愿者的时长"):
    with session_scope(eng, write=True) as session:
        return revoke_star(session=session, user=user, award_id=award_id, reason=reason)


def test_revoking_the_highest_award_with_a_reason(eng, w):
    (vid,) = volunteers_with_hours(eng, w.street1, w.community_a, [[150.0, 160.0]])
    first, second = award(eng, w.staff_a, vid, 1), award(eng, w.staff_a, vid, 2)
    # The lower one while the higher one stands, and no reason: both said.
    assert_refused(eng, lambda: revoke(eng, w.staff_a, first, reason=" "), {"revoke_reason", "rank"},
                   "「撤销原因」不能为空", "须先撤销最高的一级")
    assert_refused(eng, lambda: revoke(eng, w.leader, second), None, error=PermissionDenied)
    assert revoke(eng, w.staff_a, second) == vid
    with session_scope(eng) as session:
        row = stars.star_table(session, Scope(), volunteer_id=vid).iloc[0]
        audit = session.execute(select(AuditLog).where(AuditLog.table_name == "staraward",
                                                       AuditLog.record_id == second)
                                .order_by(AuditLog.id)).scalars().all()
    assert row["awarded_rank"] == 1 and row["pending"]  # eligible for 二星 again, awarded 一星
    assert [a.action for a in audit] == ["create", "delete"]
    assert audit[1].old_values["rank"] == 2 and audit[1].new_values == {"reason": "认定时误用了另一名志愿者的时长"}
    assert_refused(eng, lambda: revoke(eng, w.staff_a, second), None, error=NotFound)


def test_revoking_is_checked_for_role_and_scope(eng, w):
    (vid,) = volunteers_with_hours(eng, w.street2, w.community_c, [[100.0]])
    award_id = award(eng, w.admin, vid, 1)
    for user in (w.leader, w.staff_a, w.staff_s1):  # a leader; staff of community A / street 1
        assert_refused(eng, lambda u=user: revoke(eng, u, award_id), None, error=PermissionDenied)
    with session_scope(eng) as session:
        assert session.get(StarAward, award_id) is not None


def test_preset_edit_may_not_drop_an_awarded_level(eng, w):
    admin = make_admin(eng)
    name = f"缩减{uuid.uuid4().hex[:6]}"
    from tests.factories import make_community, make_street

    with session_scope(eng, write=True) as session:
        preset_id = save_preset(session=session, user=admin, preset_id=None, name=name, description="",
                                      levels=levels(("一星", 10), ("二星", 20)))
        street = make_street(session)
        community = make_community(session, street)
        street_id, community_id = street.id, community.id
    with session_scope(eng, write=True) as session:
        choose_street_preset(session=session, user=admin, street_id=street_id, preset_id=preset_id,
                                   expected_version=None)
    (vid,) = volunteers_with_hours(eng, street_id, community_id, [[25.0]])
    award(eng, admin, vid, 2)
    version = preset_by_name(eng, name).version
    assert_refused(eng, in_session(eng, lambda s: save_preset(
        session=s, user=admin, preset_id=preset_id, name=name, description="", levels=levels(("一星", 10)),
        expected_version=version)), "levels", "不能减少到 1 级")


def test_level_counts(eng, w):
    with session_scope(eng) as session:
        table = stars.star_table(session, Scope())
    counts = stars.level_counts(table)
    assert counts["eligible"].sum() == (table["eligible_rank"] > 0).sum()
    assert counts["awarded"].sum() == (table["awarded_rank"] > 0).sum()


def test_demo_has_awarded_and_pending_star_volunteers(demo_engine):
    with session_scope(demo_engine) as session:
        table = stars.star_table(session, Scope())
        choices = stars.street_presets(session)
    assert (table["awarded_rank"] > 0).sum() >= 10
    assert table["pending"].sum() >= 5
    # Never awarded above what the hours reach.
    assert (table["awarded_rank"] <= table["eligible_rank"]).all()
    assert choices["chosen"].all() and set(choices["preset"]) == {stars.DEFAULT_PRESET}


def test_float_noise_in_summed_records_does_not_miss_a_threshold(eng, w):
    (vid,) = volunteers_with_hours(eng, w.street2, w.community_c, [[33.3, 33.3, 33.3, 0.1]])
    with session_scope(eng) as session:
        row = stars.star_table(session, Scope(), volunteer_id=vid).iloc[0]
    assert row["hours"] == 100.0 and row["eligible"] == "一星"


def test_presets_arrive_with_migration_0003(empty_engine):
    from db.models import StarLevel, StarPreset

    upgrade(empty_engine, "0002")
    with session_scope(empty_engine) as session:
        assert session.execute(select(func.count()).select_from(StarPreset)).scalar_one() == 0
    upgrade(empty_engine)
    with session_scope(empty_engine) as session:
        assert session.execute(select(func.count()).select_from(StarPreset)).scalar_one() == 3
        assert session.execute(select(func.count()).select_from(StarLevel)).scalar_one() == 5 + 5 + 8
    # New presets get fresh ids after the seeded ones (PostgreSQL sequences were not bypassed).
    with session_scope(empty_engine, write=True) as session:
        admin = make_user(session, "admin")
    with session_scope(empty_engine, write=True) as session:
        new_id = save_preset(session=session, user=admin, preset_id=None, name="新标准", description="",
                                   levels=levels(("一星", 10)))
    assert new_id > 3


def test_the_default_preset_keeps_its_name(eng):
    admin = make_admin(eng)
    national = preset_by_name(eng, stars.DEFAULT_PRESET)
    assert_refused(eng, in_session(eng, lambda s: save_preset(
        session=s, user=admin, preset_id=national.id, name="全国", description="",
        levels=levels(*[(lv.label, lv.min_hours) for lv in national.levels]), expected_version=national.version)),
        "preset_name", "不能改名")
