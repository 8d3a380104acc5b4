"""Charts of the 社会组织与社工 page (each returns an ``alt.Chart``)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from components import charts
from db import figures, vocab


def register_bars(by_street: pd.DataFrame) -> alt.Chart:
    """登记 and 备案 organisations per street."""
    status = {"orgs_registered": "登记", "orgs_filed": "备案"}
    return charts.stacked_bars(charts.long_form(by_street, "group", status), "group", "series", "value",
                               category_title="街道", series_title="状态", sort=["登记", "备案"])


def social_worker_bars(by_org: pd.DataFrame) -> alt.Chart:
    """Social workers per organisation or community, by level (助理 / 中级 / 高级)."""
    view = by_org.assign(level=by_org["level"].map(vocab.SOCIAL_WORKER_LEVEL_SHORT))
    return charts.stacked_bars(view, "place", "level", "count", category_title="机构/社区", series_title="等级",
                               sort=list(vocab.SOCIAL_WORKER_LEVEL_SHORT.values()),
                               colors=[charts.PALETTE[2], charts.PALETTE[1], charts.PALETTE[0]])


def mediation_month_chart(df: pd.DataFrame) -> alt.Chart:
    """Cases received and resolved, month by month."""
    data = charts.long_form(df, "group", {"disputes": "受理", "disputes_resolved": "化解成功"})
    chart = alt.Chart(data).mark_bar(cornerRadiusEnd=2).encode(
        x=alt.X("group:O", title=None, axis=alt.Axis(labelAngle=-45, labelOverlap="greedy")),
        xOffset=alt.XOffset("series:N", sort=["受理", "化解成功"]),
        y=alt.Y("value:Q", title=figures.unit("disputes")),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=["受理", "化解成功"],
                                                                range=[charts.PALETTE[1], charts.PALETTE[3]])),
        tooltip=[alt.Tooltip("group:O", title="月份"), alt.Tooltip("series:N", title="指标"),
                 alt.Tooltip("value:Q", title=figures.unit("disputes"))],
    )
    return charts.style(chart.properties(height=240))
