"""team spans: the team board's hours, records, activities and members per team and month, quarter, year and all
time; the volunteers left out of the rankings by index; a volunteer's records by day covering what the summaries
read (issue 13)

The team board (队伍光荣榜) joined a period's raw records to the team members on every cold 光荣榜: 1.3 s for a
year of a district of 10M records. ``teamspan`` holds it per team and span, every place and project together; every
write keeps it in the same transaction (db/team_spans.py, called by db/recompute.py). The upgrade fills it from the
rows already there (plain SQL, so that a later change of the models cannot change what this revision does).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('teamspan',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('activities', sa.Integer(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'kind', 'start')
    )
    # The leaderboards' totals read the few volunteers left out of the ranking through these.
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_opt_out', ['leaderboard_opt_out'], unique=False)
        batch_op.create_index('ix_volunteer_staff', ['is_staff'], unique=False)
    # A write's recompute reads its volunteers' records of a month, quarter or year, and the team months all their
    # members': from the index alone (3.5 → 1.9 ms for two teams' month at 10M records).
    with op.batch_alter_table('servicerecord', schema=None) as batch_op:
        batch_op.drop_index('ix_record_volunteer_date')
        batch_op.create_index('ix_record_volunteer_date', ['volunteer_id', 'service_date', 'status', 'activity_id',
                                                           'hours', 'kind'], unique=False)
    pg = op.get_bind().dialect.name == "postgresql"

    def start(kind: str, column: str) -> str:
        unit = {"M": "month", "Q": "quarter", "Y": "year"}[kind]
        if pg:
            return f"CAST(date_trunc('{unit}', {column}) AS DATE)"
        if kind == "Q":
            return (f"date({column}, 'start of month', '-' || ((CAST(strftime('%m', {column}) AS INTEGER) - 1) % 3)"
                    " || ' months')")
        return f"date({column}, 'start of {unit}')"

    month = start("M", "r.service_date")
    op.execute("INSERT INTO teamspan (team_id, kind, start, hours, records, activities, members) "
               f"SELECT tm.team_id, 'M', {month}, SUM(r.hours), COUNT(*), COUNT(DISTINCT r.activity_id), "
               "COUNT(DISTINCT r.volunteer_id) FROM servicerecord r JOIN teammember tm ON tm.volunteer_id = "
               f"r.volunteer_id WHERE r.status = 'approved' GROUP BY tm.team_id, {month}")
    for kind in ("Q", "Y"):
        first = start(kind, "start")
        op.execute("INSERT INTO teamspan (team_id, kind, start, hours, records, activities, members) "
                   f"SELECT s.team_id, '{kind}', s.first, s.h, s.r, s.a, COALESCE(n.n, 0) FROM "
                   f"(SELECT team_id, {first} AS first, SUM(hours) AS h, SUM(records) AS r, SUM(activities) AS a "
                   f"FROM teamspan WHERE kind = 'M' GROUP BY team_id, {first}) s LEFT JOIN "
                   "(SELECT tm.team_id, vs.start, COUNT(*) AS n FROM teammember tm JOIN volunteerspan vs ON "
                   f"vs.volunteer_id = tm.volunteer_id AND vs.kind = '{kind}' GROUP BY tm.team_id, vs.start) n "
                   "ON n.team_id = s.team_id AND n.start = s.first")
    all_time = "DATE '1900-01-01'" if pg else "'1900-01-01'"
    op.execute("INSERT INTO teamspan (team_id, kind, start, hours, records, activities, members) "
               f"SELECT s.team_id, 'A', {all_time}, s.h, s.r, s.a, COALESCE(n.n, 0) FROM "
               "(SELECT team_id, SUM(hours) AS h, SUM(records) AS r, SUM(activities) AS a FROM teamspan "
               "WHERE kind = 'Y' GROUP BY team_id) s LEFT JOIN "
               "(SELECT tm.team_id, COUNT(*) AS n FROM teammember tm JOIN volunteertotal t ON "
               "t.volunteer_id = tm.volunteer_id WHERE t.records > 0 GROUP BY tm.team_id) n ON n.team_id = s.team_id")


def downgrade() -> None:
    with op.batch_alter_table('servicerecord', schema=None) as batch_op:
        batch_op.drop_index('ix_record_volunteer_date')
        batch_op.create_index('ix_record_volunteer_date', ['volunteer_id', 'service_date'], unique=False)
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_staff')
        batch_op.drop_index('ix_volunteer_opt_out')
    op.drop_table('teamspan')
