"""Filters: the scope (street, community) a user may look at, and the reporting period."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from components import data
from db import clock
from db.periods import PERIOD_KINDS, Period, period_of
from db.scope import Scope, narrow

ALL_LABEL = "全部"


def scope_filter(base: Scope, data_ver: int, *, container=None) -> Scope:
    """Street and community pickers within ``base`` (the user's own scope)."""
    box = container or st
    street_id = base.street_id
    streets = data.streets(data_ver, base)
    if base.community_id is None and base.organization_id is None and len(streets) > 1:
        street_names = dict(streets)
        choice = box.selectbox("街道", [None, *street_names],
                               format_func=lambda s: ALL_LABEL if s is None else street_names[s],
                               key="filter_street")
        street_id = choice
    elif len(streets) == 1:
        street_id = streets[0][0]
    community_id = base.community_id
    if base.community_id is None:
        comms = data.communities(data_ver, base, street_id)
        community_names = dict(comms)
        community_id = box.selectbox("社区", [None, *community_names],
                                     format_func=lambda c: ALL_LABEL if c is None else community_names[c],
                                     key="filter_community")
    requested = Scope(street_id=street_id if community_id is None else None, community_id=community_id)
    return narrow(base, requested)


def segments(box, label: str, options: list, default, key: str, format_func=str):
    """A single-choice segmented control whose choice stays chosen: Streamlit's toggles off when its chosen segment
    is clicked again (nothing highlighted, the page silently back on ``default``); this keeps the last choice."""
    last = f"{key}__last"

    def keep() -> None:
        if st.session_state.get(key) is None:
            st.session_state[key] = st.session_state.get(last, default)
        else:
            st.session_state[last] = st.session_state[key]

    return box.segmented_control(label, options, format_func=format_func, default=default, key=key,
                                 on_change=keep) or st.session_state.get(last, default)


def period_filter(today: date | None = None, *, container=None, default: str = "year",
                  key: str = "filter_period") -> Period:
    """本月 / 本季度 / 本年 / 累计 / 自定义."""
    box = container or st
    today = today or clock.today()
    kinds = list(PERIOD_KINDS)
    kind = segments(box, "时段", kinds, default, key, PERIOD_KINDS.get)
    if kind != "custom":
        return period_of(kind, today)
    picked = box.date_input("自定义时段", value=(today - timedelta(days=29), today), max_value=today,
                            key=f"{key}_custom")
    if isinstance(picked, tuple) and len(picked) == 2:
        return period_of("custom", today, picked[0], picked[1])
    box.caption("请选择开始和结束日期；暂按近 30 天显示。")
    return period_of("custom", today, today - timedelta(days=29), today)


def place_picker(base: Scope, data_ver: int, *, key: str = "place") -> tuple[str, int] | None:
    """Pick a street or a community inside ``base``; returns (kind, id) or None when there is nothing."""
    options: list[tuple[str, int]] = []
    labels: dict[tuple[str, int], str] = {}
    if base.community_id is None:
        for sid, name in data.streets(data_ver, base):
            options.append(("street", sid))
            labels[("street", sid)] = f"{name}（街道）"
    for cid, name in data.communities(data_ver, base, None):
        options.append(("community", cid))
        labels[("community", cid)] = name
    if not options:
        st.info("您的数据范围内没有街道或社区。")
        return None
    first_community = next((o for o in options if o[0] == "community"), options[0])
    return st.selectbox("街道 / 社区", options, index=options.index(first_community), format_func=labels.get,
                        key=key)
