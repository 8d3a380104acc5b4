"""Tables with Chinese column names."""

from __future__ import annotations

import pandas as pd
import streamlit as st

LATEST_COLUMNS = {
    "starts_at": "时间", "title": "活动名称", "type": "类型", "community": "社区", "people_served": "服务人次",
    "linked": "社工+志愿",
}


def latest_activities(df: pd.DataFrame) -> None:
    """The newest activities, newest first."""
    if df.empty:
        st.info("所选范围内还没有活动记录。")
        return
    view = df.assign(linked=df["with_social_worker"].astype(bool) & df["with_volunteers"].astype(bool))
    view = view[list(LATEST_COLUMNS)].rename(columns=LATEST_COLUMNS)
    st.dataframe(
        view, hide_index=True, width="stretch",
        column_config={"时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                       "社工+志愿": st.column_config.CheckboxColumn()},
    )


def actor_shares(df: pd.DataFrame) -> None:
    """Each community's share of activities joined by each of the five actors, and its index."""
    from db import vocab

    cols = {"community": "社区名称", "activities": "活动场次", **{f: f"{label}参与" for f, label in vocab.ACTORS},
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
    cols = {"rank": "排名", "community": "社区", "street": "街道", "index": "五社联动指数", "activities": "活动场次",
            "linked_activities": "社工+志愿", "hours": "服务时长（小时）", "people_served": "服务人次",
            "active_volunteers": "活跃志愿者"}
    st.dataframe(df[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={"五社联动指数": st.column_config.ProgressColumn(min_value=0, max_value=100,
                                                                          format="%.1f"),
                                "服务时长（小时）": st.column_config.NumberColumn(format="%,.1f")})
