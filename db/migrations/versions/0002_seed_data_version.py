"""seed the data-version row

The data-version counter exists from the start, so every write's first statement (an UPDATE of this row)
takes the write lock and two first writes cannot race to create it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.bulk_insert(
        sa.table(
            "dataversion",
            sa.column("id", sa.Integer),
            sa.column("version", sa.Integer),
            sa.column("changed_at", sa.DateTime),
        ),
        [{"id": 1, "version": 0, "changed_at": datetime(2000, 1, 1)}],
    )


def downgrade() -> None:
    op.execute("DELETE FROM dataversion WHERE id = 1")
