"""Writers for the reliability proofs (issue 14): concurrent writes through the real write service, with what
each writer acknowledged written down, and the check that the database holds exactly that.

Every write is one activity entered by a community's staff user through ``db.write.submit(create_activity, ...)``
with a fresh idempotency key, the page's way. A writer logs ``I <key>`` before a write (its intent) and
``A <key> <id>`` once the write returned, i.e. after the commit: an acknowledged write is one a user saw saved.
A writer restarted after a SIGKILL first submits again the key it had not acknowledged (what a user does who
clicks 保存 again after the page came back), so a write that committed just before the kill must not be doubled.

Run as a script it is one writer process (tests/test_kill_writers.py):

    python -m tests.writer_load --url URL --user-id N --community-id N --log PATH --seconds S
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from datetime import time as dtime
from pathlib import Path

from sqlalchemy import Engine, func, select

from db.activities.writes import ActivityInput, create_activity
from db.auth import CurrentUser, create_user, load_user
from db.engine import make_engine, session_scope
from db.models import Activity, AuditLog, Community, Street, Submission
from db.write import submit

TODAY = date(2025, 6, 30)
PASSWORD = "Writer-pass-9"


@dataclass
class Place:
    community_id: int
    user_ids: list[int]


def setup(engine: Engine, users: int) -> Place:
    """A street, a community and ``users`` staff users of it (cheap password hashes: nobody logs in)."""
    from argon2 import PasswordHasher

    import db.auth

    hasher, db.auth._hasher = db.auth._hasher, PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    try:
        with session_scope(engine, write=True) as s:
            street = Street(name=f"写入街道{uuid.uuid4().hex[:6]}", district_code="330113")
            s.add(street)
            s.flush()
            community = Community(street_id=street.id, name="写入社区")
            s.add(community)
            s.flush()
            ids = [create_user(session=s, actor=None, username=f"writer_{uuid.uuid4().hex[:8]}", password=PASSWORD,
                               role="staff", scope_type="community", scope_id=community.id) for _ in range(users)]
            return Place(community.id or 0, ids)
    finally:
        db.auth._hasher = hasher


def load(engine: Engine, user_id: int) -> CurrentUser:
    with session_scope(engine) as s:
        user = load_user(s, user_id, 1)
    assert user is not None
    return user


def activity(community_id: int, n: int) -> ActivityInput:
    return ActivityInput(activity_date=date(2025, 6, 10), start_time=dtime(9, 0), end_time=dtime(11, 0),
                         title=f"并发写入{n}", type="联动服务", venue="社区党群服务中心", community_id=community_id,
                         actors={"with_community"}, people_served=10)


def write_one(engine: Engine, user: CurrentUser, community_id: int, key: str, n: int) -> int:
    return submit(create_activity, user=user, idempotency_key=key, engine=engine, data=activity(community_id, n),
                  today=TODAY)


# ------------------------------------------------------------------------------------------ threads in one process


@dataclass
class Outcome:
    attempted: int = 0
    acknowledged: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


def run_threads(engine: Engine, place: Place, writers: int, seconds: float) -> Outcome:
    """``writers`` threads, each writing as its own user for ``seconds``; every exception a user would see is an
    error."""
    users = [load(engine, place.user_ids[i % len(place.user_ids)]) for i in range(writers)]
    outcome = Outcome()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def writer(user: CurrentUser) -> None:
        n = 0
        while time.monotonic() < deadline:
            key = uuid.uuid4().hex
            n += 1
            started = time.monotonic()
            try:
                record_id = write_one(engine, user, place.community_id, key, n)
            except Exception as exc:  # noqa: BLE001 - what would reach the user is exactly what we count
                with lock:
                    outcome.attempted += 1
                    outcome.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            with lock:
                outcome.attempted += 1
                outcome.acknowledged[key] = record_id
                outcome.latencies.append(time.monotonic() - started)

    threads = [threading.Thread(target=writer, args=(u,), daemon=True) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    return outcome


# ------------------------------------------------------------------------------------------ what the database holds


@dataclass
class Holdings:
    activities: dict[int, int]  # activity id → its submission count (1 each when nothing is doubled)
    submissions: dict[str, int | None]  # key → record id
    audit_creates: Counter  # activity id → create audit rows
    orphans: list[int]  # activities no submission names


def holdings(engine: Engine, user_ids: list[int]) -> Holdings:
    with session_scope(engine) as s:
        activity_ids = s.execute(select(Activity.id).where(Activity.created_by.in_(user_ids))).scalars().all()
        subs = dict(s.execute(select(Submission.key, Submission.record_id)
                              .where(Submission.kind == "activity", Submission.user_id.in_(user_ids))).all())
        audits = Counter(s.execute(select(AuditLog.record_id).where(AuditLog.table_name == "activity",
                                                                    AuditLog.action == "create",
                                                                    AuditLog.user_id.in_(user_ids))).scalars())
    per_record = Counter(v for v in subs.values() if v is not None)
    return Holdings({a: per_record.get(a, 0) for a in activity_ids}, subs, audits,
                    [a for a in activity_ids if per_record.get(a, 0) == 0])


def problems(engine: Engine, user_ids: list[int], acknowledged: dict[str, int]) -> list[str]:
    """Everything wrong with the database after the writers: an acknowledged write missing or with another id,
    a record written twice or by no submission, an audit row missing or doubled. Empty when all is well."""
    h = holdings(engine, user_ids)
    out: list[str] = []
    for key, record_id in acknowledged.items():
        if key not in h.submissions:
            out.append(f"acknowledged key {key} has no submission")
        elif h.submissions[key] != record_id:
            out.append(f"acknowledged key {key} → {record_id} but the database says {h.submissions[key]}")
        elif record_id not in h.activities:
            out.append(f"acknowledged activity {record_id} is missing")
    out += [f"activity {a} has {n} submissions" for a, n in h.activities.items() if n > 1]
    out += [f"activity {a} has no submission (written twice?)" for a in h.orphans]
    out += [f"submission {k} names activity {r}, which does not exist" for k, r in h.submissions.items()
            if r is not None and r not in h.activities]
    out += [f"activity {a} has {h.audit_creates.get(a, 0)} create audit rows" for a in h.activities
            if h.audit_creates.get(a, 0) != 1]
    out += [f"audit row for activity {a}, which does not exist" for a in h.audit_creates if a not in h.activities]
    with session_scope(engine) as s:
        total = s.execute(select(func.count()).select_from(Activity).where(Activity.created_by.in_(user_ids))
                          ).scalar_one()
    if total != len(h.activities):
        out.append(f"{total} activities counted, {len(h.activities)} listed")
    return out


# ------------------------------------------------------------------------------------------ one writer process


def read_log(path: Path) -> tuple[list[str], dict[str, int]]:
    """(intent keys in order, acknowledged key → id) of a writer's log; a torn last line is ignored."""
    intents: list[str] = []
    acks: dict[str, int] = {}
    if not path.exists():
        return intents, acks
    text = path.read_text()
    lines = text.split("\n")[:-1]  # a line counts once its line feed is written
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[0] == "I":
            intents.append(parts[1])
        elif len(parts) == 3 and parts[0] == "A" and parts[2].isdigit():
            acks[parts[1]] = int(parts[2])
    return intents, acks


def _append(handle, line: str) -> None:
    handle.write(line + "\n")
    handle.flush()
    os.fsync(handle.fileno())


def writer_process(url: str, user_id: int, community_id: int, log: Path, seconds: float,
                   on_write: Callable[[], None] | None = None) -> None:
    engine = make_engine(url)
    user = load(engine, user_id)
    intents, acks = read_log(log)
    pending = [k for k in intents if k not in acks]
    deadline = time.monotonic() + seconds
    n = len(intents)
    with log.open("a") as handle:
        while time.monotonic() < deadline:
            key = pending.pop(0) if pending else uuid.uuid4().hex
            if key not in intents:
                _append(handle, f"I {key}")
                intents.append(key)
            n += 1
            record_id = write_one(engine, user, community_id, key, n)
            _append(handle, f"A {key} {record_id}")
            if on_write is not None:
                on_write()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--user-id", type=int, required=True)
    parser.add_argument("--community-id", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    writer_process(args.url, args.user_id, args.community_id, args.log, args.seconds)


if __name__ == "__main__":
    main()
