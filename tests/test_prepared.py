"""db/prepared.py: a statement compiled once per dialect and IN-list lengths and run on the driver gives what
SQLAlchemy's own execution gives — the same rows, dates read as dates, the same rows written — for IN lists of
every length (none included, and more lengths than it keeps), literals of the statement, NULLs, and many parameter
sets at once. SQLite and PostgreSQL (positional and named parameters)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import Date, bindparam, delete, func, insert, literal, select, update

from db.engine import session_scope
from db.models import Activity, DataVersion, Street, Volunteer, VolunteerMonth
from db.prepared import _MAX_SHAPES, Prepared
from tests.factories import make_community, make_street, make_volunteers


@pytest.fixture
def people(engine):
    """Volunteers registered on different days, one without a community."""
    with session_scope(engine, write=True) as s:
        street = make_street(s)
        community = make_community(s, street)
        made = [v.id for v in make_volunteers(s, street, community, n=12)]
        made += [v.id for v in make_volunteers(s, street, None, n=1, registered_on=date(2025, 3, 9))]
        for i, vid in enumerate(made[:12]):
            s.execute(update(Volunteer).where(Volunteer.id == vid).values(registered_on=date(2024, 1 + i, 1 + i)))
    return made


ids = bindparam("ids", expanding=True)
since = bindparam("since", type_=Date)
READ = (select(Volunteer.id, Volunteer.registered_on, Volunteer.community_id, literal("固定").label("fixed"))
        .where(Volunteer.id.in_(ids), Volunteer.registered_on >= since, Volunteer.name != "无此人")
        .order_by(Volunteer.id))


def test_rows_equal_sqlalchemys_for_every_in_list_length(engine, people):
    prepared = Prepared(READ)
    with engine.connect() as conn:
        for n in [0, 1, 2, 5, len(people), 1, 0]:
            params = {"ids": people[:n], "since": date(2024, 3, 1)}
            expected = [tuple(r) for r in conn.execute(READ, params)]
            got = prepared.rows(conn, params)
            assert got == expected
        # the fixed literal comes through, dates are dates, a NULL community stays None
        got = prepared.rows(conn, {"ids": people, "since": date(2024, 1, 1)})
    assert [r[0] for r in got] == sorted(people)
    assert all(isinstance(r[1], date) for r in got) and {r[3] for r in got} == {"固定"}
    assert got[-1][2] is None and got[0][2] is not None
    assert len(got) == 13


def test_more_in_list_lengths_than_it_keeps_stay_correct(engine, people):
    prepared = Prepared(select(func.count()).select_from(Volunteer).where(Volunteer.id.in_(ids)))
    with engine.connect() as conn:
        for n in range(_MAX_SHAPES + 20):
            wanted = (people * (n // len(people) + 1))[:n]  # repeated ids: an IN list of n values, len(set) found
            assert prepared.rows(conn, {"ids": wanted}) == [(len(set(wanted)),)]


def test_writes_and_many_parameter_sets(engine, people):
    month = date(2026, 5, 1)
    rows = [{"month": month, "volunteer_id": v, "street_id": 1, "hours": 1.5 * k, "records": k}
            for k, v in enumerate(people[:4], start=1)]
    add = Prepared(insert(VolunteerMonth).values(
        month=bindparam("month", type_=Date), volunteer_id=bindparam("volunteer_id"), street_id=bindparam("street_id"),
        community_id=None, organization_id=None, project_id=None, hours=bindparam("hours"),
        records=bindparam("records"), activities=0, credit_hours=0.0, credit_records=0, credit_activities=0))
    drop = Prepared(delete(VolunteerMonth).where(VolunteerMonth.month == bindparam("m0", type_=Date),
                                                 VolunteerMonth.volunteer_id.in_(ids)))
    with session_scope(engine, write=True) as s:
        street_id = s.execute(select(Street.id)).scalars().first()
        for r in rows:
            r["street_id"] = street_id
        add.run(s.connection(), rows)  # executemany
        assert drop.run(s.connection(), {"m0": month, "ids": people[:2]}).rowcount == 2
    with engine.connect() as conn:
        left = conn.execute(select(VolunteerMonth.volunteer_id, VolunteerMonth.month, VolunteerMonth.hours)
                            .order_by(VolunteerMonth.volunteer_id)).all()
    assert [tuple(r) for r in left] == [(people[2], month, 4.5), (people[3], month, 6.0)]


def test_a_datetime_parameter_and_an_update(engine):
    with engine.connect() as conn:
        before = conn.execute(select(DataVersion.version).where(DataVersion.id == 1)).scalar_one()
    bump = Prepared(update(DataVersion).where(DataVersion.id == 1).values(
        version=DataVersion.version + bindparam("by"), changed_at=bindparam("at")))
    at = datetime(2026, 11, 30, 9, 15, 7)
    with session_scope(engine, write=True) as s:
        bump.run(s.connection(), {"by": 4, "at": at})
    with engine.connect() as conn:
        assert tuple(conn.execute(select(DataVersion.version, DataVersion.changed_at)).one()) == (before + 4, at)
        count = Prepared(select(func.count()).select_from(Activity).where(Activity.starts_at < bindparam("at")))
        assert count.rows(conn, {"at": at}) == [(0,)]


def test_a_parameter_with_a_default_and_one_left_out(engine, people):
    """A named parameter with a default value takes it when not given and the value given otherwise, whichever came
    first; a named parameter without one is never taken from an earlier execution."""
    since_default = bindparam("from_day", value=date(2024, 6, 1), type_=Date)
    prepared = Prepared(select(func.count()).select_from(Volunteer).where(Volunteer.id.in_(ids),
                                                                          Volunteer.registered_on >= since_default))
    read = Prepared(READ)
    with engine.connect() as conn:
        by_default = prepared.rows(conn, {"ids": people})
        given = prepared.rows(conn, {"ids": people, "from_day": date(2024, 1, 1)})
        assert by_default == [(8,)]  # registered from June 2024 on: seven that year, one in 2025
        assert given == [(13,)]
        assert prepared.rows(conn, {"ids": people}) == by_default
        read.rows(conn, {"ids": people, "since": date(2024, 1, 1)})
        with pytest.raises(KeyError):
            read.rows(conn, {"ids": people})
