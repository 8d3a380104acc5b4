"""Benchmark: enter one activity with 20 volunteers (validation, scope, idempotency, audit, data version)
through the real write service on SQLite (DESIGN.md §13 target: ≤ 20 ms p50). Prints its figures.

    python -m bench.write_activity [--n 200] [--url sqlite:///...]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from sqlalchemy import insert

from db.activities.writes import ActivityInput, VolunteerHours, submit_activity
from db.auth import create_user, load_user
from db.engine import make_engine, session_scope
from db.migrate import upgrade
from db.models import Community, Street, Volunteer


def _setup(engine, volunteers: int):
    with session_scope(engine, write=True) as s:
        street = Street(name="基准街道", district_code="330113")
        s.add(street)
        s.flush()
        community = Community(street_id=street.id, name="基准社区")
        s.add(community)
        s.flush()
        s.execute(insert(Volunteer), [
            {"name": f"志愿者{i}", "phone": f"138{i:08d}", "street_id": street.id, "community_id": community.id,
             "registered_on": date(2021, 1, 1), "tags": []} for i in range(volunteers)])
        uid = create_user(session=s, actor=None, username="bench_staff", password="bench-pass-1", role="staff",
                          scope_type="community", scope_id=community.id)
    with session_scope(engine) as s:
        user = load_user(s, uid, 1)
    return user, community.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200, help="activities to enter")
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    user, community_id = _setup(engine, volunteers=20 * args.n)
    day0 = date.today() - timedelta(days=args.n + 1)
    timings = []
    for i in range(args.n):
        d = day0 + timedelta(days=i)
        data = ActivityInput(
            activity_date=d, start_time=dtime(9, 0), end_time=dtime(11, 0), title=f"基准活动{i}", type="联动服务",
            community_id=community_id, actors={"with_community", "with_volunteers"}, people_served=40,
            volunteers=[VolunteerHours(1 + (i * 20 + k) % (20 * args.n), 2.0) for k in range(20)],
        )
        t0 = time.perf_counter()
        submit_activity(user, data, uuid.uuid4().hex, engine)
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"backend: {engine.dialect.name}  activities: {args.n}  volunteers each: 20")
    print(f"write p50: {p50:.1f} ms   p95: {p95:.1f} ms   max: {timings[-1]:.1f} ms   (target p50 ≤ 20 ms)")
    print(f"at {datetime.now():%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
