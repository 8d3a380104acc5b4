"""Every page for every role through streamlit.testing.v1.AppTest: renders, shows the right figures, forms write
once and refuse bad input in Chinese.

The demo database is built once per session and copied for each test (tests log in, lock accounts and write).
"""

from __future__ import annotations

import json
import re
from datetime import date, time

import pyarrow.ipc
import pytest
from sqlalchemy import select, update

from components import nav
from components.cards import figure_text
from db import clock, figures
from db.engine import get_engine, session_scope
from db.models import AppUser, ServiceRecord, Street
from db.periods import period_of
from tests.ui_helpers import (
    DEMO_ROLES,
    ENTRY_PAGE,
    HOURS_COL,
    LOGIN,
    PASSWORD,
    SAVE_ACTIVITY,
    STAFF_COMMUNITY,
    TITLE,
    USERNAME,
    VOLUNTEER_COL,
    activity_count,
    assert_clean,
    by_label,
    choose_period,
    current_user,
    editor_options,
    form_key,
    has_label,
    log_in,
    metrics,
    new_app,
    open_page,
    service_record_count,
    set_editor_rows,
    sidebar_links,
    texts,
)

ROLES = [*DEMO_ROLES, None]  # None: not logged in
CJK = re.compile(r"[\u4e00-\u9fff]")



def demo_password() -> str:
    from db.demo import DEMO_PASSWORD

    return DEMO_PASSWORD



def assert_login_form(at) -> None:
    assert has_label(at.text_input, USERNAME) and has_label(at.text_input, PASSWORD)
    assert by_label(at.text_input, PASSWORD).proto.type == by_label(at.text_input, PASSWORD).proto.PASSWORD
    assert has_label(at.button, LOGIN)
    shown = "\n".join(texts(at.markdown))
    for name in DEMO_ROLES:
        assert name in shown, f"demo account {name} not shown on the login page"
    assert not at.metric and not sidebar_links(at)


def allowed_labels(username: str) -> list[str]:
    return [page.title for page in nav.pages_for(current_user(username))]


# ------------------------------------------------------------------------------------------ every page, every role


@pytest.mark.parametrize("username", ROLES, ids=lambda u: u or "anonymous")
@pytest.mark.parametrize("page", [page.path for page in nav.PAGES])
def test_page_renders_for_role(app_db, page, username):
    at = open_page(username, page)
    assert_clean(at)
    label = nav.title_of(page)
    if username is None:
        assert_login_form(at)
        return
    assert sidebar_links(at) == allowed_labels(username)
    refusals = [e for e in texts(at.error) if "无权" in e]
    if not nav.may_open(current_user(username), page):
        assert refusals and label in refusals[0], texts(at.error)
        assert not at.metric and not at.data_editor and not has_label(at.button, SAVE_ACTIVITY)
        assert not has_label(at.text_input, TITLE)
        return
    assert not refusals
    assert label in texts(at.title)
    # No table shows Python's “None” (or “nan”) for a missing text: blanks read “—” or stay empty.
    for table in at.dataframe:
        shown = table.value
        missing = [c for c in shown.columns if shown[c].dtype == object and shown[c].isna().any()]
        assert not missing, (page, missing)
    if page == "app.py":
        assert list(metrics(at)) == [figures.tile_label(k) for k in figures.CORE_TILES]
    elif page == ENTRY_PAGE:
        assert has_label(at.text_input, TITLE) and has_label(at.button, SAVE_ACTIVITY)
        assert len(at.data_editor) == 1 and at.data_editor[0].editing_mode == "dynamic"


def test_leader_sees_cumulative_figures(app_db):
    at = choose_period(open_page("demo_leader"), "all")
    assert_clean(at)
    tiles = metrics(at)
    today = clock.today()
    user = current_user("demo_leader")
    with session_scope(get_engine()) as session:
        for key in ("volunteers", "activities"):
            value = figures.value(session, key, user.scope, period_of("all", today))
            assert value and value > 0, f"demo data has no {key}"
            assert tiles[figures.tile_label(key)] == figure_text(key, value)
    assert all(re.search(r"[1-9]", tiles[figures.tile_label(k)]) for k in ("volunteers", "activities")), tiles


def test_staff_overview_is_scoped_to_own_community(app_db):
    at = open_page("demo_staff")
    assert_clean(at)
    assert not any(s.label in ("街道", "社区") for s in at.selectbox), "staff must not widen their scope"
    assert any(STAFF_COMMUNITY in c for c in texts(at.caption))


# ------------------------------------------------------------------------------------------ login


@pytest.mark.parametrize("username", list(DEMO_ROLES))
def test_login_through_the_form(app_db, username):
    at = new_app().run()
    assert_login_form(at)
    at = log_in(at, username, demo_password())
    assert_clean(at)
    assert not at.error, texts(at.error)
    assert not has_label(at.text_input, PASSWORD)
    assert sidebar_links(at) == allowed_labels(username)
    assert "总览" in texts(at.title) and len(at.metric) == len(figures.CORE_TILES)
    assert at.session_state["current_user"].username == username


