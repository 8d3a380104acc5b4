"""The activity form (录入活动) and the user's recent entries with edit and delete."""

from __future__ import annotations

import uuid
from datetime import time

import pandas as pd
import streamlit as st

from components.cache import engine
from components.forms import after_save, form_key, run_create, show_flash, show_refusal
from db import clock, vocab
from db.activities.writes import (
    ActivityInput,
    VolunteerHours,
    activity_for_edit,
    create_activity,
    delete_activity,
    recent_entries,
    update_activity,
)
from db.auth import CurrentUser
from db.engine import session_scope
from db.errors import WriteError
from db.places import lists as queries

VOLUNTEER_COL = "志愿者"
HOURS_COL = "时长（小时）"


def _options(user: CurrentUser, community_id: int | None):
    with session_scope(engine()) as session:
        street_id = queries.street_of_community(session, community_id) if community_id else None
        return (
            queries.projects_for(session, street_id, community_id),
            queries.social_workers_for(session, street_id),
            queries.volunteer_options(session, street_id, community_id),
        )


def _pick_community(user: CurrentUser, key: str, default: int | None = None) -> int | None:
    with session_scope(engine()) as session:
        comms = queries.communities(session, user.scope)
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


def _form_fields(prefix: str, community_id: int, user: CurrentUser, initial: ActivityInput | None) -> ActivityInput:
    """Draw the fields (inside an open st.form) and return what they hold."""
    projects, workers, volunteers = _options(user, community_id)
    project_names, worker_names, volunteer_labels = dict(projects), dict(workers), dict(volunteers)
    label_to_id = {label: vid for vid, label in volunteers}
    init = initial or ActivityInput(activity_date=clock.today(), start_time=time(9, 0), end_time=time(11, 0),
                                    title="", type="联动服务", actors={"with_community", "with_social_worker"})

    c1, c2, c3 = st.columns(3)
    activity_date = c1.date_input("活动日期", value=init.activity_date, max_value=clock.today(), key=f"{prefix}date")
    start_time = c2.time_input("开始时间", value=init.start_time, step=900, key=f"{prefix}start")
    end_time = c3.time_input("结束时间", value=init.end_time, step=900, key=f"{prefix}end")
    title = st.text_input("活动名称", value=init.title or "", max_chars=100, key=f"{prefix}title")
    c1, c2 = st.columns(2)
    types = list(vocab.ACTIVITY_TYPES)
    a_type = c1.selectbox("活动类型", types, index=types.index(init.type) if init.type in types else 0,
                          key=f"{prefix}type")
    venue = c2.text_input("活动地点", value=init.venue or "", max_chars=100, key=f"{prefix}venue")
    project_ids = [None, *project_names]
    project_id = c1.selectbox("所属项目", project_ids,
                              index=project_ids.index(init.project_id) if init.project_id in project_ids else 0,
                              format_func=lambda p: "（不属于项目）" if p is None else project_names[p],
                              key=f"{prefix}project")
    worker_ids = [None, *worker_names]
    lead = c2.selectbox("主责社工", worker_ids,
                        index=worker_ids.index(init.lead_social_worker_id)
                        if init.lead_social_worker_id in worker_ids else 0,
                        format_func=lambda w: "（无）" if w is None else worker_names[w], key=f"{prefix}lead")
    st.markdown("**参与主体**（五社；“社区志愿者”按下方所列志愿者自动计入）")
    # 社区志愿者 is not a checkbox: it is true exactly when volunteers are listed (db.activities decides).
    choosable = [(name, label) for name, label in vocab.ACTORS if name != "with_volunteers"]
    actor_cols = st.columns(len(choosable))
    actors = {name for (name, label), col in zip(choosable, actor_cols, strict=True)
              if col.checkbox(label, value=name in init.actors, key=f"{prefix}actor_{name}")}
    c1, c2 = st.columns(2)
    people = c1.number_input("服务人次", min_value=0, max_value=100_000, step=1,
                             value=int(init.people_served or 0), key=f"{prefix}people")
    unique = c2.number_input("服务人数（可选）", min_value=0, max_value=100_000, step=1,
                             value=init.unique_persons, key=f"{prefix}unique")
    st.markdown("**参与志愿者与服务时长**（时长留空＝按活动时长计；不含路途时间）")
    rows = [{VOLUNTEER_COL: volunteer_labels.get(v.volunteer_id), HOURS_COL: v.hours} for v in init.volunteers]
    frame = pd.DataFrame(rows or [], columns=[VOLUNTEER_COL, HOURS_COL]).astype({HOURS_COL: "float"})
    edited = st.data_editor(
        frame, num_rows="dynamic", width="stretch", hide_index=True, key=f"{prefix}volunteers",
        column_config={
            VOLUNTEER_COL: st.column_config.SelectboxColumn(VOLUNTEER_COL, options=list(label_to_id), width="large"),
            HOURS_COL: st.column_config.NumberColumn(HOURS_COL, min_value=0.0, max_value=24.0, step=0.5,
                                                     format="%.1f"),
        },
    )
    note = st.text_area("备注", value=init.note or "", max_chars=1000, key=f"{prefix}note", height=68)
    hours_rows = []
    for _, row in edited.iterrows():
        label, hours = row.get(VOLUNTEER_COL), row.get(HOURS_COL)
        hours = None if hours is None or pd.isna(hours) else float(hours)
        if (label is None or pd.isna(label)) and hours is None:
            continue
        hours_rows.append(VolunteerHours(label_to_id.get(label) if isinstance(label, str) else None, hours))
    return ActivityInput(
        activity_date=activity_date, start_time=start_time, end_time=end_time, title=title, type=a_type,
        venue=venue, community_id=community_id, project_id=project_id, actors=actors,
        lead_social_worker_id=lead, people_served=people, unique_persons=unique, volunteers=hours_rows, note=note,
    )


