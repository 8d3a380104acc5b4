"""Users and login (db.auth): Argon2id hashes, lockout after repeated failures, admin lock, user creation rules,
and signed session tokens that end with the session epoch."""

from __future__ import annotations

import itertools
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from db.auth import (
    GENERIC_LOGIN_ERROR,
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
from db.migrate import upgrade
from db.models import AppUser, AuditLog
from db.settings import get_settings
from db.vocab import FIELD_LABELS
from db.write import data_version
from tests.asserts import assert_refused, in_session
from tests.factories import PASSWORD, make_street, make_user

_names = itertools.count(1)
T0 = datetime(2025, 6, 1, 10, 0, 0)


def fresh_name() -> str:
    return f"user_{next(_names)}"


@pytest.fixture
def ref(w):
    """The shared world's first street, its community A and its admin, by name."""
    return {"street": w.street1, "community": w.community_a, "admin": w.admin}


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
    # The answer never changes with the lock: it must not tell a guesser that the name exists.
    assert messages == [GENERIC_LOGIN_ERROR] * settings.max_failed_logins
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
    assert message == GENERIC_LOGIN_ERROR


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


# ------------------------------------------------------------------------------- lockout, at its root


def test_every_refusal_gets_the_same_words(eng, ref):
    """Unknown name, wrong password, a temporary lock, an admin's lock and a deactivated account: one answer."""
    settings = get_settings()
    temp_locked, admin_locked, inactive, plain = (new_user(eng) for _ in range(4))
    for i in range(settings.max_failed_logins):
        login_error(eng, temp_locked.username, f"wrong-{i}", now=T0)
    with session_scope(eng, write=True) as session:
        session.execute(update(AppUser).where(AppUser.id == admin_locked.id).values(is_locked=True))
        session.execute(update(AppUser).where(AppUser.id == inactive.id).values(is_active=False))
    later = T0 + timedelta(minutes=1)
    messages = {
        "unknown": login_error(eng, "nobody_by_this_name", PASSWORD, now=later),
        "wrong": login_error(eng, plain.username, "wrong-password", now=later),
        "temp-locked, right password": login_error(eng, temp_locked.username, PASSWORD, now=later),
        "admin-locked, right password": login_error(eng, admin_locked.username, PASSWORD, now=later),
        "deactivated, right password": login_error(eng, inactive.username, PASSWORD, now=later),
    }
    assert set(messages.values()) == {GENERIC_LOGIN_ERROR}, messages
    assert GENERIC_LOGIN_ERROR == "用户名或密码错误，或账户已暂时锁定。"


def test_each_further_lock_lasts_twice_as_long_until_a_successful_login(eng):
    settings = get_settings()
    user = new_user(eng)
    start = T0
    for n in range(3):
        for i in range(settings.max_failed_logins):
            login_error(eng, user.username, f"wrong-{i}", now=start)
        row = stored(eng, user.id)
        assert row.locked_until == start + timedelta(minutes=settings.lock_minutes * 2 ** n)
        assert row.lock_count == n + 1
        start = row.locked_until + timedelta(seconds=1)
    assert login(eng, user.username, now=start).id == user.id
    row = stored(eng, user.id)
    assert (row.lock_count, row.failed_logins, row.locked_until) == (0, 0, None)
    for i in range(settings.max_failed_logins):
        login_error(eng, user.username, f"wrong-{i}", now=start)
    assert stored(eng, user.id).locked_until == start + timedelta(minutes=settings.lock_minutes)


def test_lock_length_is_capped(eng):
    settings = get_settings()
    user = new_user(eng)
    with session_scope(eng, write=True) as session:
        session.execute(update(AppUser).where(AppUser.id == user.id).values(lock_count=40))
    for i in range(settings.max_failed_logins):
        login_error(eng, user.username, f"wrong-{i}", now=T0)
    assert stored(eng, user.id).locked_until == T0 + timedelta(hours=settings.max_lock_hours)


class VerifyCounter:
    """Wraps db.auth.verify_password: counts the password checks made against real accounts (``calls``) and
    against the dummy hash that makes a refusal take as long as a check (``dummy_calls``)."""

    def __init__(self, monkeypatch):
        import db.auth as auth

        self.calls = 0
        self.dummy_calls = 0
        self._lock = threading.Lock()
        self._dummy = auth._DUMMY_HASH
        original = auth.verify_password

        def counting(password_hash: str, password: str) -> bool:
            with self._lock:
                if password_hash != self._dummy:
                    self.calls += 1
                else:
                    self.dummy_calls += 1
            return original(password_hash, password)

        monkeypatch.setattr(auth, "verify_password", counting)


def fire(eng, username: str, passwords: list[str], now: datetime) -> tuple[list[int], list[str], list[BaseException]]:
    """Fire one login per password at the same instant, each in its own thread and plain session (as the login
    page calls it). Returns the ids logged in, the refusals' messages and anything unexpected."""
    barrier = threading.Barrier(len(passwords))
    logged_in: list[int] = []
    refused: list[str] = []
    unexpected: list[BaseException] = []

    def attempt(password: str) -> None:
        barrier.wait(timeout=120)
        try:
            with session_scope(eng) as session:
                logged_in.append(authenticate(session=session, username=username, password=password, now=now).id)
        except LoginFailed as exc:
            refused.append(str(exc))
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            unexpected.append(exc)

    threads = [threading.Thread(target=attempt, args=(p,)) for p in passwords]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)  # generous: Argon2 on a loaded 2-core machine is slow; a hang still fails
    assert not any(t.is_alive() for t in threads), "a login attempt hung"
    return logged_in, refused, unexpected


