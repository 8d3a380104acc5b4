"""Helpers for the UI tests: the demo database, pointing the app at it, and small AppTest lookups by label.

The app reads its settings from the environment once per process (``db.settings.get_settings`` is cached)
and keeps its engine and figures in Streamlit caches, so every switch of database clears all of them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import streamlit as st
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db import clock, vocab
from db.auth import CurrentUser, load_user
from db.engine import dispose_engines, get_engine, make_engine, session_scope
from db.migrate import upgrade
from db.models import Activity, AppUser, ServiceRecord
from db.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
ENTRY_PAGE = "pages/1_data_entry.py"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

DEMO_ROLES = {"demo_leader": "leader", "demo_staff": "staff", "demo_admin": "admin"}
STAFF_COMMUNITY = "新港山路社区"

# Labels the tests look for; the app keeps its own copies in components/ and db.vocab.
USERNAME, PASSWORD, LOGIN = "用户名", "密码", "登录"
SAVE_ACTIVITY = "保存活动"
TITLE = vocab.FIELD_LABELS["title"]  # 活动名称
VOLUNTEER_COL, HOURS_COL = "志愿者", "时长（小时）"
PERIOD_KEY = "filter_period"


# ------------------------------------------------------------------------------------------ databases


def build_demo_database(path: Path, today: date | None = None) -> Path:
    """A migrated SQLite file holding the demo data set, checkpointed so that the one file can be copied."""
    from db.demo import load_demo

    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        load_demo(engine, today=today or clock.today())
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return path


def copy_database(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    return target


def reset_app_caches() -> None:
    """Forget settings, engines and every Streamlit cache (call after changing the environment)."""
    get_settings.cache_clear()
    dispose_engines()
    st.cache_resource.clear()
    st.cache_data.clear()


def current_user(username: str) -> CurrentUser:
    """The user as the app keeps it in its session after a login."""
    with session_scope(get_engine()) as session:
        row = session.execute(select(AppUser).where(AppUser.username == username)).scalar_one()
        user = load_user(session, row.id, row.session_epoch)
    assert user is not None, f"{username} cannot log in (locked?)"
    return user


def count_rows(model) -> int:
    with session_scope(get_engine()) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def activity_count() -> int:
    return count_rows(Activity)


def service_record_count() -> int:
    return count_rows(ServiceRecord)


# ------------------------------------------------------------------------------------------ AppTest


def new_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=60)


def open_page(username: str | None, page: str = "app.py") -> AppTest:
    """Run ``page`` with ``username`` already logged in (None: nobody)."""
    at = new_app()
    if username is not None:
        at.session_state["current_user"] = current_user(username)
    if page != "app.py":
        at.switch_page(page)  # no st.navigation here, so the page can be chosen before the first run
    return at.run()


def by_label(widgets: Iterable, label: str):
    """The one widget or element with this label."""
    found = [w for w in widgets if w.label == label]
    assert len(found) == 1, f"expected one element labelled {label!r}, found {[w.label for w in widgets]}"
    return found[0]


def has_label(widgets: Iterable, label: str) -> bool:
    return any(w.label == label for w in widgets)


def log_in(at: AppTest, username: str, password: str) -> AppTest:
    """Fill 用户名 / 密码 and click 登录, as a person would."""
    by_label(at.text_input, USERNAME).input(username)
    by_label(at.text_input, PASSWORD).input(password)
    return by_label(at.button, LOGIN).click().run()


def texts(elements: Iterable) -> list[str]:
    return [str(e.value) for e in elements]


def metrics(at: AppTest) -> dict[str, str]:
    """Tile label → shown value."""
    return {m.label: m.value for m in at.metric}


def choose_period(at: AppTest, kind: str) -> AppTest:
    """Pick 本月 / 本季度 / 本年 / 累计 (``month`` / ``quarter`` / ``year`` / ``all``) on the overview."""
    return at.segmented_control(key=PERIOD_KEY).set_value(kind).run()


def sidebar_links(at: AppTest) -> list[str]:
    return [link.label for link in at.sidebar.page_link]


def editor_options(editor, column: str) -> list[str]:
    """The choices a SelectboxColumn of a data editor offers, as sent to the browser."""
    config = json.loads(editor.proto.columns or "{}")
    return list(config[column]["type_config"]["options"])


def form_key(at: AppTest) -> str:
    return at.session_state["activity_form_key"]


def set_editor_rows(at: AppTest, key: str, rows: list[dict]) -> None:
    """Add rows to a keyed data editor the way the browser reports them (its edit state)."""
    at.session_state[key] = {"edited_rows": {}, "added_rows": rows, "deleted_rows": []}


def assert_clean(at: AppTest) -> None:
    """No exception element, no traceback or English error text, and not the app's own “unexpected error” message,
    anywhere on the page."""
    assert not at.exception, [e.value for e in at.exception]
    for element in (*at.markdown, *at.error, *at.warning):
        text = str(element.value)
        assert "Traceback" not in text and "Error" not in text and "意外错误" not in text, text
