"""The big screen in Chromium through a kiosk link (issue 11): no login, readable at 1920×1080 and 1280×720 (and
3840×2160) with nothing cut off, no volunteer names or phones, no English on screen, figures that count up; a revoked
or unknown token gets a refusal and nothing else; a kiosk session opens no other page and no form. Every request
must stay on localhost. Screenshots go to tests/artifacts/ (screen_*.png).

The server, browser and request guard are those of tests/test_browser.py.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from components.page import KIOSK_ONLY_SCREEN, KIOSK_REFUSED
from db.admin.kiosk import create_kiosk_link, revoke_kiosk_link
from db.auth import load_user
from db.engine import make_engine, session_scope
from db.models import AppUser, Street, Volunteer
from tests.test_browser import (  # noqa: F401  (fixtures)
    IDLE,
    browser,
    open_context,
    server,
    shot,
    sync_api,
)

expect = sync_api.expect
pytestmark = pytest.mark.browser
SIZES = ((1920, 1080), (1280, 720), (3840, 2160))
ENGLISH = re.compile(r"[A-Za-z]{2,}")
FORM_PARTS = ('[data-testid="stMain"] input, [data-testid="stMain"] textarea, [data-testid="stMain"] select, '
              '[data-testid="stMain"] button, [data-testid="stForm"], [data-testid="stSidebar"] a')


def _wait_screen(page) -> None:
    page.locator(IDLE).wait_for(timeout=90_000)
    page.locator(".ws-figs").wait_for(timeout=60_000)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=60_000)
    # The figures count up from zero, then show exactly the tile's text.
    page.locator('.ws-figs[data-animated="1"]').wait_for(timeout=30_000)
    page.wait_for_function("""() => [...document.querySelectorAll('.ws-count')]
        .every(el => el.textContent === el.dataset.final)""", timeout=30_000)


@pytest.fixture(scope="module")
def links(server, browser):  # noqa: F811
    """Kiosk tokens in the server's database (after the first visit migrated it and loaded the demo data): a valid
    link for 乔司街道 and a revoked one."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url)
    page.get_by_label("用户名").wait_for(timeout=120_000)  # the first visit loads the demo data
    context.close()
    engine = make_engine(f"sqlite:///{server.db_path}")
    try:
        with session_scope(engine, write=True) as s:
            row = s.execute(select(AppUser).where(AppUser.username == "demo_admin")).scalar_one()
            admin = load_user(s, row.id, row.session_epoch)
            street = s.execute(select(Street.id).where(Street.name == "乔司街道")).scalar_one()
            _, valid = create_kiosk_link(session=s, actor=admin, name="评审会", street_id=street,
                                         idempotency_key="browser-valid")
            revoked_id, revoked = create_kiosk_link(session=s, actor=admin, name="已撤销", street_id=street,
                                                    idempotency_key="browser-revoked")
            revoke_kiosk_link(session=s, actor=admin, link_id=revoked_id)
        with session_scope(engine) as s:
            people = s.execute(select(Volunteer.name, Volunteer.phone)).all()
    finally:
        engine.dispose()
    return {"valid": valid, "revoked": revoked, "names": {p.name for p in people},
            "phones": {p.phone for p in people if p.phone}}


def test_a_kiosk_link_shows_the_big_screen_with_no_login(server, open_context, links):  # noqa: F811
    context, guard = open_context()
    page = context.new_page()
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{server.url}/screen?kiosk={links['valid']}")
        _wait_screen(page)
        shot(page, f"screen_kiosk_{width}x{height}.png")
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert scroll_width <= inner_width, (width, scroll_width)  # no horizontal scrollbar: nothing cut off
        clipped = page.evaluate("""[...document.querySelectorAll('.ws-fig, .ws-panel')]
            .filter(el => el.scrollHeight > el.clientHeight + 1 && !el.querySelector('.ws-latest'))
            .map(el => el.innerText.slice(0, 20))""")
        assert clipped == [], (width, clipped)  # no figure card or panel cuts its content (the list scrolls)
        text = page.locator("body").inner_text()
        assert "乔司街道" in text and "五社联动数据大屏" in text and "活动场次" in text
        assert page.get_by_label("用户名").count() == 0  # no login
        assert page.locator(FORM_PARTS).filter(visible=True).count() == 0  # no form, no button, no link to another page (Streamlit's hidden chart toolbars are display: none)
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        assert ENGLISH.findall(text) == [], ENGLISH.findall(text)
        assert [n for n in links["names"] if n in text] == []
        assert [p for p in links["phones"] if p in text] == []
    guard.assert_local()


@pytest.mark.parametrize("which", ["revoked", "unknown"])
def test_a_revoked_or_unknown_token_gets_nothing(server, open_context, links, which):  # noqa: F811
    token = links["revoked"] if which == "revoked" else "x" * 43
    context, guard = open_context()
    page = context.new_page()
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{server.url}/screen?kiosk={token}")
    expect(page.get_by_text(KIOSK_REFUSED)).to_be_visible(timeout=60_000)
    page.locator(IDLE).wait_for()
    shot(page, f"screen_kiosk_{which}.png")
    assert page.locator(".ws-fig, .ws-panel, [data-testid='stVegaLiteChart'], [data-testid='stMetric']").count() == 0
    assert page.locator(FORM_PARTS).filter(visible=True).count() == 0
    assert page.locator("body").inner_text().strip().endswith(KIOSK_REFUSED)
    guard.assert_local()


def test_a_kiosk_session_opens_no_other_page(server, open_context, links):  # noqa: F811
    context, guard = open_context()
    page = context.new_page()
    page.goto(f"{server.url}/screen?kiosk={links['valid']}")
    _wait_screen(page)
    for path in ("volunteers", "data_entry"):
        # With the token: the guard refuses the page outright.
        page.goto(f"{server.url}/{path}?kiosk={links['valid']}")
        expect(page.get_by_text(KIOSK_ONLY_SCREEN)).to_be_visible(timeout=60_000)
        page.locator(IDLE).wait_for()
        assert page.locator('[data-testid="stMetric"], [data-testid="stDataFrame"], .ws-fig').count() == 0
        assert page.locator(FORM_PARTS).filter(visible=True).count() == 0
        shot(page, f"screen_kiosk_refused_{path}.png")
        # Without it, the browser holds no login: only the login form, no data.
        page.goto(f"{server.url}/{path}")
        page.get_by_label("用户名").wait_for(timeout=60_000)
        page.locator(IDLE).wait_for()
        assert page.locator('[data-testid="stMetric"], [data-testid="stDataFrame"], .ws-fig').count() == 0
    guard.assert_local()
