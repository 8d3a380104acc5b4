"""Migrations (db.migrate): an empty database is brought to the newest schema, which is exactly the models'."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers every table on SQLModel.metadata)
from db.engine import session_scope
from db.migrate import alembic_config, current_revision, upgrade
from db.models import Community, Street


def table_names(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_empty_database_has_no_tables_and_no_revision(empty_engine):
    assert table_names(empty_engine) == set()
    assert current_revision(empty_engine) is None


def test_upgrade_creates_every_model_table_at_head(empty_engine):
    upgrade(empty_engine)
    assert table_names(empty_engine) == set(SQLModel.metadata.tables)
    assert current_revision(empty_engine) == head()


def test_upgrade_twice_is_a_no_op(empty_engine):
    upgrade(empty_engine)
    with session_scope(empty_engine, write=True) as session:
        session.add(Street(name="薛家岛街道", district_code="370211"))
    tables = table_names(empty_engine)
    columns = {t: [c["name"] for c in inspect(empty_engine).get_columns(t)] for t in tables}

    upgrade(empty_engine)

    assert current_revision(empty_engine) == head()
    assert table_names(empty_engine) == tables
    assert {t: [c["name"] for c in inspect(empty_engine).get_columns(t)] for t in tables} == columns
    with session_scope(empty_engine) as session:
        assert session.execute(select(Street.name)).scalars().all() == ["薛家岛街道"]


def test_migrated_schema_matches_the_models(empty_engine):
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_migrated_schema_enforces_unique_and_foreign_keys(engine):
    # The constraints exist in the database itself, not only on the models.
    with session_scope(engine, write=True) as session:
        session.add(Street(name="乔司街道"))
    with pytest.raises(IntegrityError):
        with session_scope(engine, write=True) as session:
            session.add(Street(name="乔司街道"))
    with pytest.raises(IntegrityError):
        with session_scope(engine, write=True) as session:
            session.add(Community(street_id=987_654, name="无主社区"))
