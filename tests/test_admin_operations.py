"""The 系统管理 page's services besides users (db.admin.operations): backup download and safety copies, restore after
a copy, the demo actions refused on real data before anything happens, the chain check's report, the audit export
(neutralised and itself audited); every one refused in db for staff and leaders."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, text, update

from db.admin import operations
from db.admin.backup import InvalidBackup, inspect_backup, table_digests
from db.auth import GENERIC_LOGIN_ERROR, authenticate
from db.demo import DemoRefused, load_demo
from db.engine import session_scope
from db.errors import LoginFailed, PermissionDenied
from db.models import AppUser, AuditLog, Street
from db.settings import get_settings
from db.write import data_version
from tests.conftest import DEMO_TODAY
from tests.factories import build_world, make_street, make_user

NOW = datetime(2026, 6, 15, 10, 0, 0)


@pytest.fixture
def backups(tmp_path, monkeypatch) -> Path:
    """BACKUP_DIR in a fresh folder."""
    folder = tmp_path / "backups"
    monkeypatch.setenv("BACKUP_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.zip")) if folder.exists() else []


def audit_rows(engine, since: int = 0) -> list[AuditLog]:
    with session_scope(engine) as session:
        return list(session.execute(select(AuditLog).where(AuditLog.id > since).order_by(AuditLog.id)).scalars())


def last_audit_id(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.coalesce(func.max(AuditLog.id), 0))).scalar_one()


def demo_admin(engine):
    from db.auth import load_user

    with session_scope(engine) as session:
        row = session.execute(select(AppUser).where(AppUser.username == "demo_admin")).scalar_one()
        return load_user(session, row.id, row.session_epoch)


# ------------------------------------------------------------------------------------------ backups


def test_a_downloaded_backup_is_complete_and_audited(engine, backups):
    world = build_world(engine, n_volunteers=2)
    mark = last_audit_id(engine)
    digests = table_digests(engine)
    made = operations.download_backup(engine, world.admin, now=NOW)
    assert made.name == "wushe-backup-20260615-100000.zip"
    info = inspect_backup(made.data)
    assert {t.name: t.rows for t in info.tables}["volunteer"] == 2
    assert made.rows == info.total_rows and made.tables == len(info.tables)
    manifest = {t["name"]: (t["rows"], t["sha256"]) for t in info.manifest["tables"]}
    assert {k: v for k, v in manifest.items() if k != "auditlog"} == \
        {k: v for k, v in digests.items() if k != "auditlog"}
    [entry] = audit_rows(engine, mark)
    assert (entry.action, entry.table_name, entry.user_id) == ("backup", "backup", world.admin.id)
    assert entry.new_values["file"] == made.name and entry.new_values["rows"] == made.rows
    assert files(backups) == []  # a download is not kept on the server


def test_restore_keeps_a_copy_of_the_current_data_first(engine, databases, backups):
    world = build_world(engine, n_volunteers=2)
    source = databases.new()
    from db.migrate import upgrade

    upgrade(source)
    with session_scope(source, write=True) as session:
        make_street(session, "备份中的街道")
    data = operations.download_backup(source, build_world(source, n_volunteers=1).admin).data

    done = operations.restore(engine, world.admin, data, now=NOW)
    [copy] = files(backups)
    assert copy == done.safety_copy and copy.name.endswith("-before-restore.zip")
    kept = inspect_backup(copy)
    assert "薛家岛街道" in kept.streets and "备份中的街道" not in kept.streets  # the data as they were
    with session_scope(engine) as session:
        names = set(session.execute(select(Street.name)).scalars())
    assert "备份中的街道" in names and "乔司街道" in names  # build_world of the source made both too
    assert done.result.sessions_ended
    source.dispose()


def test_a_foreign_file_is_refused_before_any_copy_and_nothing_changes(engine, backups):
    world = build_world(engine, n_volunteers=1)
    before = table_digests(engine)
    for data in (b"not a zip at all", b"PK\x03\x04" + b"\0" * 40):
        with pytest.raises(InvalidBackup):
            operations.preview_backup(world.admin, data)
        with pytest.raises(InvalidBackup):
            operations.restore(engine, world.admin, data)
    assert files(backups) == []
    assert table_digests(engine) == before


# ------------------------------------------------------------------------------------------ demo data


def test_demo_actions_are_refused_on_real_data_before_any_copy(engine, backups):
    world = build_world(engine, n_volunteers=1)
    with session_scope(engine) as session:
        status = operations.demo_status(session, world.admin)
    assert status.holds_real_records and not status.loaded and not status.demo_database
    assert "街道" in status.real_tables and "用户" in status.real_tables
    before = table_digests(engine)
    for action in ("load", "reset", "clear"):
        with pytest.raises(DemoRefused) as info:
            operations.demo_action(engine, world.admin, action, today=DEMO_TODAY)
        assert "真实数据" in str(info.value)
    assert files(backups) == []
    assert table_digests(engine) == before


def test_demo_reset_on_a_demo_database_makes_a_copy_first(engine, backups):
    load_demo(engine, today=DEMO_TODAY)
    admin = demo_admin(engine)
    with session_scope(engine) as session:
        status = operations.demo_status(session, admin)
    assert status.loaded and status.demo_database and status.demo_rows > 1000
    done = operations.demo_action(engine, admin, "reset", today=DEMO_TODAY)
    assert done.changed and done.safety_copy in files(backups)
    assert "新港山路社区" in [c for _s, c in inspect_backup(done.safety_copy).communities]
    actions = [r.action for r in audit_rows(engine)]
    after_copy = actions[actions.index("backup"):]  # the copy first, then the reset (its demo accounts, its row)
    assert actions.count("backup") == 1 and after_copy[-1] == "demo_reset" and set(after_copy[1:-1]) == {"create"}
    # Loading what is loaded does nothing and copies nothing.
    again = operations.demo_action(engine, demo_admin(engine), "load", today=DEMO_TODAY)
    assert not again.changed and again.safety_copy is None and len(files(backups)) == 1


def test_clearing_without_the_demo_is_refused(engine, backups):
    with session_scope(engine, write=True) as session:
        fresh_admin = make_user(session, "admin")
        session.execute(update(AppUser).values(is_demo=True))  # not a real record: only the demo's absence counts
    with pytest.raises(DemoRefused) as info:
        operations.demo_action(engine, fresh_admin, "clear", today=DEMO_TODAY)
    assert "没有载入演示数据" in str(info.value)
    assert files(backups) == []


# ------------------------------------------------------------------------------------------ the audit log


def test_the_chain_check_reports_the_first_broken_link_with_its_time(engine):
    world = build_world(engine, n_volunteers=1)
    with session_scope(engine) as session:
        report = operations.check_audit_chain(session, world.admin)
        total = session.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    assert report.intact and report.entries == total > 3
    assert f"共 {total:,} 条" in report.message()
    entries = audit_rows(engine)
    victim, later = entries[2], entries[3]
    with engine.begin() as conn:  # a plain UPDATE, as someone with database access could run
        conn.execute(text("UPDATE auditlog SET username = 'someone_else' WHERE id = :id"), {"id": victim.id})
        conn.execute(text("UPDATE auditlog SET record_id = 424242 WHERE id = :id"), {"id": later.id})
    with session_scope(engine) as session:
        report = operations.check_audit_chain(session, world.admin)
    assert not report.intact and report.broken_id == victim.id and report.broken_at == victim.at
    message = report.message()
    assert f"第 {victim.id} 条" in message and f"{victim.at:%Y-%m-%d %H:%M:%S}" in message and "改动" in message


def test_the_audit_export_is_neutralised_and_audited(engine):
    world = build_world(engine, n_volunteers=1)
    with session_scope(engine) as session, pytest.raises(LoginFailed) as info:
        authenticate(session=session, username='=HYPERLINK("http://x")', password="whatever-1")
    assert str(info.value) == GENERIC_LOGIN_ERROR
    mark = last_audit_id(engine)
    made = operations.export_audit_log(engine, world.admin, action="login_failed", now=NOW)
    assert made.rows == 1 and made.stem == "操作日志_20260615-100000"
    rows = list(csv.reader(io.StringIO(made.csv.decode("utf-8-sig"))))
    assert rows[0] == ["编号", "时间", "用户", "操作", "对象", "记录编号", "变更字段", "变更内容"]
    assert rows[1][2] == "'=HYPERLINK(\"http://x\")" and rows[1][3] == "登录失败"  # a formula never runs
    assert "原因：用户名不存在" in rows[1][7]
    sheet = openpyxl.load_workbook(io.BytesIO(made.xlsx)).active
    assert sheet.cell(2, 3).value == "'=HYPERLINK(\"http://x\")" and sheet.cell(2, 3).data_type == "s"
    [entry] = audit_rows(engine, mark)
    assert (entry.action, entry.table_name, entry.user_id) == ("export", "auditlog", world.admin.id)
    assert entry.new_values == {"rows": 1, "filters": {"action": "login_failed"}}


# ------------------------------------------------------------------------------------------ refused for others


def _operations(engine, world, backup_bytes: bytes) -> dict[str, Callable[[object], object]]:
    def read(fn):
        def call(user):
            with session_scope(engine) as session:
                return fn(session, user)
        return call

    return {
        "download_backup": lambda u: operations.download_backup(engine, u),
        "safety_backup": lambda u: operations.safety_backup(engine, u, "test"),
        "preview_backup": lambda u: operations.preview_backup(u, backup_bytes),
        "restore": lambda u: operations.restore(engine, u, backup_bytes),
        "demo_status": read(operations.demo_status),
        "demo_load": lambda u: operations.demo_action(engine, u, "load", today=DEMO_TODAY),
        "demo_reset": lambda u: operations.demo_action(engine, u, "reset", today=DEMO_TODAY),
        "demo_clear": lambda u: operations.demo_action(engine, u, "clear", today=DEMO_TODAY),
        "check_audit_chain": read(operations.check_audit_chain),
        "export_audit_log": lambda u: operations.export_audit_log(engine, u),
    }


OPERATIONS = ["download_backup", "safety_backup", "preview_backup", "restore", "demo_status", "demo_load",
              "demo_reset", "demo_clear", "check_audit_chain", "export_audit_log"]


@pytest.fixture(scope="module")
def shared(databases):
    """One database for the refusals (each checks that it changed nothing), and a backup of it."""
    from db.migrate import upgrade

    engine = databases.new()
    upgrade(engine)
    world = build_world(engine, n_volunteers=1)
    yield engine, world, operations.download_backup(engine, world.admin).data
    engine.dispose()


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("role", ["leader", "staff_a"])
def test_every_operation_is_refused_in_db_for_non_admins(shared, backups, role, operation):
    engine, world, backup_bytes = shared
    before = table_digests(engine)
    with session_scope(engine) as session:
        version = data_version(session)
    with pytest.raises(PermissionDenied) as info:
        _operations(engine, world, backup_bytes)[operation](getattr(world, role))
    assert "管理员" in str(info.value)
    assert table_digests(engine) == before
    with session_scope(engine) as session:
        assert data_version(session) == version
    assert files(backups) == []


def test_temporary_passwords_are_random_and_pass_the_password_rule():
    from db.auth import password_problem

    words = {operations.temporary_password() for _ in range(50)}
    assert len(words) == 50
    assert all(len(w) == 12 and password_problem("someone", w) is None for w in words)
    assert not any(c in w for w in words for c in "0O1lI")


@pytest.mark.parametrize("role", ["leader", "staff_a"])
def test_the_user_edit_read_is_admin_only_and_gives_codes(shared, role):
    from db.admin.users import user_for_edit

    engine, world, _data = shared
    with session_scope(engine) as session:
        with pytest.raises(PermissionDenied):
            user_for_edit(session, getattr(world, role), world.staff_a.id)
        opened = user_for_edit(session, world.admin, world.staff_a.id)
    assert (opened.username, opened.role, opened.scope_type, opened.scope_id) == (
        world.staff_a.username, "staff", "community", world.community_a)
    assert opened.status == "正常" and opened.is_active and not opened.is_locked and opened.version >= 1
