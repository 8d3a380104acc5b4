"""The 志愿者 page's forms (staff and admins): review pending records, backfill 荣誉 hours, register and edit
volunteers and teams, award stars, and (admins) the star presets. Every save goes through a db write service;
each form keeps a random idempotency key in the session and replaces it after a successful save."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from components.cache import engine
from components.forms import after_save, form_key, renew_key, run_change, run_create, show_flash
from components.volunteers import data as vd
from db import clock, vocab
from db.auth import CurrentUser
from db.engine import session_scope
from db.errors import WriteError
from db.places.lists import communities
from db.privacy import mask_name, mask_phone
from db.scope import Scope
from db.volunteers import reads as vol
from db.volunteers import writes as st_rules  # star preset edits (moved from db.volunteers.stars)
from db.volunteers import writes as vf

COLS = vocab.VOLUNTEER_COLUMNS


def _key(name: str) -> str:
    """The idempotency key of a form instance (kept until it saves)."""
    return form_key(f"vf_key_{name}")


def _flash(name: str) -> None:
    show_flash(f"vf_flash_{name}")


def _done(name: str, message: str) -> None:
    after_save(f"vf_flash_{name}", message, f"vf_key_{name}")


def _change(name: str, work: Callable[[Any], Any], message: Callable[[Any], str]) -> None:
    """An edit or review in its own write transaction: the refusal, or a fresh form and ``message(result)``."""
    run_change(f"vf_flash_{name}", work, message, f"vf_key_{name}")


# ========================================================================================== star awards


def award_panel(user: CurrentUser, pending: pd.DataFrame, view: pd.DataFrame, config: dict) -> None:
    """The pending list with row selection and 「认定达标星级」 for the selected volunteers."""
    _flash("award")
    picked = st.dataframe(view, hide_index=True, width="stretch", column_config=config, key="award_table",
                          on_select="rerun", selection_mode="multi-row")
    rows = list(picked.selection.rows) if picked is not None else []
    chosen = pending.iloc[rows] if rows else pending.iloc[0:0]
    label = f"认定所选 {len(chosen)} 名志愿者的达标星级" if len(chosen) else "认定达标星级（请先在表格中勾选）"
    if not st.button(label, type="primary", disabled=chosen.empty, key="award_button", icon=":material/star:"):
        return
    key = _key("award")
    done, problems = [], []
    for row in chosen.itertuples():
        try:
            vf.run_write(engine(), None, lambda s, r=row: vf.award_star(
                session=s, user=user, volunteer_id=int(r.volunteer_id), rank=int(r.eligible_rank),
                idempotency_key=f"{key[:40]}-{int(r.volunteer_id)}"))
            done.append(f"{mask_name(row.name)}（{row.eligible}）")
        except WriteError as exc:
            problems.append(f"{mask_name(row.name)}：{exc}")
    if problems:
        st.error("以下认定未保存：\n\n" + "\n".join(f"- {p}" for p in problems))
        if done:
            st.success("已认定：" + "、".join(done))
        renew_key("vf_key_award")
        return
    _done("award", "已认定：" + "、".join(done) + "。认定记录已写入审计日志。")


def revoke_panel(user: CurrentUser, volunteer_id: int, awards: pd.DataFrame) -> None:
    """撤销 the volunteer's highest star award (one made in error), with a reason kept in the audit trail."""
    _flash("revoke")
    if awards.empty:
        return
    top = awards.sort_values(["rank", "awarded_on"], ascending=False).iloc[0]
    with st.expander(f"撤销星级认定（当前最高：{top['level']}）", icon=":material/undo:"):
        st.caption("只能撤销最高一级的认定；撤销及其原因写入审计日志，志愿者将回到“达标可申请”。")
        reason = st.text_input("撤销原因", max_chars=200, key=f"revoke_reason_{volunteer_id}")
        if st.button(f"撤销「{top['level']}」认定", key="revoke_button"):
            _change("revoke", lambda s: vf.revoke_star(session=s, user=user, award_id=int(top["award_id"]),
                                                       reason=reason),
                    lambda _vid: f"已撤销「{top['level']}」认定（{top['awarded_on']:%Y-%m-%d}）。")


# ===================================================================================== presets (admin)


