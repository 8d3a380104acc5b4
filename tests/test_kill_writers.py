"""SIGKILL during concurrent writes (issue 14), on SQLite and PostgreSQL.

Writer processes (tests/writer_load.py) enter activities through the real write service, each writing down a
write's key before it and the key with the record's id after the commit returned. The test kills every writer
with SIGKILL in the middle of its work, several times, restarting them in between (a restarted writer first
submits again the write it had not seen acknowledged, as a user clicks 保存 again). Then:
- every acknowledged write is in the database, under the id the writer was given;
- no write is there twice (each activity has exactly one submission; none has none);
- the audit trail is one-to-one with the records (one create row per activity, none for a missing activity);
- no writer ever failed with an error (it was killed, or it ran to its end).
Bounded: ``KILL_ROUNDS`` rounds of ``WRITERS`` writers (3 × 4 in CI; ``PROOF_KILL_ROUNDS`` for more).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.writer_load import holdings, problems, read_log, setup

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 4
KILL_ROUNDS = int(os.environ.get("PROOF_KILL_ROUNDS", "3"))
ROUND_TIMEOUT = 90  # seconds for a round's writers to get going (a slow, loaded machine)


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _spawn(url: str, user_id: int, community_id: int, log: Path, err: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.writer_load", "--url", url, "--user-id", str(user_id),
         "--community-id", str(community_id), "--log", str(log), "--seconds", "120"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err.open("w"), env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _acks(log: Path) -> int:
    return len(read_log(log)[1])


def test_every_acknowledged_write_survives_sigkill_once(engine, tmp_path):
    place = setup(engine, WRITERS)
    url = _url(engine)
    logs = [tmp_path / f"writer{i}.log" for i in range(WRITERS)]
    rng = random.Random(14)
    kills = 0
    in_flight = committed_in_flight = 0
    started = time.monotonic()
    for round_no in range(KILL_ROUNDS):
        errs = [tmp_path / f"writer{i}.round{round_no}.err" for i in range(WRITERS)]
        before = [_acks(log) for log in logs]
        procs = [_spawn(url, place.user_ids[i], place.community_id, logs[i], errs[i]) for i in range(WRITERS)]
        try:
            # Let every writer acknowledge a few writes, then kill each at its own random moment.
            deadline = time.monotonic() + ROUND_TIMEOUT
            while time.monotonic() < deadline and any(_acks(log) < n + 3 for log, n in zip(logs, before, strict=True)):
                assert all(p.poll() is None for p in procs), [e.read_text()[-2000:] for e in errs]
                time.sleep(0.05)
            assert all(_acks(log) >= n + 3 for log, n in zip(logs, before, strict=True)), "writers did not start"
            for p in rng.sample(procs, len(procs)):
                time.sleep(rng.uniform(0.0, 0.4))
                assert p.poll() is None, "a writer stopped by itself: " + "".join(e.read_text() for e in errs)
                p.send_signal(signal.SIGKILL)
                kills += 1
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                p.wait(30)
        assert [p.returncode for p in procs] == [-signal.SIGKILL] * WRITERS
        assert all(not e.read_text().strip() for e in errs), [e.read_text()[-2000:] for e in errs]
        # The writes each writer had begun and not seen acknowledged when it died: committed or not, the next
        # round submits them again with the same key.
        held = holdings(engine, place.user_ids)
        for log in logs:
            intents, acks = read_log(log)
            pending = [k for k in intents if k not in acks]
            in_flight += len(pending)
            committed_in_flight += sum(held.submissions.get(k) is not None for k in pending)

    intents: list[str] = []
    acknowledged: dict[str, int] = {}
    for log in logs:
        i, a = read_log(log)
        intents += i
        acknowledged.update(a)
    found = problems(engine, place.user_ids, acknowledged)
    assert found == []
    held = holdings(engine, place.user_ids)
    unacknowledged = [k for k in intents if k not in acknowledged and held.submissions.get(k) is not None]
    print(f"\n[{engine.dialect.name}] SIGKILL proof: {kills} kills in {KILL_ROUNDS} rounds, "
          f"writes attempted {len(intents)}, acknowledged {len(acknowledged)}, acknowledged found "
          f"{len(acknowledged) - len(found)}, in flight at a kill {in_flight} (of which committed before it "
          f"{committed_in_flight}), records {len(held.activities)}, "
          f"{time.monotonic() - started:.1f} s")
    assert len(acknowledged) >= KILL_ROUNDS * WRITERS * 3
    # Every record is an acknowledged write or one that was in flight at a kill: nothing else was written.
    assert set(held.activities) <= set(acknowledged.values()) | {held.submissions[k] for k in unacknowledged}

