"""grade bands: the assessment score that earns each grade 5A…1A (reference data)

Score bands of 社会组织等级评估 differ by city (DESIGN.md §4), so they are a table an admin edits, not constants.
This creates the table and seeds the default set (city "", used wherever a city has no set of its own) on a
1,000-point assessment: 5A ≥ 900, 4A ≥ 800, 3A ≥ 700, 2A ≥ 600, 1A ≥ 500. It is a default to edit to the
city's own rules (系统管理 / 社会组织与社工 → 等级评估 → 分数段). Rows are inserted without explicit ids.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_BANDS = (("5A", 900.0), ("4A", 800.0), ("3A", 700.0), ("2A", 600.0), ("1A", 500.0))


def upgrade() -> None:
    band = op.create_table(
        "gradeband",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("min_score", sa.Float(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("city", "grade", name="uq_gradeband_city_grade"),
        sqlite_autoincrement=True,
    )
    op.bulk_insert(band, [{"city": "", "grade": g, "min_score": s, "version": 1} for g, s in DEFAULT_BANDS])


def downgrade() -> None:
    op.drop_table("gradeband")