def test_wrong_password_shows_chinese_error(app_db):
    at = log_in(new_app().run(), "demo_staff", "not-the-password")
    assert_clean(at)
    errors = texts(at.error)
    assert len(errors) == 1 and "用户名或密码错误" in errors[0] and CJK.search(errors[0])
    assert_login_form(at)
    # An unknown user name gets the same answer (the page does not reveal which names exist).
    at = log_in(at, "no_such_user", "whatever-123")
    assert "用户名或密码错误" in texts(at.error)[0]


def test_five_wrong_passwords_lock_the_account(app_db):
    at = new_app().run()
    for attempt in range(1, 6):
        at = log_in(at, "demo_staff", f"wrong-{attempt}")
        assert_clean(at)
    assert "锁定" in texts(at.error)[0], texts(at.error)
    # Now even the right password is refused, with the lock named.
    at = log_in(at, "demo_staff", demo_password())
    assert "锁定" in texts(at.error)[0], texts(at.error)
    assert_login_form(at)
    with session_scope(get_engine()) as session:
        locked_until = session.execute(
            select(AppUser.locked_until).where(AppUser.username == "demo_staff")).scalar_one()
    assert locked_until is not None


# ------------------------------------------------------------------------------------------ the activity form


def free_volunteers(options: list[str], day: date, count: int = 3) -> list[str]:
    """Options whose volunteer has no service record on ``day`` (so the new activity cannot clash)."""
    with session_scope(get_engine()) as session:
        busy = set(session.execute(
            select(ServiceRecord.volunteer_id).where(ServiceRecord.service_date == day)).scalars())
    free = [o for o in options if (m := re.search(r"#(\d+)\s*$", o)) is None or int(m.group(1)) not in busy]
    assert len(free) >= count, "not enough volunteers in the staff user's scope"
    return free[:count]


def fill_activity(at, *, title: str, volunteers: list[tuple[str, float | None]], start=time(19, 0),
                  end=time(21, 0), people: int = 35) -> None:
    """Fill the new-activity form through its widgets (the data editor through its edit state)."""
    by_label(at.text_input, TITLE).input(title)
    by_label(at.selectbox, "活动类型").set_value("联动服务")
    by_label(at.text_input, "活动地点").input("新港山路社区党群服务中心")
    by_label(at.time_input, "开始时间").set_value(start)
    by_label(at.time_input, "结束时间").set_value(end)
    by_label(at.number_input, "服务人次").set_value(people)
    rows = [{VOLUNTEER_COL: label} | ({} if hours is None else {HOURS_COL: hours}) for label, hours in volunteers]
    set_editor_rows(at, at.data_editor[0].key, rows)


def save(at):
    return by_label(at.button, SAVE_ACTIVITY).click().run()


def staff_figures(period_kind: str) -> dict[str, float | None]:
    user = current_user("demo_staff")
    period = period_of(period_kind, clock.today())
    with session_scope(get_engine()) as session:
        return {k: figures.value(session, k, user.scope, period) for k in ("activities", "hours")}


@pytest.fixture
def entry_page(app_db):
    at = open_page("demo_staff", ENTRY_PAGE)
    assert_clean(at)
    return at


def test_staff_saves_activity_and_overview_counts_it(app_db_real_day):
    # On the real day: the form dates the activity today and 本月 is this month, whatever day the suite runs; the
    # counts before are read, not assumed (the demo's rows may lie in an earlier month).
    overview = choose_period(open_page("demo_staff"), "month")
    before = staff_figures("month")
    assert metrics(overview)[figures.tile_label("activities")] == figure_text("activities", before["activities"])
    rows_before, records_before = activity_count(), service_record_count()

    at = overview.switch_page(ENTRY_PAGE).run()
    assert_clean(at)
    picked = free_volunteers(editor_options(at.data_editor[0], VOLUNTEER_COL), clock.today())
    volunteers = [(picked[0], 1.5), (picked[1], None), (picked[2], 2.0)]  # blank hours = the whole 2 h
    fill_activity(at, title="UI测试·邻里议事会", volunteers=volunteers)
    at = save(at)
    assert_clean(at)
    assert not at.error, texts(at.error)
    success = texts(at.success)
    assert success and "UI测试·邻里议事会" in success[0] and "3 名志愿者" in success[0], success
    assert activity_count() == rows_before + 1 and service_record_count() == records_before + 3
    assert by_label(at.text_input, TITLE).value == "", "the form is fresh after a save"

    after = staff_figures("month")
    assert after["activities"] == before["activities"] + 1
    assert after["hours"] == pytest.approx(before["hours"] + 5.5)
    at = choose_period(at.switch_page("app.py").run(), "month")
    assert_clean(at)
    tiles = metrics(at)
    assert tiles[figures.tile_label("activities")] == figure_text("activities", before["activities"] + 1)
    assert tiles[figures.tile_label("hours")] == figure_text("hours", before["hours"] + 5.5)
    listed = [df.value for df in at.dataframe if TITLE in df.value.columns]
    assert any("UI测试·邻里议事会" in v[TITLE].tolist() for v in listed), "not in 最新活动"
    # The trend charts are drawn from cached specs: the activities chart shows the new month's count too.
    month = clock.today().strftime("%Y-%m")
    assert trend_point(at, "活动场次", month) == before["activities"] + 1


