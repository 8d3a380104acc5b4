"""The key that signs login cookies: SECRET_KEY from the environment, else a key file created once, never the database.

The key file (default ``secret.key`` next to the SQLite file, data/secret.key for PostgreSQL; SECRET_KEY_FILE sets
another path) is created with a random key, mode 0600, atomically: the key is written to a private temporary file
(O_CREAT|O_EXCL) and hard-linked to its name, which fails if the name exists. Two servers starting at once therefore
cannot both create it, and neither can read a half-written key: the loser reads the winner's file.

Several app servers on one PostgreSQL must sign alike, so they must share the key (SECRET_KEY on every server, or
one shared key file). Each server compares a check value of its key (an HMAC of a constant, which does not reveal
the key) with the one the first server stored in the database, and refuses to start on a mismatch
(``check_shared_secret``); ``python -m db.cli accept-secret-key`` records a new key on purpose.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.engine import URL

from db.settings import PROJECT_ROOT, get_settings

CHECK_META_KEY = "secret_key_check"
_cache: dict[str, str] = {}
_lock = threading.Lock()


class SecretKeyMismatch(RuntimeError):
    """This server's key differs from the one the other servers of this database use (Chinese message)."""


MISMATCH_MESSAGE = (
    "本服务器的登录密钥与使用同一数据库的其他服务器不一致，已停止启动（否则用户会在服务器之间被反复要求登录）。"
    "请在每台服务器上设置相同的环境变量 SECRET_KEY（或让 SECRET_KEY_FILE 指向同一个密钥文件）后重启；"
    "若是有意更换密钥，请运行 python -m db.cli accept-secret-key（所有已登录的会话将失效）。"
)


def key_file_path(database_url: str | URL | None = None) -> Path:
    """Where the key file is: SECRET_KEY_FILE, else next to the SQLite file, else data/secret.key."""
    settings = get_settings()
    if settings.secret_key_file:
        return Path(settings.secret_key_file).expanduser()
    url = make_url(database_url or settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser().resolve().parent / "secret.key"
    return PROJECT_ROOT / "data" / "secret.key"


def _create_key_file(path: Path) -> str | None:
    """Write a new random key to ``path`` unless the file exists; the key, or None if another process won."""
    created_dir = not path.parent.exists()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if created_dir:
        with contextlib.suppress(OSError):
            os.chmod(path.parent, 0o700)
    key = secrets.token_urlsafe(48)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # atomic, complete, and refused if the name exists
        except FileExistsError:
            return None
        except OSError:
            # A file system without hard links: create the name itself exclusively (a racing reader may see it
            # empty for a moment and retries).
            try:
                fd2 = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return None
            with os.fdopen(fd2, "w", encoding="ascii") as handle:
                handle.write(key + "\n")
                handle.flush()
                os.fsync(handle.fileno())
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return key


def read_or_create_key_file(path: Path) -> str:
    """The key in ``path``, creating the file first if there is none (safe against concurrent creators)."""
    for _attempt in range(100):
        try:
            key = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            created = _create_key_file(path)
            if created is not None:
                return created
            continue  # another process created it meanwhile: read theirs
        if key:
            return key
        time.sleep(0.02)  # created by the no-hard-link fallback and not written yet
    raise RuntimeError(f"密钥文件 {path} 为空或无法读取，请删除后重启，或设置环境变量 SECRET_KEY。")


def secret_key(database_url: str | URL | None = None) -> str:
    """The cookie-signing key for the database at ``database_url`` (default: settings)."""
    configured = get_settings().secret_key
    if configured:
        return configured
    path = key_file_path(database_url)
    with _lock:
        key = _cache.get(str(path))
        if key is None:
            key = _cache[str(path)] = read_or_create_key_file(path)
    return key


def forget_cached_keys() -> None:
    """Drop the keys read so far (tests that change SECRET_KEY_FILE)."""
    with _lock:
        _cache.clear()


def key_check_value(key: str) -> str:
    """A value that tells two keys apart without revealing either."""
    return hmac.new(key.encode("utf-8"), b"wushe login key check", hashlib.sha256).hexdigest()[:32]


def check_shared_secret(engine: Engine, *, accept: bool = False) -> None:
    """PostgreSQL: refuse a server whose key differs from the one recorded by the first server of the database.

    ``accept=True`` records this server's key instead (a key changed on purpose). SQLite serves from one machine
    and its key file sits next to the database, so there is nothing to compare.
    """
    if engine.dialect.name != "postgresql" and not accept:
        return
    from db.engine import session_scope
    from db.models import AppMeta
    from db.write import lock_writes

    value = key_check_value(secret_key(engine.url))
    with session_scope(engine, write=True) as session:
        lock_writes(session)  # two servers starting together: the second sees the first's value
        row = session.get(AppMeta, CHECK_META_KEY)
        if row is None:
            session.add(AppMeta(key=CHECK_META_KEY, value=value))
        elif row.value != value:
            if not accept:
                raise SecretKeyMismatch(MISMATCH_MESSAGE)
            row.value = value
