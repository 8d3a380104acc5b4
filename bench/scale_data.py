"""Generator of the scale scenario of DESIGN.md §13: a whole district (streets, 200 communities, volunteers,
activities and their service records, plus the smaller registers and histories the pages read), written straight
into the real tables of ``db.models`` on a freshly migrated database.

Used by ``bench/scale.py``; not a test. Shape for ``records`` service records (default 10,000,000):
activities = records / 10, volunteers = records / 50, communities 200 in 10 streets; every record approved with
hours > 0, dated 2021-01-01 .. today (activity ids chronological, as in real use).

Bulk load: SQLite through the raw sqlite3 connection (executemany, one transaction per chunk, the secondary
indexes of the two big tables dropped during the load and recreated from their own DDL afterwards, so the schema
ends exactly as migrated); PostgreSQL through COPY (psycopg ``cursor.copy``), foreign-key triggers off during the
load (``session_replication_role = replica``), secondary indexes likewise rebuilt, then ANALYZE and sequences reset.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import repeat

import numpy as np
from sqlalchemy import Engine, text

from db import clock, vocab
from db.auth import create_user
from db.engine import make_engine, session_scope
from db.migrate import upgrade
from db.models import Community
from db.recompute import rebuild as rebuild_summaries
from db.volunteers.totals import refresh_volunteer_totals

START = date(2021, 1, 1)
N_STREETS = 10
N_COMMUNITIES = 200
PER_ACTIVITY = 10  # service records per activity (records / activities)
CHUNK_ACTIVITIES = 100_000  # → 1,000,000 service records per chunk
BIG_TABLES = ("activity", "servicerecord")
PASSWORD = "bench-pass-1"
LEADER, STAFF, ADMIN = "bench_leader", "bench_staff", "bench_admin"

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文斌宇浩凯晨欣怡子涵梓轩雨婷思远佳琪嘉")
STREET_NAMES = ["基准街道{}".format("一二三四五六七八九十"[i]) for i in range(N_STREETS)]
VENUES = ["社区服务中心", "党群服务中心", "邻里中心", "小区广场", "文化活动室", "老年活动室", "雷锋广场", "社区会议室"]


@dataclass
class Shape:
    records: int
    activities: int
    volunteers: int
    communities: int = N_COMMUNITIES

    @classmethod
    def of(cls, records: int, volunteers: int | None = None) -> Shape:
        """The district of ``records`` service records: records / 10 activities and records / 50 volunteers, or
        ``volunteers`` (the same people with less history)."""
        return cls(records=records, activities=max(1, records // PER_ACTIVITY),
                   volunteers=volunteers or max(N_STREETS * PER_ACTIVITY, records // 50))


def _dt(d: date, minutes: int) -> str:
    # SQLAlchemy's SQLite DateTime storage format (always with microseconds), also valid COPY input for PostgreSQL.
    return f"{d.isoformat()} {minutes // 60:02d}:{minutes % 60:02d}:00.000000"


# ------------------------------------------------------------------------------------------ bulk writers


class Loader:
    """Bulk insert into one database (SQLite raw connection or PostgreSQL COPY)."""

    def __init__(self, url: str):
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self._saved_indexes: list[str] = []
        if self.sqlite:
            self.path = url.split("///", 1)[-1]
            self.conn = sqlite3.connect(self.path, isolation_level=None)
            for pragma in ("journal_mode=DELETE", "synchronous=OFF", "foreign_keys=OFF", "cache_size=-1000000",
                           "temp_store=MEMORY"):
                self.conn.execute(f"PRAGMA {pragma}")
        else:
            import psycopg

            self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
            self.conn.execute("SET session_replication_role = replica")  # no FK triggers while loading

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        cols = ", ".join(columns)
        if self.sqlite:
            self.conn.execute("BEGIN")
            self.conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(columns))})", rows)
            self.conn.execute("COMMIT")
        else:
            with self.conn.transaction(), self.conn.cursor() as cur, \
                    cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def drop_indexes(self, tables: Sequence[str]) -> None:
        """Drop the secondary (non-unique, non-key) indexes of ``tables``, keeping their DDL to rebuild them."""
        if self.sqlite:
            marks = ", ".join("?" * len(tables))
            rows = self.conn.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL AND tbl_name IN ({marks})"
                " AND sql NOT LIKE 'CREATE UNIQUE%'", tuple(tables)).fetchall()
            for name, sql in rows:
                self._saved_indexes.append(sql)
                self.conn.execute(f'DROP INDEX "{name}"')
        else:
            rows = self.conn.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
                "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.tablename = ANY(%s) AND NOT x.indisunique",
                (list(tables),)).fetchall()
            for name, sql in rows:
                self._saved_indexes.append(sql)
                self.conn.execute(f'DROP INDEX "{name}"')

    def rebuild_indexes(self) -> None:
        for sql in self._saved_indexes:
            self.conn.execute(sql)
        self._saved_indexes.clear()

    def finish(self, tables: Sequence[str]) -> None:
        if self.sqlite:
            self.conn.execute("PRAGMA journal_mode=WAL")  # as the app runs it (db.engine)
            self.conn.close()
        else:
            for table in tables:
                self.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 1))")
            self.conn.execute("SET session_replication_role = DEFAULT")
            self.conn.execute("ANALYZE")  # what autovacuum would have done by now
            self.conn.close()


# ------------------------------------------------------------------------------------------ the district


def _names(rng: np.random.Generator, n: int) -> list[str]:
    s = rng.integers(0, len(SURNAMES), n)
    g1 = rng.integers(0, len(GIVEN), n)
    g2 = rng.integers(-len(GIVEN) // 2, len(GIVEN), n)  # about a third have a one-character given name
    return [SURNAMES[a] + GIVEN[b] + (GIVEN[c] if c >= 0 else "") for a, b, c in zip(s, g1, g2, strict=True)]


def generate(url: str, records: int, *, volunteers: int | None = None, seed: int = 20240501, log=print
             ) -> dict[str, float]:
    """Migrate the (fresh) database at ``url`` and fill it with the district of ``records`` service records (and
    ``volunteers``, default records / 50).

    Returns timings in seconds: migrate, load, indexes, total."""
    t_start = time.perf_counter()
    shape = Shape.of(records, volunteers)
    rng = np.random.default_rng(seed)
    today = clock.today()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    t_migrated = time.perf_counter()

    loader = Loader(url)
    loader.drop_indexes(BIG_TABLES)

    # -------------------------------------------------------------- places
    loader.insert("street", ["id", "name", "province", "city", "district", "district_code", "lng", "lat", "is_demo",
                             "version"],
                  [(i + 1, STREET_NAMES[i], "浙江省", "杭州市", "临平区", "330113", 120.25 + 0.03 * i, 30.40 + 0.01 * i,
                    False, 1) for i in range(N_STREETS)])
    per_street = shape.communities // N_STREETS
    comm_street = np.array([1 + min(c // per_street, N_STREETS - 1) for c in range(shape.communities)])
    loader.insert("community", ["id", "street_id", "name", "kind", "founded_year", "population", "households",
                                "area_km2", "party_secretary", "service_brand", "pilot_status", "featured_scenes",
                                "description", "lng", "lat", "is_demo", "version"],
                  [(c + 1, int(comm_street[c]), f"基准社区{c + 1:03d}", "社区" if c % 5 else "村", 1990 + c % 30,
                    int(rng.integers(3000, 30000)), int(rng.integers(1000, 10000)), round(float(rng.uniform(0.5, 6)), 2),
                    "", "", "", "[]", "", 120.2 + float(rng.uniform(0, 0.3)), 30.35 + float(rng.uniform(0, 0.15)),
                    False, 1) for c in range(shape.communities)])

    # -------------------------------------------------------------- organisations, workers, projects, teams
    n_orgs = 300
    org_rows, org_comm = [], []
    for o in range(n_orgs):
        kind = vocab.SOCIAL_ORG_KINDS[o % 3] if o < 280 else vocab.ORG_KINDS[3 + o % 4]
        c = int(rng.integers(0, shape.communities))
        org_comm.append(c + 1)
        reg = ("登记" if o % 4 == 0 else "备案") if o < 280 else None
        org_rows.append((o + 1, f"基准机构{o + 1:03d}", kind, int(comm_street[c]), c + 1, reg,
                         vocab.ORG_CATEGORIES[o % len(vocab.ORG_CATEGORIES)], vocab.INCUBATION_STAGES[o % 3] if o % 2 else None,
                         2005 + o % 18, "", False, 1))
    loader.insert("organization", ["id", "name", "kind", "street_id", "community_id", "reg_status", "category",
                                   "incubation_stage", "founded_year", "description", "is_demo", "version"], org_rows)
    grades = []
    for o in range(0, 280, 2):
        awarded = START + timedelta(days=int(rng.integers(0, (today - START).days)))
        expires = date(awarded.year + 5, awarded.month, min(awarded.day, 28))
        grades.append((len(grades) + 1, o + 1, vocab.GRADES[o % 5], awarded.isoformat(), expires.isoformat(),
                       float(rng.integers(500, 1000)), False, 1))
    loader.insert("orggrade", ["id", "organization_id", "grade", "awarded_on", "expires_on", "score", "is_demo",
                               "version"], grades)
    n_workers = 2000
    worker_comm = rng.integers(1, shape.communities + 1, n_workers)
    loader.insert("socialworker", ["id", "name", "level", "street_id", "community_id", "organization_id", "title",
                                   "certified_year", "training_hours", "is_demo", "version"],
                  [(w + 1, nm, vocab.SOCIAL_WORKER_LEVELS[(w % 10 > 6) + (w % 10 > 8)], int(comm_street[c - 1]), int(c),
                    None, "", 2010 + w % 14, float(w % 60), False, 1)
                   for w, (nm, c) in enumerate(zip(_names(rng, n_workers), worker_comm, strict=True))])
    # Two projects per community, ids 2c+1 and 2c+2 for community c (0-based).
    loader.insert("project", ["id", "name", "street_id", "community_id", "organization_id", "area", "brand_level",
                              "status", "beneficiary_groups", "start_date", "end_date", "description", "is_demo",
                              "version"],
                  [(2 * c + k + 1, f"基准项目{2 * c + k + 1:03d}", int(comm_street[c]), c + 1, None,
                    vocab.FIVE_AREAS[(2 * c + k) % 5], (None, "区级", "市级")[(2 * c + k) % 7 % 3],
                    "进行中", '["老年人"]', START.isoformat(), None, "", False, 1)
                   for c in range(shape.communities) for k in range(2)])
    loader.insert("projecttarget", ["id", "project_id", "metric", "target_value", "start_date", "due_date", "is_demo",
                                    "version"],
                  [(p, p, "activities", 100.0, START.isoformat(), date(today.year, 12, 31).isoformat(), False, 1)
                   for p in range(1, 2 * shape.communities + 1)])

    # -------------------------------------------------------------- volunteers (sorted by street, then community)
    v_comm = np.sort(rng.integers(0, shape.communities, shape.volunteers))  # 0-based community of each volunteer
    v_street = comm_street[v_comm]
    v_ids = np.arange(1, shape.volunteers + 1)
    street_lo = {s: int(np.searchsorted(v_street, s)) for s in range(1, N_STREETS + 2)}
    days_2020 = rng.integers(0, 366, shape.volunteers)
    reg_days = [(date(2020, 1, 1) + timedelta(days=int(d))).isoformat() for d in range(366)]
    opt_out = rng.random(shape.volunteers) < 0.01
    staff = rng.random(shape.volunteers) < 0.005
    names = _names(rng, shape.volunteers)
    loader.insert("volunteer", ["id", "name", "phone", "gender", "birth_year", "street_id", "community_id",
                                "organization_id", "tags", "registered_on", "leaderboard_opt_out", "is_staff", "is_demo",
                                "version", "created_at"],
                  ((int(i), nm, f"13{int(i):09d}", "男" if i % 2 else "女", 1950 + int(i) % 55, int(s), int(c) + 1,
                    None, '["小区居民"]' if i % 3 else '["在职党员"]', reg_days[d], bool(oo), bool(st), False, 1,
                    reg_days[d] + " 09:00:00.000000")
                   for i, nm, s, c, d, oo, st in zip(v_ids, names, v_street, v_comm, days_2020, opt_out, staff,
                                                    strict=True)))
    n_teams = 2 * shape.communities
    loader.insert("volunteerteam", ["id", "name", "street_id", "community_id", "organization_id", "founded_year",
                                    "description", "is_demo", "version"],
                  [(t + 1, f"基准志愿队{t + 1:03d}", int(comm_street[t // 2]), t // 2 + 1, None, 2018, "", False, 1)
                   for t in range(n_teams)])
    members = v_ids[::2]  # half the volunteers are in one team of their community
    loader.insert("teammember", ["team_id", "volunteer_id", "joined_on", "is_demo"],
                  [(int(2 * v_comm[i - 1] + 1 + (i // 2) % 2), int(i), "2021-01-01", False) for i in members])

    # -------------------------------------------------------------- histories that scale with the records
    span = (today - START).days + 1
    day_str = [(START + timedelta(days=d)).isoformat() for d in range(span)]

    def pick_days(n: int) -> np.ndarray:
        return rng.integers(0, span, n)

    n_med = max(20, records // 500)
    med_days, med_comm = pick_days(n_med), rng.integers(0, shape.communities, n_med)
    outcomes = rng.choice(np.array(vocab.MEDIATION_OUTCOMES), n_med, p=[0.9, 0.05, 0.05])
    loader.insert("mediationcase", ["id", "street_id", "community_id", "organization_id", "team_id", "project_id",
                                    "received_on", "resolved_on", "type", "source", "outcome", "people_involved",
                                    "location", "is_demo", "version"],
                  [(i + 1, int(comm_street[c]), int(c) + 1, None, int(2 * c + 1), None, day_str[d],
                    day_str[min(d + 3, span - 1)] if o != "处理中" else None, vocab.MEDIATION_TYPES[i % 6],
                    vocab.MEDIATION_SOURCES[i % 2], str(o), 2 + i % 5, "", False, 1)
                   for i, (d, c, o) in enumerate(zip(med_days, med_comm, outcomes, strict=True))])
    n_don = max(20, records // 1000)
    don_days, don_comm = pick_days(n_don), rng.integers(0, shape.communities, n_don)
    loader.insert("donation", ["id", "street_id", "community_id", "organization_id", "project_id", "donor_name",
                               "donor_type", "recipient", "is_money", "amount_yuan", "items", "quantity", "donated_on",
                               "channel", "is_demo", "version"],
                  [(i + 1, int(comm_street[c]), int(c) + 1, None, int(2 * c + 1), f"爱心单位{i % 97}",
                    vocab.PROVIDER_TYPES[i % 6], "", bool(i % 3), float(100 * (1 + i % 50)), "" if i % 3 else "米面油",
                    None, day_str[d], "线下", False, 1)
                   for i, (d, c) in enumerate(zip(don_days, don_comm, strict=True))])
    n_tr = max(10, records // 10_000)
    loader.insert("training", ["id", "street_id", "organization_id", "project_id", "title", "topic", "held_on",
                               "sessions", "trainees", "hours", "is_demo", "version"],
                  [(i + 1, 1 + i % N_STREETS, 1 + i % n_orgs, None, f"基准培训{i + 1}",
                    vocab.TRAINING_TOPICS[i % len(vocab.TRAINING_TOPICS)], day_str[int(d)], 1 + i % 3, 20 + i % 40,
                    2.0, False, 1) for i, d in enumerate(pick_days(n_tr))])
    n_res, n_need = max(20, records // 5000), max(20, records // 2500)
    res_comm = rng.integers(0, shape.communities, n_res)
    loader.insert("charityresource", ["id", "street_id", "community_id", "provider_name", "provider_org_id",
                                      "provider_type", "kind", "title", "amount", "unit", "offered_on", "status", "lng",
                                      "lat", "is_demo", "version"],
                  [(i + 1, int(comm_street[c]), int(c) + 1, f"提供方{i % 113}", None, vocab.PROVIDER_TYPES[i % 6],
                    vocab.RESOURCE_KINDS[i % 5], f"基准资源{i + 1}", float(1000 + i % 9000), "元", day_str[int(d)],
                    "available", 120.2 + float(rng.uniform(0, 0.3)), 30.35 + float(rng.uniform(0, 0.15)), False, 1)
                   for i, (c, d) in enumerate(zip(res_comm, pick_days(n_res), strict=True))])
    need_status = rng.choice(np.array(list(vocab.NEED_STATUSES)), n_need, p=[0.1, 0.2, 0.3, 0.35, 0.05])
    need_comm = rng.integers(0, shape.communities, n_need)
    need_days = pick_days(n_need)
    loader.insert("charityneed", ["id", "street_id", "community_id", "title", "category", "beneficiary_group",
                                  "urgency", "amount", "unit", "filed_on", "status", "reject_reason", "lng", "lat",
                                  "is_demo", "version"],
                  [(i + 1, int(comm_street[c]), int(c) + 1, f"基准需求{i + 1}", vocab.RESOURCE_KINDS[i % 5],
                    vocab.BENEFICIARY_GROUPS[i % len(vocab.BENEFICIARY_GROUPS)], ("紧急", "较急", "一般")[i % 3],
                    float(500 + i % 5000), "元", day_str[int(d)], str(st), "不符合条件" if st == "rejected" else "",
                    120.2 + float(rng.uniform(0, 0.3)), 30.35 + float(rng.uniform(0, 0.15)), False, 1)
                   for i, (c, d, st) in enumerate(zip(need_comm, need_days, need_status, strict=True))])
    matched = [i for i, st in enumerate(need_status) if st in ("matched", "completed")]
    loader.insert("charitymatch", ["id", "need_id", "resource_id", "amount", "matched_on", "completed_on", "is_demo",
                                   "version"],
                  [(k + 1, i + 1, 1 + i % n_res, 100.0, day_str[min(int(need_days[i]) + 5, span - 1)],
                    day_str[min(int(need_days[i]) + 20, span - 1)] if need_status[i] == "completed" else None, False, 1)
                   for k, i in enumerate(matched)])

    # -------------------------------------------------------------- activities and service records, by chunk
    act_days = np.sort(pick_days(shape.activities))  # chronological ids
    durations = np.array([60, 90, 120, 150, 180, 240])
    record_hours = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0])
    worker_by_comm = {int(c): int(w) + 1 for w, c in enumerate(worker_comm)}  # one worker per community (last wins)
    rec_id = 0
    act_cols = ["id", "street_id", "community_id", "organization_id", "project_id", "title", "type", "venue",
                "starts_at", "ends_at", "with_community", "with_organization", "with_social_worker", "with_volunteers",
                "with_charity", "lead_social_worker_id", "people_served", "unique_persons", "note", "created_by",
                "created_at", "updated_at", "is_demo", "version"]
    rec_cols = ["id", "volunteer_id", "activity_id", "hours", "kind", "status", "reason", "approved_by",
                "approved_at", "service_date", "street_id", "community_id", "organization_id", "project_id", "is_demo",
                "version"]
    t_acts = time.perf_counter()
    for lo in range(0, shape.activities, CHUNK_ACTIVITIES):
        hi = min(shape.activities, lo + CHUNK_ACTIVITIES)
        n = hi - lo
        ids = np.arange(lo + 1, hi + 1)
        days = act_days[lo:hi]
        comm = rng.integers(0, shape.communities, n)
        street = comm_street[comm]
        start_min = rng.integers(16, 34, n) * 30  # 08:00 .. 16:30
        dur = durations[rng.integers(0, len(durations), n)]
        org = np.where(rng.random(n) < 0.1, rng.integers(1, n_orgs + 1, n), -1)
        proj = np.where(rng.random(n) < 0.7, 2 * comm + 1 + rng.integers(0, 2, n), -1)
        flags = rng.random((n, 4)) < np.array([0.9, 0.3, 0.6, 0.15])  # community, organisation, social worker, charity
        types = rng.integers(0, len(vocab.ACTIVITY_TYPES), n)
        served = rng.integers(5, 120, n)
        starts = [_dt(START + timedelta(days=int(d)), int(m)) for d, m in zip(days, start_min, strict=True)]
        ends = [_dt(START + timedelta(days=int(d)), int(m + u)) for d, m, u in zip(days, start_min, dur, strict=True)]
        org_l = [None if x < 0 else int(x) for x in org]
        proj_l = [None if x < 0 else int(x) for x in proj]
        loader.insert("activity", act_cols, zip(
            ids.tolist(), street.tolist(), (comm + 1).tolist(), org_l, proj_l,
            [f"{vocab.ACTIVITY_TYPES[t]}·第{i}期" for t, i in zip(types, ids, strict=True)],
            [vocab.ACTIVITY_TYPES[t] for t in types], [VENUES[i % len(VENUES)] for i in ids.tolist()],
            starts, ends, flags[:, 0].tolist(), (flags[:, 1] | (org >= 0)).tolist(), flags[:, 2].tolist(),
            repeat(True), flags[:, 3].tolist(),
            [worker_by_comm.get(int(c) + 1) if f else None for c, f in zip(comm, flags[:, 2], strict=True)],
            served.tolist(), repeat(None), repeat(""), repeat(None), starts, starts, repeat(False), repeat(1)))

        # PER_ACTIVITY distinct volunteers of the activity's street, skewed so that some volunteers serve a lot.
        k = PER_ACTIVITY
        s_lo = np.array([street_lo[s] for s in range(1, N_STREETS + 1)])[street - 1]
        s_n = np.array([street_lo[s + 1] - street_lo[s] for s in range(1, N_STREETS + 1)])[street - 1]
        base = (s_n * rng.random(n) ** 2).astype(np.int64)
        step = rng.integers(1, np.maximum(2, s_n // k), n)
        offs = (base[:, None] + np.arange(k)[None, :] * step[:, None]) % s_n[:, None]
        vol = (s_lo[:, None] + offs + 1).ravel()  # ids are 1-based
        m = n * k
        r_ids = np.arange(rec_id + 1, rec_id + m + 1)
        rec_id += m
        hours = np.minimum(record_hours[rng.integers(0, len(record_hours), m)], np.repeat(dur, k) / 60)
        kinds = np.where(rng.random(m) < 0.05, "荣誉", "信用").tolist()
        act_rep = np.repeat(ids, k)
        date_rep = [day_str[d] for d in np.repeat(days, k)]
        starts_rep = [s for s in starts for _ in range(k)]
        loader.insert("servicerecord", rec_cols, zip(
            r_ids.tolist(), vol.tolist(), act_rep.tolist(), hours.tolist(), kinds, repeat("approved"), repeat(""),
            repeat(None), starts_rep, date_rep, np.repeat(street, k).tolist(), np.repeat(comm + 1, k).tolist(),
            [x for x in org_l for _ in range(k)], [x for x in proj_l for _ in range(k)], repeat(False), repeat(1)))
        el = time.perf_counter() - t_acts
        log(f"  … {hi:,}/{shape.activities:,} activities, {rec_id:,} records ({el:.0f} s)")
    t_loaded = time.perf_counter()
    loader.rebuild_indexes()
    t_indexed = time.perf_counter()
    loader.finish(["street", "community", "organization", "orggrade", "socialworker", "project", "projecttarget",
                   "volunteer", "volunteerteam", "mediationcase", "donation", "training", "charityresource",
                   "charityneed", "charitymatch", "activity", "servicerecord"])

    # -------------------------------------------------------------- users, through the real service
    engine = make_engine(url)
    try:
        with session_scope(engine, write=True) as s:
            # The bulk load bypassed the write services: fill the running totals they keep (db/totals.py).
            refresh_volunteer_totals(s, None)
            t_sum = time.perf_counter()
            rebuild_summaries(s.connection())  # and the monthly summaries (db/summaries.py)
            print(f"summaries rebuilt in {time.perf_counter() - t_sum:.1f} s", flush=True)
        with session_scope(engine, write=True) as s:
            first = s.get(Community, 1)
            create_user(session=s, actor=None, username=LEADER, password=PASSWORD, role="leader")
            create_user(session=s, actor=None, username=ADMIN, password=PASSWORD, role="admin")
            create_user(session=s, actor=None, username=STAFF, password=PASSWORD, role="staff",
                        scope_type="community", scope_id=first.id)
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:  # the loader analysed the raw tables before the summaries were built: what autovacuum would do next
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    t_end = time.perf_counter()
    return {"migrate": t_migrated - t_start, "load": t_loaded - t_migrated, "indexes": t_indexed - t_loaded,
            "total": t_end - t_start}


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("community", "volunteer", "activity", "servicerecord")}


def now_str() -> str:
    return f"{datetime.now():%Y-%m-%d %H:%M}"