def trend_point(at, title: str, month: str) -> float:
    """The value a monthly trend chart (by its title) shows for ``month`` (YYYY-MM)."""
    def walk(node):
        for child in getattr(node, "children", {}).values():
            yield child
            yield from walk(child)

    for element in walk(at._tree):
        if getattr(element, "type", None) != "vega_lite_chart":
            continue
        spec = json.loads(element.proto.spec)
        name = spec.get("title")
        if (name.get("text") if isinstance(name, dict) else name) != title:
            continue
        # Data travel beside the spec as Arrow IPC bytes.
        rows = [r for d in element.proto.datasets for r in pyarrow.ipc.open_stream(d.data.data).read_all().to_pylist()]
        return next(r["value"] for r in rows if str(r.get("month", "")).startswith(month))
    raise AssertionError(f"no trend chart titled {title}")


def test_same_submission_twice_writes_once(entry_page):
    at = entry_page
    picked = free_volunteers(editor_options(at.data_editor[0], VOLUNTEER_COL), clock.today())
    volunteers = [(label, 2.0) for label in picked]
    key = form_key(at)
    fill_activity(at, title="UI测试·重复提交", volunteers=volunteers)
    at = save(at)
    assert not at.error, texts(at.error)
    first = texts(at.success)[0]
    rows, records = activity_count(), service_record_count()

    # The same submission arriving again (a double click, a retry after a dropped connection): same form key.
    at.session_state["activity_form_key"] = key
    at.run()
    fill_activity(at, title="UI测试·重复提交", volunteers=volunteers)
    at = save(at)
    assert_clean(at)
    assert activity_count() == rows and service_record_count() == records
    number = re.search(r"编号 (\d+)", first).group(1)
    assert any(f"编号 {number}" in s for s in texts(at.success)), texts(at.success) + texts(at.error)


def test_empty_title_is_refused_naming_the_field(entry_page):
    at = entry_page
    picked = free_volunteers(editor_options(at.data_editor[0], VOLUNTEER_COL), clock.today())
    key = form_key(at)
    rows, records = activity_count(), service_record_count()
    fill_activity(at, title="   ", volunteers=[(label, 1.0) for label in picked])
    at = save(at)
    assert_clean(at)
    errors = texts(at.error)
    assert errors and f"「{TITLE}」" in errors[0] and "不能为空" in errors[0], errors
    assert not at.success
    assert activity_count() == rows and service_record_count() == records
    assert form_key(at) == key, "the form keeps its values for correction"


def test_hours_longer_than_activity_are_refused(entry_page):
    at = entry_page
    picked = free_volunteers(editor_options(at.data_editor[0], VOLUNTEER_COL), clock.today())
    rows = activity_count()
    fill_activity(at, title="UI测试·时长超限", volunteers=[(picked[0], 3.0)], start=time(19, 0), end=time(21, 0))
    at = save(at)
    assert_clean(at)
    errors = texts(at.error)
    assert errors and "「服务时长」" in errors[0] and "超过活动时长" in errors[0], errors
    assert activity_count() == rows


def test_end_before_start_is_refused(entry_page):
    at = entry_page
    rows = activity_count()
    fill_activity(at, title="UI测试·时间颠倒", volunteers=[], start=time(21, 0), end=time(19, 0))
    at = save(at)
    assert_clean(at)
    errors = texts(at.error)
    assert errors and "「结束时间」" in errors[0], errors
    assert activity_count() == rows



def test_community_profile_without_district_name(app_db):
    """A street entered without its district name (the field is optional) must still get its profile page."""
    with session_scope(get_engine(), write=True) as session:
        session.execute(update(Street).values(district=""))
    at = open_page("demo_staff", "pages/2_community.py")
    assert_clean(at)


def test_data_entry_points_to_every_other_form(entry_page):
    """数据录入 lists every other kind of record with a link to the page whose tab holds its form, and each of
    those pages has that tab for staff."""
    assert [link.label for link in entry_page.main.page_link] == [
        f"{nav.title_of(path)} › {tab}：{what}" for path, tab, what in nav.ENTRY_FORMS]
    for path in dict.fromkeys(path for path, _tab, _what in nav.ENTRY_FORMS):
        at = open_page("demo_staff", path)
        assert_clean(at)
        tab_labels = {t.label for t in at.tabs}
        missing = [tab for p, tab, _w in nav.ENTRY_FORMS if p == path and tab not in tab_labels]
        assert not missing, (path, missing, tab_labels)