def new_activity_form(user: CurrentUser) -> None:
    """The form to record a new activity; one submission writes once (idempotency key per form)."""
    show_flash("activity_saved")
    community_id = _pick_community(user, "new_activity_community")
    if community_id is None:
        return
    key = form_key("activity_form_key")
    with st.form(f"activity_{key}", border=True):
        data = _form_fields(f"new_{key}_", community_id, user, None)
        submitted = st.form_submit_button("保存活动", type="primary")
    if submitted:
        # A fresh, empty form for the next entry once saved.
        run_create("activity_form_key", "activity_saved", create_activity, user, data, lambda activity_id: (
            f"已保存活动「{data.title.strip()}」（编号 {activity_id}，{len(data.volunteers)} 名志愿者）。总览已同步更新。"))


def recent_entries_panel(user: CurrentUser) -> None:
    """The user's latest entries, with edit and delete."""
    show_flash("entry_changed")
    with session_scope(engine()) as session:
        df = recent_entries(session, user)
    if df.empty:
        st.info("您还没有录入过活动。")
        return
    view = df.rename(columns={"id": "编号", "starts_at": "时间", "title": "活动名称", "type": "类型",
                              "community": "社区", "people_served": "服务人次", "volunteers": "志愿者"})
    st.dataframe(view[["编号", "时间", "活动名称", "类型", "社区", "服务人次", "志愿者"]], hide_index=True,
                 width="stretch",
                 column_config={"时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
    titles = {int(r.id): f"#{r.id} {r.title}（{pd.Timestamp(r.starts_at):%m-%d}）" for r in df.itertuples()}
    chosen = st.selectbox("选择要修改或删除的活动", [None, *titles], format_func=lambda i: "—" if i is None else titles[i],
                          key="edit_pick")
    if chosen is None:
        return
    _edit_form(user, chosen)


def _edit_form(user: CurrentUser, activity_id: int) -> None:
    # The version is captured when the record is opened: a save refuses if anyone changed it since.
    opened = st.session_state.get("edit_opened")
    if not opened or opened[0] != activity_id:
        try:
            with session_scope(engine()) as session:
                initial, ver = activity_for_edit(session, user, activity_id)
        except WriteError as exc:
            st.error(str(exc))
            return
        opened = (activity_id, ver, initial, uuid.uuid4().hex)
        st.session_state["edit_opened"] = opened
    _, ver, initial, nonce = opened
    community_id = initial.community_id
    with st.form(f"edit_{nonce}", border=True):
        st.markdown(f"**修改活动 #{activity_id}**（版本 {ver}）")
        data = _form_fields(f"edit_{nonce}_", community_id, user, initial)
        c1, c2 = st.columns([1, 1])
        save = c1.form_submit_button("保存修改", type="primary")
        confirm = c2.checkbox("确认删除此活动及其服务记录", key=f"confirm_{nonce}")
        remove = c2.form_submit_button("删除活动")
    if not (save or remove):
        return
    try:
        with session_scope(engine(), write=True) as session:
            if save:
                update_activity(session=session, user=user, activity_id=activity_id, expected_version=ver, data=data)
            elif confirm:
                delete_activity(session=session, user=user, activity_id=activity_id, expected_version=ver)
            else:
                st.warning("请先勾选「确认删除此活动及其服务记录」。")
                return
    except WriteError as exc:
        show_refusal(exc)
    else:
        st.session_state.pop("edit_opened", None)
        st.session_state.pop("edit_pick", None)
        after_save("entry_changed", f"活动 #{activity_id} 已{'修改' if save else '删除'}。")
