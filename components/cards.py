"""KPI tiles."""

from __future__ import annotations

import streamlit as st

from components import fmt
from db.kpi import KPIS, RATES


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
