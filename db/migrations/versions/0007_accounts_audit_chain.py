"""accounts and a tamper-evident audit log

- appuser: ``lock_count`` (consecutive automatic locks: each lasts twice as long), ``is_active`` (deactivated users
  are kept, never deleted), ``must_change_password`` (set by an admin's create or reset).
- auditlog: ``action`` widened to 20 characters (login_failed, password_change ...); ``prev_hash`` and
  ``row_hash`` chain every row to the one before it. The rows already there are hashed here, in id order, with the
  same canonical form as db/write.py ``audit_hash`` (copied below: a migration must not change when the code does).
- appmeta: the cookie-signing secret no longer lives in the database (db/secret.py); the old one is deleted, so
  existing login cookies end and users log in once more.

On SQLite, auditlog is rebuilt to change the column type (batch mode, keeping AUTOINCREMENT); appuser only gains
columns (ALTER TABLE ADD COLUMN), so the tables that reference it are untouched.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HASHED = ("at", "user_id", "username", "action", "table_name", "record_id", "old_values", "new_values")
_BATCH = 5000


def _row_hash(row, prev_hash: str) -> str:
    payload = {name: getattr(row, name) for name in _HASHED}
    at = payload["at"]
    payload["at"] = at.isoformat() if isinstance(at, datetime) else str(at)
    payload["prev_hash"] = prev_hash
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hash_existing_rows() -> None:
    bind = op.get_bind()
    audit = sa.table(
        "auditlog",
        sa.column("id", sa.Integer), sa.column("at", sa.DateTime), sa.column("user_id", sa.Integer),
        sa.column("username", sa.String), sa.column("action", sa.String), sa.column("table_name", sa.String),
        sa.column("record_id", sa.Integer), sa.column("old_values", sa.JSON), sa.column("new_values", sa.JSON),
        sa.column("prev_hash", sa.String), sa.column("row_hash", sa.String),
    )
    set_hash = (audit.update().where(audit.c.id == sa.bindparam("row_id"))
                .values(prev_hash=sa.bindparam("prev"), row_hash=sa.bindparam("hash")))
    prev, last_id = "", 0
    while True:
        rows = bind.execute(sa.select(audit).where(audit.c.id > last_id).order_by(audit.c.id).limit(_BATCH)).all()
        if not rows:
            return
        params = []
        for row in rows:
            digest = _row_hash(row, prev)
            params.append({"row_id": row.id, "prev": prev, "hash": digest})
            prev, last_id = digest, row.id
        bind.execute(set_hash, params)


def upgrade() -> None:
    op.add_column("appuser", sa.Column("lock_count", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.add_column("appuser", sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("appuser", sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(),
                                       nullable=False))
    with op.batch_alter_table("auditlog", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.alter_column("action", existing_type=sqlmodel.sql.sqltypes.AutoString(length=10),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=20), existing_nullable=False)
        for name in ("prev_hash", "row_hash"):
            batch_op.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=64),
                                          server_default=sa.text("''"), nullable=False))
    _hash_existing_rows()
    op.execute("DELETE FROM appmeta WHERE key = 'secret_key'")


def downgrade() -> None:
    with op.batch_alter_table("auditlog", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
        batch_op.alter_column("action", existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=10), existing_nullable=False)
    with op.batch_alter_table("appuser", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("is_active")
        batch_op.drop_column("lock_count")
