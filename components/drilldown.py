"""Drill-down: the records behind a tile, with a total that equals the tile, and an export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import cards, data
from components.downloads import download
from db import clock, figures, vocab
from db.export import to_csv_bytes
from db.periods import Period
from db.privacy import mask_name
from db.scope import Scope

# Internal id columns not worth showing.
_HIDDEN = {"street_id", "community_id", "organization_id", "project_id"}


def _table(key: str, scope: Scope, period: Period, data_ver: int) -> None:
    kpi = figures.figure(key)
    df = data.figure_records(data_ver, key, scope, period)
    if "name" in df:
        df = df.assign(name=df["name"].map(mask_name))  # names are shown masked
    if kpi.distinct_on:
        total = df[kpi.distinct_on].nunique()
        st.markdown(f"**{kpi.label}：{total:,} {kpi.unit}**（{len(df):,} 条记录，按{vocab.COLUMN_LABELS[kpi.distinct_on]}去重）")
    elif kpi.measure:
        total = df[kpi.measure].sum()
        st.markdown(f"**{kpi.label}：{total:,.1f} {kpi.unit}**（{len(df):,} 条记录之和）")
    else:
        st.markdown(f"**{kpi.label}：{len(df):,} {kpi.unit}**（{len(df):,} 条记录）")
    view = df[[c for c in df.columns if c not in _HIDDEN]]
    view = view.rename(columns=vocab.COLUMN_LABELS)
    st.dataframe(view, hide_index=True, width="stretch", height=380)
    download("导出 CSV", to_csv_bytes(view), file_name=f"{kpi.label}_{period.start}_{period.end}.csv",
             mime="text/csv", key=f"export_{key}", table="figure",
             detail={"figure": kpi.label, "rows": len(view), "period": period.label()})


@st.dialog("数据明细", width="large")
def show(key: str, scope: Scope, period: Period, scope_name: str, data_ver: int) -> None:
    """The records behind the tile ``key`` for this scope and period."""
    st.caption(f"{scope_name} · {period.label()}")
    if figures.is_rate(key):
        rate = figures.RATES[key]
        values = data.figure_values(data_ver, (rate.numerator, rate.denominator, key), scope, period)
        st.markdown(f"**{rate.label} = {cards.figure_text(key, values[key])}**　{rate.help}："
                    f"{values[rate.numerator]:,.0f} ÷ {values[rate.denominator]:,.0f}")
        numerator, denominator = st.tabs([figures.label(rate.numerator), figures.label(rate.denominator)])
        with numerator:
            _table(rate.numerator, scope, period, data_ver)
        with denominator:
            _table(rate.denominator, scope, period, data_ver)
    else:
        _table(key, scope, period, data_ver)
    _reported(key, scope, data_ver)


def _reported(key: str, scope: Scope, data_ver: int) -> None:
    """Figures from reports on the same KPI, with qualifier, source and date — shown beside, never added."""
    reported = data.reported(data_ver, scope, clock.today())
    reported = reported[reported["kpi_key"] == key] if not reported.empty else reported
    if reported.empty:
        return
    st.markdown("**报道数据**（按原文列示，不计入上方统计）")
    for r in reported.itertuples():
        q = "" if r.qualifier == "=" else f"{r.qualifier} "
        value = f"{r.value:,.0f}" if float(r.value).is_integer() else f"{r.value:g}"
        records = ("" if r.record_value is None or pd.isna(r.record_value)
                   else f"；记录（截至报道日）：{r.record_value:,.1f}".rstrip("0").rstrip(".") + r.unit)
        st.markdown(f"- {r.subject} · {r.metric}：{q}{value}{r.unit}（{r.source}，{r.as_of:%Y-%m-%d}）{records}")
