"""The activity form (录入活动) and the user's recent entries with edit and delete (the edit frame of
``components.forms``)."""

from __future__ import annotations

from datetime import time

import pandas as pd
import streamlit as st

from components import data
from components.activities import data as ad
from components.activities.volunteers import volunteer_list
from components.forms import ANY_DAY, Delete, Edit, edit_form, form_key, run_create, show_flash
from components.tables import show
from db import clock, vocab
from db.activities.writes import (
    ActivityInput,
    create_activity,
    delete_activity,
    update_activity,
)
from db.auth import CurrentUser


def _pick_community(user: CurrentUser, ver: int, key: str, default: int | None = None) -> int | None:
    comms = data.communities(ver, user.scope, None)
    if not comms:
        st.warning("您的数据范围内没有社区，无法录入活动。请联系管理员。")
        return None
    names = dict(comms)
    if len(comms) == 1:
        st.markdown(f"**所属社区**：{comms[0][1]}")
        return comms[0][0]
    ids = list(names)
    index = ids.index(default) if default in ids else 0
    return st.selectbox("所属社区", ids, index=index, format_func=names.get, key=key)


def _form_fields(prefix: str, community_id: int, ver: int, initial: ActivityInput | None,
                 user: CurrentUser | None = None) -> ActivityInput:
    """Draw the fields (inside an open st.form) and return what they hold. No widget bounds a value: what is typed
    reaches the write service, which refuses a value out of range with its Chinese message."""
    options = ad.form_options(ver, community_id, user)
    projects, workers = options.projects, options.social_workers
    project_names, worker_names = dict(projects), dict(workers)
    # No actor is ticked by default: 社会工作者 follows a named 主责社工 and 社区志愿者 the listed volunteers (the
    # service derives both); every other actor counts only when staff tick it.
    init = initial or ActivityInput(activity_date=clock.today(), start_time=time(9, 0), end_time=time(11, 0),
                                    title="", type="联动服务", actors=set())

    c1, c2, c3 = st.columns(3)
    activity_date = c1.date_input("活动日期", value=init.activity_date, key=f"{prefix}date", **ANY_DAY)
    start_time = c2.time_input("开始时间", value=init.start_time, step=900, key=f"{prefix}start")
    end_time = c3.time_input("结束时间", value=init.end_time, step=900, key=f"{prefix}end")
    title = st.text_input("活动名称", value=init.title or "", key=f"{prefix}title")
    c1, c2 = st.columns(2)
    types = list(vocab.ACTIVITY_TYPES)
    a_type = c1.selectbox("活动类型", types, index=types.index(init.type) if init.type in types else 0,
                          key=f"{prefix}type")
    venue = c2.text_input("活动地点", value=init.venue or "", key=f"{prefix}venue")
    project_ids = [None, *project_names]
    c1, c2 = st.columns(2)  # a row of its own, so that Tab goes 类型 → 地点 → 项目 → 主责社工
    project_id = c1.selectbox("所属项目", project_ids,
                              index=project_ids.index(init.project_id) if init.project_id in project_ids else 0,
                              format_func=lambda p: "（不属于项目）" if p is None else project_names[p],
                              key=f"{prefix}project")
    worker_ids = [None, *worker_names]
    lead = c2.selectbox("主责社工", worker_ids,
                        index=worker_ids.index(init.lead_social_worker_id)
                        if init.lead_social_worker_id in worker_ids else 0,
                        format_func=lambda w: "（无）" if w is None else worker_names[w], key=f"{prefix}lead")
    st.markdown("**参与主体**（五社；选了主责社工即计入“社会工作者”，列出志愿者即计入“社区志愿者”）")
    # 社区志愿者 is not a checkbox: it is true exactly when volunteers are listed (db.activities decides).
    choosable = [(name, label) for name, label in vocab.ACTORS if name != "with_volunteers"]
    actor_cols = st.columns(len(choosable))
    actors = {name for (name, label), col in zip(choosable, actor_cols, strict=True)
              if col.checkbox(label, value=name in init.actors, key=f"{prefix}actor_{name}")}
    c1, c2 = st.columns(2)
    people = c1.number_input("服务人次", step=1, value=int(init.people_served or 0), key=f"{prefix}people")
    unique = c2.number_input("服务人数（可选）", step=1, value=init.unique_persons, key=f"{prefix}unique")
    hours_rows = volunteer_list(prefix, community_id, ver, options.volunteers, init.volunteers, user)
    note = st.text_area("备注", value=init.note or "", key=f"{prefix}note", height=68)
    return ActivityInput(
        activity_date=activity_date, start_time=start_time, end_time=end_time, title=title, type=a_type,
        venue=venue, community_id=community_id, project_id=project_id, actors=actors,
        lead_social_worker_id=lead, people_served=people, unique_persons=unique, volunteers=hours_rows, note=note,
    )


