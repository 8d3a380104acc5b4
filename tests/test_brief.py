"""工作简报 (db/screen/brief.py): its figures equal the tiles for the same place and period, it says so when a
period has no records, the .docx opens and names the place, the period and each figure, and it names no person.
Also the shared number text (db/figures/formats.py) and the long-period trends (db/figures/trends.py)."""

from __future__ import annotations

import io
import random
from datetime import date, datetime

import pandas as pd
import pytest
from docx import Document
from sqlalchemy import select

from components import fmt
from components.cards import figure_text as tile_text
from db import figures
from db.engine import session_scope
from db.figures.formats import number_text
from db.figures.trends import readable
from db.models import Community, Street, Volunteer
from db.periods import period_of
from db.scope import ALL, Scope
from db.screen.brief import BRIEF_FIGURES, NO_RECORDS, brief_docx, period_words, work_brief
from tests.conftest import DEMO_TODAY

PERIODS = {
    "month": period_of("month", DEMO_TODAY),
    "quarter": period_of("quarter", DEMO_TODAY),
    "year": period_of("year", DEMO_TODAY),
    "custom": period_of("custom", DEMO_TODAY, date(2024, 3, 5), date(2024, 6, 20)),
}
EMPTY = period_of("custom", DEMO_TODAY, date(2019, 1, 1), date(2019, 12, 31))  # before any demo record
STAMP = datetime(2026, 11, 28, 16, 30)


def places(engine) -> dict[str, Scope]:
    with session_scope(engine) as s:
        xgsl = s.execute(select(Community.id).where(Community.name == "新港山路社区")).scalar_one()
        shengjia = s.execute(select(Community.id).where(Community.name == "胜稼村")).scalar_one()
        qiaosi = s.execute(select(Street.id).where(Street.name == "乔司街道")).scalar_one()
    return {"乔司街道": Scope(street_id=qiaosi), "新港山路社区": Scope(community_id=xgsl),
            "胜稼村": Scope(community_id=shengjia)}


def brief(engine, scope, period):
    with session_scope(engine) as s:
        return work_brief(s, scope, period, DEMO_TODAY, generated_at=STAMP)


def people(engine) -> tuple[list[str], list[str]]:
    """Every demo volunteer's name and phone."""
    with session_scope(engine) as s:
        rows = s.execute(select(Volunteer.name, Volunteer.phone)).all()
    return [r.name for r in rows], [r.phone for r in rows if r.phone]


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.mark.parametrize("period_name", ["month", "quarter", "year"])
def test_the_briefs_figures_equal_the_tiles_for_three_places(demo_engine, period_name):
    period = PERIODS[period_name]
    for name, scope in places(demo_engine).items():
        got = brief(demo_engine, scope, period)
        with session_scope(demo_engine) as s:
            tiles = figures.values(s, BRIEF_FIGURES, scope, period)  # what the tiles read
        assert got.place == name
        for key in BRIEF_FIGURES:
            assert got.figures[key].value == tiles[key], (name, period_name, key)
            assert got.texts[key] == tile_text(key, tiles[key]), (name, period_name, key)
        text = got.plain_text()
        assert got.has_records and NO_RECORDS not in text
        # Every figure appears in the table as the tile writes it, and the main ones in the prose too.
        assert list(got.table["本期"]) == [tile_text(k, tiles[k]) for k in BRIEF_FIGURES]
        prose = "\n".join(p for section in got.sections for p in section.paragraphs)
        assert f"共开展各类活动 {tile_text('activities', tiles['activities'])} 场次" in prose
        for key in ("linked_activities", "people_served", "hours", "active_volunteers"):
            if tiles[key]:
                assert f" {tile_text(key, tiles[key])} " in prose, (name, period_name, key)


def test_the_briefs_changes_are_the_tiles_changes(demo_engine):
    scope = places(demo_engine)["乔司街道"]
    period = PERIODS["quarter"]
    got = brief(demo_engine, scope, period)
    with session_scope(demo_engine) as s:
        tiles = figures.changes(s, BRIEF_FIGURES, scope, period)
    assert got.figures == tiles
    row = got.table.set_index("指标").loc["活动场次（场）"]
    assert row["环比"] == f"{tiles['activities'].mom * 100:+.1f}%"
    assert row["同比"] == f"{tiles['activities'].yoy * 100:+.1f}%"
    prose = "\n".join(p for section in got.sections for p in section.paragraphs)
    assert "与上季度同期相比" in prose and "与上年同期相比" in prose


