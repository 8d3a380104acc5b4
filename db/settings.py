"""Typed settings read from the environment (prefix-free names, e.g. ``DATABASE_URL``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = PROJECT_ROOT / "data" / "wushe.db"


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set by an environment variable of the same name."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = f"sqlite:///{DEFAULT_SQLITE}"
    # Load the demo data set on the first start of an empty database: "auto" (the default) loads it on SQLite only,
    # so that the first `streamlit run app.py` shows a working demo while a PostgreSQL install starts empty;
    # "true" / "false" force it on or off. A database holding real records never gets the demo (db.demo).
    load_demo: str = "auto"
    # Where the command line writes the backups it makes before loading, resetting or clearing the demo and before
    # a restore (default: data/backups in the project).
    backup_dir: str = ""
    # The offices' time zone: "today" and every stored timestamp are local wall-clock time here.
    timezone: str = "Asia/Shanghai"
    # Seconds between live refreshes of leader views; 0 turns live refresh off (tests).
    live_refresh_seconds: int = 30
    # Seconds a cached read may live before it is recomputed even if the data version is unchanged. Every cached
    # read is keyed by the data version (and its period's dates), so a write is seen at once whatever this is;
    # the bound only frees memory. Short values cost dearly at scale: at 10M records a recomputed overview took
    # 20–27 s while other sessions waited (bench/scale.py: p95 rerun 31 s with 60 s, 2.1 s with 3600 s).
    cache_ttl_seconds: int = 3600
    # How many results each cached read keeps (one per data version × arguments); the oldest go first.
    cache_max_entries: int = 256
    # Session length: a login (and its cookie) ends this many hours after the password was checked, open tab or not.
    session_hours: int = 8
    # Secret that signs login cookies. Never stored in the database. Unset: read from ``secret_key_file``, which is
    # created (random, mode 0600) on first use. Several app servers on one PostgreSQL must share one key: set
    # SECRET_KEY (or one shared key file) on every server; a server with a different key refuses to start.
    secret_key: str = ""
    # Unset: ``secret.key`` next to the SQLite file, or data/secret.key for PostgreSQL.
    secret_key_file: str = ""
    # Consecutive failed logins that lock an account for ``lock_minutes``; each further lock without a successful
    # login in between lasts twice as long, up to ``max_lock_hours``. An admin can always unlock.
    max_failed_logins: int = 5
    lock_minutes: int = 15
    max_lock_hours: int = 24
    upload_max_mb: int = 10
    # A backup uploaded for a restore (系统管理 › 备份与恢复) may be this large; Streamlit's server.maxUploadSize in
    # .streamlit/config.toml equals it (the proxy's client_max_body_size just above), and every other uploader
    # (imports) passes its own smaller cap, upload_max_mb.
    backup_upload_max_mb: int = 200
    # Data rows one import may hold (an Excel/CSV 台账 file); a bigger file is refused before it is parsed whole.
    import_max_rows: int = 5000

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        # Accept the URLs people copy from hosting panels and use the psycopg 3 driver.
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        return value

    @field_validator("load_demo", mode="before")
    @classmethod
    def _normalise_load_demo(cls, value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        word = str(value).strip().lower()
        if word in ("1", "true", "yes", "on"):
            return "true"
        if word in ("0", "false", "no", "off"):
            return "false"
        if word in ("", "auto"):
            return "auto"
        raise ValueError("LOAD_DEMO must be auto, true or false")

    def demo_on_first_start(self, dialect: str) -> bool:
        """Whether an empty database of this dialect ("sqlite", "postgresql") gets the demo on its first start."""
        return self.load_demo == "true" or (self.load_demo == "auto" and dialect == "sqlite")

    @property
    def backup_path(self) -> Path:
        return Path(self.backup_dir) if self.backup_dir else PROJECT_ROOT / "data" / "backups"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear the cache after changing the environment)."""
    return Settings()
