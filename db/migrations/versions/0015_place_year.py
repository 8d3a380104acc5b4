"""place years: the figure years summed over organisations and projects; donations by date (issue 13)

A place's tiles and place tables (总览, 大屏, 慈善资源, 社区画像 …) sum whole years when no organisation or project is
chosen. ``figureyear`` keeps them per cell — place × organisation × project — and in the benchmark's district of 10M
records a 累计 of every place read 99,000 of its rows (30–60 ms) for one total. ``placeyear`` holds the same sums per
street, community and year (1,200 rows there), kept by every write in the same transaction (db/summaries.py). The
upgrade fills it from ``figureyear`` (plain SQL, so that a later change of the models cannot change what this
revision does). And an index on the donations' date: a month to date is read from its summary row when nothing
is dated after the day (db/figures/summaries.split), which asks the donations too.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ["activities", "linked_activities", "people_served", "records"]
AMOUNTS = ["hours", "credit_hours", "honour_hours", "money", "in_kind"]
ACTORS = ["with_community", "with_organization", "with_social_worker", "with_volunteers", "with_charity",
          "served_activities"]


def upgrade() -> None:
    op.create_table(
        "placeyear",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in COUNTS),
        *(sa.Column(c, sa.Float(), nullable=False) for c in AMOUNTS),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in ACTORS),
        sa.Column("year", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_placeyear_year", "placeyear", ["year", "street_id", "community_id"])
    op.create_index("ix_donation_date", "donation", ["donated_on"])
    sums = [*COUNTS, *AMOUNTS, *ACTORS]
    op.execute(f"INSERT INTO placeyear (year, street_id, community_id, {', '.join(sums)}) "
               f"SELECT year, street_id, community_id, {', '.join(f'SUM({c})' for c in sums)} FROM figureyear "
               f"GROUP BY year, street_id, community_id")


def downgrade() -> None:
    op.drop_index("ix_donation_date", table_name="donation")
    op.drop_index("ix_placeyear_year", table_name="placeyear")
    op.drop_table("placeyear")
