"""Users, Argon2id password hashes, login with lockout, and signed session tokens.

A login attempt is admitted, verified and settled (issue 14, "Lockout bypass"):

1. **Admission**, one short write transaction: the write lock first (``lock_writes``), then the user row FOR UPDATE,
   and the lock is checked inside it. A locked account (by failures or by an admin) or a deactivated one is refused
   here, *without* its password being checked. Otherwise the attempt is counted as a failure in advance, and the
   attempt that brings the count to ``max_failed_logins`` locks the account in the same transaction. Admissions
   are serial, so of any number of simultaneous attempts at most ``max_failed_logins`` get a password check
   before the lock, and none after it; a right password during the lock is refused like a wrong one.
2. **Verification** (Argon2id, 50–200 ms) outside any lock: holding SQLite's write lock through it would queue
   every writer of the installation behind every login.
3. **Settlement**, another short write transaction: a right password resets the count and lifts an automatic lock
   set since its admission (what running the attempts one after another would give); a wrong one stays counted.
   A crash between admission and settlement leaves the attempt counted as a failure.

The answer is the same for an unknown user name, a wrong password and a locked or deactivated account
(``GENERIC_LOGIN_ERROR``), and an unknown name or a refused account costs a check against a dummy hash, so neither
words nor timing tell which names exist or are locked (and a locked account is no cheaper to hammer). The source address cannot decide anything (Streamlit's ``st.context.ip_address`` is the proxy's, or
None on localhost, and headers can be forged), so locks are per account: a lock cannot be lifted with the right
password, each further lock without a successful login in between lasts twice as long (up to ``max_lock_hours``),
an admin can unlock (``db.admin.users.unlock_user``, or ``python -m db.cli unlock`` when no admin can log in), and
an open session is not ended by an automatic lock (a guesser cannot throw an administrator out). Every attempt is
in the audit log with the name tried and the address the browser reported, never the password.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Engine, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from db import clock, vocab
from db.engine import session_scope
from db.errors import LoginFailed, PermissionDenied, ValidationFailed
from db.inputs import typed_inputs
from db.models import AppUser, Community, Organization, Street
from db.scope import Scope, user_scope
from db.secret import secret_key
from db.settings import get_settings
from db.write import begin_write, lock_writes, record_audit, snapshot

# argon2-cffi's PasswordHasher uses Argon2id with the RFC 9106 low-memory profile by default.
_hasher = PasswordHasher()
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,40}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 200
GENERIC_LOGIN_ERROR = "用户名或密码错误，或账户已暂时锁定。"

ADMIN = "admin"
WRITER_ROLES = frozenset({"staff", "admin"})


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in user as plain data (safe to keep in a Streamlit session)."""

    id: int
    username: str
    display_name: str
    role: str
    scope_type: str
    scope_id: int | None
    session_epoch: int
    must_change_password: bool = False
    # When this login ends (local wall-clock time): SESSION_HOURS after the password was checked, however often
    # the page reruns or reloads. None for a user loaded outside a login (the CLI, tests). Not part of identity.
    expires_at: datetime | None = field(default=None, compare=False)

    @property
    def scope(self) -> Scope:
        return user_scope(self.scope_type, self.scope_id)

    # Role predicates: code asks these, never compares role strings.
    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def may_write(self) -> bool:
        """Enter and correct records (staff and admins; leaders only read)."""
        return self.role in WRITER_ROLES

    @property
    def may_approve(self) -> bool:
        """Approve or reject service records and charity needs."""
        return self.may_write

    @property
    def may_certify(self) -> bool:
        """Issue a volunteer's service certificate (it carries the real name)."""
        return self.may_write

    @property
    def may_manage_users(self) -> bool:
        return self.is_admin

    @property
    def may_manage_reference(self) -> bool:
        """Streets, communities, organisations, star-rule presets, grade bands."""
        return self.is_admin

    @property
    def may_read_audit(self) -> bool:
        return self.is_admin



