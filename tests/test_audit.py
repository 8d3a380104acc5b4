"""The audit log (db.write.record_audit / audit_event, db.admin.audit): logins and events recorded, a hash chain
that finds an edited or deleted row, appends that stay one line under concurrency, the reads of the audit page, and
migration 0007 hashing the rows of an older database."""

from __future__ import annotations

import itertools
import threading
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select, text

import db.clock
from db.admin.audit import audit_changes, audit_choices, audit_log, chain_head, verify_audit_chain
from db.admin.users import change_role_scope, create_user, reset_password
from db.auth import authenticate, log_out
from db.engine import session_scope
from db.errors import LoginFailed, PermissionDenied
from db.migrate import current_revision, upgrade
from db.models import AppMeta, AppUser, AuditLog
from db.write import AUDIT_GENESIS, audit_event, data_version, record_audit
from tests.factories import PASSWORD, make_community, make_street, make_user

_names = itertools.count(1)


def fresh_name() -> str:
    return f"audit_user_{next(_names)}"


@pytest.fixture
def world(engine):
    with session_scope(engine, write=True) as session:
        street = make_street(session)
        community = make_community(session, street)
        admin = make_user(session, "admin", username="audit_admin")
        staff = make_user(session, "staff", "community", community.id, username="audit_staff")
    return {"street": street.id, "community": community.id, "admin": admin, "staff": staff}


def all_rows(engine) -> list[AuditLog]:
    with session_scope(engine) as session:
        return list(session.execute(select(AuditLog).order_by(AuditLog.id)).scalars())


def login(engine, username: str, password: str, source: str | None = None):
    with session_scope(engine) as session:
        return authenticate(session=session, username=username, password=password, source=source)


def some_history(engine, world) -> None:
    """A little of everything: a user created and edited, logins that work and fail, an event."""
    admin = world["admin"]
    with session_scope(engine, write=True) as session:
        user_id = create_user(session=session, actor=admin, username=fresh_name(), password="Initial-pass-1",
                              role="staff", scope_type="community", scope_id=world["community"])
    with session_scope(engine, write=True) as session:
        change_role_scope(session=session, actor=admin, user_id=user_id, role="leader", scope_type="street",
                          scope_id=world["street"], expected_version=1)
    login(engine, "audit_staff", PASSWORD)
    with pytest.raises(LoginFailed):
        login(engine, "audit_staff", "wrong-password")
    with pytest.raises(LoginFailed):
        login(engine, "nobody_here", "whatever-123")
    with session_scope(engine, write=True) as session:
        audit_event(session, world["staff"], "export", "activity", None, {"rows": 12, "format": "xlsx"})


# ------------------------------------------------------------------------------------------------ chain


def test_chain_of_a_varied_history_is_intact(engine, world):
    some_history(engine, world)
    rows = all_rows(engine)
    assert len(rows) >= 8
    assert rows[0].prev_hash == AUDIT_GENESIS
    assert all(b.prev_hash == a.row_hash for a, b in zip(rows, rows[1:], strict=False))
    assert all(len(r.row_hash) == 64 for r in rows)
    with session_scope(engine) as session:
        assert verify_audit_chain(session) is None
        assert chain_head(session) == (rows[-1].id, rows[-1].row_hash)


def test_chain_check_finds_a_row_edited_with_plain_sql(engine, world):
    some_history(engine, world)
    rows = all_rows(engine)
    target = next(r for r in rows if r.action == "role_scope")
    with engine.begin() as conn:
        conn.execute(text("UPDATE auditlog SET new_values = :v WHERE id = :id"),
                     {"v": '{"role": "admin", "scope_type": "all", "scope_id": null}', "id": target.id})
    with session_scope(engine) as session:
        broken = verify_audit_chain(session)
    assert broken is not None and broken.id == target.id
    assert "改动" in broken.reason and str(target.id) in broken.reason


def test_chain_check_finds_an_edit_even_when_the_edited_rows_hash_is_recomputed(engine, world):
    from db.write import audit_fields, audit_hash

    some_history(engine, world)
    rows = all_rows(engine)
    target = rows[3]
    with session_scope(engine, write=True) as session:
        row = session.get(AuditLog, target.id)
        row.username = "someone_else"
        row.row_hash = audit_hash(audit_fields(row), row.prev_hash)
    with session_scope(engine) as session:
        broken = verify_audit_chain(session)
    assert broken is not None and broken.id == rows[4].id  # the next row no longer links to it


