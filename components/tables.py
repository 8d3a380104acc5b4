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