def as_current_user(user: AppUser, expires_at: datetime | None = None) -> CurrentUser:
    return CurrentUser(
        id=user.id or 0,
        username=user.username,
        display_name=user.display_name or user.username,
        role=user.role,
        scope_type=user.scope_type,
        scope_id=user.scope_id,
        session_epoch=user.session_epoch,
        must_change_password=user.must_change_password,
        expires_at=expires_at,
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """One Argon2id check (the lockout tests count the calls)."""
    try:
        return _hasher.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def password_problem(username: str, password: str, label: str = "密码") -> str | None:
    """Why ``password`` may not be used by ``username`` (a Chinese message naming the field), or None."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        return f"「{label}」至少 {MIN_PASSWORD} 位"
    if len(password) > MAX_PASSWORD:
        return f"「{label}」不能超过 {MAX_PASSWORD} 位"
    if password.strip().casefold() == (username or "").strip().casefold():
        return f"「{label}」不能与用户名相同"
    return None


def scope_problem(session: Session, scope_type: str, scope_id: int | None) -> str | None:
    """Why a user may not get this data scope (the place must exist), or None."""
    if scope_type not in vocab.SCOPE_TYPES:
        return "「数据范围」无效"
    if scope_type != "all":
        model = {"street": Street, "community": Community, "organization": Organization}[scope_type]
        if scope_id is None or session.get(model, scope_id) is None:
            return f"「数据范围」所选{vocab.SCOPE_TYPES[scope_type]}不存在"
    return None


def _validate_new_user(session: Session, username: str, password: str, role: str, scope_type: str,
                       scope_id: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username or ""):
        errors["username"] = "「用户名」须为 3–40 位字母、数字或 _ . -"
    elif session.exec(select(AppUser.id).where(AppUser.username == username)).first() is not None:
        errors["username"] = f"「用户名」{username} 已存在"
    problem = password_problem(username, password)
    if problem:
        errors["password"] = problem
    if role not in vocab.ROLES:
        errors["role"] = "「角色」须为 领导、工作人员 或 管理员"
    problem = scope_problem(session, scope_type, scope_id)
    if problem:
        errors["scope"] = problem
    return errors


@typed_inputs
def create_user(*, session: Session, actor: CurrentUser | None, username: str, password: str, role: str,
                scope_type: str = "all", scope_id: int | None = None, display_name: str = "",
                is_demo: bool = False, must_change_password: bool = False) -> int:
    """Create a user. ``actor`` must be an admin, or None for the bootstrap command and the demo loader."""
    if actor is not None and not actor.may_manage_users:
        raise PermissionDenied("只有管理员可以创建用户。")
    username = (username or "").strip()
    errors = _validate_new_user(session, username, password, role, scope_type, scope_id)
    if errors:
        raise ValidationFailed(errors)
    begin_write(session)
    user = AppUser(username=username, display_name=display_name or username, role=role,
                   scope_type=scope_type, scope_id=scope_id if scope_type != "all" else None,
                   password_hash=hash_password(password), is_demo=is_demo,
                   must_change_password=must_change_password)
    session.add(user)
    session.flush()
    new = snapshot(user)
    new.pop("password_hash", None)
    record_audit(session, actor, "create", "appuser", user.id, None, new)
    return user.id or 0


# ------------------------------------------------------------------------------------------------ login


_DUMMY_HASH = _hasher.hash("not-a-real-password")
T = TypeVar("T")


def _retrying(work: Callable[[], T], attempts: int = 3) -> T:
    """Run one of the login's short write transactions, again if SQLite's busy timeout ran out (a burst of logins
    on a loaded machine): each is all-or-nothing, so running it again is safe."""
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as exc:
            if attempt == attempts - 1 or "database is locked" not in str(exc):
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class _Admitted:
    user_id: int
    username: str
    password_hash: str


def _refusal(user: AppUser, now: datetime) -> str | None:
    """Why this account takes no login now (for the audit log only; the user sees the generic words)."""
    if not user.is_active:
        return "账户已停用"
    if user.is_locked:
        return "账户已被管理员锁定"
    if user.locked_until is not None and user.locked_until > now:
        return "账户已暂时锁定"
    return None


def _lock_duration(lock_count: int) -> timedelta:
    settings = get_settings()
    minutes = settings.lock_minutes * (2 ** min(lock_count, 16))
    return timedelta(minutes=min(minutes, settings.max_lock_hours * 60))


def _detail(reason: str | None = None, source: str | None = None, **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {**more}
    if reason:
        out["reason"] = reason
    if source:
        out["source"] = source[:100]
    return out


UNKNOWN, REFUSED = "unknown", "refused"


def _admit(engine: Engine, name: str, now: datetime, source: str | None) -> _Admitted | str:
    """Admission (see the module docstring): the attempt's ticket; UNKNOWN for a name no account has; REFUSED
    (audited) for an account that takes no login now."""
    settings = get_settings()
    with session_scope(engine, write=True) as writer:
        lock_writes(writer)
        user = writer.exec(select(AppUser).where(AppUser.username == name).with_for_update()).first() if name \
            else None
        if user is None:
            return UNKNOWN
        reason = _refusal(user, now)
        if reason is not None:
            record_audit(writer, None, "login_failed", "appuser", user.id, None, _detail(reason, source),
                         username=user.username)
            return REFUSED
        failed = user.failed_logins + 1
        values: dict[str, Any] = {"failed_logins": failed}
        if failed >= settings.max_failed_logins:
            until = now + _lock_duration(user.lock_count)
            values.update(failed_logins=0, lock_count=user.lock_count + 1, locked_until=until)
            record_audit(writer, None, "lock", "appuser", user.id, None,
                         _detail(f"连续 {settings.max_failed_logins} 次登录未成功", source,
                                 locked_until=until.isoformat(sep=" ")), username=user.username)
        writer.execute(update(AppUser).where(AppUser.id == user.id).values(**values))
        return _Admitted(user.id or 0, user.username, user.password_hash)


def _settle(engine: Engine, ticket: _Admitted, password: str, ok: bool, now: datetime,
            source: str | None) -> CurrentUser | None:
    """Settlement: the logged-in user for a right password (None if the account changed meanwhile)."""
    expires_at = now + timedelta(hours=get_settings().session_hours)
    with session_scope(engine, write=True) as writer:
        lock_writes(writer)
        user = writer.exec(select(AppUser).where(AppUser.id == ticket.user_id).with_for_update()).first()
        if not ok or user is None:
            record_audit(writer, None, "login_failed", "appuser", ticket.user_id, None,
                         _detail("密码错误", source), username=ticket.username)
            return None
        if not user.is_active or user.is_locked or user.password_hash != ticket.password_hash:
            # Deactivated, locked by an admin or given a new password while this attempt was being checked.
            record_audit(writer, None, "login_failed", "appuser", user.id, None,
                         _detail(_refusal(user, now) or "密码已更改", source), username=user.username)
            return None
        values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "lock_count": 0, "last_login_at": now}
        if _hasher.check_needs_rehash(user.password_hash):
            values["password_hash"] = hash_password(password)
        writer.execute(update(AppUser).where(AppUser.id == user.id).values(**values))
        current = as_current_user(user, expires_at)
        record_audit(writer, current, "login", "appuser", user.id, None, _detail(source=source))
        return current


def _audit_unknown(engine: Engine, name: str, source: str | None) -> None:
    with session_scope(engine, write=True) as writer:
        record_audit(writer, None, "login_failed", "appuser", None, None, _detail("用户名不存在", source),
                     username=name[:40])


def authenticate(*, session: Session, username: str, password: str, now: datetime | None = None,
                 source: str | None = None) -> CurrentUser:
    """Check a password (see the module docstring for the lockout). ``source``: the client address the browser
    reported, for the audit log only. Raises ``LoginFailed`` with the same words whatever the reason."""
    now = now or clock.now()
    name = (username or "").strip()
    engine = session.get_bind()
    session.rollback()  # the caller's session only lends its engine: end its snapshot (and SQLite write lock)
    ticket = _retrying(lambda: _admit(engine, name, now, source))
    if not isinstance(ticket, _Admitted):
        # Spend the time of a real check (against a dummy hash, never the account's): timing must not tell an
        # unknown name or a locked account from a wrong password, and a locked account is no cheaper to hammer.
        verify_password(_DUMMY_HASH, password)
        if ticket == UNKNOWN:
            _retrying(lambda: _audit_unknown(engine, name, source))
        raise LoginFailed(GENERIC_LOGIN_ERROR)
    ok = verify_password(ticket.password_hash, password)
    current = _retrying(lambda: _settle(engine, ticket, password, ok, now, source))
    if current is None:
        raise LoginFailed(GENERIC_LOGIN_ERROR)
    return current


# --------------------------------------------------------------------------------------------- sessions


def load_user(session: Session, user_id: int, session_epoch: int, *, expires_at: datetime | None = None,
              now: datetime | None = None) -> CurrentUser | None:
    """The user behind a session if it is still valid, else None: the login has not expired, the user exists,
    is active and not locked by an admin, and has not logged out everywhere since (same epoch).

    An automatic lock after failed logins does not end an open session: whoever holds it gave the right password.
    """
    if expires_at is not None and (now or clock.now()) >= expires_at:
        return None
    user = session.get(AppUser, user_id)
    if user is None or user.is_locked or not user.is_active or user.session_epoch != session_epoch:
        return None
    return as_current_user(user, expires_at)


def end_sessions(*, session: Session, user_id: int) -> None:
    """Log a user out everywhere: every token of an older epoch stops working."""
    begin_write(session)
    session.execute(update(AppUser).where(AppUser.id == user_id).values(session_epoch=AppUser.session_epoch + 1))


@typed_inputs
def log_out(*, session: Session, user: CurrentUser, source: str | None = None) -> None:
    """Log out (every session of this user ends) and record it. Call in a write session."""
    lock_writes(session)
    session.execute(update(AppUser).where(AppUser.id == user.id).values(session_epoch=AppUser.session_epoch + 1))
    record_audit(session, user, "logout", "appuser", user.id, None, _detail(source=source) or None)


def _serializer(session: Session) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(session.get_bind().url), salt="login")


def issue_token(session: Session, user: CurrentUser) -> str:
    """A signed token for the login cookie: the user, the session epoch and when the login ends."""
    expires_at = user.expires_at or clock.now() + timedelta(hours=get_settings().session_hours)
    return _serializer(session).dumps([user.id, user.session_epoch, expires_at.isoformat()])


def user_from_token(session: Session, token: str, *, now: datetime | None = None) -> CurrentUser | None:
    """The user a login cookie stands for, or None if it is forged, expired or of an ended session."""
    max_age = get_settings().session_hours * 3600
    try:
        user_id, epoch, expires = _serializer(session).loads(token, max_age=max_age)
        expires_at = datetime.fromisoformat(expires)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    return load_user(session, int(user_id), int(epoch), expires_at=expires_at, now=now)
