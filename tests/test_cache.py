"""The app's one cache (components/cache.py): a loader's entries are keyed by every field of the scope and the
period it is given (keyed by their repr, not Streamlit's deep copy of a dataclass), and a chart's cached spec
carries its rows as the Arrow bytes Streamlit sends."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow.ipc

from db.periods import Period
from db.scope import Scope


def test_a_loader_keeps_one_entry_per_scope_and_period_and_serves_equal_ones_from_it(app_db):
    from components.cache import cached

    calls: list[tuple[Scope, Period]] = []

    def seen(session, scope: Scope, period: Period) -> tuple:
        calls.append((scope, period))
        return scope.street_id, scope.community_id, scope.organization_id, period.start, period.end, period.kind

    seen.__qualname__ = "test_cache_seen"  # a cache of its own (Streamlit keys it by the function's names)
    load = cached(seen)
    month = Period(date(2026, 11, 1), date(2026, 11, 30), "month")
    scopes = [Scope(), Scope(street_id=1), Scope(community_id=1), Scope(organization_id=1),
              Scope(street_id=1, community_id=2)]
    periods = [month, Period(date(2026, 11, 1), date(2026, 11, 30), "custom"),
               Period(date(2026, 11, 1), date(2026, 11, 29), "month"), Period(date(2026, 1, 1), date(2026, 11, 30))]
    for scope in scopes:
        for period in periods:
            got = load(1, scope, period)
            assert got == (scope.street_id, scope.community_id, scope.organization_id, period.start, period.end,
                           period.kind)
    assert len(calls) == len(scopes) * len(periods)  # every field makes an entry of its own
    # Equal values built anew are the same entry; a new data version is a new one.
    assert load(1, Scope(street_id=1), Period(date(2026, 11, 1), date(2026, 11, 30), "month"))[0] == 1
    assert len(calls) == len(scopes) * len(periods)
    load(2, Scope(street_id=1), month)
    assert len(calls) == len(scopes) * len(periods) + 1


def test_a_cached_chart_spec_carries_its_rows_as_arrow_bytes_and_a_maps_features_as_geometry(app_db):
    from components import charts
    from components.cache import chart_spec
    from components.geo_map import district_map

    df = pd.DataFrame({"month": ["2026-10", "2026-11"], "value": [3.0, 5.0]})
    spec = chart_spec(charts.monthly_trend, ("test", 1), (df, "服务时长", "小时"), {})
    [data] = spec["datasets"].values()
    assert isinstance(data, bytes)
    rows = pyarrow.ipc.open_stream(data).read_all().to_pylist()
    assert [(r["month"], r["value"]) for r in rows] == [("2026-10", 3.0), ("2026-11", 5.0)]
    points = pd.DataFrame({"name": ["甲"], "kind": ["社区"], "lng": [120.2], "lat": [36.0], "detail": [""]})
    spec = chart_spec(district_map, ("test-map", 1), (["370211"], points), {})
    [points_data] = spec["datasets"].values()  # the points, as bytes; the boundary's features stay in its layer
    assert pyarrow.ipc.open_stream(points_data).read_all().column("name").to_pylist() == ["甲"]
    shape = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "geoshape")
    assert shape["data"]["values"][0]["type"] == "Feature" and "geometry" in shape["data"]["values"][0]
