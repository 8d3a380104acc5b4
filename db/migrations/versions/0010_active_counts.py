"""active counts: distinct volunteers who served per month, quarter, year and all time, by place and project (issue 13)

Active volunteers are a distinct count: it does not add up over months, so the monthly summaries could not answer
it without reading a row per volunteer and month. ``activecount`` holds the answer per span and place (where the
volunteer is registered; a volunteer is registered in one place, so the counts add up over places), for every
project together and per project. ``volunteerspan`` gains each span's first day of service (active volunteers from
a year's start to a day), ``figuremonth`` the activities each of the five actors joined (the 五社联动 shares), and
``figureyear`` sums ``figuremonth`` per calendar year. Every write keeps them in the same transaction
(db/summaries.py). The upgrade adds the columns and fills them, and the new tables, from the rows already there —
the rows of the existing summaries are kept as they are (plain SQL here, so that a later change of the models
cannot change what this revision does).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTORS = ("with_community", "with_organization", "with_social_worker", "with_volunteers", "with_charity")
SUMS = ("activities", "linked_activities", "people_served", "records", "hours", "credit_hours", "honour_hours",
        "money", "in_kind", *ACTORS)
PLACE = ("street_id", "community_id", "organization_id", "project_id")


def upgrade() -> None:
    op.create_table('activecount',
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('volunteers', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'start', 'project_id', 'street_id', 'community_id', 'organization_id')
    )
    op.create_table('figureyear',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Date(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    *(sa.Column(c, sa.Integer(), nullable=False) for c in ('activities', 'linked_activities', 'people_served',
                                                             'records')),
    *(sa.Column(c, sa.Float(), nullable=False) for c in ('hours', 'credit_hours', 'honour_hours', 'money',
                                                           'in_kind')),
    *(sa.Column(c, sa.Integer(), nullable=False) for c in ACTORS),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('figureyear', schema=None) as batch_op:
        batch_op.create_index('ix_figyear_year', ['year', 'street_id', 'community_id'], unique=False)
        batch_op.create_index('ix_figyear_project', ['project_id', 'year'], unique=False)
    with op.batch_alter_table('figuremonth', schema=None) as batch_op:
        for column in ACTORS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_registered', ['registered_on'], unique=False)
    with op.batch_alter_table('volunteerspan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_day', sa.Date(), nullable=True))
        batch_op.create_index('ix_volspan_first', ['kind', 'start', 'first_day', 'volunteer_id'], unique=False)
    # A write reads every month and project of the volunteers it touched (db/active_counts.py): from the index.
    with op.batch_alter_table('volunteermonth', schema=None) as batch_op:
        batch_op.drop_index('ix_volmonth_volunteer')
        batch_op.create_index('ix_volmonth_volunteer', ['volunteer_id', 'month', 'project_id'], unique=False)
    _fill()
    with op.batch_alter_table('figuremonth', schema=None) as batch_op:  # the default only filled the old rows
        for column in ACTORS:
            batch_op.alter_column(column, server_default=None)


def _fill() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    true = "TRUE" if pg else "1"
    same = "IS NOT DISTINCT FROM" if pg else "IS"

    def start(kind: str, column: str) -> str:
        """SQL for the first day of the span of ``kind`` holding the date in ``column``."""
        if kind == "A":
            return "DATE '1900-01-01'" if pg else "'1900-01-01'"
        unit = {"M": "month", "Q": "quarter", "Y": "year"}[kind]
        if pg:
            return f"CAST(date_trunc('{unit}', {column}) AS DATE)"
        if kind == "Q":
            return (f"date({column}, 'start of month', '-' || ((CAST(strftime('%m', {column}) AS INTEGER) - 1) % 3)"
                    " || ' months')")
        return f"date({column}, 'start of {unit}')"

    def later(column: str, months: int) -> str:
        return f"({column} + INTERVAL '{months} months')" if pg else f"date({column}, '+{months} months')"

    # The activities each actor joined, per figuremonth cell.
    cell = " AND ".join(f"a.{p} {same} figuremonth.{p}" for p in PLACE)
    counts = ", ".join(f"COALESCE(SUM(CASE WHEN a.{c} = {true} THEN 1 ELSE 0 END), 0)" for c in ACTORS)
    op.execute(f"UPDATE figuremonth SET ({', '.join(ACTORS)}) = (SELECT {counts} FROM activity a WHERE "
               f"a.starts_at >= figuremonth.month AND a.starts_at < {later('figuremonth.month', 1)} AND {cell})")
    # Each volunteer's first day of approved service in each year and quarter.
    for kind, months in (("Y", 12), ("Q", 3)):
        op.execute(f"UPDATE volunteerspan SET first_day = (SELECT MIN(r.service_date) FROM servicerecord r WHERE "
                   f"r.volunteer_id = volunteerspan.volunteer_id AND r.status = 'approved' AND r.service_date >= "
                   f"volunteerspan.start AND r.service_date < {later('volunteerspan.start', months)}) "
                   f"WHERE kind = '{kind}'")
    year = start("Y", "month")
    op.execute(f"INSERT INTO figureyear (year, {', '.join(PLACE)}, {', '.join(SUMS)}) SELECT {year}, "
               f"{', '.join(PLACE)}, {', '.join(f'SUM({c})' for c in SUMS)} FROM figuremonth "
               f"GROUP BY {year}, {', '.join(PLACE)}")
    place = "v.street_id, COALESCE(v.community_id, 0), COALESCE(v.organization_id, 0)"
    for kind in ("M", "Q", "Y", "A"):
        first = start(kind, "vm.month")
        for project in ("-1", "COALESCE(vm.project_id, 0)"):
            varying = ", ".join(x for x in (first, project) if x.startswith(("CAST", "date", "COALESCE")))
            op.execute(
                "INSERT INTO activecount (kind, start, project_id, street_id, community_id, organization_id, "
                f"volunteers) SELECT '{kind}', {first}, {project}, {place}, COUNT(DISTINCT vm.volunteer_id) "
                "FROM volunteermonth vm JOIN volunteer v ON v.id = vm.volunteer_id "
                f"GROUP BY {varying + ', ' if varying else ''}{place}")


def downgrade() -> None:
    with op.batch_alter_table('volunteermonth', schema=None) as batch_op:
        batch_op.drop_index('ix_volmonth_volunteer')
        batch_op.create_index('ix_volmonth_volunteer', ['volunteer_id', 'month'], unique=False)
    with op.batch_alter_table('volunteerspan', schema=None) as batch_op:
        batch_op.drop_index('ix_volspan_first')
        batch_op.drop_column('first_day')
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_registered')
    with op.batch_alter_table('figuremonth', schema=None) as batch_op:
        for column in ACTORS:
            batch_op.drop_column(column)
    op.drop_table('figureyear')
    op.drop_table('activecount')