def test_chain_check_finds_a_deleted_row(engine, world):
    some_history(engine, world)
    rows = all_rows(engine)
    gone = rows[4]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM auditlog WHERE id = :id"), {"id": gone.id})
    with session_scope(engine) as session:
        broken = verify_audit_chain(session)
    assert broken is not None and broken.id == rows[5].id
    assert "删除" in broken.reason


def test_chain_check_finds_a_deleted_first_row(engine, world):
    some_history(engine, world)
    rows = all_rows(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM auditlog WHERE id = :id"), {"id": rows[0].id})
    with session_scope(engine) as session:
        assert verify_audit_chain(session).id == rows[1].id


def test_concurrent_appends_stay_one_chain(engine, world):
    """Events, logins (right, wrong, unknown name) and user edits from 10 threads at once: no fork, no gap."""
    admin = world["admin"]
    with session_scope(engine, write=True) as session:
        targets = [make_user(session, "staff", username=fresh_name()) for _ in range(2)]
    start = len(all_rows(engine))
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def events(n: int) -> None:
        barrier.wait(timeout=120)
        for i in range(5):
            with session_scope(engine, write=True) as session:
                audit_event(session, world["staff"], "export", "activity", None, {"thread": n, "i": i})

    def logins(password: str) -> None:
        barrier.wait(timeout=120)
        for name in ("audit_staff", "nobody_at_all"):
            try:
                login(engine, name, password)
            except LoginFailed:
                pass

    def edits(target) -> None:
        barrier.wait(timeout=120)
        with session_scope(engine, write=True) as session:
            reset_password(session=session, actor=admin, user_id=target.id, new_password="Reset-in-race-1",
                           expected_version=1)

    def guard(work, *args) -> None:
        try:
            work(*args)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    jobs = [(events, n) for n in range(6)] + [(logins, PASSWORD), (logins, "wrong-one")] + \
        [(edits, t) for t in targets]
    threads = [threading.Thread(target=guard, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    rows = all_rows(engine)
    assert len(rows) - start == 6 * 5 + 2 * 2 + 2
    assert len({r.prev_hash for r in rows}) == len(rows)  # no two rows claim the same predecessor
    with session_scope(engine) as session:
        assert verify_audit_chain(session) is None


# ------------------------------------------------------------------------------------- what is recorded


def test_logins_are_audited_with_the_name_tried_and_never_the_password(engine, world):
    login(engine, "audit_staff", PASSWORD, source="10.1.2.3")
    with pytest.raises(LoginFailed):
        login(engine, "audit_staff", "Secret-guess-77", source="10.1.2.4")
    with pytest.raises(LoginFailed):
        login(engine, "who_is_this", "Another-guess-88")
    rows = [r for r in all_rows(engine) if r.action in ("login", "login_failed")]
    staff = world["staff"]
    assert [(r.action, r.user_id, r.username, r.record_id) for r in rows] == [
        ("login", staff.id, "audit_staff", staff.id),
        ("login_failed", None, "audit_staff", staff.id),
        ("login_failed", None, "who_is_this", None),
    ]
    assert rows[0].new_values == {"source": "10.1.2.3"}
    assert rows[1].new_values == {"reason": "密码错误", "source": "10.1.2.4"}
    assert rows[2].new_values == {"reason": "用户名不存在"}
    every_value = " ".join(f"{r.old_values} {r.new_values} {r.username}" for r in all_rows(engine))
    assert PASSWORD not in every_value and "Secret-guess-77" not in every_value
    assert "Another-guess-88" not in every_value and "$argon2" not in every_value


def test_logout_is_audited(engine, world):
    current = login(engine, "audit_staff", PASSWORD)
    with session_scope(engine, write=True) as session:
        log_out(session=session, user=current)
    last = all_rows(engine)[-1]
    assert (last.action, last.user_id, last.record_id) == ("logout", current.id, current.id)
    with session_scope(engine) as session:
        assert session.get(AppUser, current.id).session_epoch == current.session_epoch + 1


def test_audit_event_records_the_detail_without_bumping_the_data_version(engine, world):
    with session_scope(engine) as session:
        version = data_version(session)
    with session_scope(engine, write=True) as session:
        audit_event(session, world["staff"], "certificate", "volunteer", 42, {"period": "2025 年"})
    last = all_rows(engine)[-1]
    assert (last.action, last.table_name, last.record_id, last.new_values, last.old_values) == \
        ("certificate", "volunteer", 42, {"period": "2025 年"}, None)
    with session_scope(engine) as session:
        assert data_version(session) == version


def test_a_failed_write_leaves_no_audit_row_and_the_chain_intact(engine, world):
    before = len(all_rows(engine))
    with pytest.raises(RuntimeError), session_scope(engine, write=True) as session:
        record_audit(session, world["admin"], "update", "street", world["street"], {"name": "a"}, {"name": "b"})
        raise RuntimeError("the service failed after auditing")
    assert len(all_rows(engine)) == before
    with session_scope(engine, write=True) as session:
        audit_event(session, world["admin"], "export", "street", None, {"rows": 1})
    with session_scope(engine) as session:
        assert verify_audit_chain(session) is None


# ------------------------------------------------------------------------------------- the audit page


@pytest.fixture
def dated_history(engine, world, monkeypatch):
    """Rows on three known days: the staff user's logins on 1 and 2 June 2025, an admin edit on 3 June (the
    users themselves were created today)."""
    def at(moment: datetime):
        monkeypatch.setattr(db.clock, "now", lambda: moment)

    at(datetime(2025, 6, 1, 9, 0))
    login(engine, "audit_staff", PASSWORD)
    at(datetime(2025, 6, 2, 23, 59, 59))
    with pytest.raises(LoginFailed):
        login(engine, "audit_staff", "wrong-password")
    at(datetime(2025, 6, 3, 8, 0))
    with session_scope(engine, write=True) as session:
        other_street = make_street(session).id
        change_role_scope(session=session, actor=world["admin"], user_id=world["staff"].id, role="leader",
                          scope_type="street", scope_id=other_street, expected_version=1)
    monkeypatch.undo()
    return {**world, "other_street": other_street}


def test_audit_log_filters_by_who_what_record_and_time(engine, dated_history):
    admin, staff = dated_history["admin"], dated_history["staff"]
    with session_scope(engine) as session:
        by_staff = audit_log(session, admin, username="audit_staff")
        failed = audit_log(session, admin, action="login_failed")
        on_staff_row = audit_log(session, admin, table="appuser", record_id=staff.id)
        june_2 = audit_log(session, admin, start=date(2025, 6, 2), end=date(2025, 6, 2))
        from_june_2 = audit_log(session, admin, start=datetime(2025, 6, 2), end=datetime(2025, 6, 30))
        until_june_1 = audit_log(session, admin, end=date(2025, 6, 1), username="audit_staff")
    assert list(by_staff.columns) == ["编号", "时间", "用户", "操作", "对象", "记录编号", "变更字段"]
    assert list(by_staff["操作"]) == ["登录失败", "登录"]  # newest first
    assert list(failed["用户"]) == ["audit_staff"]
    assert list(on_staff_row["操作"]) == ["修改角色与范围", "登录失败", "登录", "新增"]
    assert list(june_2["操作"]) == ["登录失败"]  # 23:59:59 is still 2 June
    assert list(from_june_2["操作"]) == ["修改角色与范围", "登录失败"]
    assert list(until_june_1["操作"]) == ["登录"]
    assert set(on_staff_row["对象"]) == {"用户"}


def test_audit_changes_show_old_and_new_values_side_by_side(engine, dated_history):
    admin = dated_history["admin"]
    with session_scope(engine) as session:
        edit_id = int(audit_log(session, admin, action="role_scope")["编号"].iloc[0])
        changes = audit_changes(session, admin, edit_id)
        login_id = int(audit_log(session, admin, action="login_failed")["编号"].iloc[0])
        login_detail = audit_changes(session, admin, login_id)
    assert list(changes.columns) == ["字段", "原值", "新值"]
    shown = {r["字段"]: (r["原值"], r["新值"]) for r in changes.to_dict("records")}
    assert shown == {"角色": ("工作人员", "领导"), "范围类型": ("社区", "街道"),
                     "范围编号": (str(dated_history["community"]), str(dated_history["other_street"]))}
    assert login_detail.to_dict("records") == [{"字段": "原因", "原值": "—", "新值": "密码错误"}]


def test_audit_changes_list_only_the_fields_that_changed(engine, world):
    with session_scope(engine, write=True) as session:
        record_audit(session, world["admin"], "update", "street", world["street"],
                     {"name": "甲街道", "district": "黄岛区"}, {"name": "乙街道", "district": "黄岛区"})
    with session_scope(engine) as session:
        row_id = int(audit_log(session, world["admin"], table="street")["编号"].iloc[0])
        changes = audit_changes(session, world["admin"], row_id)
        listed = audit_log(session, world["admin"], table="street")
    assert changes.to_dict("records") == [{"字段": "名称", "原值": "甲街道", "新值": "乙街道"}]
    assert listed["变更字段"].iloc[0] == "名称"


def test_audit_choices_offer_what_occurs(engine, dated_history):
    with session_scope(engine) as session:
        choices = audit_choices(session, dated_history["admin"])
    assert {"audit_staff", "audit_admin"} <= set(choices["username"])
    assert {"login", "login_failed", "role_scope", "create"} <= set(choices["action"])
    assert "appuser" in choices["table"]


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_audit_reads_are_admin_only(engine, world, role):
    with session_scope(engine, write=True) as session:
        user = world["staff"] if role == "staff" else make_user(session, "leader", username=fresh_name())
    with session_scope(engine) as session:
        with pytest.raises(PermissionDenied):
            audit_log(session, user)
        with pytest.raises(PermissionDenied):
            audit_changes(session, user, 1)
        with pytest.raises(PermissionDenied):
            audit_choices(session, user)


# ------------------------------------------------------------------------------------------ migration


def test_upgrade_from_0006_keeps_users_and_audit_rows_and_chains_them(empty_engine):
    upgrade(empty_engine, "0006")
    assert current_revision(empty_engine) == "0006"
    users = sa.table("appuser", *(sa.column(c) for c in (
        "username", "display_name", "role", "scope_type", "scope_id", "password_hash", "failed_logins",
        "is_locked", "session_epoch", "is_demo", "version")), sa.column("created_at", sa.DateTime),
        sa.column("locked_until", sa.DateTime))
    audit = sa.table("auditlog", sa.column("at", sa.DateTime), sa.column("user_id"), sa.column("username"),
                     sa.column("action"), sa.column("table_name"), sa.column("record_id"),
                     sa.column("old_values", sa.JSON), sa.column("new_values", sa.JSON))
    old_users = [
        {"username": "old_admin", "display_name": "老管理员", "role": "admin", "scope_type": "all", "scope_id": None,
         "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g", "failed_logins": 2,
         "is_locked": False, "session_epoch": 3, "is_demo": False, "version": 4,
         "created_at": datetime(2024, 1, 2, 3, 4, 5), "locked_until": None},
        {"username": "old_staff", "display_name": "老员工", "role": "staff", "scope_type": "all", "scope_id": None,
         "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$b3RoZXJoYXNo", "failed_logins": 0,
         "is_locked": True, "session_epoch": 1, "is_demo": False, "version": 1,
         "created_at": datetime(2024, 5, 6, 7, 8, 9), "locked_until": datetime(2024, 6, 1, 0, 0)},
    ]
    old_audit = [
        {"at": datetime(2024, 1, 2, 3, 4, 5) + timedelta(minutes=i), "user_id": 1, "username": "old_admin",
         "action": action, "table_name": "activity", "record_id": i,
         "old_values": None if action == "create" else {"title": f"活动{i}", "hours": 1.5},
         "new_values": None if action == "delete" else {"title": f"活动{i}·改", "hours": 2.0, "tags": ["a", "b"]}}
        for i, action in enumerate(["create", "update", "update", "delete", "create"], start=1)
    ]
    with empty_engine.begin() as conn:
        conn.execute(users.insert(), old_users)
        conn.execute(audit.insert(), old_audit)
        conn.execute(sa.table("appmeta", sa.column("key"), sa.column("value")).insert(),
                     [{"key": "secret_key", "value": "an-old-secret-in-the-database"}])

    upgrade(empty_engine)

    with session_scope(empty_engine) as session:
        rows = session.execute(select(AppUser).order_by(AppUser.id)).scalars().all()
        kept = [{k: getattr(r, k) for k in old_users[0]} for r in rows]
        assert kept == old_users
        assert [(r.is_active, r.must_change_password, r.lock_count) for r in rows] == [(True, False, 0)] * 2
        logged = session.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()
        assert [{k: getattr(r, k) for k in old_audit[0]} for r in logged] == old_audit
        assert all(r.row_hash for r in logged) and logged[0].prev_hash == AUDIT_GENESIS
        assert verify_audit_chain(session) is None
        assert session.get(AppMeta, "secret_key") is None
        # The app goes on appending to the migrated chain.
    with session_scope(empty_engine, write=True) as session:
        admin = make_user(session, "admin", username="new_admin")
    with session_scope(empty_engine) as session:
        assert verify_audit_chain(session) is None
        assert session.execute(select(func.count()).select_from(AuditLog)).scalar_one() == len(old_audit) + 1
    assert admin.id == 3
