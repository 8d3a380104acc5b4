"""Tables with Chinese column names, shared by the pages: the overview's, and the widgets several domains use
(heights, rates, mediation cases, reported figures beside the records)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

import pandas as pd
import streamlit as st

from components import fmt
from db import figures, vocab

LATEST_COLUMNS = {
    "starts_at": "时间", "title": "活动名称", "type": "类型", "community": "社区", "people_served": "服务人次",
    "linked": "社工+志愿",
}


BLANK = "—"


def _blank(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell_text(value: Any) -> Any:
    """One cell as a table shows it when its column holds blanks: “—”, 是/否, a date YYYY-MM-DD (with HH:MM when
    it has a time), a number with grouping; text as it is."""
    if _blank(value):
        return BLANK
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "是" if value else "否"
    if isinstance(value, datetime | pd.Timestamp):
        stamp = pd.Timestamp(value)
        return f"{stamp:%Y-%m-%d}" if stamp.time() == time() else f"{stamp:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, int | float) or hasattr(value, "dtype"):
        return fmt.exact(round(float(value), 2) if not float(value).is_integer() else int(value))
    return value


def readable(df: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """``df`` as a table may show it (issue 10: never “None”, “nan”, True/False): a column of booleans reads 是/否,
    a column with blank cells is written as text (blanks “—”, see ``cell_text``). Returns the frame and the
    columns turned into text (their number or date formats no longer apply)."""
    out = df.copy()
    changed: set[str] = set()
    for column in out.columns:
        values = out[column]
        is_bool = values.dtype == bool or (values.dtype == object and any(
            isinstance(v, bool) or type(v).__name__ == "bool_" for v in values))
        if is_bool or values.isna().any():
            year = "年份" in str(column) or str(column).endswith("year")  # 2010, never 2,010
            out[column] = [BLANK if _blank(v) else fmt.year(v) if year and not isinstance(v, str) else cell_text(v)
                           for v in values]
            changed.add(str(column))
    return out, changed


def show(df: pd.DataFrame, column_config: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """``st.dataframe`` of ``readable(df)`` (no index, full width unless given): the config of a column turned
    into text is dropped, its cells being already written out."""
    view, changed = readable(df)
    config = {k: v for k, v in (column_config or {}).items() if k not in changed}
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    return st.dataframe(view, column_config=config, **kwargs)


def latest_activities(df: pd.DataFrame) -> None:
    """The newest activities, newest first (社工+志愿 是/否; an organisation's activity has no community: —)."""
    if df.empty:
        st.info("所选范围内还没有活动记录。")
        return
    view = df.assign(linked=df["with_social_worker"].astype(bool) & df["with_volunteers"].astype(bool))
    view = view[list(LATEST_COLUMNS)].rename(columns=LATEST_COLUMNS)
    show(view, column_config={"时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})


def actor_shares(df: pd.DataFrame) -> None:
    """Each community's share of activities joined by each of the five actors, and its index."""
    cols = {"community": "社区名称", "activities": figures.label("activities"),
            **{f: f"{label}参与" for f, label in vocab.ACTORS},
            "index": "五社联动指数"}
    view = df[list(cols)].rename(columns=cols)
    config = {f"{label}参与": st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent")
              for _, label in vocab.ACTORS}
    config["五社联动指数"] = st.column_config.NumberColumn(format="%.1f")
    st.dataframe(view, hide_index=True, width="stretch", column_config=config)


def community_ranking(df: pd.DataFrame) -> None:
    """Communities ranked by the 五社联动 index."""
    if df.empty:
        st.info("所选范围内没有社区。")
        return
    cols = {"rank": "排名", "community": "社区", "street": "街道", "index": "五社联动指数",
            **{k: figures.label(k) for k in ("activities", "linked_activities")}, "hours": figures.tile_label("hours"),
            **{k: figures.label(k) for k in ("people_served", "active_volunteers")}}
    st.dataframe(df[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={"五社联动指数": st.column_config.ProgressColumn(min_value=0, max_value=100,
                                                                          format="%.1f"),
                                cols["hours"]: st.column_config.NumberColumn(format="%,.1f")})


def table_height(rows: int, cap: int = 560) -> int:
    """A dataframe height that shows ``rows`` rows without an inner scroll bar, up to ``cap`` pixels."""
    return min(cap, 38 + 35 * max(rows, 1))


def rate_texts(values: Iterable[Any]) -> list[str]:
    """Rates (0–1) as 98.2%, — where undefined."""
    return [fmt.percent(None if v is None or pd.isna(v) else float(v)) for v in values]


def labelled(df: pd.DataFrame, columns: dict[str, str], **config: Any) -> None:
    """``df``'s ``columns`` (those it has), renamed to their Chinese names, with ``config`` per shown column."""
    show(df[[c for c in columns if c in df]].rename(columns=columns), column_config=config)


def mediation_table(df: pd.DataFrame, group_label: str) -> None:
    """Mediation cases per group (a ``db.organizations.mediation.mediation_breakdown``): received, resolved, concluded
    and the success rate."""
    if df.empty:
        st.info("所选时段内没有调解案件。")
        return
    st.dataframe(pd.DataFrame({
        group_label: df["group"], "受理（件）": df["disputes"], "化解成功（件）": df["disputes_resolved"],
        "已办结（件）": df["disputes_concluded"], "成功率": rate_texts(df["success_rate"]),
    }), hide_index=True, width="stretch", height=table_height(len(df), 420))


def reported_table(df: pd.DataFrame, empty: str = "暂无报道数据。", with_note: bool = False) -> None:
    """Reported figures with qualifier, source and date, beside the count from records (never mixed); ``with_note``
    adds each figure's note (e.g. the report's own words)."""
    if df.empty:
        st.info(empty)
        return

    def reported(r) -> str:
        q = "" if r.qualifier == "=" else f"{r.qualifier} "
        return f"{q}{fmt.exact(r.value) if float(r.value).is_integer() else r.value:}{r.unit}"

    def records(r) -> str:
        if r.record_value is None or pd.isna(r.record_value):
            return "—"
        return f"记录 {fmt.exact(round(r.record_value, 1))}{r.unit}"

    view = pd.DataFrame({
        "主体": df["subject"], "指标": df["metric"],
        "报道数值": [reported(r) for r in df.itertuples()],
        "记录数值（截至报道日）": [records(r) for r in df.itertuples()],
        "截至": pd.to_datetime(df["as_of"]).dt.strftime("%Y-%m-%d"), "来源": df["source"],
        **({"说明": df["note"]} if with_note else {}),
    })
    st.dataframe(view, hide_index=True, width="stretch")
    st.caption("报道数值按原文列示（≥ 表示“余/超/以上”），与系统记录分开显示，不混入统计。")
