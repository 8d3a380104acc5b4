"""The 志愿者 page's forms (staff and admins): review pending records, backfill 荣誉 hours, register and edit
volunteers and teams (the edit frame of ``components.forms``), award and revoke stars, and (admins) the star
presets. Every save goes through a db write service; each form keeps a random idempotency key in the session
and replaces it after a successful save."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data
from components.cache import engine
from components.forms import ANY_DAY, Edit, FormStates, after_save, edit_form, renew_key
from components.tables import show
from components.volunteers import data as vd
from db import clock, vocab
from db.auth import CurrentUser
from db.errors import WriteError
from db.privacy import mask_name, mask_phone, sees_real_names
from db.scope import Scope
from db.volunteers import writes as vf
from db.write import run_write

COLS = vocab.VOLUNTEER_COLUMNS
STATES = FormStates(key="vf_key_{}", flash="vf_flash_{}")


# ========================================================================================== star awards


def award_panel(user: CurrentUser, pending: pd.DataFrame, view: pd.DataFrame, config: dict) -> None:
    """The pending list with row selection and 「认定达标星级」 for the selected volunteers."""
    STATES.show_flash("award")
    picked = show(view, hide_index=True, width="stretch", column_config=config, key="award_table",
                          on_select="rerun", selection_mode="multi-row")
    rows = list(picked.selection.rows) if picked is not None else []
    chosen = pending.iloc[rows] if rows else pending.iloc[0:0]
    label = f"认定所选 {len(chosen)} 名志愿者的达标星级" if len(chosen) else "认定达标星级（请先在表格中勾选）"
    if not st.button(label, type="primary", disabled=chosen.empty, key="award_button", icon=":material/star:"):
        return
    key = STATES.form_key("award")
    done, problems = [], []
    for row in chosen.itertuples():
        try:
            run_write(engine(), None, lambda s, r=row: vf.award_star(
                session=s, user=user, volunteer_id=int(r.volunteer_id), rank=int(r.eligible_rank),
                idempotency_key=f"{key[:40]}-{int(r.volunteer_id)}"))
            done.append(f"{mask_name(row.name)}（{row.eligible}）")
        except WriteError as exc:
            problems.append(f"{mask_name(row.name)}：{exc}")
    if problems:
        st.error("以下认定未保存：\n\n" + "\n".join(f"- {p}" for p in problems))
        if done:
            st.success("已认定：" + "、".join(done))
        renew_key(STATES.key_state("award"))
        return
    after_save(STATES.flash_state("award"), "已认定：" + "、".join(done) + "。认定记录已写入审计日志。",
               STATES.key_state("award"))


def revoke_panel(user: CurrentUser, volunteer_id: int, awards: pd.DataFrame) -> None:
    """撤销 the volunteer's highest star award (one made in error), with a reason kept in the audit trail."""
    STATES.show_flash("revoke")
    if awards.empty:
        return
    top = awards.sort_values(["rank", "awarded_on"], ascending=False).iloc[0]
    with st.expander(f"撤销星级认定（当前最高：{top['level']}）", icon=":material/undo:"):
        st.caption("只能撤销最高一级的认定；撤销及其原因写入审计日志，志愿者将回到“达标可申请”。")
        reason = st.text_input("撤销原因", key=f"revoke_reason_{volunteer_id}")
        if st.button(f"撤销「{top['level']}」认定", key="revoke_button"):
            STATES.change("revoke", lambda s: vf.revoke_star(session=s, user=user, award_id=int(top["award_id"]),
                                                             reason=reason),
                          lambda _vid: f"已撤销「{top['level']}」认定（{top['awarded_on']:%Y-%m-%d}）。")


# ===================================================================================== presets (admin)


def preset_admin(user: CurrentUser, ver: int) -> None:
    """Admins: which preset each street uses, and the presets' levels."""
    with st.expander("星级标准设置（管理员）", icon=":material/tune:"):
        STATES.show_flash("preset")
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
                STATES.change("preset", lambda s, r=row, c=choice, v=version: vf.choose_street_preset(
                    session=s, user=user, street_id=int(r.street_id), preset_id=int(c), expected_version=v),
                    lambda _, r=row, c=choice: f"{r.street} 已改用「{names[c]}」。")
        st.divider()
        st.markdown("**编辑或新建标准**（档位按时长从低到高；已认定的档位不能删除）")
        options = [None, *names]
        picked = st.selectbox("标准", options, format_func=lambda i: "＋ 新建标准" if i is None else names[i],
                              index=1 if len(options) > 1 else 0, key="preset_pick")
        current = next((p for p in presets if p.id == picked), None)
        with st.form(f"preset_form_{picked}_{STATES.form_key('preset')}", enter_to_submit=False):
            name = st.text_input("标准名称", value=current.name if current else "")
            description = st.text_input("说明", value=current.description if current else "")
            frame = pd.DataFrame([{"星级名称": lv.label, "所需时长（小时）": lv.min_hours}
                                  for lv in (current.levels if current else ())],
                                 columns=["星级名称", "所需时长（小时）"]).astype({"所需时长（小时）": "float"})
            edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, width="stretch",
                                    key=f"preset_levels_{picked}",
                                    column_config={"所需时长（小时）": st.column_config.NumberColumn(
                                        step=10.0, format="%.1f")})
            saved = st.form_submit_button("保存标准", type="primary")
        if saved:
            levels = [vf.LevelInput(None if pd.isna(r["星级名称"]) else str(r["星级名称"]),
                                          None if pd.isna(r["所需时长（小时）"]) else float(r["所需时长（小时）"]))
                      for _, r in edited.iterrows()]
            STATES.change("preset", lambda s: vf.save_preset(
                session=s, user=user, preset_id=current.id if current else None, name=name,
                description=description, levels=levels, expected_version=current.version if current else None),
                lambda _: f"已保存星级标准「{name.strip()}」。")


