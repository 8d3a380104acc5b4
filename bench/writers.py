"""Benchmark: N concurrent writers entering activities through the real write service for S seconds (issue 14's
"database is locked" probe). Prints writes attempted, acknowledged, errors a user would see, latency p50 / p99 /
max, and whether every acknowledged write is present once. A benchmark, not a test (tests/test_writers.py is the
bounded proof in CI).

    python -m bench.writers [--writers 10] [--seconds 30] [--url sqlite:///... | postgresql+psycopg://...]
                            [--import-rows 0]

``--import-rows N`` also runs, while the writers write, one 台账 import of N activity rows (db.transfer,
``--import-mode``): all-or-nothing holds the write lock for the whole import, valid-only for one part at a time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from db.engine import make_engine
from db.migrate import upgrade
from tests.writer_load import load, problems, run_threads, setup


def _import_file(rows: int, community: str) -> bytes:
    lines = ["活动日期,活动名称,活动类型,活动时段,所属社区,服务人次,参与主体"]
    lines += [f"2025-06-{1 + i % 28:02d},导入活动{i},联动服务,9:00-11:00,{community},10,社区" for i in range(rows)]
    return "\n".join(lines).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--url", default="")
    parser.add_argument("--import-rows", type=int, default=0)
    parser.add_argument("--import-mode", default="all_or_nothing", choices=["all_or_nothing", "valid_only"])
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'writers.db'}"
    engine = make_engine(url)
    upgrade(engine)
    place = setup(engine, args.writers + 1)
    importer: threading.Thread | None = None
    imported: dict[str, float] = {}
    if args.import_rows:
        from db.engine import session_scope
        from db.models import Community
        from db.transfer.importers import run_import
        from tests.writer_load import TODAY

        with session_scope(engine) as s:
            community = s.get(Community, place.community_id).name
        data = _import_file(args.import_rows, community)
        user = load(engine, place.user_ids[-1])

        def run() -> None:
            time.sleep(min(2.0, args.seconds / 4))
            started = time.monotonic()
            result = run_import(engine, user, "activities", data, "bench.csv", mode=args.import_mode, today=TODAY)
            imported["seconds"] = time.monotonic() - started
            imported["rows"] = len(result.with_status("ok"))
            imported["written"] = float(result.written)

        importer = threading.Thread(target=run, daemon=True)
        importer.start()
    place.user_ids = place.user_ids[: args.writers]
    outcome = run_threads(engine, place, args.writers, args.seconds)
    if importer is not None:
        importer.join()
    lat = sorted(outcome.latencies)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")

    print(f"backend {engine.dialect.name}, {args.writers} writers × {args.seconds:g} s")
    print(f"writes attempted {outcome.attempted}, acknowledged {len(outcome.acknowledged)}, "
          f"errors reaching a user {len(outcome.errors)}")
    for message, n in Counter(outcome.errors).most_common(5):
        print(f"  {n} × {message}")
    if lat:
        print(f"latency p50 {pct(0.5):.0f} ms, p99 {pct(0.99):.0f} ms, max {lat[-1] * 1000:.0f} ms, "
              f"mean {statistics.mean(lat) * 1000:.0f} ms")
    if imported:
        print(f"import of {args.import_rows} rows ({args.import_mode}): {imported['seconds']:.1f} s "
              f"(rows imported {imported['rows']:.0f}, written {bool(imported['written'])})")
    found = problems(engine, place.user_ids, outcome.acknowledged)
    print(f"acknowledged writes found once: {len(outcome.acknowledged) - len(found)} of {len(outcome.acknowledged)}"
          + (f"; problems: {found[:5]}" if found else ""))


if __name__ == "__main__":
    main()
