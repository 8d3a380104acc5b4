"""The schema-change steps of docs/ENGINEERING.md (“Schema changes”) work: followed in a temporary copy of the project,
they add a column through a new incremental revision, and a database holding rows of the earlier schema upgrades
with its rows intact. And db/models.py agrees with the migrations (``alembic check``), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from db.engine import make_engine, session_scope
from db.migrate import alembic_config, upgrade
from db.models import Community, Street

ROOT = Path(__file__).resolve().parent.parent
NEW_COLUMN = "    note: str | None = Field(default=None, max_length=200)  # added by tests/test_schema_workflow.py\n"


def project_copy(tmp_path: Path) -> Path:
    """db/ and alembic.ini, as the documented steps need them, in a directory of their own."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "db", copy / "db", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "alembic.ini", copy / "alembic.ini")
    return copy


def run_in(copy: Path, database: Path, *args: str, ok: bool = True) -> str:
    """A documented command (``python -m …``) run in the copy, with DATABASE_URL pointing at ``database``; it
    succeeds (``ok``) or fails. Returns what it printed."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": str(copy)}
    done = subprocess.run([sys.executable, "-m", *args], cwd=copy, env=env, capture_output=True, text=True,
                          timeout=100)
    assert (done.returncode == 0) is ok, f"{args}: {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def add_column_to_street(models: Path) -> None:
    source = models.read_text(encoding="utf-8")
    header = "class Street(SQLModel, table=True):\n"
    assert source.count(header) == 1
    models.write_text(source.replace(header, header + NEW_COLUMN), encoding="utf-8")


def test_the_documented_schema_change_upgrades_a_database_with_rows(tmp_path):
    copy = project_copy(tmp_path)
    versions = copy / "db" / "migrations" / "versions"
    before = {p.name for p in versions.glob("*.py")}
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    next_id = f"{int(head) + 1:04d}"

    # An installation holding rows in the current (earlier) schema.
    installed = tmp_path / "installed.db"
    engine = make_engine(f"sqlite:///{installed}")
    upgrade(engine)
    with session_scope(engine, write=True) as s:
        street = Street(name="薛家岛街道", district_code="370211")
        s.add(street)
        s.flush()
        s.add(Community(street_id=street.id, name="新港山路社区"))
    engine.dispose()

    # The documented steps: change db/models.py; a scratch database at head; autogenerate the next revision.
    add_column_to_street(copy / "db" / "models.py")
    scratch = tmp_path / "schema.db"
    run_in(copy, scratch, "db.cli", "migrate")
    # Until the revision exists, `alembic check` sees the model ahead of the migrations.
    assert "add_column" in run_in(copy, scratch, "alembic", "check", ok=False)
    run_in(copy, scratch, "alembic", "revision", "--autogenerate", "--rev-id", next_id, "-m", "street note")

    created = {p.name for p in versions.glob("*.py")} - before
    assert len(created) == 1, created
    revision = (versions / created.pop()).read_text(encoding="utf-8")
    assert re.search(rf"^down_revision[^=]*= ['\"]{head}['\"]", revision, re.M), revision[:600]
    assert re.search(r"add_column\(\s*sa\.Column\(\s*['\"]note['\"]", revision), revision
    assert "drop_table" not in revision and "create_table" not in revision  # nothing but the one change

    # The installation upgrades (as the app does on start) and keeps its rows; the models now match the schema.
    run_in(copy, installed, "db.cli", "migrate")
    assert "No new upgrade operations detected" in run_in(copy, installed, "alembic", "check")
    engine = make_engine(f"sqlite:///{installed}")
    try:
        assert "note" in {c["name"] for c in inspect(engine).get_columns("street")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == next_id
            assert conn.execute(text("SELECT name, district_code, note FROM street")).all() == [
                ("薛家岛街道", "370211", None)]
            assert conn.execute(select(Community.name)).scalars().all() == ["新港山路社区"]
    finally:
        engine.dispose()
    # The project itself is untouched.
    assert {p.name for p in (ROOT / "db" / "migrations" / "versions").glob("*.py")} == before


def test_the_models_agree_with_the_migrations(engine):
    """``alembic check`` on a database at head: autogenerate finds nothing to add, drop or alter."""
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)  # raises AutogenerateDiffsDetected, listing the differences, if there are any