# ========================================================================================= 登记与审核


def review_panel(user: CurrentUser, scope: Scope, ver: int) -> None:
    STATES.show_flash("review")
    pending = vd.pending_records(ver, scope, real_names=sees_real_names(user))
    if pending.empty:
        st.info("所选范围内没有待审核的服务记录。")
        return
    st.caption(f"共 {len(pending)} 条待审核记录（最早的在前）。勾选后通过或驳回；驳回须填写原因。")
    view = pending[["record_id", "service_date", "title", "community", "name", "hours", "kind", "reason"]]
    picked = show(view.rename(columns=COLS), key="review_table",
                          on_select="rerun", selection_mode="multi-row", height=360,
                          column_config={COLS["hours"]: st.column_config.NumberColumn(format="%.1f"),
                                         COLS["service_date"]: st.column_config.DateColumn(format="YYYY-MM-DD")})
    rows = list(picked.selection.rows) if picked is not None else []
    chosen = pending.iloc[rows]
    reason = st.text_input("驳回原因（驳回时必填）", key=f"review_reason_{STATES.form_key('review')}")
    c1, c2, _ = st.columns([1, 1, 3])
    approve = c1.button(f"通过所选（{len(chosen)}）", type="primary", disabled=chosen.empty, key="review_approve")
    reject = c2.button(f"驳回所选（{len(chosen)}）", disabled=chosen.empty, key="review_reject")
    if not (approve or reject):
        return
    records = {int(r.record_id): int(r.version) for r in chosen.itertuples()}
    STATES.change("review", lambda s: vf.review_records(session=s, user=user, records=records, approve=approve,
                                                        reason=reason),
                  lambda n: f"已{'通过' if approve else '驳回'} {n} 条服务记录。")


def backfill_panel(user: CurrentUser, scope: Scope, ver: int) -> None:
    STATES.show_flash("backfill")
    volunteers = vd.volunteer_options(ver, scope, sees_real_names(user))
    activities = vd.activity_options(ver, scope, clock.today())
    if not volunteers or not activities:
        st.info("所选范围内没有志愿者或近期活动，无法补录。")
        return
    v_labels, a_labels = dict(volunteers), dict(activities)
    key = STATES.form_key("backfill")
    with st.form(f"backfill_{key}", enter_to_submit=False):
        st.caption("活动现场未记录的服务，可事后补录为荣誉时长，须写明原因；补录后进入待审核。"
                   "时长须大于 0、不超过活动时长，且同一志愿者不能同时参加两场活动。")
        volunteer_id = st.selectbox("志愿者", list(v_labels), format_func=v_labels.get, index=None,
                                    placeholder="输入姓氏、社区或编号搜索")
        activity_id = st.selectbox("活动", list(a_labels), format_func=a_labels.get, index=None,
                                   placeholder="近 400 天的活动，可输入名称搜索")
        hours = st.number_input("服务时长（小时）", step=0.5, value=None)
        reason = st.text_input("补录原因", placeholder="如：活动现场未签到，事后补录")
        submitted = st.form_submit_button("补录荣誉时长", type="primary")
    if submitted:
        entry = vf.BackfillInput(volunteer_id=volunteer_id, activity_id=activity_id, hours=hours, reason=reason)
        STATES.create("backfill", vf.backfill_hours, user, entry,
                      lambda record_id: f"已补录荣誉时长（记录编号 {record_id}），待审核。")


