"""project and date indexes on activities, mediation cases and donations (issue 13)

A project's figures read the partial months at the ends of a period from the raw rows. By ``project_id`` alone
SQLite found every row the project ever had and then kept those of the period: a read that grew with the project's
history (2.5 ms for one day of a 1,788-activity project at 10M records; 0.05 ms with the date in the index). Each
index replaces the project's own index, its prefix.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, new index, its date column, the index it replaces)
INDEXES = [("activity", "ix_activity_project_starts", "starts_at", "ix_activity_project_id"),
           ("mediationcase", "ix_mediation_project_received", "received_on", "ix_mediationcase_project_id"),
           ("donation", "ix_donation_project_date", "donated_on", "ix_donation_project_id")]


def upgrade() -> None:
    for table, name, day, old in INDEXES:
        op.create_index(name, table, ["project_id", day])
        op.drop_index(old, table_name=table)


def downgrade() -> None:
    for table, name, _day, old in INDEXES:
        op.create_index(old, table, ["project_id"])
        op.drop_index(name, table_name=table)
