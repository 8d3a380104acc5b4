"""served activities: the activities with an approved service record, per figure cell and month or year (issue 13)

The leaderboards' totals (参与活动: the activities the counted service records belong to) were a distinct count over
a year of raw records on every cold 光荣榜. An activity lies in one cell (its records share its place, project and
month), so the count adds up over cells and months: ``figuremonth`` and ``figureyear`` gain ``served_activities``,
kept by every write in the same transaction (db/summaries.py). The upgrade adds the column and fills it from the rows
already there, keeping the summary rows as they are (plain SQL, so that a later change of the models cannot change
what this revision does).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLACE = ("street_id", "community_id", "organization_id", "project_id")


def upgrade() -> None:
    for table in ("figuremonth", "figureyear"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('served_activities', sa.Integer(), nullable=False, server_default='0'))
    pg = op.get_bind().dialect.name == "postgresql"
    month = "CAST(date_trunc('month', service_date) AS DATE)" if pg else "date(service_date, 'start of month')"
    year = "CAST(date_trunc('year', month) AS DATE)" if pg else "date(month, 'start of year')"
    keys = ", ".join(f"COALESCE({p}, -1)" for p in PLACE)
    typed = ", ".join(f"{p} INTEGER NOT NULL" for p in PLACE)
    records = "servicerecord" if pg else "servicerecord NOT INDEXED"  # one pass in table order, not by an index
    # One pass over the records into a keyed scratch table, then each summary row reads its count by the index
    # (a correlated count over the records per row would read a street's month for each of them). The scratch
    # columns are typed like the summaries' (an untyped column would not be compared by its index).
    for table, span, first, rows, total in (
            ("figuremonth", "month", month, f"{records} WHERE status = 'approved'", "COUNT(DISTINCT activity_id)"),
            ("figureyear", "year", year, "figuremonth", "SUM(served_activities)")):
        op.execute(f"CREATE TEMPORARY TABLE served_scratch ({span} DATE NOT NULL, {typed}, n INTEGER NOT NULL)")
        op.execute(f"INSERT INTO served_scratch SELECT {first}, {keys}, {total} FROM {rows} "
                   f"GROUP BY 1, {', '.join(PLACE)}")
        op.execute(f"CREATE INDEX served_scratch_key ON served_scratch ({span}, {', '.join(PLACE)})")
        cell = " AND ".join(f"s.{p} = COALESCE({table}.{p}, -1)" for p in PLACE)
        op.execute(f"UPDATE {table} SET served_activities = COALESCE((SELECT s.n FROM served_scratch s WHERE "
                   f"s.{span} = {table}.{span} AND {cell}), 0)")
        op.execute("DROP TABLE served_scratch")
    for table in ("figuremonth", "figureyear"):  # the default only filled the old rows
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('served_activities', server_default=None)


def downgrade() -> None:
    for table in ("figureyear", "figuremonth"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('served_activities')
