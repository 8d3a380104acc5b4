"""Charts of the 志愿者 page (each returns an ``alt.Chart``)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from components import charts
from db import figures

ACTIVE = figures.label("active_volunteers")
REGISTERED = figures.label("volunteers")
RATE = figures.label("active_rate")


def level_chart(counts: pd.DataFrame) -> alt.Chart:
    """Volunteers per star level: 达标 (eligible) beside 已认定 (awarded)."""
    long = counts.melt(id_vars=["preset", "rank", "level"], value_vars=["eligible", "awarded"], var_name="kind",
                       value_name="volunteers")
    long["kind"] = long["kind"].map({"eligible": "达标", "awarded": "已认定"})
    if counts["preset"].nunique() > 1:
        long["level"] = long["preset"] + "·" + long["level"]
        order = (counts["preset"] + "·" + counts["level"]).tolist()
    else:
        order = counts["level"].tolist()
    base = alt.Chart(long).encode(
        x=alt.X("level:N", title=None, sort=order, axis=alt.Axis(labelAngle=0, labelLimit=200)),
        xOffset=alt.XOffset("kind:N", sort=["达标", "已认定"]),
        y=alt.Y("volunteers:Q", title="人数"),
        tooltip=[alt.Tooltip("level:N", title="星级"), alt.Tooltip("kind:N", title="状态"),
                 alt.Tooltip("volunteers:Q", title="人数")],
    )
    bars = base.mark_bar(cornerRadiusTopLeft=3, cornerRadiusTopRight=3).encode(
        color=alt.Color("kind:N", title=None, sort=["达标", "已认定"],
                        scale=alt.Scale(domain=["达标", "已认定"], range=[charts.RED, charts.PALETTE[1]])))
    labels = base.mark_text(dy=-7, fontSize=12).encode(text="volunteers:Q")
    return charts.style((bars + labels).properties(height=220))


def monthly_active_chart(df: pd.DataFrame) -> alt.Chart:
    """Active volunteers (bars) and the active rate (line) month by month."""
    base = alt.Chart(df).encode(x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-45)))
    bars = base.mark_bar(color=charts.PALETTE[1], opacity=0.85).encode(
        y=alt.Y("active:Q", title=figures.tile_label("active_volunteers")),
        tooltip=[alt.Tooltip("month:O", title="月份"), alt.Tooltip("active:Q", title=ACTIVE),
                 alt.Tooltip("registered:Q", title=REGISTERED),
                 alt.Tooltip("active_rate:Q", title=RATE, format=".1%")],
    )
    line = base.mark_line(color=charts.RED, strokeWidth=2, point=True).encode(
        y=alt.Y("active_rate:Q", title=RATE, axis=alt.Axis(format="%")))
    return charts.style(alt.layer(bars, line).resolve_scale(y="independent").properties(height=260))


def community_active_chart(df: pd.DataFrame) -> alt.Chart:
    """The active rate per community, highest first."""
    shown = df.dropna(subset=["active_rate"])
    base = alt.Chart(shown).encode(
        y=alt.Y("community:N", title=None, sort="-x", axis=alt.Axis(labelLimit=160, labelOverlap=False)),
        x=alt.X("active_rate:Q", title=RATE, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("community:N", title="社区"), alt.Tooltip("street:N", title="街道"),
                 alt.Tooltip("active:Q", title=ACTIVE), alt.Tooltip("registered:Q", title=REGISTERED),
                 alt.Tooltip("active_rate:Q", title=RATE, format=".1%")],
    )
    bars = base.mark_bar(color=charts.RED, cornerRadiusEnd=3)
    labels = base.mark_text(align="left", dx=4, fontSize=12).encode(text=alt.Text("active_rate:Q", format=".1%"))
    return charts.style((bars + labels).properties(height=max(160, 30 * len(shown))))
