"""Users and login (db.auth): Argon2id hashes, lockout after repeated failures, admin lock, user creation rules,
and signed session tokens that end with the session epoch."""

from __future__ import annotations

import itertools
import threading
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from db.auth import (
    authenticate,
    create_user,
    end_sessions,
    hash_password,
    issue_token,
    load_user,
    user_from_token,
)
from db.engine import session_scope
from db.errors import LoginFailed, PermissionDenied
from db.models import AppUser, AuditLog
from db.settings import get_settings
from db.vocab import FIELD_LABELS
from db.write import data_version
from tests.asserts import assert_refused, in_session
from tests.factories import PASSWORD, make_user

_names = itertools.count(1)
T0 = datetime(2025, 6, 1, 10, 0, 0)


def fresh_name() -> str:
    return f"user_{next(_names)}"


def new_user(eng, role="staff", scope_type="all", scope_id=None, username=None):
    with session_scope(eng, write=True) as session:
        return make_user(session, role, scope_type, scope_id, username=username or fresh_name())


def login(eng, username, password=PASSWORD, now=None):
    with session_scope(eng, write=True) as session:
        return authenticate(session=session, username=username, password=password, now=now)


def login_error(eng, username, password, now=None) -> str:
    with pytest.raises(LoginFailed) as info:
        login(eng, username, password, now)
    return str(info.value)


def stored(eng, user_id) -> AppUser:
    with session_scope(eng) as session:
        return session.get(AppUser, user_id)


# ------------------------------------------------------------------------------------------------ hashing


def test_password_hash_is_argon2id():
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert PasswordHasher().verify(hashed, PASSWORD)


def test_same_password_hashes_differently_each_time():
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_stored_password_is_an_argon2id_hash(eng):
    user = new_user(eng)
    row = stored(eng, user.id)
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash


# -------------------------------------------------------------------------------------------------- login


def test_right_password_logs_in(eng, w):
    user = new_user(eng, "staff", "community", w.community_a)
    current = login(eng, user.username, now=T0)
    assert (current.id, current.role, current.scope_type, current.scope_id) == \
        (user.id, "staff", "community", w.community_a)
    assert stored(eng, user.id).last_login_at == T0


def test_username_is_trimmed_at_login(eng):
    user = new_user(eng)
    assert login(eng, f"  {user.username} ").id == user.id


def test_wrong_password_is_refused_with_chinese_message(eng):
    user = new_user(eng)
    message = login_error(eng, user.username, "wrong-password")
    assert "用户名或密码错误" in message
    assert stored(eng, user.id).failed_logins == 1


def test_unknown_user_is_refused_with_generic_message(eng):
    message = login_error(eng, "no_such_user", "whatever-123")
    assert "用户名或密码错误" in message


def test_unknown_user_and_wrong_password_get_the_same_message(eng):
    # LoginFailed must not reveal whether the user name exists (db/errors.py).
    user = new_user(eng)
    wrong_password = login_error(eng, user.username, "wrong-password")
    unknown_user = login_error(eng, "no_such_user_2", "wrong-password")
    assert unknown_user == wrong_password


def test_right_password_resets_the_failure_count(eng):
    user = new_user(eng)
    login_error(eng, user.username, "wrong-password", now=T0)
    login_error(eng, user.username, "wrong-password", now=T0)
    assert stored(eng, user.id).failed_logins == 2
    login(eng, user.username, now=T0)
    assert stored(eng, user.id).failed_logins == 0


def test_five_wrong_passwords_lock_the_account(eng):
    settings = get_settings()
    assert settings.max_failed_logins == 5
    user = new_user(eng)
    messages = [login_error(eng, user.username, f"wrong-{i}", now=T0) for i in range(settings.max_failed_logins)]
    assert all("已锁定" not in m for m in messages[:-1])
    assert "已锁定" in messages[-1]
    row = stored(eng, user.id)
    assert row.locked_until == T0 + timedelta(minutes=settings.lock_minutes)
    with session_scope(eng) as session:
        lock_rows = session.execute(select(AuditLog).where(AuditLog.table_name == "appuser",
                                                           AuditLog.record_id == user.id,
                                                           AuditLog.action == "lock")).scalars().all()
    assert len(lock_rows) == 1


