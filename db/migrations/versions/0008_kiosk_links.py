"""kiosk links: read-only big-screen links for review meetings (issue 11)

A kiosk link opens the big screen (大屏) of one street or community with no login. The table keeps the SHA-256 of
the token only (never the token), the link's scope, who created it and when, when it was last used (updated at
most once a minute) and when it was revoked.

Revision ID: 0008
Revises: 0007 (written against 0006 before 0007 existed: re-point down_revision to "0007" when merging)
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kiosklink",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["appuser.id"]),
        sa.ForeignKeyConstraint(["street_id"], ["street.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_kiosklink_street_id"), "kiosklink", ["street_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_kiosklink_street_id"), table_name="kiosklink")
    op.drop_table("kiosklink")
