"""monthly summaries: per volunteer × month and per month × place × project (issue 13)

The pages read whole months from these instead of every raw row of their period; every write keeps them in the
same transaction (db/summaries.py). The upgrade fills them from the rows already there (plain SQL here, so that a
later change of the models cannot change what this revision does).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('figuremonth',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('activities', sa.Integer(), nullable=False),
    sa.Column('linked_activities', sa.Integer(), nullable=False),
    sa.Column('people_served', sa.Integer(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('credit_hours', sa.Float(), nullable=False),
    sa.Column('honour_hours', sa.Float(), nullable=False),
    sa.Column('money', sa.Float(), nullable=False),
    sa.Column('in_kind', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('figuremonth', schema=None) as batch_op:
        batch_op.create_index('ix_figmonth_month', ['month', 'street_id', 'community_id'], unique=False)
        batch_op.create_index('ix_figmonth_project', ['project_id', 'month'], unique=False)

    op.create_table('volunteermonth',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('activities', sa.Integer(), nullable=False),
    sa.Column('credit_hours', sa.Float(), nullable=False),
    sa.Column('credit_records', sa.Integer(), nullable=False),
    sa.Column('credit_activities', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('volunteermonth', schema=None) as batch_op:
        batch_op.create_index('ix_volmonth_month', ['month', 'street_id', 'community_id', 'volunteer_id', 'hours', 'activities'], unique=False)
        batch_op.create_index('ix_volmonth_volunteer', ['volunteer_id', 'month'], unique=False)

    op.create_table('volunteerspan',
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('volunteer_id', 'kind', 'start')
    )
    with op.batch_alter_table('volunteerspan', schema=None) as batch_op:
        batch_op.create_index('ix_volspan_kind_start', ['kind', 'start', 'hours'], unique=False)

    _fill()


def _fill() -> None:
    pg = op.get_bind().dialect.name == "postgresql"

    def month(column: str) -> str:
        return f"CAST(date_trunc('month', {column}) AS DATE)" if pg else f"date({column}, 'start of month')"

    true = "TRUE" if pg else "1"
    op.execute(
        "INSERT INTO volunteermonth (month, volunteer_id, street_id, community_id, organization_id, project_id, "
        "hours, records, activities, credit_hours, credit_records, credit_activities) "
        f"SELECT {month('service_date')}, volunteer_id, street_id, community_id, organization_id, project_id, "
        "SUM(hours), COUNT(*), COUNT(DISTINCT activity_id), "
        "COALESCE(SUM(CASE WHEN kind = '信用' THEN hours ELSE 0.0 END), 0.0), "
        "COALESCE(SUM(CASE WHEN kind = '信用' THEN 1 ELSE 0 END), 0), "
        "COUNT(DISTINCT CASE WHEN kind = '信用' THEN activity_id END) "
        "FROM servicerecord WHERE status = 'approved' "
        f"GROUP BY {month('service_date')}, volunteer_id, street_id, community_id, organization_id, project_id")
    for kind, start in (("Y", "CAST(date_trunc('year', service_date) AS DATE)" if pg else
                          "date(service_date, 'start of year')"),
                         ("Q", "CAST(date_trunc('quarter', service_date) AS DATE)" if pg else
                          "date(service_date, 'start of month', '-' || ((CAST(strftime('%m', service_date) AS "
                          "INTEGER) - 1) % 3) || ' months')")):
        op.execute(f"INSERT INTO volunteerspan (volunteer_id, kind, start, hours, records) SELECT volunteer_id, "
                   f"'{kind}', {start}, SUM(hours), COUNT(*) FROM servicerecord WHERE status = 'approved' "
                   f"GROUP BY volunteer_id, {start}")
    place = "street_id, community_id, organization_id, project_id"
    op.execute(
        f"INSERT INTO figuremonth (month, {place}, activities, linked_activities, people_served, records, hours, "
        "credit_hours, honour_hours, money, in_kind) "
        f"SELECT month, {place}, SUM(a), SUM(l), SUM(p), SUM(r), SUM(h), SUM(ch), SUM(hh), SUM(m), SUM(k) FROM ("
        f"SELECT {month('starts_at')} AS month, {place}, 1 AS a, "
        f"CASE WHEN with_social_worker = {true} AND with_volunteers = {true} THEN 1 ELSE 0 END AS l, "
        "people_served AS p, 0 AS r, 0.0 AS h, 0.0 AS ch, 0.0 AS hh, 0.0 AS m, 0.0 AS k FROM activity "
        f"UNION ALL SELECT {month('service_date')}, {place}, 0, 0, 0, 1, hours, "
        "CASE WHEN kind = '信用' THEN hours ELSE 0.0 END, CASE WHEN kind = '荣誉' THEN hours ELSE 0.0 END, 0.0, 0.0 "
        "FROM servicerecord WHERE status = 'approved' "
        f"UNION ALL SELECT {month('donated_on')}, {place}, 0, 0, 0, 0, 0.0, 0.0, 0.0, "
        f"CASE WHEN is_money = {true} THEN amount_yuan ELSE 0.0 END, "
        f"CASE WHEN is_money = {true} THEN 0.0 ELSE amount_yuan END FROM donation) AS raw "
        f"GROUP BY month, {place}")


def downgrade() -> None:
    with op.batch_alter_table('volunteerspan', schema=None) as batch_op:
        batch_op.drop_index('ix_volspan_kind_start')

    op.drop_table('volunteerspan')
    with op.batch_alter_table('volunteermonth', schema=None) as batch_op:
        batch_op.drop_index('ix_volmonth_volunteer')
        batch_op.drop_index('ix_volmonth_month')

    op.drop_table('volunteermonth')
    with op.batch_alter_table('figuremonth', schema=None) as batch_op:
        batch_op.drop_index('ix_figmonth_project')
        batch_op.drop_index('ix_figmonth_month')

    op.drop_table('figuremonth')