def _volunteer_fields(scope: Scope, ver: int, init: vf.VolunteerInput | None) -> vf.VolunteerInput:
    """The volunteer form's fields (inside an open st.form). When editing, name and phone are never shown:
    left blank, they stay as they are."""
    names = dict(data.communities(ver, scope, None))
    team_opts = dict(vd.teams(ver, Scope(street_id=scope.street_id) if scope.community_id is None else scope))
    c1, c2, c3 = st.columns(3)
    if init is None:
        name = c1.text_input("姓名")
        phone = c2.text_input("手机号码")
    else:
        name = c1.text_input("姓名（不修改请留空）", placeholder=f"当前：{mask_name(init.name or '')}")
        phone = c2.text_input("手机号码（不修改请留空）", placeholder=f"当前：{mask_phone(init.phone)}")
    genders = ["", *vocab.GENDERS]
    gender = c3.selectbox("性别", genders, index=genders.index(init.gender) if init and init.gender in genders else 0,
                          format_func=lambda g: g or "（未填）")
    c1, c2, c3 = st.columns(3)
    ids = list(names)
    default_comm = init.community_id if init and init.community_id in ids else (ids[0] if ids else None)
    community_id = c1.selectbox("所属社区", ids, index=ids.index(default_comm) if default_comm in ids else None,
                                format_func=names.get, placeholder="请选择社区")
    registered_on = c2.date_input("注册日期", value=init.registered_on if init else clock.today(), **ANY_DAY)
    birth_year = c3.number_input("出生年份（可选）", step=1,
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
    STATES.show_flash("volunteer")
    new_tab, edit_tab = st.tabs(["登记新志愿者", "修改志愿者信息"])
    with new_tab:
        STATES.create_form("volunteer", lambda _key: _volunteer_fields(scope, ver, None), "登记志愿者",
                           vf.create_volunteer, user,
                           lambda entry, new_id: f"已登记志愿者 {mask_name(entry.name or '')}（编号 {new_id}）。")
    with edit_tab:
        edit_form(Edit(
            noun="志愿者", pick_key="volunteer_edit_pick", flash=STATES.flash_state("volunteer"),
            pick_label="选择志愿者", placeholder="输入姓名、社区或编号搜索",
            load=lambda volunteer_id: vd.volunteer_for_edit(ver, user, volunteer_id),
            fields=lambda _key, init: _volunteer_fields(scope, ver, init),
            save=lambda session, opened, entry, _key: vf.update_volunteer(
                session=session, user=user, volunteer_id=opened.record_id, expected_version=opened.version,
                data=entry),
            message=lambda _opened, entry, _result: f"已保存志愿者 {mask_name(entry.name or '')} 的信息。",
        ), vd.volunteer_options(ver, scope, sees_real_names(user)))


def _team_fields(communities: dict[int, str], init: vf.TeamInput | None) -> vf.TeamInput:
    """The team form's fields (inside an open st.form); an organisation's team may belong to no community."""
    init = init or vf.TeamInput(name="")
    org_team = init.organization_id is not None
    name = st.text_input("队伍名称", value=init.name or "")
    c1, c2 = st.columns(2)
    ids: list[int | None] = [None, *communities] if org_team else list(communities)
    community = c1.selectbox("所属社区", ids, format_func=lambda c: "（机构队伍，不属于社区）" if c is None else communities[c],
                             index=ids.index(init.community_id) if init.community_id in ids else (0 if ids else None),
                             placeholder="请选择社区")
    founded = c2.number_input("成立年份（可选）", step=1,
                              value=None if init.founded_year is None or pd.isna(init.founded_year)
                              else int(init.founded_year))
    description = st.text_area("说明", value=init.description or "", height=80)
    return vf.TeamInput(name=name, community_id=community, organization_id=init.organization_id,
                        founded_year=founded, description=description)


def team_panel(user: CurrentUser, scope: Scope, ver: int) -> None:
    STATES.show_flash("team")
    table = vd.team_table(ver, scope)
    if not table.empty:
        show(table[["team", "community", "street", "founded_year", "members", "description"]]
                     .rename(columns={**COLS, "community": "社区 / 机构"}), hide_index=True, width="stretch",
                     height=260, column_config={COLS["founded_year"]: st.column_config.NumberColumn(format="%d")})
    communities = dict(data.communities(ver, scope, None))
    new_tab, edit_tab = st.tabs(["新建队伍", "修改队伍"])
    with new_tab:
        STATES.create_form("team", lambda _key: _team_fields(communities, None), "新建队伍", vf.create_team, user,
                           lambda entry, team_id: f"已新建队伍「{(entry.name or '').strip()}」（编号 {team_id}）。")
    with edit_tab:
        edit_form(Edit(
            noun="队伍", pick_key="team_edit_pick", flash=STATES.flash_state("team"), pick_label="选择队伍",
            placeholder="请选择要修改的队伍",
            load=lambda team_id: vd.team_for_edit(ver, user, team_id),
            fields=lambda _key, init: _team_fields(communities, init),
            save=lambda session, opened, entry, _key: vf.update_team(
                session=session, user=user, team_id=opened.record_id, expected_version=opened.version, data=entry),
            message=lambda _opened, entry, _result: f"已保存队伍「{(entry.name or '').strip()}」。",
        ), [(int(team_id), name) for team_id, name in zip(table["team_id"], table["team"], strict=True)])


def entry_tab(user: CurrentUser, scope: Scope, ver: int) -> None:
    """登记与审核: the four forms of staff and admins."""
    waiting = vd.pending_count(ver, scope)
    review, backfill, people, teams = st.tabs([f"审核服务记录（{waiting}）", "补录荣誉时长", "志愿者登记", "队伍"])
    with review:
        review_panel(user, scope, ver)
    with backfill:
        backfill_panel(user, scope, ver)
    with people:
        volunteer_panel(user, scope, ver)
    with teams:
        team_panel(user, scope, ver)