ATTEMPTS = 12


def test_simultaneous_wrong_passwords_get_no_check_once_the_limit_is_reached(eng, monkeypatch):
    """12 guesses at the same instant: exactly max_failed_logins get a password check, the rest are refused
    unchecked because the lock was counted before them (the old code checked all 12)."""
    settings = get_settings()
    user = new_user(eng)
    counter = VerifyCounter(monkeypatch)
    logged_in, refused, unexpected = fire(eng, user.username, [f"guess-{i}" for i in range(ATTEMPTS)], T0)
    assert unexpected == []
    assert logged_in == []
    assert refused == [GENERIC_LOGIN_ERROR] * ATTEMPTS
    assert counter.calls == settings.max_failed_logins  # so checked while locked: 0
    assert counter.dummy_calls == ATTEMPTS - settings.max_failed_logins  # refusals take as long as a check
    row = stored(eng, user.id)
    assert row.locked_until == T0 + timedelta(minutes=settings.lock_minutes)
    with session_scope(eng) as session:
        failed = session.execute(select(AuditLog.new_values).where(
            AuditLog.record_id == user.id, AuditLog.action == "login_failed")).scalars().all()
    reasons = sorted(v["reason"] for v in failed)
    assert reasons == sorted(["密码错误"] * settings.max_failed_logins
                             + ["账户已暂时锁定"] * (ATTEMPTS - settings.max_failed_logins))


def test_simultaneous_logins_against_a_lock_check_no_password_and_the_right_one_fails(eng, monkeypatch):
    settings = get_settings()
    user = new_user(eng)
    for i in range(settings.max_failed_logins):
        login_error(eng, user.username, f"wrong-{i}", now=T0)
    counter = VerifyCounter(monkeypatch)
    passwords = [PASSWORD if i % 2 == 0 else f"guess-{i}" for i in range(ATTEMPTS)]  # half of them right
    logged_in, refused, unexpected = fire(eng, user.username, passwords, T0 + timedelta(minutes=1))
    assert unexpected == []
    assert logged_in == []
    assert refused == [GENERIC_LOGIN_ERROR] * ATTEMPTS
    assert counter.calls == 0
    assert counter.dummy_calls == ATTEMPTS
    assert stored(eng, user.id).last_login_at is None


def test_right_password_among_the_first_attempts_logs_in_as_if_one_after_another(eng, monkeypatch):
    """Four wrong and one right at once: whatever the order, the right one was admitted before any lock (at most
    five admissions), so it logs in and the count starts again."""
    user = new_user(eng)
    counter = VerifyCounter(monkeypatch)
    logged_in, refused, unexpected = fire(eng, user.username, [PASSWORD] + [f"guess-{i}" for i in range(4)], T0)
    assert unexpected == []
    assert logged_in == [user.id]
    assert len(refused) == 4
    assert counter.calls == 5
    row = stored(eng, user.id)
    assert row.locked_until is None and row.last_login_at == T0


