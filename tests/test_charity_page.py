"""慈善资源 page through streamlit.testing.v1.AppTest: every tab for every role, the figures the tiles show, the
map's two districts with their points and filters, and the forms (offer, file, review, match, complete, donate)
writing once and refusing bad input in Chinese."""

from __future__ import annotations

import json

import pyarrow.ipc
import pytest
from sqlalchemy import select

from db import clock, figures
from db.charity import points as map_reads
from db.charity import reads as charity
from db.engine import get_engine, session_scope
from db.models import CharityMatch, CharityNeed, CharityResource, Donation
from db.periods import period_of
from db.scope import Scope
from tests.ui_helpers import (
    DEMO_ROLES,
    assert_clean,
    count_rows,
    open_page,
)

PAGE = "pages/4_charity.py"
TABS = ("资源地图", "供需", "对接", "捐赠")
WRITE_BUTTONS = ("登记资源", "提交需求", "提交审核", "确认对接", "标记完成", "登记捐赠")



def open_tab(username: str, tab: str = "资源地图"):
    at = open_page(username, PAGE)
    if tab != "资源地图":
        at.session_state["charity_tab"] = tab
        at.run()
    return at



def buttons(at) -> set[str]:
    return {b.label for b in at.button}


def charts(at) -> list[dict]:
    """The Vega-Lite specs on the page, with their datasets inlined."""
    def walk(node):
        for child in getattr(node, "children", {}).values():
            yield child
            yield from walk(child)

    out = []
    for element in walk(at._tree):
        if getattr(element, "type", None) == "vega_lite_chart":
            spec = json.loads(element.proto.spec)
            for d in element.proto.datasets:  # data frames travel as Arrow IPC bytes
                table = pyarrow.ipc.open_stream(d.data.data).read_all()
                spec.setdefault("datasets", {})[d.name] = table.to_pylist()
            out.append({"spec": spec})
    return out


def map_layers(chart: dict) -> dict[str, dict]:
    layers = chart["spec"].get("layer", [])
    return {(layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]): layer for layer in layers}


def errors(at) -> str:
    return "\n".join(str(e.value) for e in at.error)


# ------------------------------------------------------------------------------------------ every tab, every role


@pytest.mark.parametrize("tab", TABS)
@pytest.mark.parametrize("username", list(DEMO_ROLES))
def test_every_tab_renders_for_every_role(app_db, username, tab):
    at = open_tab(username, tab)
    assert_clean(at)
    assert at.title[0].value == "慈善资源"
    can_write = DEMO_ROLES[username] in ("staff", "admin")
    shown = buttons(at) & set(WRITE_BUTTONS)
    if not can_write:
        assert not shown, f"a leader sees write buttons {shown}"
    elif tab == "供需":
        assert {"登记资源", "提交需求"} <= shown
    elif tab == "捐赠":
        assert "登记捐赠" in shown


def test_tiles_show_the_db_figures(app_db):
    at = open_tab("demo_leader")
    assert_clean(at)
    tiles = {m.label: m.value for m in at.metric}
    period = period_of("all", clock.today())
    with session_scope(get_engine()) as s:
        rate = charity.match_rate(s, Scope(), period)
        counts = charity.need_status_counts(s, Scope(), period)
        ttm = charity.time_to_match(s, Scope(), period)
    assert tiles["对接率"] == figures.format_rate(rate)
    assert tiles["需求"] == f"{sum(counts.values())} 件"
    assert tiles["对接用时"] == f"{ttm.median_days:g} 天"
    assert set(tiles) == {"资源", "需求", "对接率", "对接用时", "善款", "物资折价"}


