"""查找与更正 (issue 10): staff and admins find ANY activity of their scope — by date range, community and title
text, a page at a time — and edit or delete it through the edit frame of ``components.forms`` with the activity
form of ``components.activities.forms`` (the version it was opened at: a change by anyone since is refused; every
change is audited by ``db.activities.writes``). Not only the user's own latest 20."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from components import data
from components.activities import data as ad
from components.activities.forms import edit_activity  # the activity form's edit, reused as it is
from components.forms import ANY_DAY, pick, show_flash
from components.tables import labelled
from db import clock
from db.activities.search import PAGE_SIZE
from db.auth import CurrentUser

FLASH = "correction_changed"

COLUMNS = {"id": "编号", "starts_at": "时间", "title": "活动名称", "type": "类型", "place": "社区/组织",
           "people_served": "服务人次", "volunteers": "志愿者（人）", "entered_by": "录入人"}


def corrections_panel(user: CurrentUser, ver: int | None = None) -> None:
    """Filters, one page of matching activities, and the edit form of the one picked."""
    ver = data.version() if ver is None else ver
    show_flash(FLASH)
    st.caption("查找本范围内任一活动（不限本人录入）进行修改或删除；修改以打开时的版本为准，他人已改动时不会覆盖，每次修改均记入操作日志。")
    today = clock.today()
    c1, c2, c3, c4 = st.columns([2, 2, 2, 1])
    days = c1.date_input("查找日期范围", value=(today - timedelta(days=90), today), **ANY_DAY, key="fix_range")
    start, end = (days[0], days[-1]) if isinstance(days, tuple | list) and days else (today, today)
    community_id = pick("社区", data.communities(ver, user.scope, None), "fix_community", box=c2,
                        none_label="全部社区")
    text = c3.text_input("名称中含有", key="fix_text")
    df, total = ad.found_activities(ver, user.scope, start, end, community_id, text, 0)
    pages = max(1, -(-total // PAGE_SIZE))
    # Keyed by the filters: new filters start at page 1 (never a page past the last).
    page = c4.selectbox("页码", range(pages), format_func=lambda p: f"第 {p + 1} 页",
                        key=f"fix_page_{start}_{end}_{community_id}_{text}")
    if page:
        df, total = ad.found_activities(ver, user.scope, start, end, community_id, text, page)
    st.caption(f"共 {total:,} 场活动（每页 {PAGE_SIZE} 场，第 {page + 1}/{pages} 页），最新的在前。")
    if df.empty:
        st.info("所选日期和条件下没有活动。")
        return
    labelled(df.assign(entered_by=df["entered_by"].fillna("—").replace("", "—"), place=df["place"].fillna("—")),
             COLUMNS, **{"时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
    edit_activity(user, ver, [(int(r.id), f"#{r.id} {r.title}（{pd.Timestamp(r.starts_at):%Y-%m-%d}，{r.place or '—'}）")
                              for r in df.itertuples()], pick_key="fix_pick", flash=FLASH, prefix="fix_")
