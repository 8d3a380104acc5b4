"""Start-up: migrate the database and, on the first start of an empty SQLite database, load the demo data set."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from db.engine import get_engine
from db.migrate import upgrade
from db.models import AppMeta, Street
from db.settings import get_settings


def wants_demo(engine: Engine) -> bool:
    """LOAD_DEMO for this database: "auto" means SQLite only (PostgreSQL never loads the demo unless asked)."""
    return get_settings().demo_on_first_start(engine.dialect.name)


def ensure_ready(engine: Engine | None = None, today: date | None = None) -> None:
    """Apply migrations; load the demo data if LOAD_DEMO asks for it on this database and the database is empty:
    no street, no real record (a user created with ``db.cli create-admin`` counts), the demo neither loaded nor
    cleared before."""
    engine = engine or get_engine()
    upgrade(engine)
    if not wants_demo(engine):
        return
    from db.demo import CLEARED_KEY, DemoRefused, demo_loaded, holds_real_records, load_demo

    with Session(engine) as session:
        empty = session.execute(select(func.count()).select_from(Street)).scalar_one() == 0
        seen = demo_loaded(session) or session.get(AppMeta, CLEARED_KEY) is not None
        real = holds_real_records(session)
    if empty and not seen and not real:
        try:
            load_demo(engine, today=today)
        except DemoRefused:
            pass  # a real record arrived meanwhile (another server, the CLI): the database stays without demo


def is_demo_install(engine: Engine | None = None) -> bool:
    """True while the demo data set is loaded (the UI marks it as demo)."""
    with Session(engine or get_engine()) as session:
        return demo_loaded(session)


def demo_loaded(session: Session) -> bool:
    """True while the demo data set is loaded (the UI marks it as demo)."""
    return session.get(AppMeta, "demo_loaded") is not None


def shows_demo_accounts(engine: Engine | None = None) -> bool:
    """True while the login page lists the demo accounts (db.demo.shows_demo_accounts)."""
    from db.demo.load import shows_demo_accounts as shown

    with Session(engine or get_engine()) as session:
        return shown(session)
