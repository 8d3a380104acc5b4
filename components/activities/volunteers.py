"""The volunteer list of the activity form: a table of volunteers and hours (real names for staff, ``db.privacy``),
filled fast — a column of names pasted from a sign-in sheet, the same hours for every row in one action. Drawn
inside the activity's st.form: 「加入名单」 and 「全部填入」 are submit buttons of that form that change the list
(never save); the list is kept in ``st.session_state`` and the table redrawn from it under a new key."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from components.activities import data as ad
from db.activities.reads import PASTE_HINT
from db.activities.writes import VolunteerHours
from db.auth import CurrentUser

VOLUNTEER_COL = "志愿者"
HOURS_COL = "时长（小时）"
PASTE_LABEL = "粘贴签到表姓名"
SAME_HOURS_LABEL = "统一时长（小时）"


def volunteer_list(prefix: str, community_id: int, ver: int, options: list[tuple[int, str]],
                   initial: list[VolunteerHours], user: CurrentUser | None) -> list[VolunteerHours]:
    """The volunteers and hours the form holds (each row as typed: the service judges the hours)."""
    labels = dict(options)
    label_to_id = {label: vid for vid, label in options}
    list_state, rev_state, note_state = f"{prefix}vlist", f"{prefix}vrev", f"{prefix}vnote"
    base: list[VolunteerHours] = st.session_state.setdefault(list_state, list(initial))
    rev = st.session_state.get(rev_state, 0)

    st.markdown("**参与志愿者与服务时长**（时长留空＝按活动时长计；不含路途时间）")
    # Paste and same-hours first (the Tab order follows the work: paste, add, hours, fill, then the table).
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    pasted = c1.text_area(PASTE_LABEL, key=f"{prefix}paste_{rev}", height=68, placeholder=PASTE_HINT)
    add = c1.form_submit_button("加入名单", help="把粘贴的姓名加入下面的名单（不会保存活动）")
    same = c2.text_input(SAME_HOURS_LABEL, key=f"{prefix}same_{rev}", placeholder="如 2")
    fill = c2.form_submit_button("全部填入", help="把统一时长填入名单中每一行（不会保存活动）")
    for level, text in st.session_state.pop(note_state, []):  # shown once, after the action
        (st.warning if level == "warning" else st.info)(text)
    rows = [{VOLUNTEER_COL: labels.get(v.volunteer_id) if v.volunteer_id is not None else None,
             HOURS_COL: _text(v.hours)} for v in base]
    frame = pd.DataFrame(rows, columns=[VOLUNTEER_COL, HOURS_COL]).astype({HOURS_COL: "object"})
    edited = st.data_editor(
        frame, num_rows="dynamic", width="stretch", hide_index=True,
        key=f"{prefix}volunteers" if rev == 0 else f"{prefix}volunteers_{rev}",
        column_config={
            VOLUNTEER_COL: st.column_config.SelectboxColumn(
                VOLUNTEER_COL, options=list(label_to_id), width="large",
                help="输入姓名查找；同名者看手机尾号或编号"),
            # Text, as typed: a blank cell shows blank (not “None”), and a value out of range (−2, 30) reaches the
            # service, which refuses it with its message — a number column would clamp or drop it.
            HOURS_COL: st.column_config.TextColumn(HOURS_COL, help="留空＝按活动时长计；如 2 或 1.5"),
        },
    )
    current = _rows(edited, label_to_id)

    if add or fill:
        notes: list[tuple[str, str]] = []
        if add:
            current = _add_pasted(current, pasted, community_id, ver, user, labels, notes)
        if fill:
            current = _fill_hours(current, same, notes)
        st.session_state[list_state] = current
        st.session_state[rev_state] = rev + 1
        st.session_state[note_state] = notes
        st.rerun()
    return current


def _text(hours: float | str | None) -> str:
    if hours is None or (isinstance(hours, float) and math.isnan(hours)):
        return ""
    return f"{hours:g}" if isinstance(hours, (int, float)) else str(hours)


def _hours(value: object) -> float | str | None:
    """A cell of the hours column as typed: None when blank, else the number or the text (the service reads it)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return value.strip() or None
    return float(value)  # type: ignore[arg-type]


def _rows(edited: pd.DataFrame, label_to_id: dict[str, int]) -> list[VolunteerHours]:
    out = []
    for _, row in edited.iterrows():
        label, hours = row.get(VOLUNTEER_COL), _hours(row.get(HOURS_COL))
        if (label is None or pd.isna(label)) and hours is None:
            continue
        out.append(VolunteerHours(label_to_id.get(label) if isinstance(label, str) else None, hours))
    return out


def _add_pasted(current: list[VolunteerHours], pasted: str, community_id: int, ver: int, user: CurrentUser | None,
                labels: dict[int, str], notes: list[tuple[str, str]]) -> list[VolunteerHours]:
    """The list with the pasted names' volunteers added; every name not added is listed with its reason."""
    if not (pasted or "").strip():
        notes.append(("warning", f"「{PASTE_LABEL}」为空：请先粘贴姓名，{PASTE_HINT}"))
        return current
    if user is None:
        return current
    result = ad.pasted_volunteers(ver, user, community_id, pasted)
    listed = {v.volunteer_id for v in current}
    added = [vid for vid in result.volunteer_ids if vid not in listed]
    already = [labels.get(vid, f"#{vid}") for vid in result.volunteer_ids if vid in listed]
    out = [*current, *(VolunteerHours(vid, None) for vid in added)]
    notes.append(("info", f"已加入 {len(added)} 名志愿者，名单共 {len(out)} 人。"))
    if already:
        notes.append(("info", "已在名单中，未重复加入：" + "、".join(already)))
    if result.problems:
        notes.append(("warning", f"以下 {len(result.problems)} 项未加入（未作猜测，请修改后再加入，或在表中选择）：\n\n"
                      + "\n".join(f"- {p}" for p in result.problems)))
    return out


def _fill_hours(current: list[VolunteerHours], same: str, notes: list[tuple[str, str]]) -> list[VolunteerHours]:
    """Every row's hours set to ``same`` as typed (the service refuses a value out of range when saving)."""
    text = (same or "").strip()
    try:
        hours = float(text)
        if not math.isfinite(hours):
            raise ValueError
    except ValueError:
        notes.append(("warning", f"「{SAME_HOURS_LABEL}」须为数字，如 2 或 1.5；名单未改动"))
        return current
    if not current:
        notes.append(("warning", "名单中还没有志愿者：请先加入志愿者，再统一填入时长"))
        return current
    notes.append(("info", f"已为名单中 {len(current)} 名志愿者填入 {hours:g} 小时。"))
    return [VolunteerHours(v.volunteer_id, hours) for v in current]