def preset_admin(user: CurrentUser, ver: int) -> None:
    """Admins: which preset each street uses, and the presets' levels."""
    with st.expander("星级标准设置（管理员）", icon=":material/tune:"):
        _flash("preset")
        presets = vd.presets(ver)
        names = {p.id: p.name for p in presets}
        st.markdown("**各街道采用的标准**（未设置的街道使用“全国（默认）”）")
        for row in vd.street_presets(ver, None).itertuples():
            c1, c2, c3 = st.columns([2, 3, 1], vertical_alignment="bottom")
            c1.markdown(f"{row.street}")
            ids = list(names)
            choice = c2.selectbox("星级标准", ids, index=ids.index(row.preset_id) if row.preset_id in ids else 0,
                                  format_func=names.get, key=f"street_preset_{row.street_id}",
                                  label_visibility="collapsed")
            if c3.button("保存", key=f"street_preset_save_{row.street_id}"):
                version = None if pd.isna(row.version) else int(row.version)
                _change("preset", lambda s, r=row, c=choice, v=version: st_rules.choose_street_preset(
                    session=s, user=user, street_id=int(r.street_id), preset_id=int(c), expected_version=v),
                    lambda _, r=row, c=choice: f"{r.street} 已改用「{names[c]}」。")
        st.divider()
        st.markdown("**编辑或新建标准**（档位按时长从低到高；已认定的档位不能删除）")
        options = [None, *names]
        picked = st.selectbox("标准", options, format_func=lambda i: "＋ 新建标准" if i is None else names[i],
                              index=1 if len(options) > 1 else 0, key="preset_pick")
        current = next((p for p in presets if p.id == picked), None)
        with st.form(f"preset_form_{picked}_{_key('preset')}"):
            name = st.text_input("标准名称", value=current.name if current else "", max_chars=30)
            description = st.text_input("说明", value=current.description if current else "", max_chars=200)
            frame = pd.DataFrame([{"星级名称": lv.label, "所需时长（小时）": lv.min_hours}
                                  for lv in (current.levels if current else ())],
                                 columns=["星级名称", "所需时长（小时）"]).astype({"所需时长（小时）": "float"})
            edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, width="stretch",
                                    key=f"preset_levels_{picked}",
                                    column_config={"所需时长（小时）": st.column_config.NumberColumn(
                                        min_value=0.0, step=10.0, format="%.1f")})
            saved = st.form_submit_button("保存标准", type="primary")
        if saved:
            levels = [st_rules.LevelInput(None if pd.isna(r["星级名称"]) else str(r["星级名称"]),
                                          None if pd.isna(r["所需时长（小时）"]) else float(r["所需时长（小时）"]))
                      for _, r in edited.iterrows()]
            _change("preset", lambda s: st_rules.save_preset(
                session=s, user=user, preset_id=current.id if current else None, name=name,
                description=description, levels=levels, expected_version=current.version if current else None),
                lambda _: f"已保存星级标准「{name.strip()}」。")


# ========================================================================================= 登记与审核


def review_panel(user: CurrentUser, scope: Scope, ver: int) -> None:
    _flash("review")
    pending = vd.pending_records(ver, scope)
    if pending.empty:
        st.info("所选范围内没有待审核的服务记录。")
        return
    st.caption(f"共 {len(pending)} 条待审核记录（最早的在前）。勾选后通过或驳回；驳回须填写原因。")
    view = pending[["record_id", "service_date", "title", "community", "name", "hours", "kind", "reason"]]
    picked = st.dataframe(view.rename(columns=COLS), hide_index=True, width="stretch", key="review_table",
                          on_select="rerun", selection_mode="multi-row", height=360,
                          column_config={COLS["hours"]: st.column_config.NumberColumn(format="%.1f"),
                                         COLS["service_date"]: st.column_config.DateColumn(format="YYYY-MM-DD")})
    rows = list(picked.selection.rows) if picked is not None else []
    chosen = pending.iloc[rows]
    reason = st.text_input("驳回原因（驳回时必填）", max_chars=200, key=f"review_reason_{_key('review')}")
    c1, c2, _ = st.columns([1, 1, 3])
    approve = c1.button(f"通过所选（{len(chosen)}）", type="primary", disabled=chosen.empty, key="review_approve")
    reject = c2.button(f"驳回所选（{len(chosen)}）", disabled=chosen.empty, key="review_reject")
    if not (approve or reject):
        return
    records = {int(r.record_id): int(r.version) for r in chosen.itertuples()}
    _change("review", lambda s: vf.review_records(session=s, user=user, records=records, approve=approve,
                                                  reason=reason),
            lambda n: f"已{'通过' if approve else '驳回'} {n} 条服务记录。")