def new_activity_form(user: CurrentUser, ver: int | None = None) -> None:
    """The form to record a new activity; one submission writes once (idempotency key per form). Above it, a
    recent activity of the user's scope may be copied in (everything but the date and the day's counts)."""
    ver = data.version() if ver is None else ver
    show_flash("activity_saved")
    key = form_key("activity_form_key")
    copied = _copy_picker(user, ver, key)
    community_id = _pick_community(user, ver, "new_activity_community")
    if community_id is None:
        return
    init = ad.activity_to_copy(ver, user, copied) if copied is not None else None
    if init is not None:
        st.info(f"已复制活动「{init.title}」的内容：请填写活动日期，核对志愿者名单与服务人次后保存。")
    with st.form(f"activity_{key}", border=True, enter_to_submit=False):
        entry = _form_fields(f"new_{key}_{copied or 0}_", community_id, ver, init, user)
        submitted = st.form_submit_button("保存活动", type="primary")
    if submitted:
        # A fresh, empty form for the next entry once saved.
        run_create("activity_form_key", "activity_saved", create_activity, user, entry, lambda activity_id: (
            f"已保存活动「{entry.title.strip()}」（编号 {activity_id}，{len(entry.volunteers)} 名志愿者）。总览已同步更新。"))


def _copy_picker(user: CurrentUser, ver: int, key: str) -> int | None:
    """「复制以前的活动」: the activity whose fields prefill the new entry, or None. Choosing one also chooses its
    community (for a user of several)."""
    choices = ad.copy_choices(ver, user)
    if not choices:
        return None
    names = dict(choices)

    def follow() -> None:
        picked = st.session_state.get(f"copy_from_{key}")
        community_id = ad.activity_to_copy(ver, user, picked).community_id if picked is not None else None
        if community_id is not None:
            st.session_state["new_activity_community"] = community_id

    return st.selectbox("复制以前的活动（可选：预填除日期外的内容）", [None, *names], key=f"copy_from_{key}",
                        format_func=lambda i: "（不复制，从空白开始）" if i is None else names[i], on_change=follow)


def recent_entries_panel(user: CurrentUser, ver: int | None = None) -> None:
    """The user's latest entries, with edit and delete."""
    ver = data.version() if ver is None else ver
    show_flash("entry_changed")
    df = ad.recent_entries(ver, user)
    if df.empty:
        st.info("您还没有录入过活动。")
        return
    view = df.rename(columns={"id": "编号", "starts_at": "时间", "title": "活动名称", "type": "类型",
                              "community": "社区", "people_served": "服务人次", "volunteers": "志愿者"})
    show(view[["编号", "时间", "活动名称", "类型", "社区", "服务人次", "志愿者"]],
         column_config={"时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
    edit_activity(user, ver, [(int(r.id), f"#{r.id} {r.title}（{pd.Timestamp(r.starts_at):%m-%d}）")
                              for r in df.itertuples()], pick_key="edit_pick", flash="entry_changed")


def edit_activity(user: CurrentUser, ver: int, choices: list[tuple[int, str]], *, pick_key: str, flash: str,
                  prefix: str = "") -> None:
    """Pick one of ``choices`` (activities) and edit or delete it with the activity form's own fields, at the version
    it was opened with (a change by anyone since is refused)."""
    edit_form(Edit(
        noun="活动", pick_key=pick_key, flash=flash, pick_label="选择要修改或删除的活动", optional=True, none_label="—",
        load=lambda activity_id: ad.activity_for_edit(ver, user, activity_id),
        fields=lambda key, init: _form_fields(f"{prefix}{key}_", init.community_id, ver, init, user),
        save=lambda session, opened, entry, _key: update_activity(
            session=session, user=user, activity_id=opened.record_id, expected_version=opened.version, data=entry),
        message=lambda opened, _entry, _result: f"活动 #{opened.record_id} 已修改。",
        delete=Delete(confirm="确认删除此活动及其服务记录", button="删除活动",
                      work=lambda session, opened: delete_activity(
                          session=session, user=user, activity_id=opened.record_id,
                          expected_version=opened.version),
                      message=lambda opened: f"活动 #{opened.record_id} 已删除。"),
    ), choices)
