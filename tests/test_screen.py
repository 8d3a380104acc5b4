"""The big screen (db/screen/reads.py, components/screen, pages/7_screen.py): its figures equal the tiles, it shows
no personal data, and a kiosk link opens it with no login, read-only, for its scope alone; unknown and revoked
tokens get a refusal and nothing else; a kiosk session opens no other page and no form. The 工作简报 page renders."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from components import nav
from components.page import KIOSK_ONLY_SCREEN, KIOSK_REFUSED
from components.screen import big_screen
from db import clock, figures
from db.admin.kiosk import create_kiosk_link, revoke_kiosk_link, token_hash
from db.engine import get_engine, session_scope
from db.figures.formats import figure_text
from db.models import Community, KioskLink, Street, Volunteer
from db.periods import period_of
from db.scope import ALL, Scope
from db.screen.reads import HEADLINE, PANELS, screen_data
from tests.conftest import DEMO_TODAY
from tests.ui_helpers import APP, assert_clean, current_user, new_app, open_page, texts

ADMIN = "pages/9_admin.py"
SCREEN, BRIEF = nav.SCREEN, nav.BRIEF


# ------------------------------------------------------------------------------------------ the data


def _scopes(engine) -> dict[str, Scope]:
    with session_scope(engine) as s:
        xgsl = s.execute(select(Community.id).where(Community.name == "新港山路社区")).scalar_one()
        qiaosi = s.execute(select(Street.id).where(Street.name == "乔司街道")).scalar_one()
    return {"all": ALL, "street": Scope(street_id=qiaosi), "community": Scope(community_id=xgsl)}


@pytest.mark.parametrize("kind", ["month", "year", "all"])
def test_the_screens_figures_are_the_tiles(demo_engine, kind):
    period = period_of(kind, DEMO_TODAY)
    keys = [*HEADLINE, *(k for _, ks in PANELS for k in ks)]
    for name, scope in _scopes(demo_engine).items():
        with session_scope(demo_engine) as s:
            data = screen_data(s, scope, period)
            tiles = figures.changes(s, keys, scope, period)
        for key in keys:
            assert data.figures[key] == tiles[key], (name, kind, key)
        # The five areas (and 未归属项目) add up to the activities tile; the ranking lists every community in scope.
        assert data.areas["activities"].sum() == tiles["activities"].value, (name, kind)
        assert data.trends["activities"]["value"].sum() == pytest.approx(tiles["activities"].value)


def test_the_ranking_says_why_the_most_active_community_is_not_first(demo_engine):
    with session_scope(demo_engine) as s:
        data = screen_data(s, ALL, period_of("all", DEMO_TODAY))
    ranking = data.ranking.dropna(subset=["index"])
    busiest = ranking.sort_values("activities", ascending=False).iloc[0]
    assert busiest["rank"] != 1  # on the demo data the most active community does not lead the index
    assert busiest["community"] in data.ranking_note and f"排第 {busiest['rank']}" in data.ranking_note
    for row in ranking.itertuples():
        shares = [getattr(row, f) for f in ("with_community", "with_organization", "with_social_worker",
                                            "with_volunteers", "with_charity")]
        assert row.index == pytest.approx(sum(shares) / 5 * 100)
        assert row.why.startswith("短板：")
    shown = big_screen.shown_ranking(data.ranking)
    assert busiest["community"] in set(shown["community"]) and len(shown) <= big_screen.RANKING_ROWS


def test_the_latest_activities_carry_no_names(demo_engine):
    with session_scope(demo_engine) as s:
        data = screen_data(s, ALL, period_of("year", DEMO_TODAY))
        names = set(s.execute(select(Volunteer.name)).scalars())
    assert list(data.latest.columns) == ["day", "title", "place", "people_served"]
    assert len(data.latest) == 12 and data.latest["day"].is_monotonic_decreasing
    assert not names & set(data.latest["title"]) and not names & set(data.latest["place"])


def test_a_period_without_records_is_said_to_be_empty(demo_engine):
    with session_scope(demo_engine) as s:
        data = screen_data(s, ALL, period_of("custom", DEMO_TODAY, date(2019, 1, 1), date(2019, 3, 31)))
    assert not data.has_records and data.areas["activities"].sum() == 0


# ------------------------------------------------------------------------------------------ the page (AppTest)


def _kiosk_token(*, community: str | None = None, street: str = "乔司街道", revoked: bool = False) -> str:
    with session_scope(get_engine(), write=True) as s:
        street_id = s.execute(select(Street.id).where(Street.name == street)).scalar_one()
        community_id = (s.execute(select(Community.id).where(Community.name == community)).scalar_one()
                        if community else None)
        admin = current_user("demo_admin")
        link_id, token = create_kiosk_link(session=s, actor=admin, name="评审会", street_id=street_id,
                                           community_id=community_id, idempotency_key=f"t-{street}-{community}-{revoked}")
    if revoked:
        with session_scope(get_engine(), write=True) as s:
            revoke_kiosk_link(session=s, actor=current_user("demo_admin"), link_id=link_id)
    return token


def _open(page: str, token: str | None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    if token is not None:
        at.query_params["kiosk"] = token
    at.switch_page(page)
    return at.run()


def _shown(at: AppTest) -> str:
    """Everything the page shows as text: HTML blocks, markdown, captions, titles, alerts, chart data."""
    parts = [*texts(at.html), *texts(at.markdown), *texts(at.caption), *texts(at.title), *texts(at.error),
             *texts(at.info), *texts(at.warning)]
    parts += [str(chart.proto) for chart in at.get("vega_lite_chart")]  # the charts' data too
    return "\n".join(parts)


WIDGETS = ("text_input", "text_area", "number_input", "selectbox", "multiselect", "button", "date_input",
           "segmented_control", "radio", "checkbox", "toggle", "slider", "data_editor", "form", "download_button",
           "file_uploader", "page_link")


def _widgets(at: AppTest) -> dict[str, int]:
    return {name: len(at.get(name)) for name in WIDGETS if len(at.get(name))}


def test_a_kiosk_link_opens_the_screen_with_no_login_and_no_widgets(app_db):
    token = _kiosk_token()
    at = _open(SCREEN, token)
    assert_clean(at)
    shown = _shown(at)
    assert "用户名" not in shown and "登录" not in shown  # no login form
    assert _widgets(at) == {}  # nothing to type into, click or navigate to; no sidebar links
    assert "乔司街道" in shown and "五社联动数据大屏" in shown and KIOSK_REFUSED not in shown
    # The figures are the tiles of 乔司街道 for 本年.
    with session_scope(get_engine()) as s:
        scope = Scope(street_id=s.execute(select(Street.id).where(Street.name == "乔司街道")).scalar_one())
        tiles = figures.values(s, HEADLINE, scope, period_of("year", clock.today()))
    for key in HEADLINE:
        assert f'data-final="{figure_text(key, tiles[key])}"' in shown, key
    with session_scope(get_engine()) as s:  # the admin's list shows when the link was last used
        used = s.execute(select(KioskLink.last_used_at).where(KioskLink.token_hash == token_hash(token))).scalar_one()
    assert used is not None


def test_a_community_link_shows_that_community_alone(app_db):
    token = _kiosk_token(street="薛家岛街道", community="新港山路社区")
    at = _open(SCREEN, token)
    assert_clean(at)
    shown = "\n".join(texts(at.html))
    assert "新港山路社区" in shown
    for other in ("安子社区", "鱼鸣嘴社区", "胜稼村", "乔司街道"):
        assert other not in shown, other


@pytest.mark.parametrize("token", ["no-such-token", "", "revoked"])
def test_unknown_or_revoked_tokens_get_a_refusal_and_nothing_else(app_db, token):
    if token == "revoked":
        token = _kiosk_token(revoked=True)
    at = _open(SCREEN, token)
    assert texts(at.error) == [KIOSK_REFUSED]
    assert not at.html or all("ws-" not in h for h in texts(at.html))  # no figure, panel or list
    assert _widgets(at) == {} and not at.metric and not at.markdown


@pytest.mark.parametrize("page", [p.path for p in nav.PAGES if p.path != nav.SCREEN])
def test_a_kiosk_link_opens_no_other_page(app_db, page):
    token = _kiosk_token()
    at = _open(page, token)
    assert texts(at.error) == [KIOSK_ONLY_SCREEN]
    assert _widgets(at) == {} and not at.metric and not at.dataframe and not at.markdown


def test_a_kiosk_session_cannot_switch_to_another_page(app_db):
    at = _open(SCREEN, _kiosk_token())
    assert not at.error
    at.query_params.clear()  # even without the token in the URL, the session stays a kiosk session
    at.switch_page("pages/1_data_entry.py").run()
    assert texts(at.error) == [KIOSK_ONLY_SCREEN] and _widgets(at) == {}


def test_revoking_a_link_ends_an_open_screen_at_its_next_run(app_db):
    token = _kiosk_token()
    at = _open(SCREEN, token)
    assert not at.error
    with session_scope(get_engine(), write=True) as s:
        link_id = s.execute(select(KioskLink.id).where(KioskLink.token_hash == token_hash(token))).scalar_one()
        revoke_kiosk_link(session=s, actor=current_user("demo_admin"), link_id=link_id)
    at.run()
    assert texts(at.error) == [KIOSK_REFUSED]


def test_the_screen_and_the_brief_show_no_volunteer_name_or_phone(app_db):
    with session_scope(get_engine()) as s:
        rows = s.execute(select(Volunteer.name, Volunteer.phone)).all()
    names, phones = {r.name for r in rows}, {r.phone for r in rows if r.phone}
    assert len(names) > 1000
    pages = [_open(SCREEN, _kiosk_token()), open_page("demo_leader", SCREEN), open_page("demo_leader", BRIEF)]
    assert len(pages[0].get("vega_lite_chart")) == 2  # the map and the trend are scanned too
    for at in pages:
        assert_clean(at)
        shown = _shown(at)
        assert [n for n in names if n in shown] == []
        assert [p for p in phones if p in shown] == []


def _kiosk_admin(username: str = "demo_admin"):
    """系统管理 › 大屏链接, where kiosk links are managed."""
    at = new_app()
    at.session_state["current_user"] = current_user(username)
    at.session_state["admin_tab"] = "大屏链接"
    return at.switch_page(ADMIN).run()


def test_only_an_admin_manages_kiosk_links(app_db):
    admin = _kiosk_admin()
    assert_clean(admin)
    assert "大屏链接" in texts(admin.subheader)
    assert any(b.label == "创建链接" for b in admin.button)
    leader = open_page("demo_leader", SCREEN)
    assert "大屏链接" not in texts(leader.subheader) and not any(b.label == "创建链接" for b in leader.button)


def test_an_admin_creates_a_link_shown_once_and_revokes_it(app_db):
    at = _kiosk_admin()
    at.text_input(key="kiosk_name").input("区民政局评审会")
    at.button(key="kiosk_create").click().run()
    assert_clean(at)
    codes = [c.value for c in at.code]
    assert len(codes) == 1 and "/screen?kiosk=" in codes[0]
    token = codes[0].split("kiosk=", 1)[1]
    assert _open(SCREEN, token).error == []  # the link works
    at.run()
    assert not at.code  # shown once
    at.button(key="kiosk_revoke").click().run()
    assert any("已撤销" in s for s in texts(at.success))
    assert texts(_open(SCREEN, token).error) == [KIOSK_REFUSED]


def test_the_brief_page_shows_the_tiles_figures_and_offers_word(app_db):
    at = open_page("demo_leader", BRIEF)
    assert_clean(at)
    shown = "\n".join(texts(at.html))
    assert "五社联动工作简报" in shown
    assert len(at.get("download_button")) == 1
    with session_scope(get_engine()) as s:
        xgsl = s.execute(select(Community.id).where(Community.name == "新港山路社区")).scalar_one()
        tiles = figures.values(s, ["activities", "people_served"], Scope(community_id=xgsl),
                               period_of("month", clock.today()))
    if tiles["activities"]:
        assert f"共开展各类活动 {figure_text('activities', tiles['activities'])} 场次" in shown
    else:
        assert "本期暂无活动记录" in shown


# ------------------------------------------------------------------------------------------ leaders' charts


def test_long_trends_are_drawn_by_quarter_with_wan_on_the_axis(demo_engine):
    from components import charts

    with session_scope(demo_engine) as s:
        series = figures.monthly(s, "people_served", ALL, period_of("all", DEMO_TODAY))
        tile = figures.value(s, "people_served", ALL, period_of("all", DEMO_TODAY))
    spec = charts.figure_trend(series, "people_served").to_dict()
    assert spec["title"] == "服务人次（按季度）"
    rows = next(iter(spec["datasets"].values()))
    assert rows[0]["month"] == "2021年一季度" and len(rows) <= 24
    assert sum(r["value"] for r in rows) == pytest.approx(tile)
    layer = spec["layer"][0]["encoding"]
    assert "万" in layer["y"]["axis"]["labelExpr"] and "format" not in layer["y"]["axis"]
    short = charts.figure_trend(series.tail(12), "people_served").to_dict()
    assert short["title"] == "服务人次" and next(iter(short["datasets"].values()))[0]["month"] == series["month"].iloc[-12]


def test_no_chart_uses_the_si_format():
    # "~s" formats 600000 as "600k"; every number on a chart reads 万 / 亿 like the tiles.
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sources = list((root / "components").rglob("*.py")) + [root / "app.py", *(root / "pages").glob("*.py")]
    assert [str(p) for p in sources if '"~s"' in p.read_text(encoding="utf-8")] == []


def test_the_trend_and_the_panel_turn_on_each_refresh(app_db):
    at = _open(SCREEN, _kiosk_token())
    seen = []
    for _ in range(len(PANELS) + 1):
        shown = "\n".join(texts(at.html))
        panel = next(title for title, _keys in PANELS if f'ws-title">{title}<' in shown)
        trend = next(figures.label(k) for k in big_screen.TRENDS if f"趋势 · {figures.label(k)}（" in shown)
        seen.append((panel, trend))
        at.run()
    assert [p for p, _ in seen] == [*(t for t, _ in PANELS), PANELS[0][0]]
    assert [t for _, t in seen][:4] == [figures.label(k) for k in big_screen.TRENDS]
