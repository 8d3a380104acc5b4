"""The figures: one registry of every count, sum and rate (``registry``), the record sets behind them
(``records``), and the reads every page, chart, drill-down and export uses (``reads``).

    from db import figures
    figures.value(session, "hours", scope, period)        # a tile
    figures.records(session, "hours", scope, period)      # its drill-down and export
    figures.monthly(session, "hours", scope, period)      # its trend
"""

from db.figures.reads import (
    Change,
    changes,
    grouped,
    grouped_together,
    month_of,
    monthly,
    record_set,
    records,
    value,
    values,
)
from db.figures.registry import (
    CORE_TILES,
    FIGURES,
    FLOW_FIGURES,
    PROJECT_METRICS,
    RATES,
    Kpi,
    Rate,
    figure,
    format_rate,
    help_text,
    is_known,
    is_rate,
    label,
    tile_label,
    unit,
)

__all__ = ["CORE_TILES", "FIGURES", "FLOW_FIGURES", "PROJECT_METRICS", "RATES", "Change", "Kpi", "Rate", "changes",
           "figure", "format_rate", "grouped", "grouped_together", "help_text", "is_known", "is_rate", "label", "month_of", "monthly", "record_set",
           "records", "tile_label", "unit", "value", "values"]
