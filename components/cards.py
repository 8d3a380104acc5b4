"""KPI tiles."""

from __future__ import annotations

import streamlit as st

from components import fmt
from db.figures.registry import KPIS, RATES


def kpi_label(key: str) -> str:
    """The tile label with its unit, e.g. 服务时长（小时）; rates carry no unit."""
    if key in RATES:
        return RATES[key].label
    return f"{KPIS[key].label}（{KPIS[key].unit}）"


def kpi_text(key: str, value: float | None) -> str:
    if key in RATES:
        return fmt.percent(value)
    return fmt.number(value)


def kpi_help(key: str) -> str:
    item = KPIS.get(key) or RATES[key]
    unit = "" if key in RATES else f"（单位：{KPIS[key].unit}）"
    return f"{item.help}{unit}"


def kpi_tiles(values: dict[str, float | None], per_row: int = 5) -> None:
    """A grid of tiles, ``per_row`` to a row, in the order of ``values``."""
    keys = list(values)
    for start in range(0, len(keys), per_row):
        cols = st.columns(per_row)
        for col, key in zip(cols, keys[start:start + per_row], strict=False):
            with col.container(border=True, height=118):
                st.metric(kpi_label(key), kpi_text(key, values[key]), help=kpi_help(key))


def change_text(key: str, ratio: float | None, now: float | None, before: float | None) -> str:
    """环比/同比 text: +12.3% for counts; +1.2 个百分点 for rates; — when undefined."""
    if key in RATES:
        if now is None or before is None:
            return "—"
        return f"{(now - before) * 100:+.1f} 个百分点"
    return "—" if ratio is None else f"{ratio * 100:+.1f}%"


def kpi_tiles_with_changes(changes: dict, per_row: int = 5, on_detail=None, show_mom: bool = True) -> None:
    """Tiles with 环比 as the metric delta and 同比 underneath; ``on_detail(key)`` opens the drill-down.

    ``show_mom=False`` (本年, whose previous period is last year's) shows 同比 alone instead of twice."""
    keys = list(changes)
    for start in range(0, len(keys), per_row):
        cols = st.columns(per_row)
        for col, key in zip(cols, keys[start:start + per_row], strict=False):
            c = changes[key]
            mom = change_text(key, c.mom, c.value, c.previous)
            yoy = change_text(key, c.yoy, c.value, c.last_year)
            first, first_label = (mom, "环比") if show_mom else (yoy, "同比")
            with col.container(border=True, height=226):
                st.metric(kpi_label(key), kpi_text(key, c.value), help=kpi_help(key),
                          delta=None if first == "—" else f"{first} {first_label}", delta_color="normal")
                if show_mom:
                    st.caption(("环比 —　" if mom == "—" else "") + f"同比 {yoy}")
                elif first == "—":
                    st.caption("同比 —")
                else:
                    st.caption("与去年同期相比")
                if on_detail is not None and st.button("查看明细", key=f"detail_{key}", type="tertiary",
                                                       icon=":material/table_view:"):
                    on_detail(key)