def test_four_wrong_passwords_do_not_lock(eng):
    user = new_user(eng)
    for i in range(get_settings().max_failed_logins - 1):
        login_error(eng, user.username, f"wrong-{i}", now=T0)
    assert login(eng, user.username, now=T0).id == user.id


def test_locked_account_refuses_right_password_until_the_lock_passes(eng):
    settings = get_settings()
    user = new_user(eng)
    for i in range(settings.max_failed_logins):
        login_error(eng, user.username, f"wrong-{i}", now=T0)
    message = login_error(eng, user.username, PASSWORD, now=T0 + timedelta(minutes=1))
    assert "锁定" in message
    almost = T0 + timedelta(minutes=settings.lock_minutes) - timedelta(seconds=1)
    assert "锁定" in login_error(eng, user.username, PASSWORD, now=almost)
    after = T0 + timedelta(minutes=settings.lock_minutes, seconds=1)
    assert login(eng, user.username, now=after).id == user.id


def test_admin_locked_user_is_refused(eng):
    user = new_user(eng)
    with session_scope(eng, write=True) as session:
        session.execute(update(AppUser).where(AppUser.id == user.id).values(is_locked=True))
    message = login_error(eng, user.username, PASSWORD)
    assert "停用" in message


def test_admin_locked_user_session_ends(eng):
    user = new_user(eng)
    with session_scope(eng) as session:
        token = issue_token(session, user)
    with session_scope(eng, write=True) as session:
        session.execute(update(AppUser).where(AppUser.id == user.id).values(is_locked=True))
    with session_scope(eng) as session:
        assert load_user(session, user.id, user.session_epoch) is None
        assert user_from_token(session, token) is None


# ------------------------------------------------------------------------------------------ create_user


BAD_USERS = {
    "short-username": ({"username": "ab"}, "username"),
    "username-with-space": ({"username": "has space"}, "username"),
    "chinese-username": ({"username": "张三丰"}, "username"),
    "short-password": ({"password": "1234567"}, "password"),
    "empty-password": ({"password": ""}, "password"),
    "unknown-role": ({"role": "superuser"}, "role"),
    "unknown-scope-type": ({"scope_type": "planet"}, "scope"),
    "scope-without-target": ({"scope_type": "street", "scope_id": None}, "scope"),
    "scope-target-missing": ({"scope_type": "community", "scope_id": 987_654}, "scope"),
}


@pytest.mark.parametrize("case", list(BAD_USERS), ids=list(BAD_USERS))
def test_create_user_refuses_bad_input_and_writes_nothing(eng, w, case):
    overrides, field = BAD_USERS[case]
    values = {"username": fresh_name(), "password": PASSWORD, "role": "staff", "scope_type": "all",
              "scope_id": None, **overrides}
    assert_refused(eng, in_session(eng, lambda s: create_user(session=s, actor=w.admin, **values)), field,
                   FIELD_LABELS[field])


def test_create_user_refuses_duplicate_username(eng, w):
    user = new_user(eng)
    assert_refused(eng, in_session(eng, lambda s: create_user(session=s, actor=w.admin, username=user.username,
                                                              password=PASSWORD, role="staff")),
                   "username", "已存在")


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_only_admin_may_create_users(eng, w, role):
    actor = new_user(eng, role, "street", w.street1)
    assert_refused(eng, in_session(eng, lambda s: create_user(session=s, actor=actor, username=fresh_name(),
                                                              password=PASSWORD, role="staff")),
                   None, "管理员", error=PermissionDenied)


def test_admin_creates_user_with_audit_row_without_password(eng, w):
    admin = w.admin
    with session_scope(eng) as session:
        version_before = data_version(session)
    name = fresh_name()
    with session_scope(eng, write=True) as session:
        user_id = create_user(session=session, actor=admin, username=name, password=PASSWORD, role="leader",
                              scope_type="street", scope_id=w.street1)
    row = stored(eng, user_id)
    assert (row.username, row.role, row.scope_type, row.scope_id) == (name, "leader", "street", w.street1)
    with session_scope(eng) as session:
        audit = session.execute(select(AuditLog).where(AuditLog.table_name == "appuser",
                                                       AuditLog.record_id == user_id)).scalars().all()
        assert data_version(session) > version_before
    assert len(audit) == 1
    assert (audit[0].action, audit[0].user_id, audit[0].username) == ("create", admin.id, admin.username)
    assert audit[0].new_values["username"] == name
    assert "password_hash" not in audit[0].new_values
    assert row.password_hash not in str(audit[0].new_values)