def test_the_map_draws_both_districts_with_their_points(app_db):
    at = open_tab("demo_leader")
    maps = [c for c in charts(at) if "geoshape" in map_layers(c)]
    assert len(maps) == 2, "one panel per district when the scope spans both streets"
    titles = [c["spec"]["title"] for c in maps]
    assert "370211" in titles[0] and "330113" in titles[1]
    kinds = set()
    for chart in maps:
        layers = map_layers(chart)
        assert layers["geoshape"]["data"]["values"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
        points = chart["spec"]["datasets"][layers["circle"]["data"]["name"]]
        assert points and all(p["lng"] and p["lat"] for p in points)
        kinds |= {p["kind"] for p in points}
    assert kinds == {"资源", "需求", "服务阵地", "社区"}


def test_map_filters_keep_only_the_chosen_points(app_db):
    at = open_tab("demo_leader")
    at.button_group(key="map_kinds").set_value(["资源"]).run()
    at.button_group(key="map_providers").set_value(["高校"]).run()
    assert_clean(at)
    maps = [c for c in charts(at) if "geoshape" in map_layers(c)]
    points = [p for c in maps if "circle" in map_layers(c)
              for p in c["spec"]["datasets"][map_layers(c)["circle"]["data"]["name"]]]
    with session_scope(get_engine()) as s:
        expected = s.execute(select(CharityResource.title).where(CharityResource.provider_type == "高校")).scalars().all()
    assert sorted(p["name"] for p in points) == sorted(expected)


def test_a_library_over_the_limit_is_drawn_per_community_and_said_so(app_db, monkeypatch):
    """Over ``MAP_ITEM_LIMIT`` resources and needs, each community's are one point per kind: the page says how many
    items and the limit, the caption counts the items (not the points), and the points carry their counts."""
    with session_scope(get_engine()) as s:
        total = map_reads.map_item_count(s, Scope())
        n_res = count_rows(CharityResource)
    monkeypatch.setattr(map_reads, "MAP_ITEM_LIMIT", total - 1)
    at = open_tab("demo_leader")
    assert_clean(at)
    info = "\n".join(str(i.value) for i in at.info)
    assert f"资源与需求共 {total:,} 项，超过 {total - 1:,} 项" in info
    assert f"资源 {n_res:,}" in "\n".join(str(c.value) for c in at.caption)
    maps = [c for c in charts(at) if "geoshape" in map_layers(c)]
    points = [p for c in maps for p in c["spec"]["datasets"][map_layers(c)["circle"]["data"]["name"]]]
    grouped = [p for p in points if p["kind"] in ("资源", "需求")]
    assert sum(p["items"] for p in grouped) == total
    assert all(p["name"].endswith(f"{p['kind']} {p['items']:,} 项") for p in grouped)
    assert len(grouped) < total


def test_staff_sees_only_their_own_district(app_db):
    at = open_tab("demo_staff")
    maps = [c for c in charts(at) if "geoshape" in map_layers(c)]
    assert len(maps) == 1 and "370211" in maps[0]["spec"]["title"]


# ------------------------------------------------------------------------------------------ forms


def _fill_resource(at, **values):
    key = at.session_state["charity_resource_key"]
    at.text_input(key=f"res_{key}_title").input(values.get("title", "爱心助学礼包"))
    at.text_input(key=f"res_{key}_provider").input(values.get("provider", "青岛港湾物业服务有限公司"))
    at.selectbox(key=f"res_{key}_kind").set_value(values.get("kind", "物资"))
    if values.get("amount") is not None:
        at.number_input(key=f"res_{key}_amount").set_value(values["amount"])
    at.text_input(key=f"res_{key}_unit").input(values.get("unit", "份"))
    return key


def test_staff_offers_a_resource_once_and_bad_input_writes_nothing(app_db):
    at = open_tab("demo_staff", "供需")
    before = count_rows(CharityResource)
    _fill_resource(at, amount=None)
    next(b for b in at.button if b.label == "登记资源").click().run()
    assert "「数量」须填写数字" in errors(at)
    assert count_rows(CharityResource) == before
    _fill_resource(at, amount=30.0)
    next(b for b in at.button if b.label == "登记资源").click().run()
    assert_clean(at)
    assert any("已登记资源「爱心助学礼包」" in str(s.value) for s in at.success)
    assert count_rows(CharityResource) == before + 1
    with session_scope(get_engine()) as s:
        row = s.execute(select(CharityResource).order_by(CharityResource.id.desc()).limit(1)).scalar_one()
    assert (row.title, row.amount, row.unit, row.status) == ("爱心助学礼包", 30.0, "份", "available")


def test_staff_files_and_reviews_a_need_and_admin_matches_and_completes_it(app_db):
    at = open_tab("demo_staff", "供需")
    key = at.session_state["charity_need_key"]
    at.text_input(key=f"need_{key}_title").input("楼道照明维修服务")
    at.selectbox(key=f"need_{key}_cat").set_value("服务")
    at.number_input(key=f"need_{key}_amount").set_value(3.0)
    at.text_input(key=f"need_{key}_unit").input("次")
    next(b for b in at.button if b.label == "提交需求").click().run()
    assert_clean(at)
    with session_scope(get_engine()) as s:
        need = s.execute(select(CharityNeed).where(CharityNeed.title == "楼道照明维修服务")).scalar_one()
    assert need.status == "pending"

    # Review: a rejection without a reason is refused; an approval goes through.
    at = open_tab("demo_staff", "对接")
    at.selectbox(key="charity_review_pick").set_value(need.id).run()
    key = at.session_state["charity_review_key"]
    at.radio(key=f"rev_{key}_decision").set_value("reject")
    next(b for b in at.button if b.label == "提交审核").click().run()
    assert "「拒绝理由」不能为空" in errors(at)
    at.radio(key=f"rev_{key}_decision").set_value("approve")
    next(b for b in at.button if b.label == "提交审核").click().run()
    assert_clean(at)
    with session_scope(get_engine()) as s:
        assert s.get(CharityNeed, need.id).status == "approved"
        options = charity.match_candidates(s, Scope(), need.id)
    assert not options.empty, "the demo street library offers 服务 in 次"

    # Match (a street-wide user): more than is left is refused naming 「对接数量」; then a fitting amount.
    at = open_tab("demo_admin", "对接")
    at.selectbox(key="charity_match_pick").set_value(need.id).run()
    key = at.session_state["charity_match_key"]
    resource_id = int(options.iloc[0]["resource_id"])
    left = float(options.iloc[0]["left"])
    at.selectbox(key=f"match_{key}_resource").set_value(resource_id)
    at.number_input(key=f"match_{key}_amount").set_value(left + 1)
    next(b for b in at.button if b.label == "确认对接").click().run()
    assert "「对接数量」" in errors(at)
    at.number_input(key=f"match_{key}_amount").set_value(min(3.0, left))
    next(b for b in at.button if b.label == "确认对接").click().run()
    assert_clean(at)
    with session_scope(get_engine()) as s:
        assert s.get(CharityNeed, need.id).status == "matched"
        assert s.execute(select(CharityMatch).where(CharityMatch.need_id == need.id)).scalar_one().resource_id == resource_id

    at = open_tab("demo_admin", "对接")
    at.selectbox(key="charity_complete_pick").set_value(need.id).run()
    next(b for b in at.button if b.label == "标记完成").click().run()
    assert_clean(at)
    with session_scope(get_engine()) as s:
        assert s.get(CharityNeed, need.id).status == "completed"


def test_admin_records_a_donation(app_db):
    at = open_tab("demo_admin", "捐赠")
    before = count_rows(Donation)
    key = at.session_state["charity_donation_key"]
    at.text_input(key=f"don_{key}_donor").input("爱心人士王女士")
    at.selectbox(key=f"don_{key}_type").set_value("个人")
    at.number_input(key=f"don_{key}_amount").set_value(500.0)
    next(b for b in at.button if b.label == "登记捐赠").click().run()
    assert_clean(at)
    assert count_rows(Donation) == before + 1
    assert any("已登记善款捐赠" in str(s.value) for s in at.success)


def test_staff_withdraws_and_restores_a_resource(app_db):
    at = open_tab("demo_staff", "供需")
    pick = at.selectbox(key="charity_withdraw_pick")
    offered = [int(label.split()[0].lstrip("#")) for label in pick.options]  # “#12 title · provider · …”
    with session_scope(get_engine()) as s:
        statuses = {r.id: r.status for r in s.execute(
            select(CharityResource).where(CharityResource.id.in_(offered))).scalars()}
    rid = next(i for i in offered if statuses[i] == "available")
    pick.set_value(rid).run()
    next(b for b in at.button if b.label == "撤回该资源（不再对接）").click().run()
    assert_clean(at)
    assert any(f"资源 #{rid}" in str(s.value) and "已撤回" in str(s.value) for s in at.success)
    with session_scope(get_engine()) as s:
        assert s.get(CharityResource, rid).status == "withdrawn"
    at.selectbox(key="charity_withdraw_pick").set_value(rid).run()
    next(b for b in at.button if b.label == "恢复该资源").click().run()
    assert_clean(at)
    with session_scope(get_engine()) as s:
        assert s.get(CharityResource, rid).status in ("available", "exhausted")
    # A leader has no such control.
    assert "撤回该资源（不再对接）" not in buttons(open_tab("demo_leader", "供需"))
