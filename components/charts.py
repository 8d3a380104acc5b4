"""Altair chart builders: each returns an ``alt.Chart`` for the page to draw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd

from components.cache import chart_spec
from db import figures, vocab
from db.figures.trends import QUARTER, readable

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
RED = "#C8102E"
PALETTE = ["#C8102E", "#1F4E79", "#E8A33D", "#3C8D5A", "#7B5EA7", "#5B6770"]


def style(chart: alt.Chart) -> alt.Chart:
    return (chart.configure(font=FONT)
            .configure_axis(labelFontSize=12, titleFontSize=12, labelFont=FONT, titleFont=FONT, grid=True,
                            gridColor="#E5E7EB")
            .configure_legend(labelFont=FONT, titleFont=FONT, orient="bottom")
            .configure_view(strokeWidth=0))


# One number style on axes: 万 / 亿 as the tiles, never the SI "600k".
# A Vega expression for axis labels: 1.2万 from 10,000, 3.5亿 from 100,000,000, full digits below.
WAN_LABEL_EXPR = ("abs(datum.value) >= 1e8 ? format(datum.value / 1e8, '.2~f') + '亿' : "
                  "abs(datum.value) >= 1e4 ? format(datum.value / 1e4, '.1~f') + '万' : format(datum.value, ',~f')")


def wan_axis(**kwargs: Any) -> alt.Axis:
    """A quantitative axis labelled the Chinese way (万 / 亿), as the tiles are; use it for every count or sum."""
    return alt.Axis(labelExpr=WAN_LABEL_EXPR, **kwargs)


def monthly_trend(df: pd.DataFrame, title: str, unit: str, color: str = RED, *, key: str = "") -> alt.Chart:
    """A line with points over time; ``df`` has columns month ('YYYY-MM') and value.

    More than 24 months are drawn by quarter (``db.figures.trends.readable``: a flow sums its months, a stock
    such as registered volunteers, ``key`` "volunteers", takes the quarter's last month), so long periods stay
    readable; the title says so."""
    series = readable(df, key) if "month" in df else df
    by_quarter = not series.empty and series["grain"].iloc[0] == QUARTER
    # The x field keeps its name "month" whatever the grain (it holds '2026-03' or '2021年一季度').
    series = series.rename(columns={"label": "month"})
    base = alt.Chart(series).encode(
        x=alt.X("month:O", title=None, sort=list(series["month"]),
                axis=alt.Axis(labelAngle=-45, labelOverlap="greedy")),
        y=alt.Y("value:Q", title=unit, axis=wan_axis()),
        tooltip=[alt.Tooltip("month:O", title="季度" if by_quarter else "月份"),
                 alt.Tooltip("value:Q", title=title, format=",.1f")],
    )
    chart = base.mark_line(color=color, strokeWidth=2) + base.mark_point(color=color, filled=True, size=30)
    return style(chart.properties(title=f"{title}（按季度）" if by_quarter else title, height=220))


def figure_trend(df: pd.DataFrame, key: str, color: str = RED) -> alt.Chart:
    """The trend of a figure of the registry (monthly, by quarter beyond 24 months), labelled from the registry."""
    return monthly_trend(df, figures.label(key), figures.unit(key), color, key=key)


def area_heatmap(df: pd.DataFrame) -> alt.Chart:
    """Communities × the five areas (and 未归属项目): activities per cell."""
    areas = [*vocab.FIVE_AREAS, "未归属项目"]
    base = alt.Chart(df).encode(
        # Every area named under its column (six of them share a half-width chart: no overlap culling).
        x=alt.X("area:N", title=None, sort=areas, scale=alt.Scale(domain=areas),
                axis=alt.Axis(labelAngle=0, labelOverlap=False, labelFontSize=10, labelLimit=64)),
        y=alt.Y("community:N", title=None, sort=alt.SortField("community_id"),
                axis=alt.Axis(labelOverlap=False, labelLimit=160)),
    )
    rect = base.mark_rect(cornerRadius=3).encode(
        color=alt.Color("activities:Q", title=figures.label("activities"), scale=alt.Scale(scheme="reds")),
        tooltip=[alt.Tooltip("community:N", title="社区"), alt.Tooltip("area:N", title="领域"),
                 alt.Tooltip("activities:Q", title=figures.label("activities"))],
    )
    text = base.mark_text(fontSize=12).encode(
        text="activities:Q",
        color=alt.condition(alt.datum.activities > df["activities"].max() * 0.6 if len(df) else 0,
                            alt.value("white"), alt.value("#1F2937")),
    )
    return style((rect + text).properties(height=max(160, 34 * df["community"].nunique())))


def index_bars(df: pd.DataFrame) -> alt.Chart:
    """The 五社联动 index per community, highest first."""
    data = df.dropna(subset=["index"])
    base = alt.Chart(data).encode(
        y=alt.Y("community:N", title=None, sort="-x", axis=alt.Axis(labelOverlap=False, labelLimit=160)),
        x=alt.X("index:Q", title="五社联动指数", scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("community:N", title="社区"), alt.Tooltip("street:N", title="街道"),
                 alt.Tooltip("index:Q", title="指数", format=".1f"),
                 alt.Tooltip("activities:Q", title=figures.label("activities"))],
    )
    bars = base.mark_bar(color=RED, cornerRadiusEnd=3)
    labels = base.mark_text(align="left", dx=4, fontSize=12).encode(text=alt.Text("index:Q", format=".1f"))
    return style((bars + labels).properties(height=max(160, 30 * len(data))))


def actor_radar_table(df: pd.DataFrame) -> pd.DataFrame:
    """The five actors' shares per community as a percentage table (a matrix reads better than five radars)."""
    out = df[["community", *[f for f, _ in vocab.ACTORS], "index"]].copy()
    out = out.rename(columns={"community": "社区", **dict(vocab.ACTORS), "index": "五社联动指数"})
    return out


def draw(box: Any, build: Callable[..., alt.TopLevelMixin], *args: Any, key: tuple, **kwargs: Any) -> None:
    """``box.altair_chart(build(*args, **kwargs), width="stretch")``, drawn from the spec cached under ``key``."""
    plain = tuple(a for a in args if not isinstance(a, pd.DataFrame))  # titles, units: part of the key too
    box.vega_lite_chart(chart_spec(build, (key, plain, tuple(sorted(kwargs.items()))), args, kwargs),
                        width="stretch")


def long_form(df: pd.DataFrame, id_col: str, columns: dict[str, str]) -> pd.DataFrame:
    """``df``'s ``columns`` as rows (``id_col``, series = the column's Chinese name, value), for one mark per
    series."""
    out = df.melt(id_vars=[id_col], value_vars=list(columns), var_name="series", value_name="value")
    out["series"] = out["series"].map(columns)
    return out


def stacked_bars(df: pd.DataFrame, category: str, series: str, value: str, *, category_title: str,
                 series_title: str, colors: list[str] | None = None, sort: list[str] | None = None,
                 height: int | None = None) -> alt.Chart:
    """Horizontal stacked bars: one bar per ``category``, split by ``series``."""
    domain = sort or sorted(df[series].unique().tolist())
    df = df.assign(_order=df[series].map({name: i for i, name in enumerate(domain)}))
    chart = alt.Chart(df).mark_bar(cornerRadiusEnd=2).encode(
        y=alt.Y(f"{category}:N", title=None, sort="-x", axis=alt.Axis(labelLimit=220, labelOverlap=False)),
        x=alt.X(f"sum({value}):Q", title=None, axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color(f"{series}:N", title=series_title, scale=alt.Scale(domain=domain, range=colors or PALETTE)),
        order=alt.Order("_order:Q"),
        tooltip=[alt.Tooltip(f"{category}:N", title=category_title), alt.Tooltip(f"{series}:N", title=series_title),
                 alt.Tooltip(f"{value}:Q", title="数量", format=",.0f")],
    )
    rows = df[category].nunique()
    # Streamlit fits the whole chart (axes and legend included) into this height.
    return style(chart.properties(height=height or max(180, 34 * rows + 110)))


def chart_or_info(box: Any, df: pd.DataFrame, build: Callable[[pd.DataFrame], alt.TopLevelMixin], empty: str) -> None:
    """``build(df)`` drawn in ``box`` (``st`` or a column), or the note ``empty`` when ``df`` has no rows."""
    if df.empty:
        box.info(empty)
    else:
        box.altair_chart(build(df), width="stretch")