def test_admin_unlock_lets_the_right_password_in(eng, ref):
    from db.admin.users import unlock_user

    settings = get_settings()
    user = new_user(eng)
    for i in range(settings.max_failed_logins):
        login_error(eng, user.username, f"wrong-{i}", now=T0)
    assert login_error(eng, user.username, PASSWORD, now=T0) == GENERIC_LOGIN_ERROR
    with session_scope(eng, write=True) as session:
        unlock_user(session=session, actor=ref["admin"], user_id=user.id,
                    expected_version=session.get(AppUser, user.id).version)
    assert login(eng, user.username, now=T0).id == user.id


def test_an_automatic_lock_does_not_end_an_open_session(eng):
    # Whoever holds the session gave the right password; ending it would let a guesser throw an admin out.
    settings = get_settings()
    user = new_user(eng)
    current = login(eng, user.username, now=T0)
    for i in range(settings.max_failed_logins):
        login_error(eng, user.username, f"wrong-{i}", now=T0)
    with session_scope(eng) as session:
        assert load_user(session, current.id, current.session_epoch, expires_at=current.expires_at,
                         now=T0 + timedelta(minutes=1)) == current


def test_deactivated_user_session_ends_and_login_is_refused(eng):
    user = new_user(eng)
    with session_scope(eng) as session:
        token = issue_token(session, user)
    with session_scope(eng, write=True) as session:
        session.execute(update(AppUser).where(AppUser.id == user.id).values(is_active=False))
    with session_scope(eng) as session:
        assert load_user(session, user.id, user.session_epoch) is None
        assert user_from_token(session, token) is None
    assert login_error(eng, user.username, PASSWORD) == GENERIC_LOGIN_ERROR


# ------------------------------------------------------------------------------------------ session expiry


def test_login_expires_session_hours_after_the_password_check(eng):
    hours = get_settings().session_hours
    user = new_user(eng)
    current = login(eng, user.username, now=T0)
    assert current.expires_at == T0 + timedelta(hours=hours)
    with session_scope(eng) as session:
        just_before = T0 + timedelta(hours=hours) - timedelta(seconds=1)
        assert load_user(session, current.id, current.session_epoch, expires_at=current.expires_at,
                         now=just_before) == current
        assert load_user(session, current.id, current.session_epoch, expires_at=current.expires_at,
                         now=T0 + timedelta(hours=hours)) is None


def test_token_carries_the_expiry_of_the_login(eng):
    hours = get_settings().session_hours
    user = new_user(eng)
    current = login(eng, user.username, now=T0)
    with session_scope(eng) as session:
        token = issue_token(session, current)
    with session_scope(eng) as session:
        restored = user_from_token(session, token, now=T0 + timedelta(hours=hours) - timedelta(seconds=1))
        assert restored == current and restored.expires_at == current.expires_at
        # A reload cannot stretch a login: the restored session ends when the login does.
        assert user_from_token(session, token, now=T0 + timedelta(hours=hours)) is None


# --------------------------------------------------------------------------------------------- predicates


ROLE_PREDICATES = {
    # role: is_admin, may_write, may_approve, may_certify, may_manage_users, may_manage_reference, may_read_audit
    "admin": (True, True, True, True, True, True, True),
    "staff": (False, True, True, True, False, False, False),
    "leader": (False, False, False, False, False, False, False),
}


@pytest.mark.parametrize("role", list(ROLE_PREDICATES))
def test_role_predicates(role):
    from db.auth import CurrentUser

    user = CurrentUser(id=1, username="x_user", display_name="x", role=role, scope_type="all", scope_id=None,
                       session_epoch=1)
    got = (user.is_admin, user.may_write, user.may_approve, user.may_certify, user.may_manage_users,
           user.may_manage_reference, user.may_read_audit)
    assert got == ROLE_PREDICATES[role]


# ------------------------------------------------------------------------------------------ secret key


def test_cookie_secret_is_not_in_the_database(eng):
    from db.models import AppMeta

    user = new_user(eng)
    with session_scope(eng) as session:
        issue_token(session, user)
        keys = session.execute(select(AppMeta.key)).scalars().all()
    assert "secret_key" not in keys


def test_key_file_is_created_private_next_to_the_sqlite_file(tmp_path, monkeypatch):
    import os
    import stat

    from db.engine import make_engine
    from db.secret import forget_cached_keys, key_file_path, secret_key

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_FILE", raising=False)
    get_settings.cache_clear()
    forget_cached_keys()
    url = f"sqlite:///{tmp_path / 'data' / 'app.db'}"
    engine = make_engine(url)
    try:
        key = secret_key(engine.url)
        path = key_file_path(engine.url)
        assert path == tmp_path / "data" / "secret.key"
        assert path.read_text().strip() == key and len(key) >= 40
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temporary file left
        forget_cached_keys()
        assert secret_key(engine.url) == key  # read back, not recreated
    finally:
        engine.dispose()
        forget_cached_keys()
        get_settings.cache_clear()


