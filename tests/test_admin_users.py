"""User administration (db.admin.users): every action admin-only in db, audited without passwords, versioned;
a reset password forces a change at the next login (in db and on the page); a locked or deactivated user cannot
log in and their open session ends."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.admin import users as admin
from db.auth import GENERIC_LOGIN_ERROR, CurrentUser, authenticate, issue_token, load_user, user_from_token
from db.engine import session_scope
from db.errors import LoginFailed, NotFound, PermissionDenied, StaleEdit, ValidationFailed
from db.migrate import upgrade
from db.models import AppUser, AuditLog, Organization
from db.write import data_version, require_writer
from tests.factories import PASSWORD, make_community, make_street, make_user

_names = itertools.count(1)
T0 = datetime(2025, 6, 1, 9, 0, 0)
NEW_PASSWORD = "Fresh-start-2025"


def fresh_name() -> str:
    return f"adm_user_{next(_names)}"


@pytest.fixture(scope="module")
def world(databases):
    engine = databases.new()
    upgrade(engine)
    with session_scope(engine, write=True) as session:
        street = make_street(session)
        community = make_community(session, street)
        org = Organization(name="测试社会组织", kind="社会组织", street_id=street.id)
        session.add(org)
        session.flush()
        admin_user = make_user(session, "admin", username="chief_admin")
        staff = make_user(session, "staff", "community", community.id, username="some_staff")
        leader = make_user(session, "leader", "street", street.id, username="some_leader")
    yield engine, {"street": street.id, "community": community.id, "org": org.id, "admin": admin_user,
                   "staff": staff, "leader": leader}
    engine.dispose()


@pytest.fixture
def eng(world):
    return world[0]


@pytest.fixture
def ref(world):
    return world[1]


def row_of(eng, user_id: int) -> AppUser:
    with session_scope(eng) as session:
        return session.get(AppUser, user_id)


def new_user(eng, role="staff", scope_type="all", scope_id=None) -> CurrentUser:
    with session_scope(eng, write=True) as session:
        return make_user(session, role, scope_type, scope_id, username=fresh_name())


def login(eng, username: str, password: str = PASSWORD, now: datetime | None = None) -> CurrentUser:
    with session_scope(eng) as session:
        return authenticate(session=session, username=username, password=password, now=now)


def audit_rows(eng, user_id: int, since: int = 0) -> list[AuditLog]:
    with session_scope(eng) as session:
        return list(session.execute(select(AuditLog).where(
            AuditLog.table_name == "appuser", AuditLog.record_id == user_id, AuditLog.id > since)
            .order_by(AuditLog.id)).scalars())


def last_audit_id(eng) -> int:
    with session_scope(eng) as session:
        return session.execute(select(func.coalesce(func.max(AuditLog.id), 0))).scalar_one()


def run(eng, service: Callable, **kwargs):
    with session_scope(eng, write=True) as session:
        return service(session=session, **kwargs)


def version_of(eng, user_id: int) -> int:
    return row_of(eng, user_id).version


# ------------------------------------------------------------------------- each action, by an admin


def assert_no_secret_in(rows: list[AuditLog], password_hash: str, *passwords: str) -> None:
    for r in rows:
        text = f"{r.old_values} {r.new_values}"
        assert "password_hash" not in text
        assert password_hash not in text
        for p in passwords:
            assert p not in text


def test_admin_creates_a_user_who_must_change_the_password(eng, ref):
    mark = last_audit_id(eng)
    name = fresh_name()
    user_id = run(eng, admin.create_user, actor=ref["admin"], username=name, password="Initial-pass-1",
                  role="staff", scope_type="community", scope_id=ref["community"], display_name="王小红")
    row = row_of(eng, user_id)
    assert (row.username, row.display_name, row.role, row.scope_type, row.scope_id) == \
        (name, "王小红", "staff", "community", ref["community"])
    assert row.must_change_password and row.is_active and not row.is_locked
    rows = audit_rows(eng, user_id, mark)
    assert [(r.action, r.user_id) for r in rows] == [("create", ref["admin"].id)]
    assert_no_secret_in(rows, row.password_hash, "Initial-pass-1")


def test_create_with_the_same_idempotency_key_writes_once(eng, ref):
    name = fresh_name()
    kwargs = {"actor": ref["admin"], "username": name, "password": "Initial-pass-1", "role": "leader",
              "scope_type": "street", "scope_id": ref["street"], "idempotency_key": f"key-{name}"}
    first = run(eng, admin.create_user, **kwargs)
    assert run(eng, admin.create_user, **kwargs) == first
    with session_scope(eng) as session:
        assert session.execute(select(func.count()).where(AppUser.username == name)).scalar_one() == 1


BAD_CREATE = {
    "password-too-short": ({"password": "Ab1-xyz"}, "password", "至少 8 位"),
    "password-equals-username": ({"username": "same_as_pw1", "password": "same_as_pw1"}, "password",
                                 "不能与用户名相同"),
    "password-equals-username-other-case": ({"username": "Case_Name9", "password": "case_name9"}, "password",
                                            "不能与用户名相同"),
    "unknown-community": ({"scope_type": "community", "scope_id": 987_654}, "scope", "不存在"),
    "unknown-organisation": ({"scope_type": "organization", "scope_id": 987_654}, "scope", "不存在"),
    "street-without-id": ({"scope_type": "street", "scope_id": None}, "scope", "不存在"),
    "unknown-role": ({"role": "root"}, "role", "角色"),
}


@pytest.mark.parametrize("case", list(BAD_CREATE), ids=list(BAD_CREATE))
def test_create_refuses_bad_input_with_a_chinese_message_and_writes_nothing(eng, ref, case):
    overrides, field, words = BAD_CREATE[case]
    values = {"username": fresh_name(), "password": "Initial-pass-1", "role": "staff", "scope_type": "all",
              "scope_id": None, **overrides}
    with session_scope(eng) as session:
        before = (session.execute(select(func.count()).select_from(AppUser)).scalar_one(), data_version(session))
    mark = last_audit_id(eng)
    with pytest.raises(ValidationFailed) as info:
        run(eng, admin.create_user, actor=ref["admin"], **values)
    assert set(info.value.errors) == {field}
    assert words in info.value.errors[field] and "「" in info.value.errors[field]
    with session_scope(eng) as session:
        after = (session.execute(select(func.count()).select_from(AppUser)).scalar_one(), data_version(session))
    assert after == before and last_audit_id(eng) == mark


def test_create_accepts_an_existing_organisation_scope(eng, ref):
    user_id = run(eng, admin.create_user, actor=ref["admin"], username=fresh_name(), password="Initial-pass-1",
                  role="staff", scope_type="organization", scope_id=ref["org"])
    assert (row_of(eng, user_id).scope_type, row_of(eng, user_id).scope_id) == ("organization", ref["org"])


def test_reset_password_forces_a_change_at_the_next_login(eng, ref):
    user = new_user(eng)
    mark = last_audit_id(eng)
    run(eng, admin.reset_password, actor=ref["admin"], user_id=user.id, new_password="Reset-by-admin-1",
        expected_version=version_of(eng, user.id))
    row = row_of(eng, user.id)
    rows = audit_rows(eng, user.id, mark)
    assert [r.action for r in rows] == ["password_reset"]
    assert rows[0].new_values["password"] == "已重置" and rows[0].new_values["must_change_password"] is True
    assert_no_secret_in(rows, row.password_hash, "Reset-by-admin-1")
    # The old password no longer works; the open session of the old password ended.
    with pytest.raises(LoginFailed):
        login(eng, user.username, PASSWORD)
    with session_scope(eng) as session:
        assert load_user(session, user.id, user.session_epoch) is None
    # The new one logs in, but the user must change it first: no write is accepted until then.
    current = login(eng, user.username, "Reset-by-admin-1")
    assert current.must_change_password
    with pytest.raises(PermissionDenied) as info:
        require_writer(current)
    assert "修改密码" in str(info.value)
    renewed = run(eng, admin.change_own_password, user=current, old_password="Reset-by-admin-1",
                  new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)
    assert not renewed.must_change_password and renewed.session_epoch == current.session_epoch + 1
    require_writer(renewed)
    assert not row_of(eng, user.id).must_change_password
    assert login(eng, user.username, NEW_PASSWORD).id == user.id
    with pytest.raises(LoginFailed):
        login(eng, user.username, "Reset-by-admin-1")


def test_change_own_password_ends_other_sessions_and_keeps_this_one(eng):
    user = new_user(eng)
    current = login(eng, user.username, now=T0)
    with session_scope(eng) as session:
        other_tab = issue_token(session, current)
    renewed = run(eng, admin.change_own_password, user=current, old_password=PASSWORD, new_password=NEW_PASSWORD)
    assert renewed.expires_at == current.expires_at
    with session_scope(eng) as session:
        assert user_from_token(session, other_tab, now=T0) is None
        assert load_user(session, renewed.id, renewed.session_epoch) == renewed
    rows = audit_rows(eng, user.id)
    assert rows[-1].action == "password_change" and rows[-1].user_id == user.id
    assert_no_secret_in(rows, row_of(eng, user.id).password_hash, PASSWORD, NEW_PASSWORD)


BAD_CHANGE = {
    "wrong-old": ({"old_password": "not-my-password"}, {"old_password"}, "原密码"),
    "too-short": ({"new_password": "short1", "confirm_password": "short1"}, {"new_password"}, "至少 8 位"),
    "same-as-old": ({"new_password": PASSWORD, "confirm_password": PASSWORD}, {"new_password"}, "不能与原密码相同"),
    "confirm-differs": ({"confirm_password": "Something-else-1"}, {"confirm_password"}, "不一致"),
}


@pytest.mark.parametrize("case", list(BAD_CHANGE), ids=list(BAD_CHANGE))
def test_change_own_password_refuses_bad_input_and_writes_nothing(eng, case):
    overrides, fields, words = BAD_CHANGE[case]
    user = new_user(eng)
    before = row_of(eng, user.id)
    values = {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
              **overrides}
    with pytest.raises(ValidationFailed) as info:
        run(eng, admin.change_own_password, user=user, **values)
    assert set(info.value.errors) == fields
    assert words in "".join(info.value.errors.values())
    after = row_of(eng, user.id)
    assert (after.password_hash, after.version, after.session_epoch) == \
        (before.password_hash, before.version, before.session_epoch)


def test_new_password_equal_to_the_user_name_is_refused(eng):
    user = new_user(eng)
    with pytest.raises(ValidationFailed) as info:
        run(eng, admin.change_own_password, user=user, old_password=PASSWORD, new_password=user.username)
    assert info.value.errors == {"new_password": "「新密码」不能与用户名相同"}


def test_locked_user_cannot_log_in_and_their_open_session_ends(eng, ref):
    user = new_user(eng)
    current = login(eng, user.username)
    with session_scope(eng) as session:
        token = issue_token(session, current)
    mark = last_audit_id(eng)
    run(eng, admin.lock_user, actor=ref["admin"], user_id=user.id, expected_version=version_of(eng, user.id))
    assert [r.action for r in audit_rows(eng, user.id, mark)] == ["lock"]
    with session_scope(eng) as session:
        assert load_user(session, current.id, current.session_epoch, expires_at=current.expires_at) is None
        assert user_from_token(session, token) is None
    with pytest.raises(LoginFailed) as info:
        login(eng, user.username)
    assert str(info.value) == GENERIC_LOGIN_ERROR
    run(eng, admin.unlock_user, actor=ref["admin"], user_id=user.id, expected_version=version_of(eng, user.id))
    assert [r.action for r in audit_rows(eng, user.id, mark)][-2:] == ["login_failed", "unlock"]
    assert login(eng, user.username).id == user.id


def test_unlock_clears_an_automatic_lock(eng, ref):
    user = new_user(eng)
    for i in range(5):
        with pytest.raises(LoginFailed):
            login(eng, user.username, f"wrong-{i}", now=T0)
    assert row_of(eng, user.id).locked_until is not None
    run(eng, admin.unlock_user, actor=ref["admin"], user_id=user.id, expected_version=version_of(eng, user.id))
    row = row_of(eng, user.id)
    assert (row.locked_until, row.failed_logins, row.lock_count) == (None, 0, 0)
    assert login(eng, user.username, now=T0 + timedelta(seconds=1)).id == user.id


def test_cli_unlock_by_name_is_audited(eng, ref):
    user = new_user(eng)
    run(eng, admin.lock_user, actor=ref["admin"], user_id=user.id, expected_version=version_of(eng, user.id))
    assert run(eng, admin.unlock_by_name, username=user.username) is True
    assert run(eng, admin.unlock_by_name, username="no_such_user_here") is False
    last = audit_rows(eng, user.id)[-1]
    assert (last.action, last.username, last.new_values["is_locked"]) == ("unlock", "cli", False)
    assert login(eng, user.username).id == user.id


def test_change_role_and_scope_applies_to_the_open_session(eng, ref):
    user = new_user(eng, "staff", "community", ref["community"])
    mark = last_audit_id(eng)
    run(eng, admin.change_role_scope, actor=ref["admin"], user_id=user.id, role="leader", scope_type="street",
        scope_id=ref["street"], expected_version=version_of(eng, user.id))
    rows = audit_rows(eng, user.id, mark)
    assert [r.action for r in rows] == ["role_scope"]
    assert rows[0].old_values == {"role": "staff", "scope_type": "community", "scope_id": ref["community"]}
    assert rows[0].new_values == {"role": "leader", "scope_type": "street", "scope_id": ref["street"]}
    with session_scope(eng) as session:
        reloaded = load_user(session, user.id, user.session_epoch)
    assert (reloaded.role, reloaded.scope_type, reloaded.scope_id, reloaded.may_write) == \
        ("leader", "street", ref["street"], False)


def test_change_scope_to_a_missing_place_is_refused(eng, ref):
    user = new_user(eng)
    with pytest.raises(ValidationFailed) as info:
        run(eng, admin.change_role_scope, actor=ref["admin"], user_id=user.id, role="staff",
            scope_type="community", scope_id=987_654, expected_version=version_of(eng, user.id))
    assert set(info.value.errors) == {"scope"}
    assert row_of(eng, user.id).scope_type == "all"


def test_deactivated_user_is_kept_cannot_log_in_and_their_session_ends(eng, ref):
    user = new_user(eng)
    current = login(eng, user.username)
    run(eng, admin.deactivate_user, actor=ref["admin"], user_id=user.id, expected_version=version_of(eng, user.id))
    row = row_of(eng, user.id)
    assert row is not None and not row.is_active
    with session_scope(eng) as session:
        assert load_user(session, current.id, current.session_epoch, expires_at=current.expires_at) is None
    with pytest.raises(LoginFailed):
        login(eng, user.username)
    run(eng, admin.reactivate_user, actor=ref["admin"], user_id=user.id, expected_version=version_of(eng, user.id))
    assert login(eng, user.username).id == user.id
    assert [r.action for r in audit_rows(eng, user.id)][-4:] == ["deactivate", "login_failed", "reactivate",
                                                                 "login"]


@pytest.mark.parametrize("service", [admin.lock_user, admin.deactivate_user], ids=["lock", "deactivate"])
def test_admin_cannot_lock_or_deactivate_themself(eng, ref, service):
    me = ref["admin"]
    with pytest.raises(PermissionDenied) as info:
        run(eng, service, actor=me, user_id=me.id, expected_version=version_of(eng, me.id))
    assert "自己" in str(info.value)
    row = row_of(eng, me.id)
    assert row.is_active and not row.is_locked


def test_admin_cannot_change_their_own_role(eng, ref):
    me = ref["admin"]
    with pytest.raises(PermissionDenied):
        run(eng, admin.change_role_scope, actor=me, user_id=me.id, role="staff", scope_type="all", scope_id=None,
            expected_version=version_of(eng, me.id))
    assert row_of(eng, me.id).role == "admin"


def test_stale_edit_is_refused(eng, ref):
    user = new_user(eng)
    version = version_of(eng, user.id)
    run(eng, admin.lock_user, actor=ref["admin"], user_id=user.id, expected_version=version)
    with pytest.raises(StaleEdit):
        run(eng, admin.change_role_scope, actor=ref["admin"], user_id=user.id, role="leader", scope_type="all",
            scope_id=None, expected_version=version)
    assert row_of(eng, user.id).role == "staff"


def test_unknown_user_is_not_found(eng, ref):
    with pytest.raises(NotFound):
        run(eng, admin.lock_user, actor=ref["admin"], user_id=987_654, expected_version=1)


def test_user_table_lists_status_and_scope(eng, ref):
    locked = new_user(eng, "staff", "community", ref["community"])
    run(eng, admin.lock_user, actor=ref["admin"], user_id=locked.id, expected_version=version_of(eng, locked.id))
    with session_scope(eng) as session:
        table = admin.user_table(session, ref["admin"])
    row = table[table["id"] == locked.id].iloc[0]
    assert (row["角色"], row["状态"]) == ("工作人员", "已锁定（管理员）")
    assert row["数据范围"].startswith("社区 · ")
    assert "password_hash" not in table.columns


# ----------------------------------------------------------------------------- refused for non-admins


def admin_actions(ref, target: int, version: int) -> dict[str, tuple[Callable, dict]]:
    return {
        "create": (admin.create_user, {"username": fresh_name(), "password": "Initial-pass-1", "role": "staff"}),
        "reset": (admin.reset_password, {"user_id": target, "new_password": "Reset-by-x-123",
                                         "expected_version": version}),
        "lock": (admin.lock_user, {"user_id": target, "expected_version": version}),
        "unlock": (admin.unlock_user, {"user_id": target, "expected_version": version}),
        "role-scope": (admin.change_role_scope, {"user_id": target, "role": "admin", "scope_type": "all",
                                                 "scope_id": None, "expected_version": version}),
        "deactivate": (admin.deactivate_user, {"user_id": target, "expected_version": version}),
        "reactivate": (admin.reactivate_user, {"user_id": target, "expected_version": version}),
    }


ACTIONS = ["create", "reset", "lock", "unlock", "role-scope", "deactivate", "reactivate"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ["staff", "leader"])
def test_every_admin_action_is_refused_in_db_for_staff_and_leaders(eng, ref, role, action):
    actor = ref[role]
    target = new_user(eng)
    before = row_of(eng, target.id)
    service, kwargs = admin_actions(ref, target.id, before.version)[action]
    with session_scope(eng) as session:
        users_before = session.execute(select(func.count()).select_from(AppUser)).scalar_one()
        version_before = data_version(session)
    mark = last_audit_id(eng)
    with pytest.raises(PermissionDenied) as info:
        run(eng, service, actor=actor, **kwargs)
    assert "管理员" in str(info.value)
    after = row_of(eng, target.id)
    assert after.model_dump() == before.model_dump()
    assert last_audit_id(eng) == mark
    with session_scope(eng) as session:
        assert session.execute(select(func.count()).select_from(AppUser)).scalar_one() == users_before
        assert data_version(session) == version_before


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_user_table_is_refused_for_non_admins(eng, ref, role):
    with session_scope(eng) as session, pytest.raises(PermissionDenied):
        admin.user_table(session, ref[role])


@pytest.mark.parametrize("action", ACTIONS)
def test_every_admin_action_is_audited(eng, ref, action):
    target = new_user(eng)
    version = version_of(eng, target.id)
    service, kwargs = admin_actions(ref, target.id, version)[action]
    mark = last_audit_id(eng)
    result = run(eng, service, actor=ref["admin"], **kwargs)
    record_id = result if action == "create" else target.id
    rows = audit_rows(eng, record_id, mark)
    assert len(rows) == 1 and rows[0].user_id == ref["admin"].id and rows[0].username == ref["admin"].username
    assert rows[0].action == {"reset": "password_reset", "role-scope": "role_scope"}.get(action, action)
    assert_no_secret_in(rows, row_of(eng, record_id).password_hash, "Initial-pass-1", "Reset-by-x-123")
    if action != "create":
        assert row_of(eng, record_id).version == version + 1  # versioned: an edit form opened before is stale


def test_an_admin_who_must_change_the_password_is_refused_admin_actions(eng, ref):
    name = fresh_name()
    new_admin_id = run(eng, admin.create_user, actor=ref["admin"], username=name, password="Initial-pass-1",
                       role="admin")
    new_admin = login(eng, name, "Initial-pass-1")
    target = new_user(eng)
    with pytest.raises(PermissionDenied) as info:
        run(eng, admin.lock_user, actor=new_admin, user_id=target.id, expected_version=version_of(eng, target.id))
    assert "修改密码" in str(info.value)
    assert not row_of(eng, target.id).is_locked
    assert new_admin.id == new_admin_id


# ------------------------------------------------------------------------ the page (AppTest, SQLite demo)


def _demo_row(username: str) -> AppUser:
    from db.engine import get_engine

    with session_scope(get_engine()) as session:
        return session.execute(select(AppUser).where(AppUser.username == username)).scalar_one()


def _as_demo_admin(service: Callable, username: str, **kwargs) -> None:
    from db.engine import get_engine
    from tests.ui_helpers import current_user

    row = _demo_row(username)
    with session_scope(get_engine(), write=True) as session:
        service(session=session, actor=current_user("demo_admin"), user_id=row.id, expected_version=row.version,
                **kwargs)


def _fill_password_form(at, old: str, new: str, confirm: str):
    from tests.ui_helpers import by_label

    by_label(at.text_input, "原密码").input(old)
    by_label(at.text_input, "新密码").input(new)
    by_label(at.text_input, "确认新密码").input(confirm)
    return by_label(at.button, "确认修改").click().run()


def test_page_after_a_reset_shows_only_the_change_password_form_until_changed(app_db):
    from tests.ui_helpers import assert_clean, has_label, log_in, metrics, new_app, sidebar_links, texts

    _as_demo_admin(admin.reset_password, "demo_staff", new_password="Reset-by-admin-1")
    at = log_in(new_app().run(), "demo_staff", "Reset-by-admin-1")
    assert_clean(at)
    assert [t.value for t in at.title] == ["修改密码"]
    assert not at.metric and sidebar_links(at) == []  # nothing of the app until the password is changed
    assert any("管理员为您设置或重置了密码" in t for t in texts(at.info))
    assert not has_label(at.button, "取消")  # a forced change cannot be skipped

    at = _fill_password_form(at, "Reset-by-admin-1", "Own-choice-2025", "Own-choice-2026")
    assert_clean(at)
    assert "「确认新密码」与新密码不一致" in texts(at.error)
    assert [t.value for t in at.title] == ["修改密码"]

    at = _fill_password_form(at, "Reset-by-admin-1", "demo_staff", "demo_staff")
    assert "「新密码」不能与用户名相同" in texts(at.error)

    at = _fill_password_form(at, "Reset-by-admin-1", "Own-choice-2025", "Own-choice-2025")
    assert_clean(at)
    assert "修改密码" not in [t.value for t in at.title]
    assert metrics(at), "the overview did not open after the change"
    assert not _demo_row("demo_staff").must_change_password
    from db.engine import get_engine

    assert login(get_engine(), "demo_staff", "Own-choice-2025").username == "demo_staff"


def test_page_voluntary_password_change_can_be_cancelled(app_db):
    from db.demo import DEMO_PASSWORD
    from tests.ui_helpers import PASSWORD as PASSWORD_LABEL  # noqa: F401  (the login form's label)
    from tests.ui_helpers import by_label, log_in, metrics, new_app

    at = log_in(new_app().run(), "demo_leader", DEMO_PASSWORD)
    at = by_label(at.sidebar.button, "修改密码").click().run()
    assert [t.value for t in at.title] == ["修改密码"]
    at = by_label(at.button, "取消").click().run()
    assert metrics(at)


def test_page_open_session_ends_when_the_user_is_locked(app_db):
    from db.demo import DEMO_PASSWORD
    from tests.ui_helpers import USERNAME, assert_clean, has_label, log_in, metrics, new_app

    at = log_in(new_app().run(), "demo_staff", DEMO_PASSWORD)
    assert metrics(at)
    _as_demo_admin(admin.lock_user, "demo_staff")
    at.run()  # the next run of the open tab, no reload
    assert_clean(at)
    assert has_label(at.text_input, USERNAME) and not at.metric


def test_page_open_session_ends_after_session_hours_without_a_reload(app_db, monkeypatch):
    import db.clock
    from db.demo import DEMO_PASSWORD
    from db.settings import get_settings
    from tests.ui_helpers import USERNAME, assert_clean, has_label, log_in, metrics, new_app

    at = log_in(new_app().run(), "demo_leader", DEMO_PASSWORD)
    assert metrics(at)
    expires_at = at.session_state["current_user"].expires_at
    real_now = db.clock.now()
    assert expires_at is not None and timedelta(0) < expires_at - real_now <= \
        timedelta(hours=get_settings().session_hours)
    monkeypatch.setattr(db.clock, "now", lambda: expires_at - timedelta(seconds=1))
    at.run()
    assert metrics(at)  # still inside the session
    monkeypatch.setattr(db.clock, "now", lambda: expires_at)
    at.run()
    assert_clean(at)
    assert has_label(at.text_input, USERNAME) and not at.metric


def test_page_logout_is_audited(app_db):
    from db.demo import DEMO_PASSWORD
    from db.engine import get_engine
    from tests.ui_helpers import USERNAME, by_label, has_label, log_in, new_app

    at = log_in(new_app().run(), "demo_leader", DEMO_PASSWORD)
    mark = last_audit_id(get_engine())
    at = by_label(at.sidebar.button, "退出登录").click().run()
    assert has_label(at.text_input, USERNAME)
    rows = audit_rows(get_engine(), _demo_row("demo_leader").id, mark)
    assert [r.action for r in rows] == ["logout"]
