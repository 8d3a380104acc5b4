"""Start-up: migrate the database and, on a fresh install, load the demo data set."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from db.engine import get_engine
from db.migrate import upgrade
from db.models import AppMeta, Street
from db.settings import get_settings


def ensure_ready(engine: Engine | None = None, today: date | None = None) -> None:
    """Apply migrations; load the demo data if the database holds no street yet and LOAD_DEMO is on."""
    engine = engine or get_engine()
    upgrade(engine)
    if not get_settings().load_demo:
        return
    with Session(engine) as session:
        empty = session.execute(select(func.count()).select_from(Street)).scalar_one() == 0
        seen = session.get(AppMeta, "demo_loaded") is not None
    if empty and not seen:
        from db.demo.build import load_demo

        load_demo(engine, today=today)


def is_demo_install(engine: Engine | None = None) -> bool:
    """True while the demo data set is loaded (the UI marks it as demo)."""
    with Session(engine or get_engine()) as session:
        return demo_loaded(session)


def demo_loaded(session: Session) -> bool:
    """True while the demo data set is loaded (the UI marks it as demo)."""
    return session.get(AppMeta, "demo_loaded") is not None