def test_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    from db.secret import forget_cached_keys, key_file_path, secret_key

    monkeypatch.setenv("SECRET_KEY", "an-operator-chosen-key-0123456789")
    get_settings.cache_clear()
    forget_cached_keys()
    try:
        url = f"sqlite:///{tmp_path / 'app.db'}"
        assert secret_key(url) == "an-operator-chosen-key-0123456789"
        assert not key_file_path(url).exists()
    finally:
        get_settings.cache_clear()


def test_servers_starting_together_end_with_one_key(tmp_path):
    """8 threads here and 4 other processes create the key file at the same moment: one file, one key for all."""
    import subprocess
    import sys
    import time

    from db.secret import read_or_create_key_file

    path = tmp_path / "keys" / "secret.key"
    go = tmp_path / "go"
    script = (
        "import sys, time, pathlib\n"
        "from db.secret import read_or_create_key_file\n"
        f"go = pathlib.Path({str(go)!r})\n"
        "deadline = time.time() + 60\n"
        "while not go.exists() and time.time() < deadline:\n"
        "    time.sleep(0.001)\n"
        f"print(read_or_create_key_file(pathlib.Path({str(path)!r})))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              cwd=str(Path(__file__).resolve().parent.parent)) for _ in range(4)]
    time.sleep(2.0)  # let them start and wait for the signal
    keys: list[str] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait(timeout=60)
        keys.append(read_or_create_key_file(path))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    go.touch()
    for t in threads:
        t.join(60)
    outputs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(keys) == 8 and all(outputs)
    assert set(keys) | set(outputs) == {path.read_text().strip()}
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret.key"]


def test_servers_with_different_keys_refuse_to_share_a_postgresql_database(eng, monkeypatch):
    from db.models import AppMeta
    from db.secret import CHECK_META_KEY, SecretKeyMismatch, check_shared_secret, forget_cached_keys

    def with_key(key: str) -> None:
        monkeypatch.setenv("SECRET_KEY", key)
        get_settings.cache_clear()
        forget_cached_keys()

    try:
        with session_scope(eng, write=True) as session:
            session.execute(AppMeta.__table__.delete().where(AppMeta.key == CHECK_META_KEY))
        with_key("first-server-key-0123456789abcdef")
        check_shared_secret(eng)
        check_shared_secret(eng)  # the same key again: fine
        with_key("second-server-key-0123456789abcdef")
        if eng.dialect.name == "postgresql":
            with pytest.raises(SecretKeyMismatch) as info:
                check_shared_secret(eng)
            assert "SECRET_KEY" in str(info.value) and "accept-secret-key" in str(info.value)
            check_shared_secret(eng, accept=True)  # changed on purpose
            check_shared_secret(eng)
        else:
            # SQLite serves from one machine with the key file beside it: nothing is compared or stored.
            check_shared_secret(eng)
            with session_scope(eng) as session:
                assert session.get(AppMeta, CHECK_META_KEY) is None
    finally:
        monkeypatch.delenv("SECRET_KEY", raising=False)
        get_settings.cache_clear()
        forget_cached_keys()


# -------------------------------------------------------------------------------------------- file modes


def test_sqlite_file_directory_wal_and_shm_are_private(tmp_path):
    import os
    import stat

    from db.engine import make_engine

    directory = tmp_path / "fresh" / "data"
    path = directory / "wushe.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        with session_scope(engine, write=True) as session:
            make_street(session)
        with session_scope(engine) as session:  # a reader keeps -wal and -shm in place
            session.execute(select(AppUser.id)).all()
            modes = {p.name: stat.S_IMODE(os.stat(p).st_mode) for p in directory.iterdir()}
    finally:
        engine.dispose()
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert {"wushe.db", "wushe.db-wal", "wushe.db-shm"} <= set(modes)
    assert {name: mode for name, mode in modes.items() if name.startswith("wushe.db")} == \
        {name: 0o600 for name in modes if name.startswith("wushe.db")}


def test_existing_world_readable_database_is_made_private(tmp_path):
    import os
    import stat

    from db.engine import make_engine

    path = tmp_path / "old.db"
    path.touch()
    os.chmod(path, 0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