def test_a_year_compares_with_last_year_only(demo_engine):
    got = brief(demo_engine, places(demo_engine)["乔司街道"], PERIODS["year"])
    prose = "\n".join(p for section in got.sections for p in section.paragraphs)
    assert "与上年同期相比" in prose and "上月" not in prose and "上季度" not in prose
    assert set(got.table["环比"]) == {"—"}


def test_a_period_without_records_says_so_instead_of_showing_zeros(demo_engine):
    for scope in places(demo_engine).values():
        got = brief(demo_engine, scope, EMPTY)
        text = got.plain_text()
        assert not got.has_records
        assert NO_RECORDS in text
        for zero in (" 0 场次", " 0 人次", " 0 小时", " 0 件", " 0 元", "活跃率"):
            assert zero not in text, zero
        assert got.table.empty
        assert NO_RECORDS in docx_text(brief_docx(got))


def test_the_docx_names_the_place_the_period_and_each_figure(demo_engine):
    for name, scope in places(demo_engine).items():
        period = PERIODS["custom"]
        got = brief(demo_engine, scope, period)
        text = docx_text(brief_docx(got))
        assert name in text
        assert period_words(period) == "2024年3月5日至2024年6月20日" and period_words(period) in text
        for key in BRIEF_FIGURES:
            assert f"{figures.label(key)}" in text and got.texts[key] in text, (name, key)
        for section in got.sections:
            assert section.heading in text


def test_the_brief_names_no_volunteer_and_no_phone(demo_engine):
    names, phones = people(demo_engine)
    assert len(names) > 1000 and phones
    for scope in [ALL, *places(demo_engine).values()]:
        for period in (PERIODS["year"], PERIODS["month"]):
            got = brief(demo_engine, scope, period)
            text = got.plain_text() + "\n" + docx_text(brief_docx(got))
            assert [n for n in names if n in text] == []
            assert [p for p in phones if p in text] == []


def test_period_words_read_like_a_report():
    today = date(2026, 11, 28)
    assert period_words(period_of("month", today)) == "2026年11月（截至11月28日）"
    assert period_words(period_of("month", date(2026, 11, 30))) == "2026年11月"
    assert period_words(period_of("quarter", today)) == "2026年第四季度（截至11月28日）"
    assert period_words(period_of("year", date(2026, 12, 31))) == "2026年"


def test_number_text_is_the_tiles_number_format():
    rng = random.Random(11)
    values = [0, 1, 12, 12.5, 999.96, 1000, 12_345, 99_999, 99_999.5, 100_000, 123_456, 1e8 + 5, -5.25, None]
    values += [rng.uniform(0, 1e7) for _ in range(500)] + [rng.randint(0, 10**9) for _ in range(500)]
    for value in values:
        assert number_text(value) == fmt.number(value), value
    assert number_text(123_456) == "12.3万"


def test_a_long_trend_is_shown_by_quarter_and_still_adds_up_to_the_tile(demo_engine):
    period = period_of("all", DEMO_TODAY)
    with session_scope(demo_engine) as s:
        monthly = figures.monthly(s, "activities", ALL, period)
        tile = figures.value(s, "activities", ALL, period)
        stock = figures.monthly(s, "volunteers", ALL, period)
        registered = figures.value(s, "volunteers", ALL, period)
    assert len(monthly) > 24
    quarters = readable(monthly, "activities")
    assert set(quarters["grain"]) == {"季度"} and len(quarters) == -(-len(monthly) // 3)
    assert quarters["label"].iloc[0] == "2021年一季度" and quarters["label"].iloc[-1] == "2026年四季度"
    assert quarters["value"].sum() == pytest.approx(tile)
    # A stock (registered volunteers) shows its level at each quarter's end, ending at the tile.
    assert readable(stock, "volunteers")["value"].iloc[-1] == pytest.approx(registered)


def test_a_short_trend_stays_monthly():
    series = pd.DataFrame({"month": [f"2025-{m:02d}" for m in range(1, 13)], "value": range(12)})
    out = readable(series, "hours")
    assert list(out["label"]) == list(series["month"]) and set(out["grain"]) == {"月"}
    assert readable(series.iloc[0:0], "hours").empty
