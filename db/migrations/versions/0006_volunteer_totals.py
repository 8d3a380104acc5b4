"""volunteer totals: approved service hours per volunteer over all history

Star levels compare each volunteer's approved hours (all time) with the thresholds; summing every service record
on every read grew with history (33–45 s at 10M records, bench/scale.py). This table keeps the sum per volunteer;
the write services recompute it for the volunteers they touch in the same transaction (db/volunteers/totals.py). The upgrade
fills it from the records already there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "volunteertotal",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteer.id"]),
        sa.PrimaryKeyConstraint("volunteer_id"),
    )
    op.execute("INSERT INTO volunteertotal (volunteer_id, hours, records) "
               "SELECT volunteer_id, SUM(hours), COUNT(*) FROM servicerecord WHERE status = 'approved' "
               "GROUP BY volunteer_id")


def downgrade() -> None:
    op.drop_table("volunteertotal")
