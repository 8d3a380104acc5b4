"""Benchmark: backup, check and restore of the demo database on SQLite and (with --pg) PostgreSQL, and across the
two. Prints seconds and sizes; creates and drops its own databases.

    python -m bench.backup [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--repeat 3]
    python -m bench.backup --records 1000000 --repeat 1     # a generated district (bench/scale_data.py) instead
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from db.admin.backup import inspect_backup, make_backup, restore_backup, table_digests
from db.demo import load_demo
from db.engine import make_engine
from db.migrate import upgrade

TODAY = date(2026, 11, 28)


class _Databases:
    def __init__(self, pg_url: str | None, tmp: Path):
        self.pg_url, self.tmp, self.pg_names = pg_url, tmp, []

    def new_url(self, backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.tmp / (uuid.uuid4().hex + '.db')}"
        name = f"bench_backup_{uuid.uuid4().hex[:10]}"
        with create_engine(self.pg_url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.pg_names.append(name)
        return make_url(self.pg_url).set(database=name).render_as_string(hide_password=False)

    def new(self, backend: str):
        engine = make_engine(self.new_url(backend))
        upgrade(engine)
        return engine

    def drop(self) -> None:
        if not self.pg_names:
            return
        with create_engine(self.pg_url, isolation_level="AUTOCOMMIT").connect() as conn:
            for name in self.pg_names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _timed(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", help="PostgreSQL server URL (any database; the bench creates its own)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--records", type=int, default=0,
                        help="source: a generated district with this many service records instead of the demo")
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if args.pg else [])
    with tempfile.TemporaryDirectory() as tmp:
        dbs = _Databases(args.pg, Path(tmp))
        try:
            sources = {}
            for backend in backends:
                if args.records:
                    from bench.scale_data import generate

                    url = dbs.new_url(backend)
                    generate(url, args.records, log=lambda *_a: None)
                    source = make_engine(url)
                else:
                    source = dbs.new(backend)
                    load_demo(source, today=TODAY)
                sources[backend] = source
                rows = sum(n for n, _sha in table_digests(source).values())
                seconds, data = _timed(lambda s=source: make_backup(s), args.repeat)
                check, _info = _timed(lambda d=data: inspect_backup(d), args.repeat)
                print(f"{backend}: {'generated' if args.records else 'demo'} database {rows:,} rows; backup {seconds:.2f} s, {len(data) / 1e6:.2f} MB; "
                      f"check {check:.2f} s")
                for target_backend in backends:
                    targets = [dbs.new(target_backend) for _ in range(args.repeat)]  # made before the clock runs
                    restore, _ = _timed(lambda d=data, t=targets: restore_backup(t.pop(), d), args.repeat)
                    print(f"  restore onto {target_backend}: {restore:.2f} s")
        finally:
            for engine in locals().get("sources", {}).values():
                engine.dispose()
            dbs.drop()


if __name__ == "__main__":
    main()
