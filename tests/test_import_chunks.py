"""A "valid rows only" import commits part by part (db.transfer.importers.IMPORT_CHUNK_ROWS), so the write lock is
held for one part at a time; a file interrupted half-way is imported again without doubles. All-or-nothing stays
one transaction. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

import db.transfer.importers as importers
from db.engine import session_scope
from db.models import Activity, AuditLog, Community, Street
from db.transfer.importers import run_import
from tests.factories import build_world
from tests.proof_helpers import changed_tables, fingerprint

TODAY = date(2025, 6, 30)


@pytest.fixture
def w(engine, monkeypatch):
    import db.auth

    monkeypatch.setattr(db.auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    monkeypatch.setattr(importers, "IMPORT_CHUNK_ROWS", 3)
    world = build_world(engine, n_volunteers=0)
    yield world
    engine.dispose()


def csv_file(engine, w, rows: int, bad: tuple[int, ...] = ()) -> bytes:
    with session_scope(engine) as s:
        community = s.get(Community, w.community_a)
        name = f"{s.get(Street, community.street_id).name}/{community.name}"
    lines = ["活动日期,活动名称,活动类型,活动时段,所属社区,服务人次,参与主体"]
    for i in range(rows):
        kind = "不存在的类型" if i in bad else "联动服务"
        lines.append(f"2025-06-{1 + i:02d},分批导入{i},{kind},9:00-11:00,{name},10,社区")
    return "\n".join(lines).encode()


def imports(engine) -> list[dict]:
    with session_scope(engine) as s:
        return [a.new_values for a in s.execute(select(AuditLog).where(AuditLog.action == "import")
                                                .order_by(AuditLog.id)).scalars()]


def titles(engine) -> list[str]:
    with session_scope(engine) as s:
        return sorted(s.execute(select(Activity.title)).scalars())


def test_valid_only_commits_in_parts_each_with_its_audit_row(engine, w):
    result = run_import(engine, w.staff_a, "activities", csv_file(engine, w, 8, bad=(4,)), "x.csv",
                        mode="valid_only", today=TODAY)
    assert result.written
    assert len(result.with_status("ok")) == 7 and len(result.with_status("rejected")) == 1
    assert titles(engine) == sorted(f"分批导入{i}" for i in range(8) if i != 4)
    audit = imports(engine)
    assert [(a["part"], a["imported"]) for a in audit] == [(1, 3), (2, 3), (3, 1)]
    assert sorted(r for a in audit for r in a["records"]) == sorted(r.record_id for r in result.with_status("ok"))


def test_a_small_valid_only_import_is_one_part(engine, w):
    run_import(engine, w.staff_a, "activities", csv_file(engine, w, 2), "x.csv", mode="valid_only", today=TODAY)
    assert [("part" in a, a["imported"]) for a in imports(engine)] == [(False, 2)]


def test_an_interrupted_import_keeps_its_committed_parts_and_is_finished_without_doubles(engine, w, monkeypatch):
    data = csv_file(engine, w, 8)
    real = importers.create_activity
    calls = []

    def dies_at_the_sixth_row(**kwargs):
        calls.append(1)
        if len(calls) == 6:
            raise RuntimeError("server stopped")
        return real(**kwargs)

    monkeypatch.setattr(importers, "create_activity", dies_at_the_sixth_row)
    with pytest.raises(RuntimeError):
        run_import(engine, w.staff_a, "activities", data, "x.csv", mode="valid_only", today=TODAY)
    assert titles(engine) == sorted(f"分批导入{i}" for i in range(3))  # the first part only
    monkeypatch.setattr(importers, "create_activity", real)
    again = run_import(engine, w.staff_a, "activities", data, "x.csv", mode="valid_only", today=TODAY)
    assert [r.status for r in again.rows] == ["already"] * 3 + ["ok"] * 5
    assert titles(engine) == sorted(f"分批导入{i}" for i in range(8))


def test_all_or_nothing_is_still_one_transaction(engine, w):
    before = fingerprint(engine)
    result = run_import(engine, w.staff_a, "activities", csv_file(engine, w, 8, bad=(7,)), "x.csv", today=TODAY)
    assert not result.written
    assert changed_tables(before, fingerprint(engine)) == []
    result = run_import(engine, w.staff_a, "activities", csv_file(engine, w, 8), "x.csv", today=TODAY)
    assert result.written and len(imports(engine)) == 1 and "part" not in imports(engine)[0]
