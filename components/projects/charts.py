"""Charts of the 项目成效 page (each returns an ``alt.Chart``)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from components import charts
from db import figures, vocab


def portfolio_bars(counts: pd.DataFrame, by: str, title: str, domain: list[str]) -> alt.Chart:
    """Projects per ``by`` (the five areas, brand level…), split by status."""
    name = figures.tile_label("projects")
    chart = alt.Chart(counts).mark_bar(cornerRadiusEnd=2).encode(
        x=alt.X(f"{by}:N", title=None, sort=domain, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("projects:Q", title=None, axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("status:N", title="状态", scale=alt.Scale(domain=list(vocab.PROJECT_STATUSES),
                                                                 range=[charts.PALETTE[2], charts.PALETTE[0],
                                                                        charts.PALETTE[5]])),
        tooltip=[alt.Tooltip(f"{by}:N", title=title), alt.Tooltip("status:N", title="状态"),
                 alt.Tooltip("projects:Q", title=name)],
    )
    return charts.style(chart.properties(height=260, title=f"{title}（{figures.label('projects')}数）"))


def project_trend(df: pd.DataFrame, key: str, color: str) -> alt.Chart:
    """A figure of one project month by month, titled from the registry."""
    return charts.monthly_trend(df, f"{figures.label(key)}（按月）", figures.unit(key), color=color)
