"""active counts: distinct volunteers who served per month, quarter, year and all time, by place and project (issue 13)

Active volunteers are a distinct count: it does not add up over months, so the monthly summaries could not answer
it without reading a row per volunteer and month. ``activecount`` holds the answer per span and place (where the
volunteer is registered; a volunteer is registered in one place, so the counts add up over places), for every
project together and per project. ``volunteerspan`` gains each span's first day of service (active volunteers from
a year's start to a day), ``figuremonth`` the activities each of the five actors joined (the 五社联动 shares), and ``figureyear`` sums
those per calendar year. Every
write keeps them in the same transaction (db/summaries.py). The upgrade fills them from the rows already there
(plain SQL here, so that a later change of the models cannot change what this revision does).

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
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_registered', ['registered_on'], unique=False)
    with op.batch_alter_table('volunteerspan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_day', sa.Date(), nullable=True))
        batch_op.create_index('ix_volspan_first', ['kind', 'start', 'first_day', 'volunteer_id'], unique=False)
    # figuremonth gains the activities each of the five actors joined: made again, and filled below.
    op.drop_table('figuremonth')
    _create_sums('figuremonth', 'month', ACTORS)
    _create_sums('figureyear', 'year', ACTORS)
    # A write reads every month and project of the volunteers it touched (db/active_counts.py): from the index.
    with op.batch_alter_table('volunteermonth', schema=None) as batch_op:
        batch_op.drop_index('ix_volmonth_volunteer')
        batch_op.create_index('ix_volmonth_volunteer', ['volunteer_id', 'month', 'project_id'], unique=False)
    _fill()


ACTORS = ("with_community", "with_organization", "with_social_worker", "with_volunteers", "with_charity")


def _create_sums(table: str, when: str, actors: tuple[str, ...]) -> None:
    """figuremonth (``when`` month) or figureyear (year): the additive figures of a cell."""
    op.create_table(table,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column(when, sa.Date(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    *(sa.Column(c, sa.Integer(), nullable=False) for c in ('activities', 'linked_activities', 'people_served',
                                                             'records')),
    *(sa.Column(c, sa.Float(), nullable=False) for c in ('hours', 'credit_hours', 'honour_hours', 'money',
                                                           'in_kind')),
    *(sa.Column(c, sa.Integer(), nullable=False) for c in actors),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    short = {"month": "figmonth", "year": "figyear"}[when]
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(f'ix_{short}_{when}', [when, 'street_id', 'community_id'], unique=False)
        batch_op.create_index(f'ix_{short}_project', ['project_id', when], unique=False)


def _fill_figuremonth(pg: bool, actors: tuple[str, ...]) -> None:
    def month(column: str) -> str:
        return f"CAST(date_trunc('month', {column}) AS DATE)" if pg else f"date({column}, 'start of month')"

    true = "TRUE" if pg else "1"
    place = "street_id, community_id, organization_id, project_id"
    zeros = ", 0" * len(actors)
    op.execute(
        f"INSERT INTO figuremonth (month, {place}, activities, linked_activities, people_served, records, hours, "
        f"credit_hours, honour_hours, money, in_kind{''.join(', ' + a for a in actors)}) "
        f"SELECT month, {place}, SUM(a), SUM(l), SUM(p), SUM(r), SUM(h), SUM(ch), SUM(hh), SUM(m), SUM(k)"
        f"{''.join(f', SUM({a})' for a in actors)} FROM ("
        f"SELECT {month('starts_at')} AS month, {place}, 1 AS a, "
        f"CASE WHEN with_social_worker = {true} AND with_volunteers = {true} THEN 1 ELSE 0 END AS l, "
        "people_served AS p, 0 AS r, 0.0 AS h, 0.0 AS ch, 0.0 AS hh, 0.0 AS m, 0.0 AS k"
        f"{''.join(f', CASE WHEN {a} = {true} THEN 1 ELSE 0 END AS {a}' for a in actors)} FROM activity "
        f"UNION ALL SELECT {month('service_date')}, {place}, 0, 0, 0, 1, hours, "
        "CASE WHEN kind = '信用' THEN hours ELSE 0.0 END, CASE WHEN kind = '荣誉' THEN hours ELSE 0.0 END, 0.0, 0.0"
        f"{zeros} FROM servicerecord WHERE status = 'approved' "
        f"UNION ALL SELECT {month('donated_on')}, {place}, 0, 0, 0, 0, 0.0, 0.0, 0.0, "
        f"CASE WHEN is_money = {true} THEN amount_yuan ELSE 0.0 END, "
        f"CASE WHEN is_money = {true} THEN 0.0 ELSE amount_yuan END{zeros} FROM donation) AS raw "
        f"GROUP BY month, {place}")


def _fill() -> None:
    pg = op.get_bind().dialect.name == "postgresql"

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

    _fill_figuremonth(pg, ACTORS)
    sums = ("activities", "linked_activities", "people_served", "records", "hours", "credit_hours", "honour_hours",
            "money", "in_kind", *ACTORS)
    year = start("Y", "month")
    op.execute(f"INSERT INTO figureyear (year, street_id, community_id, organization_id, project_id, "
               f"{', '.join(sums)}) SELECT {year}, street_id, community_id, organization_id, project_id, "
               f"{', '.join(f'SUM({c})' for c in sums)} FROM figuremonth "
               f"GROUP BY {year}, street_id, community_id, organization_id, project_id")
    op.execute("DELETE FROM volunteerspan")  # refilled with each span's first day
    for kind in ("Y", "Q"):
        op.execute(f"INSERT INTO volunteerspan (volunteer_id, kind, start, hours, records, first_day) SELECT "
                   f"volunteer_id, '{kind}', {start(kind, 'service_date')}, SUM(hours), COUNT(*), MIN(service_date) "
                   f"FROM servicerecord WHERE status = 'approved' GROUP BY volunteer_id, {start(kind, 'service_date')}")
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
    op.drop_table('figureyear')
    op.drop_table('figuremonth')
    _create_sums('figuremonth', 'month', ())
    _fill_figuremonth(op.get_bind().dialect.name == "postgresql", ())
    with op.batch_alter_table('volunteerspan', schema=None) as batch_op:
        batch_op.drop_index('ix_volspan_first')
        batch_op.drop_column('first_day')
    with op.batch_alter_table('volunteermonth', schema=None) as batch_op:
        batch_op.drop_index('ix_volmonth_volunteer')
        batch_op.create_index('ix_volmonth_volunteer', ['volunteer_id', 'month'], unique=False)
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_registered')
    op.drop_table('activecount')
