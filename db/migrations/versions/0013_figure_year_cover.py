"""figure years: covering indexes for the sums grouped by project and by organisation (issue 13)

累计 and whole years read ``figureyear``; the 项目成效 portfolio sums every figure per project and 社会组织与社工 per
organisation over every place. By (project_id, year) alone SQLite read each row from the table in project order
(59 ms at 10M records, 99,000 cell-years), and by organisation it sorted the whole table (99 ms). These indexes carry
the summed columns after the group and the year, so both read one index in order (41 ms each). The first replaces
ix_figyear_project, its prefix.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMS = ["activities", "linked_activities", "people_served", "records", "hours", "credit_hours", "honour_hours",
        "money", "in_kind", "with_community", "with_organization", "with_social_worker", "with_volunteers",
        "with_charity", "served_activities"]


def upgrade() -> None:
    op.create_index("ix_figyear_project_cover", "figureyear", ["project_id", "year", *SUMS])
    op.create_index("ix_figyear_org_cover", "figureyear", ["organization_id", "year", *SUMS])
    op.drop_index("ix_figyear_project", table_name="figureyear")


def downgrade() -> None:
    op.create_index("ix_figyear_project", "figureyear", ["project_id", "year"])
    op.drop_index("ix_figyear_org_cover", table_name="figureyear")
    op.drop_index("ix_figyear_project_cover", table_name="figureyear")