def test_scope_id_is_dropped_for_all_scope(eng):
    with session_scope(eng, write=True) as session:
        user_id = create_user(session=session, actor=None, username=fresh_name(), password=PASSWORD,
                              role="admin", scope_type="all", scope_id=42)
    assert stored(eng, user_id).scope_id is None


# ------------------------------------------------------------------------------------------------ tokens


def test_token_round_trip(eng, w):
    user = new_user(eng, "staff", "community", w.community_a)
    with session_scope(eng) as session:
        token = issue_token(session, user)
    with session_scope(eng) as session:
        assert user_from_token(session, token) == user


@pytest.fixture(scope="module")
def token_user(world_engine):
    return new_user(world_engine[0])


@pytest.mark.parametrize("tamper", ["flip-char", "truncate", "garbage", "empty"])
def test_tampered_token_is_rejected(eng, token_user, tamper):
    user = token_user
    with session_scope(eng) as session:
        token = issue_token(session, user)
    bad = {
        "flip-char": token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:],
        "truncate": token[:-6],
        "garbage": "not.a.token",
        "empty": "",
    }[tamper]
    assert bad != token
    with session_scope(eng) as session:
        assert user_from_token(session, bad) is None


def test_token_for_another_user_id_cannot_be_forged_without_the_secret(eng):
    from itsdangerous import URLSafeTimedSerializer

    user = new_user(eng)
    forged = URLSafeTimedSerializer("guessed-secret", salt="login").dumps([user.id, user.session_epoch])
    with session_scope(eng) as session:
        assert user_from_token(session, forged) is None


def test_end_sessions_invalidates_older_tokens(eng):
    user = new_user(eng)
    with session_scope(eng) as session:
        old_token = issue_token(session, user)
    with session_scope(eng, write=True) as session:
        end_sessions(session=session, user_id=user.id)
    with session_scope(eng) as session:
        assert user_from_token(session, old_token) is None
        assert load_user(session, user.id, user.session_epoch) is None
        renewed = load_user(session, user.id, user.session_epoch + 1)
        assert renewed is not None
        new_token = issue_token(session, renewed)
    with session_scope(eng) as session:
        assert user_from_token(session, new_token) == renewed


def test_load_user_of_unknown_id_is_none(eng):
    with session_scope(eng) as session:
        assert load_user(session, 987_654, 1) is None


def test_concurrent_wrong_passwords_all_count_towards_the_lock(eng):
    """Guessing in parallel must not dodge the lockout: every failure counts, however they interleave.

    Each attempt runs in its own session, as the login page calls it (a plain, non-write session).
    """
    settings = get_settings()
    user = new_user(eng)
    barrier = threading.Barrier(settings.max_failed_logins)
    unexpected: list[BaseException] = []

    def guess(i: int) -> None:
        barrier.wait()
        try:
            with session_scope(eng) as session:
                authenticate(session=session, username=user.username, password=f"guess-{i}", now=T0)
        except LoginFailed:
            return  # the one outcome a wrong password may have
        except BaseException as exc:  # noqa: BLE001 - reported below
            unexpected.append(exc)
            return
        unexpected.append(AssertionError(f"a wrong password (guess-{i}) logged in"))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(settings.max_failed_logins)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)  # generous on a loaded machine, inside the 120 s per-test timeout
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert unexpected == []
    assert "锁定" in login_error(eng, user.username, PASSWORD, now=T0 + timedelta(minutes=1))


def test_concurrent_logins_of_different_users_all_succeed(eng):
    # As the login page calls it: each login in its own plain session, at the same moment.
    users = [new_user(eng) for _ in range(3)]
    barrier = threading.Barrier(len(users))
    logged_in: list[int] = []
    errors: list[BaseException] = []

    def sign_in(username: str) -> None:
        barrier.wait()
        try:
            with session_scope(eng) as session:
                logged_in.append(authenticate(session=session, username=username, password=PASSWORD).id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sign_in, args=(u.username,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)  # generous on a loaded machine, inside the 120 s per-test timeout
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == []
    assert sorted(logged_in) == sorted(u.id for u in users)
