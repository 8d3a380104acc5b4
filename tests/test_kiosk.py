"""Kiosk links (db/admin/kiosk.py): admin-only and audited; only the token's hash is stored; unknown and revoked
tokens are refused; last_used_at is written at most once a minute; the viewer is a read-only principal that no
write service accepts and that may open the big screen alone."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from components import nav
from db.activities.writes import create_activity
from db.admin.kiosk import (
    KioskViewer,
    create_kiosk_link,
    link_is_valid,
    list_kiosk_links,
    revoke_kiosk_link,
    token_hash,
    viewer_for_token,
)
from db.auth import load_user
from db.engine import session_scope
from db.errors import NotFound, PermissionDenied, ValidationFailed
from db.models import AuditLog, KioskLink
from db.scope import Scope
from db.write import data_version
from tests.factories import activity_input, build_world, hours

NOW = datetime(2026, 11, 28, 9, 30)


def _create(engine, actor, name="评审会大屏", street=None, community=None, key="k1"):
    with session_scope(engine, write=True) as s:
        return create_kiosk_link(session=s, actor=actor, name=name, street_id=street, community_id=community,
                                 idempotency_key=key)


def _audit(engine, action: str) -> list[AuditLog]:
    with session_scope(engine) as s:
        return list(s.execute(select(AuditLog).where(AuditLog.table_name == "kiosklink",
                                                     AuditLog.action == action)).scalars())


def test_admin_creates_a_link_whose_token_is_stored_only_as_its_hash(engine):
    world = build_world(engine, n_volunteers=1)
    link_id, token = _create(engine, world.admin, street=world.street1)
    assert token is not None and len(token) >= 43  # secrets.token_urlsafe(32)
    with session_scope(engine) as s:
        row = s.get(KioskLink, link_id)
        assert row.token_hash == token_hash(token) and token not in row.token_hash
        assert row.name == "评审会大屏" and row.street_id == world.street1 and row.community_id is None
        assert row.created_by == world.admin.id and row.revoked_at is None and row.last_used_at is None
    (audit,) = _audit(engine, "create")
    assert audit.user_id == world.admin.id and audit.record_id == link_id
    assert token not in str(audit.new_values) and token_hash(token) not in str(audit.new_values)


def test_two_links_get_different_tokens(engine):
    world = build_world(engine, n_volunteers=1)
    _, first = _create(engine, world.admin, street=world.street1, key="a")
    _, second = _create(engine, world.admin, street=world.street1, key="b")
    assert first != second


def test_a_retried_submission_creates_one_link_and_shows_no_second_token(engine):
    world = build_world(engine, n_volunteers=1)
    first_id, token = _create(engine, world.admin, street=world.street1, key="same")
    again_id, again_token = _create(engine, world.admin, street=world.street1, key="same")
    assert again_id == first_id and token is not None and again_token is None
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(KioskLink)).scalar_one() == 1


@pytest.mark.parametrize("who", ["leader", "staff_a", "staff_s1", "nobody"])
def test_only_an_admin_may_create_list_or_revoke(engine, who):
    world = build_world(engine, n_volunteers=1)
    link_id, _ = _create(engine, world.admin, street=world.street1)
    actor = None if who == "nobody" else getattr(world, who)
    with pytest.raises(PermissionDenied):
        _create(engine, actor, street=world.street1, key="other")
    with pytest.raises(PermissionDenied), session_scope(engine, write=True) as s:
        revoke_kiosk_link(session=s, actor=actor, link_id=link_id)
    with pytest.raises(PermissionDenied), session_scope(engine) as s:
        list_kiosk_links(s, actor)
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(KioskLink)).scalar_one() == 1
        assert s.get(KioskLink, link_id).revoked_at is None


def test_bad_input_names_the_field_and_writes_nothing(engine):
    world = build_world(engine, n_volunteers=1)
    with pytest.raises(ValidationFailed) as refused:
        _create(engine, world.admin, name="  ", street=None, community=world.community_c, key="bad")
    errors = refused.value.errors
    assert errors["name"].startswith("「链接名称」") and errors["street_id"].startswith("「街道」")
    with pytest.raises(ValidationFailed) as wrong_street:
        _create(engine, world.admin, street=world.street1, community=world.community_c, key="bad2")
    assert wrong_street.value.errors["community_id"] == "「社区」所选社区不属于该街道"
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(KioskLink)).scalar_one() == 0
    assert _audit(engine, "create") == []


def test_a_valid_token_gives_a_read_only_viewer_of_the_links_scope(engine):
    world = build_world(engine, n_volunteers=1)
    _, street_token = _create(engine, world.admin, street=world.street1, key="s")
    _, community_token = _create(engine, world.admin, street=world.street1, community=world.community_a, key="c")
    with session_scope(engine, write=True) as s:
        street_viewer = viewer_for_token(s, street_token, now=NOW)
        community_viewer = viewer_for_token(s, community_token, now=NOW)
    assert isinstance(street_viewer, KioskViewer) and street_viewer.scope == Scope(street_id=world.street1)
    assert community_viewer.scope == Scope(community_id=world.community_a)
    assert street_viewer.may_write is False and street_viewer.role == "kiosk"


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 500, None])
def test_unknown_tokens_are_refused(engine, token):
    world = build_world(engine, n_volunteers=1)
    _create(engine, world.admin, street=world.street1)
    with session_scope(engine, write=True) as s:
        assert viewer_for_token(s, token, now=NOW) is None


def test_a_revoked_token_is_refused_and_the_revocation_is_audited(engine):
    world = build_world(engine, n_volunteers=1)
    link_id, token = _create(engine, world.admin, street=world.street1)
    with session_scope(engine, write=True) as s:
        assert viewer_for_token(s, token, now=NOW) is not None
        assert link_is_valid(s, link_id)
    with session_scope(engine, write=True) as s:
        revoke_kiosk_link(session=s, actor=world.admin, link_id=link_id)
    with session_scope(engine, write=True) as s:
        assert viewer_for_token(s, token, now=NOW) is None
        assert not link_is_valid(s, link_id)
    (audit,) = _audit(engine, "revoke")
    assert audit.user_id == world.admin.id and audit.record_id == link_id
    with session_scope(engine) as s:
        listed = list_kiosk_links(s, world.admin)
    assert listed.loc[listed["id"] == link_id, "status"].item() == "已撤销"
    with pytest.raises(NotFound), session_scope(engine, write=True) as s:
        revoke_kiosk_link(session=s, actor=world.admin, link_id=987_654)


def test_last_used_is_written_at_most_once_a_minute_and_does_not_bump_the_data_version(engine):
    world = build_world(engine, n_volunteers=1)
    link_id, token = _create(engine, world.admin, street=world.street1)

    def use(at: datetime) -> datetime | None:
        with session_scope(engine, write=True) as s:
            assert viewer_for_token(s, token, now=at) is not None
        with session_scope(engine) as s:
            return s.get(KioskLink, link_id).last_used_at

    with session_scope(engine) as s:
        before = data_version(s)
    assert use(NOW) == NOW
    assert use(NOW + timedelta(seconds=59)) == NOW  # within the minute: not written again
    assert use(NOW + timedelta(seconds=60)) == NOW + timedelta(seconds=60)
    with session_scope(engine) as s:
        assert data_version(s) == before


def test_the_list_shows_name_scope_creator_times_and_status(engine):
    world = build_world(engine, n_volunteers=1)
    street_id, token = _create(engine, world.admin, name="街道大屏", street=world.street1, key="s")
    community_id, _ = _create(engine, world.admin, name="社区大屏", street=world.street1,
                              community=world.community_a, key="c")
    with session_scope(engine, write=True) as s:
        viewer_for_token(s, token, now=NOW)
    with session_scope(engine) as s:
        listed = list_kiosk_links(s, world.admin).set_index("id")
    assert list(listed.index) == [community_id, street_id]  # newest first
    assert listed.loc[street_id, "scope"] == "薛家岛街道（整个街道）"
    assert listed.loc[community_id, "scope"] == "薛家岛街道 · 新港山路社区"
    assert listed.loc[street_id, "last_used_at"] == NOW and listed.loc[community_id, "status"] == "有效"
    assert listed.loc[street_id, "created_by"] == world.admin.display_name
    assert "token_hash" not in listed.columns


def test_no_write_service_accepts_a_kiosk_viewer(engine):
    world = build_world(engine, n_volunteers=2)
    viewer = KioskViewer(link_id=1, name="大屏", street_id=world.street1, community_id=world.community_a)
    data = activity_input(community_id=world.community_a,
                          volunteers=hours((world.volunteers[0], 1.0)))
    with pytest.raises(PermissionDenied), session_scope(engine, write=True) as s:
        create_activity(session=s, user=viewer, data=data, idempotency_key="kiosk-write")
    with pytest.raises(PermissionDenied):
        _create(engine, viewer, street=world.street1, key="kiosk-link")


def test_a_kiosk_viewer_may_open_the_big_screen_alone():
    viewer = KioskViewer(link_id=1, name="大屏", street_id=1, community_id=None)
    assert nav.pages_for(viewer) == []  # the sidebar lists nothing
    assert nav.may_open(viewer, nav.SCREEN)
    for page in nav.PAGES:
        if page.path != nav.SCREEN:
            assert not nav.may_open(viewer, page.path), page.path


def test_a_demo_reset_removes_the_links_of_demo_places(engine):
    from datetime import date

    from db.demo import load_demo, reset_demo
    from db.models import AppUser, Street

    load_demo(engine, today=date(2026, 11, 28))
    with session_scope(engine) as s:
        demo_street = s.execute(select(Street.id).where(Street.name == "乔司街道")).scalar_one()
        admin_row = s.execute(select(AppUser).where(AppUser.username == "demo_admin")).scalar_one()
        admin = load_user(s, admin_row.id, admin_row.session_epoch)
    link, token = _create(engine, admin, street=demo_street, key="demo")
    reset_demo(engine, today=date(2026, 11, 28))  # a demo database: the reset is allowed
    with session_scope(engine) as s:
        assert s.get(KioskLink, link) is None and viewer_for_token(s, token, now=NOW) is None