def backfill_panel(user: CurrentUser, scope: Scope, ver: int) -> None:
    _flash("backfill")
    volunteers = vd.volunteer_options(ver, scope)
    with session_scope(engine()) as session:
        activities = vol.activity_options(session, scope, clock.today())
    if not volunteers or not activities:
        st.info("所选范围内没有志愿者或近期活动，无法补录。")
        return
    v_labels, a_labels = dict(volunteers), dict(activities)
    key = _key("backfill")
    with st.form(f"backfill_{key}"):
        st.caption("活动现场未记录的服务，可事后补录为荣誉时长，须写明原因；补录后进入待审核。"
                   "时长须大于 0、不超过活动时长，且同一志愿者不能同时参加两场活动。")
        volunteer_id = st.selectbox("志愿者", list(v_labels), format_func=v_labels.get, index=None,
                                    placeholder="输入姓氏、社区或编号搜索")
        activity_id = st.selectbox("活动", list(a_labels), format_func=a_labels.get, index=None,
                                   placeholder="近 400 天的活动，可输入名称搜索")
        hours = st.number_input("服务时长（小时）", min_value=0.0, max_value=24.0, step=0.5, value=None)
        reason = st.text_input("补录原因", max_chars=200, placeholder="如：活动现场未签到，事后补录")
        submitted = st.form_submit_button("补录荣誉时长", type="primary")
    if not submitted:
        return
    data = vf.BackfillInput(volunteer_id=volunteer_id, activity_id=activity_id, hours=hours, reason=reason)
    run_create("vf_key_backfill", "vf_flash_backfill", vf.backfill_hours, user, data, lambda record_id: f"已补录荣誉时长（记录编号 {record_id}），待审核。")


def _community_options(user: CurrentUser, scope: Scope) -> list[tuple[int, str]]:
    with session_scope(engine()) as session:
        return communities(session, scope)


def _volunteer_fields(user: CurrentUser, scope: Scope, ver: int, init: vf.VolunteerInput | None,
                      masked: str = "", masked_phone: str = "") -> vf.VolunteerInput:
    """The volunteer form's fields (inside an open st.form). When editing, name and phone are never shown:
    left blank, they stay as they are."""
    comms = _community_options(user, scope)
    names = dict(comms)
    team_opts = dict(vd.teams(ver, Scope(street_id=scope.street_id) if scope.community_id is None else scope))
    c1, c2, c3 = st.columns(3)
    if init is None:
        name = c1.text_input("姓名", max_chars=30)
        phone = c2.text_input("手机号码", max_chars=20)
    else:
        name = c1.text_input("姓名（不修改请留空）", max_chars=30, placeholder=f"当前：{masked}")
        phone = c2.text_input("手机号码（不修改请留空）", max_chars=20, placeholder=f"当前：{masked_phone}")
    genders = ["", *vocab.GENDERS]
    gender = c3.selectbox("性别", genders, index=genders.index(init.gender) if init and init.gender in genders else 0,
                          format_func=lambda g: g or "（未填）")
    c1, c2, c3 = st.columns(3)
    ids = list(names)
    default_comm = init.community_id if init and init.community_id in ids else (ids[0] if ids else None)
    community_id = c1.selectbox("所属社区", ids, index=ids.index(default_comm) if default_comm in ids else None,
                                format_func=names.get, placeholder="请选择社区")
    registered_on = c2.date_input("注册日期", value=init.registered_on if init else clock.today(),
                                  max_value=clock.today(), min_value=date(2000, 1, 1))
    birth_year = c3.number_input("出生年份（可选）", min_value=1900, max_value=clock.today().year, step=1,
                                 value=int(init.birth_year) if init and init.birth_year else None)
    tags = st.multiselect("志愿者类别（“双报到”等）", list(vocab.VOLUNTEER_TAGS), default=init.tags if init else [],
                          placeholder="可多选")
    team_ids = st.multiselect("所属队伍", list(team_opts), format_func=team_opts.get, placeholder="可多选",
                              default=[t for t in (init.team_ids if init else []) if t in team_opts])
    c1, c2 = st.columns(2)
    opt_out = c1.checkbox("本人不参加光荣榜排行", value=init.leaderboard_opt_out if init else False)
    is_staff = c2.checkbox("工作人员（不参加个人排行）", value=init.is_staff if init else False)
    return vf.VolunteerInput(
        name=name if (init is None or name.strip()) else init.name,
        phone=phone if (init is None or phone.strip()) else init.phone,
        gender=gender, birth_year=birth_year, community_id=community_id,
        organization_id=init.organization_id if init else None, registered_on=registered_on, tags=tags,
        team_ids=team_ids + [t for t in (init.team_ids if init else []) if t not in team_opts],
        leaderboard_opt_out=opt_out, is_staff=is_staff,
    )


