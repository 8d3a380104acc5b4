"""Backup and restore (db/admin/backup.py): identical data on each backend and across the two, a consistent backup
while writes go on, refused files that leave the data untouched, backups of an older schema, the command line."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, MetaData, Table, func, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

import db.admin.backup as backup_module
from db.activities.writes import ActivityInput, VolunteerHours, create_activity, delete_activity
from db.admin.backup import (
    APP_ID,
    FORMAT_VERSION,
    InvalidBackup,
    RestoreFailed,
    head_revision,
    inspect_backup,
    make_backup,
    restore_backup,
    table_digests,
    write_backup,
)
from db.auth import authenticate, issue_token, load_user, user_from_token
from db.demo import DEMO_PASSWORD, load_demo
from db.engine import session_scope
from db.errors import PermissionDenied, ValidationFailed
from db.migrate import current_revision, upgrade
from db.models import (
    Activity,
    AppMeta,
    AppUser,
    AuditLog,
    Community,
    ServiceRecord,
    Street,
    Submission,
    Volunteer,
    VolunteerTotal,
)
from db.write import data_version, run_write
from tests.conftest import DEMO_TODAY, PG_URL, Databases
from tests.factories import activity_input, build_world, hours, make_community, make_street

NOW = datetime(2026, 11, 28, 9, 30, 0)
ROOT = Path(__file__).resolve().parent.parent
# Changed by the restore itself: one audit row more (the restore's own), and a new data version.
VOLATILE = ("auditlog", "dataversion")


# ------------------------------------------------------------------------------------------------ helpers


def rows_of(engine: Engine, table_name: str, order: str = "id") -> list[dict]:
    table = Table(table_name, MetaData(), autoload_with=engine)  # the columns this database's schema has
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c[order]))]


def assert_restored(source: dict, source_engine: Engine, target: Engine, *, restores: int = 1,
                    skip: tuple[str, ...] = (), added: tuple[str, ...] = ()) -> None:
    """The target holds the source's data: the same rows and content hash per table; the source's audit rows
    verbatim followed by the restores' own rows; a data version above the source's. ``added``: tables that newer
    migrations created on the way."""
    now = table_digests(target)
    assert set(now) == set(source) | set(added)
    differing = [name for name in source if name not in (*VOLATILE, *skip) and now[name] != source[name]]
    assert differing == []
    source_audit, target_audit = rows_of(source_engine, "auditlog"), rows_of(target, "auditlog")
    columns = set(source_audit[0]) if source_audit else set()  # a newer schema may have added columns
    assert [{k: r[k] for k in columns} for r in target_audit[:len(source_audit)]] == source_audit
    assert [r["action"] for r in target_audit[len(source_audit):]] == ["restore"] * restores
    with Session(target) as t, Session(source_engine) as s:
        assert data_version(t) > data_version(s)


def assert_same_rows(a: Engine, b: Engine, model, ids: list[int]) -> None:
    with Session(a) as sa, Session(b) as sb:
        for record_id in ids:
            left, right = sa.get(model, record_id), sb.get(model, record_id)
            assert left is not None and right is not None
            assert left.model_dump() == right.model_dump()


def sample_ids(engine: Engine, model) -> list[int]:
    with Session(engine) as s:
        ids = s.execute(select(model.id).order_by(model.id)).scalars().all()
    return [ids[0], ids[len(ids) // 2], ids[-1]]


def rewrite_zip(data: bytes, change) -> bytes:
    """A copy of the zip with ``change(name, bytes) -> bytes | None`` applied to each member (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            content = change(name, src.read(name))
            if content is not None:
                dst.writestr(name, content)
    return out.getvalue()


def manifest_of(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return json.loads(zf.read("manifest.json"))


def with_manifest(data: bytes, **changes) -> bytes:
    manifest = {**manifest_of(data), **changes}
    return rewrite_zip(data, lambda n, b: json.dumps(manifest).encode() if n == "manifest.json" else b)


@pytest.fixture
def other_databases(backend, tmp_path):
    """Empty databases of the other backend (the cross-backend tests need both)."""
    if not PG_URL:
        pytest.skip("cross-backend restores need TEST_DATABASE_URL")
    dbs = Databases("postgresql" if backend == "sqlite" else "sqlite", tmp_path)
    yield dbs
    dbs.drop_all()


def fresh(databases) -> Engine:
    engine = databases.new()
    upgrade(engine)
    return engine


# ------------------------------------------------------------------------------------- identical data


def test_backup_then_restore_gives_identical_data(demo_engine, engine):
    source = table_digests(demo_engine)
    data = make_backup(demo_engine, now=NOW)
    result = restore_backup(engine, data)

    assert_restored(source, demo_engine, engine)
    assert result.rows["servicerecord"] == source["servicerecord"][0] > 20000
    assert result.info.created_at == NOW and result.revision == head_revision()
    assert not result.sessions_ended  # the target had no users
    assert current_revision(engine) == head_revision()
    for model in (Activity, ServiceRecord, Volunteer, Community, AppUser):
        assert_same_rows(demo_engine, engine, model, sample_ids(demo_engine, model))
    with Session(engine) as session:  # password hashes came along verbatim
        assert authenticate(session=session, username="demo_admin", password=DEMO_PASSWORD).role == "admin"


def test_backup_restores_across_backends_and_back(backend, demo_engine, other_databases, databases):
    """SQLite → PostgreSQL → SQLite (and PostgreSQL → SQLite → PostgreSQL): how a street moves to a server."""
    source = table_digests(demo_engine)
    there = fresh(other_databases)
    assert there.dialect.name != demo_engine.dialect.name
    restore_backup(there, make_backup(demo_engine))
    assert_restored(source, demo_engine, there)
    assert_same_rows(demo_engine, there, Activity, sample_ids(demo_engine, Activity))

    back = fresh(databases)
    data = make_backup(there)
    assert manifest_of(data)["dialect"] == there.dialect.name
    restore_backup(back, data)
    assert_restored(source, demo_engine, back, restores=2)
    assert_same_rows(demo_engine, back, ServiceRecord, sample_ids(demo_engine, ServiceRecord))
    with Session(back) as session:
        assert authenticate(session=session, username="demo_staff", password=DEMO_PASSWORD).role == "staff"


def test_restore_replaces_existing_data_and_ends_its_sessions(demo_engine, engine):
    world = build_world(engine, n_volunteers=3)
    with session_scope(engine, write=True) as session:
        make_community(session, session.get(Street, world.street1), "将被替换的社区")
    with session_scope(engine) as session:
        token = issue_token(session, world.admin)
    with Session(engine) as session:
        top_epoch = session.execute(select(func.max(AppUser.session_epoch))).scalar_one()
    source = table_digests(demo_engine)

    result = restore_backup(engine, make_backup(demo_engine), actor=world.admin)

    assert result.sessions_ended
    assert_restored(source, demo_engine, engine, skip=("appuser",))
    with Session(engine) as session:
        assert session.execute(select(Community.id).where(Community.name == "将被替换的社区")).first() is None
        # No open session or cookie of the old data carries over to a user of the restored data.
        assert user_from_token(session, token) is None
        for user in (world.admin, world.leader, world.staff_a, world.staff_s1):
            assert load_user(session, user.id, user.session_epoch) is None
        # The cookie key lives outside the database (db/secret.py); a restore brings none in.
        assert session.get(AppMeta, "secret_key") is None
        last = session.execute(select(AuditLog).order_by(AuditLog.id.desc())).scalars().first()
        assert (last.action, last.username, last.user_id) == ("restore", world.admin.username, world.admin.id)
    # Users are the backup's, their epochs moved above every epoch the target had handed out.
    before, after = rows_of(demo_engine, "appuser"), rows_of(engine, "appuser")
    assert [{**r, "session_epoch": 0} for r in after] == [{**r, "session_epoch": 0} for r in before]
    assert [a["session_epoch"] for a in after] == [b["session_epoch"] + top_epoch + 1 for b in before]


def test_restored_ids_are_never_handed_out_again(engine, databases):
    """An id the source used (even of a row deleted since) is not reused by the restored database."""
    world = build_world(engine, n_volunteers=2)
    ids = [run_write(engine, None, lambda s, i=i: create_activity(
        session=s, user=world.staff_a, idempotency_key=f"seq-{i}", today=DEMO_TODAY,
        data=activity_input(community_id=world.community_a, activity_date=date(2025, 6, 10 + i))))
        for i in range(3)]
    with session_scope(engine, write=True) as session:
        delete_activity(session=session, user=world.staff_a, activity_id=ids[-1], expected_version=1)
    data = make_backup(engine)
    target = fresh(databases)
    restore_backup(target, data)
    new_id = run_write(target, None, lambda s: create_activity(
        session=s, user=world.staff_a, idempotency_key="after-restore", today=DEMO_TODAY,
        data=activity_input(community_id=world.community_a, activity_date=date(2025, 7, 1))))
    assert new_id == ids[-1] + 1


# --------------------------------------------------------------------------------- the file and its hash


def test_manifest_and_canonical_rendering(engine):
    world = build_world(engine, n_volunteers=1)
    with session_scope(engine, write=True) as session:
        street = make_street(session, "测试街道甲", lng=120.25, lat=36.0)
        community = make_community(session, street, "测试社区甲", featured_scenes=["雷锋广场", "邻里节"],
                                   area_km2=1.5, population=3000)
        session.add(Volunteer(name="王小明", street_id=street.id, community_id=community.id, tags=["在职党员"],
                              registered_on=date(2024, 1, 1), created_at=datetime(2025, 1, 2, 3, 4, 5, 678901)))
    with session_scope(engine) as session:
        issue_token(session, world.admin)  # creates the cookie key in appmeta
    for key in ("b-key", "Z-key", "é-key", "a-key"):  # text primary keys, sorted by code point in the file
        run_write(engine, None, lambda s, k=key: create_activity(
            session=s, user=world.staff_a, idempotency_key=k, today=DEMO_TODAY,
            data=activity_input(community_id=world.community_a)))
    data = make_backup(engine, now=NOW)

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        files = {name: zf.read(name) for name in zf.namelist()}
    assert (manifest["application"], manifest["format_version"]) == (APP_ID, FORMAT_VERSION)
    assert manifest["alembic_revision"] == head_revision() and manifest["dialect"] == engine.dialect.name
    assert manifest["created_at"] == "2026-11-28T09:30:00"
    assert {t["name"] for t in manifest["tables"]} == set(SQLModel.metadata.tables)
    assert set(files) == {"manifest.json"} | {t["file"] for t in manifest["tables"]}
    for entry in manifest["tables"]:
        content = files[entry["file"]]
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
        assert content.count(b"\n") == entry["rows"] + 1
        assert json.loads(content.split(b"\n")[0]) == sorted(entry["columns"])
    # The cookie key stays out of every backup, and the manifest says so.
    assert b"secret_key" not in files["tables/appmeta.jsonl"]
    assert [(e["table"], "secret_key" in e["rows"]) for e in manifest["excluded"]] == [
        ("appmeta", True), ("alembic_version", False)]

    lines = files["tables/volunteer.jsonl"].decode().splitlines()
    columns = json.loads(lines[0])
    mine = dict(zip(columns, json.loads(lines[-1]), strict=True))
    assert mine["created_at"] == "2025-01-02T03:04:05.678901" and mine["registered_on"] == "2024-01-01"
    assert mine["tags"] == ["在职党员"] and mine["is_demo"] is False and mine["birth_year"] is None
    assert '"王小明"' in lines[-1] and ", " not in lines[-1]  # UTF-8 as is, no spaces between tokens
    community_line = files["tables/community.jsonl"].decode().splitlines()[-1]
    assert community_line.startswith('[1.5,"",["雷锋广场","邻里节"],null,null,')  # area_km2, description, …
    assert ',"测试社区甲","","",3000,' in community_line  # name, party_secretary, pilot_status, population
    # Rows in primary-key order; text keys by code point.
    ids = [json.loads(line)[columns.index("id")] for line in lines[1:]]
    assert ids == sorted(ids)
    header = json.loads(files["tables/submission.jsonl"].decode().splitlines()[0])
    keys = [json.loads(line)[header.index("key")] for line in files["tables/submission.jsonl"].decode().splitlines()[1:]]
    assert keys == ["Z-key", "a-key", "b-key", "é-key"]


def test_preview_names_places_and_tells_demo_from_real(demo_engine, engine):
    info = inspect_backup(make_backup(demo_engine, now=NOW))
    assert info.streets == ("薛家岛街道", "乔司街道")
    assert ("薛家岛街道", "新港山路社区") in info.communities and ("乔司街道", "胜稼村") in info.communities
    assert info.holds_demo and info.demo_loaded and not info.holds_real_records
    assert not info.needs_upgrade and info.revision == head_revision()
    with Session(demo_engine) as session:
        activities = session.execute(select(func.count()).select_from(Activity)).scalar_one()
    assert info.rows_by_label()["活动"] == activities
    assert any("新港山路社区" in line for line in info.summary_lines())

    build_world(engine, n_volunteers=1)
    real = inspect_backup(make_backup(engine))
    assert real.holds_real_records and not real.holds_demo
    assert real.rows_by_label()["用户"] == 4 and real.streets == ("薛家岛街道", "乔司街道")


# ------------------------------------------------------------------------------------ writes meanwhile


def test_backup_taken_while_writes_go_on_is_consistent(engine, databases):
    load_demo(engine, today=DEMO_TODAY)
    with Session(engine) as session:
        staff_row = session.execute(select(AppUser).where(AppUser.username == "demo_staff")).scalar_one()
        staff = load_user(session, staff_row.id, staff_row.session_epoch)
        volunteers = session.execute(select(Volunteer.id).where(Volunteer.community_id == staff.scope_id)
                                     .order_by(Volunteer.id).limit(3)).scalars().all()
        before = session.execute(select(func.count()).select_from(Activity)).scalar_one()
    commits: list[float] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            i = 0
            while not stop.is_set() and i < 2000:
                data = ActivityInput(activity_date=date(2019, 1, 1) + timedelta(days=i),
                                     start_time=dtime(9, 0), end_time=dtime(11, 0), title=f"备份期间录入{i}",
                                     type="联动服务", actors={"with_community"},
                                     volunteers=[VolunteerHours(v, 1.5 + (i % 3) * 0.25) for v in volunteers])
                new_id = run_write(engine, None, lambda s, d=data, k=i: create_activity(
                    session=s, user=staff, data=d, idempotency_key=f"during-backup-{k}", today=DEMO_TODAY))
                commits.append(time.monotonic())
                if i % 4 == 3:  # deletions too: the totals go down as well as up
                    with session_scope(engine, write=True) as session:
                        delete_activity(session=session, user=staff, activity_id=new_id, expected_version=1)
                    commits.append(time.monotonic())
                i += 1
        except BaseException as exc:  # noqa: BLE001  (reported by the test)
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(commits) < 3 and thread.is_alive():
            time.sleep(0.01)
        started = time.monotonic()
        data = make_backup(engine)
        ended = time.monotonic()
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not failures, failures
    assert sum(started < t < ended for t in commits) >= 1, "no write committed while the backup ran"

    info = inspect_backup(data)  # the manifest's counts and hashes match its files
    target = fresh(databases)
    restore_backup(target, data)
    with Session(target) as s:
        orphans = s.execute(text("SELECT COUNT(*) FROM servicerecord r LEFT JOIN activity a ON a.id = r.activity_id "
                                 "WHERE a.id IS NULL")).scalar_one()
        assert orphans == 0
        sums = {v: (round(h, 6), n) for v, h, n in s.execute(
            select(ServiceRecord.volunteer_id, func.sum(ServiceRecord.hours), func.count())
            .where(ServiceRecord.status == "approved").group_by(ServiceRecord.volunteer_id))}
        totals = {v: (round(h, 6), n) for v, h, n in s.execute(
            select(VolunteerTotal.volunteer_id, VolunteerTotal.hours, VolunteerTotal.records))}
        assert totals == sums
        # Every activity the writer had committed by then is there whole: its 3 records, submission and audit row.
        written = s.execute(select(Activity.id).where(Activity.title.like("备份期间录入%"))).scalars().all()
        assert 1 <= len(written) and len(written) + before == info.rows_by_label()["活动"]
        for activity_id in written:
            assert s.execute(select(func.count()).where(ServiceRecord.activity_id == activity_id)).scalar_one() == 3
            assert s.execute(select(func.count()).where(Submission.record_id == activity_id,
                                                        Submission.kind == "activity")).scalar_one() == 1
            assert s.execute(select(func.count()).where(AuditLog.table_name == "activity",
                                                        AuditLog.record_id == activity_id,
                                                        AuditLog.action == "create")).scalar_one() == 1


# ------------------------------------------------------------------------------------------- refusals


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["活动名称", "日期"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _random_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("notes.txt", "hello")
    return out.getvalue()


def _tamper_row(data: bytes) -> bytes:
    def change(name: str, content: bytes) -> bytes:
        if name != "tables/servicerecord.jsonl":
            return content
        lines = content.split(b"\n")
        row = json.loads(lines[1])
        header = json.loads(lines[0])
        row[header.index("hours")] = row[header.index("hours")] + 10  # ten more hours for one volunteer
        lines[1] = json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode()
        return b"\n".join(lines)
    return rewrite_zip(data, change)


def _dangling_reference(data: bytes) -> bytes:
    """A record pointing at a missing activity, with the manifest's hash recomputed to match (a careful forger)."""
    manifest = manifest_of(data)

    def change(name: str, content: bytes) -> bytes:
        if name == "tables/servicerecord.jsonl":
            lines = content.split(b"\n")
            header, row = json.loads(lines[0]), json.loads(lines[1])
            row[header.index("activity_id")] = 999999
            lines[1] = json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode()
            content = b"\n".join(lines)
            entry = next(t for t in manifest["tables"] if t["name"] == "servicerecord")
            entry["sha256"] = hashlib.sha256(content).hexdigest()
        return content
    forged = rewrite_zip(data, change)
    return rewrite_zip(forged, lambda n, b: json.dumps(manifest).encode() if n == "manifest.json" else b)


def _extra_file(data: bytes) -> bytes:
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr("tables/evil.jsonl", "[]\n")
    return out.getvalue()


def _flip_bytes(data: bytes) -> bytes:
    at = len(data) // 2
    return data[:at] + bytes(b ^ 0xFF for b in data[at:at + 64]) + data[at + 64:]


BAD_FILES = {
    "truncated": (lambda d: d[: len(d) // 2], "无法作为 zip 备份打开"),
    "corrupt": (_flip_bytes, "已损坏"),
    "text file": (lambda d: "活动名称,日期\n邻里节,2025-01-01\n".encode(), "不是本系统的备份文件"),
    "empty": (lambda d: b"", "不是本系统的备份文件"),
    "xlsx": (lambda d: _xlsx(), "没有备份清单"),
    "random zip": (lambda d: _random_zip(), "没有备份清单"),
    "tampered row": (_tamper_row, "「服务记录」的内容与备份清单不符"),
    "missing table": (lambda d: rewrite_zip(d, lambda n, b: None if n == "tables/activity.jsonl" else b),
                      "缺少数据表「活动」的文件"),
    "extra file": (_extra_file, "清单之外的文件"),
    "other application": (lambda d: with_manifest(d, application="other-app"), "不是本系统（五社联动数据看板）的备份文件"),
    "newer revision": (lambda d: with_manifest(d, alembic_revision="9999"), "该备份来自更新版本的系统"),
    "newer format": (lambda d: with_manifest(d, format_version=FORMAT_VERSION + 1), "该备份来自更新版本的系统"),
}
# Self-consistent files (hashes recomputed) whose rows break the schema: the preview cannot tell, the restore does
# (it loads the rows into a scratch database first).
BAD_CONTENT = {
    "dangling reference": (_dangling_reference, "引用了不存在的「活动」"),
}




@pytest.fixture
def world_engine(engine):
    world = build_world(engine, n_volunteers=3)
    run_write(engine, None, lambda s: create_activity(
        session=s, user=world.staff_a, idempotency_key="refusals", today=DEMO_TODAY,
        data=activity_input(community_id=world.community_a, volunteers=hours((world.volunteers[0], 2.0)))))
    return engine


def test_bad_files_are_refused_and_the_data_is_untouched(world_engine):
    good = make_backup(world_engine)
    before = table_digests(world_engine)
    for name, (make, message) in BAD_FILES.items():
        bad = make(good)
        with pytest.raises(InvalidBackup) as refused:
            inspect_backup(bad)
        assert message in str(refused.value), (name, str(refused.value))
        assert str(refused.value).startswith("「备份文件」"), name
        assert isinstance(refused.value, ValidationFailed) and "backup" in refused.value.errors
        with pytest.raises(InvalidBackup):
            restore_backup(world_engine, bad)
        assert table_digests(world_engine) == before, name
    for name, (make, message) in BAD_CONTENT.items():
        bad = make(good)
        assert inspect_backup(bad).total_rows == inspect_backup(good).total_rows
        with pytest.raises(InvalidBackup) as refused:
            restore_backup(world_engine, bad)
        assert message in str(refused.value), (name, str(refused.value))
        assert table_digests(world_engine) == before, name


def test_a_failure_while_writing_rolls_back(world_engine, databases, monkeypatch):
    target = fresh(databases)
    build_world(target, n_volunteers=2)
    before = table_digests(target)
    data = make_backup(world_engine)

    def fail(*_args, **_kwargs):
        raise OperationalError("SELECT setval", {}, Exception("disk full"))

    monkeypatch.setattr(backup_module, "_raise_sequences", fail)  # after every row was deleted and reinserted
    with pytest.raises(RestoreFailed) as failed:
        restore_backup(target, data)
    assert "当前数据未改动" in str(failed.value)
    assert table_digests(target) == before


def test_only_an_admin_may_restore(world_engine, databases):
    target = fresh(databases)
    world = build_world(target, n_volunteers=1)
    before = table_digests(target)
    for user in (world.leader, world.staff_a):
        with pytest.raises(PermissionDenied):
            restore_backup(target, make_backup(world_engine), actor=user)
    assert table_digests(target) == before


# ----------------------------------------------------------------------------------- an older schema


def test_backup_of_an_older_schema_restores_and_ends_at_head(empty_engine, databases):
    """A backup made by a build whose newest migration was 0005 (no VolunteerTotal yet)."""
    old = empty_engine
    upgrade(old, "0005")
    tables = SQLModel.metadata.tables
    with old.begin() as conn:
        conn.execute(insert(tables["street"]), [{"id": 1, "name": "旧版街道", "province": "", "city": "",
                                                 "district": "", "district_code": "370211", "is_demo": False,
                                                 "version": 1}])
        conn.execute(insert(tables["community"]), [{"id": 1, "street_id": 1, "name": "旧版社区", "kind": "社区",
                                                    "party_secretary": "", "service_brand": "", "pilot_status": "",
                                                    "featured_scenes": [], "description": "", "is_demo": False,
                                                    "version": 1}])
        conn.execute(insert(tables["volunteer"]), [
            {"id": v, "name": f"志愿者{v}", "phone": "", "gender": "", "street_id": 1, "community_id": 1, "tags": [],
             "registered_on": date(2023, 1, 1), "leaderboard_opt_out": False, "is_staff": False, "is_demo": False,
             "version": 1, "created_at": datetime(2023, 1, 1, 8, 0)} for v in (1, 2)])
        conn.execute(insert(tables["activity"]), [
            {"id": a, "street_id": 1, "community_id": 1, "title": f"旧版活动{a}", "type": "联动服务", "venue": "",
             "starts_at": datetime(2024, 5, a, 9), "ends_at": datetime(2024, 5, a, 11), "with_community": True,
             "with_organization": False, "with_social_worker": False, "with_volunteers": True,
             "with_charity": False, "people_served": 10, "note": "", "created_at": datetime(2024, 5, a, 12),
             "updated_at": datetime(2024, 5, a, 12), "is_demo": False, "version": 1} for a in (1, 2)])
        conn.execute(insert(tables["servicerecord"]), [
            {"volunteer_id": v, "activity_id": a, "hours": h, "kind": "信用", "status": s, "reason": "",
             "service_date": date(2024, 5, a), "street_id": 1, "community_id": 1, "is_demo": False, "version": 1}
            for v, a, h, s in ((1, 1, 2.0, "approved"), (1, 2, 1.5, "approved"), (2, 1, 2.0, "approved"),
                               (2, 2, 1.0, "pending"))])
    source = table_digests(old)
    data = make_backup(old)
    assert "volunteertotal" not in source

    info = inspect_backup(data)
    assert info.revision == "0005" and info.needs_upgrade and info.streets == ("旧版街道",)
    assert any("恢复时将升级到" in line for line in info.summary_lines())
    target = fresh(databases)
    result = restore_backup(target, data)
    assert current_revision(target) == head_revision() == result.revision
    # Migration 0007 added columns to the users' table, so its content hash differs; its rows are compared below.
    assert_restored(source, old, target, added=("volunteertotal", "kiosklink", "volunteermonth", "figuremonth", "volunteerspan",
                                                    "activecount", "figureyear", "teamspan", "placeyear"), skip=("appuser",))
    old_users, new_users = rows_of(old, "appuser"), rows_of(target, "appuser")
    assert [{k: u[k] for k in old_users[0]} for u in new_users] == old_users if old_users else not new_users
    with Session(target) as session:  # migration 0006 ran on the restored rows
        totals = dict(session.execute(select(VolunteerTotal.volunteer_id, VolunteerTotal.hours)).all())
    assert totals == {1: 3.5, 2: 2.0}


# --------------------------------------------------------------------------------------- command line


def _cli(args: list[str], env: dict, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "db.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def test_cli_backup_inspect_and_restore(tmp_path):
    from db.engine import make_engine

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "DATABASE_URL": url, "BACKUP_DIR": str(tmp_path / "safety"), "LOAD_DEMO": "false",
           "PYTHONPATH": str(ROOT)}
    engine = make_engine(url)
    upgrade(engine)
    build_world(engine, n_volunteers=2)
    before = table_digests(engine)

    done = _cli(["backup", str(tmp_path / "b.zip")], env)
    assert done.returncode == 0, done.stderr
    assert "已备份到" in done.stdout and (tmp_path / "b.zip").exists()
    done = _cli(["backup"], env, cwd=tmp_path)  # default name with the date, in the current folder
    assert done.returncode == 0, done.stderr
    assert len(list(tmp_path.glob("wushe-backup-*.zip"))) == 1

    done = _cli(["inspect-backup", str(tmp_path / "b.zip")], env)
    assert done.returncode == 0 and "检查通过" in done.stdout and "新港山路社区" in done.stdout

    with session_scope(engine, write=True) as session:
        make_street(session, "备份之后新增的街道")
    changed = table_digests(engine)
    done = _cli(["restore", str(tmp_path / "b.zip")], env, stdin="no\n")
    assert done.returncode == 1 and "已取消" in done.stdout
    assert table_digests(engine) == changed
    done = _cli(["restore", str(tmp_path / "b.zip"), "--yes"], env)
    assert done.returncode == 0, done.stderr
    assert "已恢复" in done.stdout and "已先备份当前数据" in done.stdout
    safety = list((tmp_path / "safety").glob("*-before-restore.zip"))
    assert len(safety) == 1 and "备份之后新增的街道" in inspect_backup(safety[0]).streets
    after = table_digests(engine)
    assert {k: v for k, v in after.items() if k not in (*VOLATILE, "appuser")} == \
           {k: v for k, v in before.items() if k not in (*VOLATILE, "appuser")}

    (tmp_path / "notes.txt").write_text("不是备份", encoding="utf-8")
    done = _cli(["inspect-backup", str(tmp_path / "notes.txt")], env)
    assert done.returncode == 2 and "不是本系统的备份文件" in done.stderr and "Traceback" not in done.stderr
    done = _cli(["restore", str(tmp_path / "notes.txt"), "--yes"], env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert table_digests(engine) == after
    engine.dispose()


def test_write_backup_leaves_no_partial_file(engine, tmp_path, monkeypatch):
    build_world(engine, n_volunteers=1)

    def broken(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("connection lost"))

    monkeypatch.setattr(backup_module, "_sequences", broken)
    with pytest.raises(OperationalError):
        write_backup(engine, tmp_path / "x.zip")
    assert list(tmp_path.iterdir()) == []
