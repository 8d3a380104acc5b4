"""Users, Argon2id password hashes, login with lockout, and signed session tokens."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update
from sqlmodel import Session, select

from db import clock, vocab
from db.engine import session_scope
from db.errors import LoginFailed, PermissionDenied, ValidationFailed
from db.models import AppMeta, AppUser, Community, Organization, Street
from db.scope import Scope, user_scope
from db.settings import get_settings
from db.write import begin_write, record_audit, snapshot

# argon2-cffi's PasswordHasher uses Argon2id with the RFC 9106 low-memory profile by default.
_hasher = PasswordHasher()
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,40}$")
MIN_PASSWORD = 8


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

    @property
    def scope(self) -> Scope:
        return user_scope(self.scope_type, self.scope_id)

    @property
    def can_write(self) -> bool:
        return self.role in ("staff", "admin")



def _as_current(user: AppUser) -> CurrentUser:
    return CurrentUser(
        id=user.id or 0,
        username=user.username,
        display_name=user.display_name or user.username,
        role=user.role,
        scope_type=user.scope_type,
        scope_id=user.scope_id,
        session_epoch=user.session_epoch,
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _validate_new_user(session: Session, username: str, password: str, role: str, scope_type: str,
                       scope_id: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username or ""):
        errors["username"] = "「用户名」须为 3–40 位字母、数字或 _ . -"
    elif session.exec(select(AppUser.id).where(AppUser.username == username)).first() is not None:
        errors["username"] = f"「用户名」{username} 已存在"
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = f"「密码」至少 {MIN_PASSWORD} 位"
    if role not in vocab.ROLES:
        errors["role"] = "「角色」须为 领导、工作人员 或 管理员"
    if scope_type not in vocab.SCOPE_TYPES:
        errors["scope"] = "「数据范围」无效"
    elif scope_type != "all":
        model = {"street": Street, "community": Community, "organization": Organization}[scope_type]
        if scope_id is None or session.get(model, scope_id) is None:
            errors["scope"] = f"「数据范围」所选{vocab.SCOPE_TYPES[scope_type]}不存在"
    return errors


def create_user(*, session: Session, actor: CurrentUser | None, username: str, password: str, role: str,
                scope_type: str = "all", scope_id: int | None = None, display_name: str = "",
                is_demo: bool = False) -> int:
    """Create a user. ``actor`` must be an admin, or None for the bootstrap command and the demo loader."""
    if actor is not None and actor.role != "admin":
        raise PermissionDenied("只有管理员可以创建用户。")
    username = (username or "").strip()
    errors = _validate_new_user(session, username, password, role, scope_type, scope_id)
    if errors:
        raise ValidationFailed(errors)
    begin_write(session)
    user = AppUser(username=username, display_name=display_name or username, role=role,
                   scope_type=scope_type, scope_id=scope_id if scope_type != "all" else None,
                   password_hash=hash_password(password), is_demo=is_demo)
    session.add(user)
    session.flush()
    new = snapshot(user)
    new.pop("password_hash", None)
    record_audit(session, actor, "create", "appuser", user.id, None, new)
    return user.id or 0


def authenticate(*, session: Session, username: str, password: str, now: datetime | None = None) -> CurrentUser:
    """Check a password. Five failures lock the account for ``lock_minutes``; a locked account is refused."""
    settings = get_settings()
    now = now or clock.now()
    user = session.exec(select(AppUser).where(AppUser.username == (username or "").strip())).first()
    generic = "用户名或密码错误。"
    if user is None:
        # Spend the same time as a real check so that timing does not tell which user names exist.
        try:
            _hasher.verify(_DUMMY_HASH, password or "")
        except (VerificationError, InvalidHashError):
            pass
        raise LoginFailed(generic)
    if user.is_locked:
        raise LoginFailed("该账号已被管理员停用，请联系管理员。")
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise LoginFailed(f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试或联系管理员解锁。")
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        locked = _count_failure(session, user.id or 0, user.username, now)
        if locked:
            raise LoginFailed(
                f"连续 {settings.max_failed_logins} 次密码错误，账号已锁定 {settings.lock_minutes} 分钟。") from None
        # The same words as for an unknown user name, so that answers do not tell which names exist.
        raise LoginFailed(generic) from None
    values = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if _hasher.check_needs_rehash(user.password_hash):
        values["password_hash"] = hash_password(password)
    current = _as_current(user)
    session.rollback()  # end the read snapshot before writing
    with session_scope(session.get_bind(), write=True) as writer:
        writer.execute(update(AppUser).where(AppUser.id == current.id).values(**values))
    return current


def _count_failure(session: Session, user_id: int, username: str, now: datetime) -> bool:
    """Add one failed attempt atomically (concurrent guesses all count); lock at the limit. True if locked."""
    settings = get_settings()
    session.rollback()  # end the read snapshot before writing
    with session_scope(session.get_bind(), write=True) as writer:
        failed = writer.execute(
            update(AppUser).where(AppUser.id == user_id)
            .values(failed_logins=AppUser.failed_logins + 1).returning(AppUser.failed_logins)
        ).scalar_one()
        if failed < settings.max_failed_logins:
            return False
        writer.execute(update(AppUser).where(AppUser.id == user_id).values(
            failed_logins=0, locked_until=now + timedelta(minutes=settings.lock_minutes)))
        record_audit(writer, None, "lock", "appuser", user_id, None,
                     {"reason": f"连续 {settings.max_failed_logins} 次密码错误"}, username=username)
        return True


_DUMMY_HASH = _hasher.hash("not-a-real-password")


def load_user(session: Session, user_id: int, session_epoch: int) -> CurrentUser | None:
    """The user behind a session if it is still valid (exists, not locked, same epoch), else None."""
    user = session.get(AppUser, user_id)
    if user is None or user.is_locked or user.session_epoch != session_epoch:
        return None
    if user.locked_until is not None and user.locked_until > clock.now():
        return None
    return _as_current(user)


def end_sessions(*, session: Session, user_id: int) -> None:
    """Log a user out everywhere: every token of an older epoch stops working."""
    begin_write(session)
    session.execute(update(AppUser).where(AppUser.id == user_id).values(session_epoch=AppUser.session_epoch + 1))


def _secret(session: Session) -> str:
    configured = get_settings().secret_key
    if configured:
        return configured
    row = session.get(AppMeta, "secret_key")
    if row is None:
        # Stored in the database so that every app server of one installation signs alike.
        row = AppMeta(key="secret_key", value=secrets.token_urlsafe(48))
        session.add(row)
        session.commit()
    return row.value


def issue_token(session: Session, user: CurrentUser) -> str:
    """A signed, expiring token for the login cookie."""
    return URLSafeTimedSerializer(_secret(session), salt="login").dumps([user.id, user.session_epoch])


def user_from_token(session: Session, token: str) -> CurrentUser | None:
    """The user a login cookie stands for, or None if it is forged, expired or of an ended session."""
    max_age = get_settings().session_hours * 3600
    try:
        user_id, epoch = URLSafeTimedSerializer(_secret(session), salt="login").loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    return load_user(session, int(user_id), int(epoch))