def volunteer_panel(user: CurrentUser, scope: Scope, ver: int) -> None:
    _flash("volunteer")
    new_tab, edit_tab = st.tabs(["登记新志愿者", "修改志愿者信息"])
    with new_tab:
        key = _key("volunteer")
        with st.form(f"volunteer_new_{key}"):
            data = _volunteer_fields(user, scope, ver, None)
            submitted = st.form_submit_button("登记志愿者", type="primary")
        if submitted:
            run_create("vf_key_volunteer", "vf_flash_volunteer", vf.create_volunteer, user, data,
                    lambda new_id: f"已登记志愿者 {mask_name(data.name or '')}（编号 {new_id}）。")
    with edit_tab:
        options = dict(vd.volunteer_options(ver, scope))
        if not options:
            st.info("所选范围内没有志愿者。")
            return
        volunteer_id = st.selectbox("选择志愿者", list(options), format_func=options.get, index=None,
                                    placeholder="输入姓氏、社区或编号搜索", key="volunteer_edit_pick")
        if volunteer_id is None:
            return
        try:
            with session_scope(engine()) as session:
                init, version = vf.volunteer_for_edit(session, user, volunteer_id)
        except WriteError as exc:
            st.warning(str(exc))
            return
        with st.form(f"volunteer_edit_{volunteer_id}_{version}"):
            data = _volunteer_fields(user, scope, ver, init, mask_name(init.name or ""),
                                     mask_phone(init.phone))
            saved = st.form_submit_button("保存修改", type="primary")
        if saved:
            _change("volunteer", lambda s: vf.update_volunteer(
                session=s, user=user, volunteer_id=volunteer_id, expected_version=version, data=data),
                lambda _: f"已保存志愿者 {mask_name(data.name or '')} 的信息。")


def team_panel(user: CurrentUser, scope: Scope, ver: int) -> None:
    _flash("team")
    table = vd.team_table(ver, scope)
    if not table.empty:
        st.dataframe(table[["team", "community", "street", "founded_year", "members", "description"]]
                     .rename(columns={**COLS, "community": "社区 / 机构"}), hide_index=True, width="stretch",
                     height=260, column_config={COLS["founded_year"]: st.column_config.NumberColumn(format="%d")})
    comms = dict(_community_options(user, scope))
    new_tab, edit_tab = st.tabs(["新建队伍", "修改队伍"])

    def fields(init: pd.Series | None, community_id: int | None, org_team: bool = False) -> vf.TeamInput:
        name = st.text_input("队伍名称", value="" if init is None else init["team"], max_chars=60)
        c1, c2 = st.columns(2)
        ids: list[int | None] = [None, *comms] if org_team else list(comms)
        community = c1.selectbox("所属社区", ids, format_func=lambda c: "（机构队伍，不属于社区）" if c is None else comms[c],
                                 index=ids.index(community_id) if community_id in ids else (0 if ids else None),
                                 placeholder="请选择社区")
        founded = c2.number_input("成立年份（可选）", min_value=1949, max_value=clock.today().year, step=1,
                                  value=None if init is None or pd.isna(init["founded_year"])
                                  else int(init["founded_year"]))
        description = st.text_area("说明", value="" if init is None else init["description"], max_chars=500,
                                   height=80)
        return vf.TeamInput(name=name, community_id=community, founded_year=founded, description=description)

    with new_tab:
        key = _key("team")
        with st.form(f"team_new_{key}"):
            data = fields(None, None)
            submitted = st.form_submit_button("新建队伍", type="primary")
        if submitted:
            run_create("vf_key_team", "vf_flash_team", vf.create_team, user, data,
                    lambda team_id: f"已新建队伍「{(data.name or '').strip()}」（编号 {team_id}）。")
    with edit_tab:
        if table.empty:
            st.info("所选范围内没有队伍。")
            return
        names = dict(zip(table["team_id"], table["team"], strict=True))
        team_id = st.selectbox("选择队伍", list(names), format_func=names.get, index=None, key="team_edit_pick",
                               placeholder="请选择要修改的队伍")
        if team_id is None:
            return
        row = table[table["team_id"] == team_id].iloc[0]
        with session_scope(engine()) as session:
            from db.models import VolunteerTeam

            team = session.get(VolunteerTeam, team_id)
            community_id, organization_id = (team.community_id, team.organization_id) if team else (None, None)
        with st.form(f"team_edit_{team_id}_{int(row['version'])}"):
            data = fields(row, community_id, org_team=organization_id is not None)
            data.organization_id = organization_id
            saved = st.form_submit_button("保存修改", type="primary")
        if saved:
            _change("team", lambda s: vf.update_team(
                session=s, user=user, team_id=int(team_id), expected_version=int(row["version"]), data=data),
                lambda _: f"已保存队伍「{(data.name or '').strip()}」。")


def entry_tab(user: CurrentUser, scope: Scope, ver: int) -> None:
    """登记与审核: the four forms of staff and admins."""
    with session_scope(engine()) as session:
        waiting = vol.pending_count(session, scope)
    review, backfill, people, teams = st.tabs([f"审核服务记录（{waiting}）", "补录荣誉时长", "志愿者登记", "队伍"])
    with review:
        review_panel(user, scope, ver)
    with backfill:
        backfill_panel(user, scope, ver)
    with people:
        volunteer_panel(user, scope, ver)
    with teams:
        team_panel(user, scope, ver)
