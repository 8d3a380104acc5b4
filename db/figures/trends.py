"""Trends that stay readable over long periods (issue 11): a monthly series of more than ``MAX_MONTHS`` months is
shown by quarter, so six years of 累计 read as 24 points rather than 72 months of noise.

The aggregation is done here, in the figure layer, not in the chart: a quarter of a flow (activities, hours …) is
the sum of its months, so the quarters still add up to the tile; a stock (registered volunteers) is its value at the
quarter's last month. Charts and the big screen draw ``readable(...)``'s ``label`` and ``value`` as they are.
"""

from __future__ import annotations

import pandas as pd

MAX_MONTHS = 24
STOCKS = ("volunteers",)  # figures whose monthly series is a running total, not a flow
QUARTER_NAMES = ("一季度", "二季度", "三季度", "四季度")
MONTH, QUARTER = "月", "季度"


def readable(series: pd.DataFrame, key: str, max_months: int = MAX_MONTHS) -> pd.DataFrame:
    """``series`` (columns month 'YYYY-MM', value) as columns label, value, grain (月 or 季度), in order.

    Up to ``max_months`` months are kept as months (label 'YYYY-MM'); more are grouped by quarter (label
    '2021年一季度'). An empty series stays empty."""
    if series.empty:
        return pd.DataFrame({"label": [], "value": [], "grain": []})
    if len(series) <= max_months:
        return pd.DataFrame({"label": series["month"].tolist(), "value": series["value"].astype(float).tolist(),
                             "grain": MONTH})
    months = pd.PeriodIndex(series["month"], freq="M")
    quarters = months.asfreq("Q")
    grouped = series.assign(quarter=quarters).groupby("quarter", sort=True)["value"]
    values = grouped.last() if key in STOCKS else grouped.sum()
    labels = [f"{q.year}年{QUARTER_NAMES[q.quarter - 1]}" for q in values.index]
    return pd.DataFrame({"label": labels, "value": values.astype(float).tolist(), "grain": QUARTER})
