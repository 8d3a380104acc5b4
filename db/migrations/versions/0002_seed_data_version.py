"""seed the data-version row

The data-version counter exists from the start, so every write's first statement (an UPDATE of this row)
takes the write lock and two first writes cannot race to create it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Idempotent: a database that already has the row (from an earlier build of 0001) keeps it.
    op.execute("INSERT INTO dataversion (id, version, changed_at) "
               "SELECT 1, 0, '2000-01-01 00:00:00' WHERE NOT EXISTS (SELECT 1 FROM dataversion WHERE id = 1)")


def downgrade() -> None:
    op.execute("DELETE FROM dataversion WHERE id = 1")
