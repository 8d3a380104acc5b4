"""慈善资源: the forms (staff and admins) — 登记资源, 提交需求, 审核, 对接, 完成 (the record frame of
``components.forms``), 撤回/恢复 a resource and 登记捐赠 — each calling a write service of
``db.charity.writes``."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components import data, fmt
from components.charity import data as cd
from components.forms import ANY_DAY, Delete, Edit, FormStates, edit_form, index_of, pick, run_change
from components.tables import labelled
from db import clock, vocab
from db.auth import CurrentUser
from db.charity import corrections
from db.charity import writes as forms
from db.scope import Scope

STATES = FormStates(key="charity_{}_key", flash="charity_{}_saved")


def _places(user: CurrentUser, data_ver: int, *, streets_too: bool) -> dict[tuple[str, int], str]:
    """Where a record can belong: the user's communities and (``streets_too``) their streets' libraries."""
    out: dict[tuple[str, int], str] = {}
    if streets_too and user.scope.community_id is None:
        for sid, name in data.streets(data_ver, user.scope):
            out[("street", sid)] = f"{name}（街道资源库）"
    for cid, name in data.communities(data_ver, user.scope, None):
        out[("community", cid)] = name
    return out


def _place_ids(place: tuple[str, int] | None) -> tuple[int | None, int | None]:
    if place is None:
        return None, None
    return (place[1], None) if place[0] == "street" else (None, place[1])


def _location_fields(prefix: str) -> tuple[str, float | None, float | None]:
    c1, c2, c3 = st.columns([2, 1, 1])
    system = c1.radio("坐标系", list(vocab.COORD_SYSTEMS), format_func=vocab.COORD_SYSTEMS.get, horizontal=True,
                      key=f"{prefix}coord", help="手机 GPS 得到的是 WGS-84，保存时自动转换为 GCJ-02；留空则按所属社区位置显示")
    lng = c2.number_input("经度（可选）", value=None, format="%.6f",
                          key=f"{prefix}lng")
    lat = c3.number_input("纬度（可选）", value=None, format="%.6f", key=f"{prefix}lat")
    return system, lng, lat


def _placed_form(user: CurrentUser, data_ver: int, name: str, *, streets_too: bool, missing: str,
                 fields: Any, submit: str, service: Any, message: Any) -> None:
    """A create form of a record that belongs to a place of the user's (a community, or a street's library):
    ``fields(key, places)`` returns the service's input."""
    STATES.show_flash(name)
    places = _places(user, data_ver, streets_too=streets_too)
    if not places:
        st.warning(missing)
        return
    STATES.create_form(name, lambda key: fields(key, places), submit, service, user, message)


def _resource_fields(key: str, places: dict[tuple[str, int], str]) -> forms.ResourceInput:
    title = st.text_input("资源名称", key=f"res_{key}_title")
    c1, c2 = st.columns(2)
    provider = c1.text_input("提供方", key=f"res_{key}_provider")
    provider_type = c2.selectbox("提供方类型", vocab.PROVIDER_TYPES, key=f"res_{key}_ptype")
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox("资源类别", vocab.RESOURCE_KINDS, key=f"res_{key}_kind")
    amount = c2.number_input("数量", value=None, step=1.0, key=f"res_{key}_amount")
    unit = c3.text_input("单位", placeholder="资金填 元；其他如 份、次、小时", key=f"res_{key}_unit")
    c1, c2 = st.columns(2)
    place = c1.selectbox("所属资源库", list(places), format_func=places.get, key=f"res_{key}_place")
    offered_on = c2.date_input("提供日期", value=clock.today(), **ANY_DAY, key=f"res_{key}_date")
    system, lng, lat = _location_fields(f"res_{key}_")
    street_id, community_id = _place_ids(place)
    return forms.ResourceInput(provider_name=provider, provider_type=provider_type, kind=kind, title=title,
                               amount=amount, unit=unit, offered_on=offered_on, community_id=community_id,
                               street_id=street_id, lng=lng, lat=lat, coord_system=system)


def resource_form(user: CurrentUser, data_ver: int) -> None:
    """登记资源: a resource offered to the library."""
    _placed_form(user, data_ver, "resource", streets_too=True, missing="您的数据范围内没有街道或社区，无法登记资源。",
                 fields=_resource_fields, submit="登记资源", service=forms.offer_resource,
                 message=lambda entry, rid: f"已登记资源「{entry.title.strip()}」（编号 {rid}）。")


def _need_fields(key: str, places: dict[tuple[str, int], str]) -> forms.NeedInput:
    title = st.text_input("需求名称", key=f"need_{key}_title")
    c1, c2, c3 = st.columns(3)
    category = c1.selectbox("需求类别", vocab.RESOURCE_KINDS, key=f"need_{key}_cat")
    amount = c2.number_input("数量", value=None, step=1.0, key=f"need_{key}_amount")
    unit = c3.text_input("单位", placeholder="资金填 元；其他如 份、次、小时", key=f"need_{key}_unit")
    c1, c2, c3 = st.columns(3)
    place = c1.selectbox("所属社区", list(places), format_func=places.get, key=f"need_{key}_place")
    group = c2.selectbox("服务对象", ["", *vocab.BENEFICIARY_GROUPS], format_func=lambda g: g or "（不限）",
                         key=f"need_{key}_group")
    urgency = c3.selectbox("紧急程度", vocab.URGENCIES, index=len(vocab.URGENCIES) - 1, key=f"need_{key}_urgency")
    filed_on = st.date_input("提出日期", value=clock.today(), **ANY_DAY, key=f"need_{key}_date")
    system, lng, lat = _location_fields(f"need_{key}_")
    return forms.NeedInput(title=title, category=category, amount=amount, unit=unit, filed_on=filed_on,
                           community_id=_place_ids(place)[1], beneficiary_group=group, urgency=urgency,
                           lng=lng, lat=lat, coord_system=system)


def need_form(user: CurrentUser, data_ver: int) -> None:
    """提交需求: a community's need; it starts 待审核."""
    _placed_form(user, data_ver, "need", streets_too=False, missing="您的数据范围内没有社区，无法提交需求。",
                 fields=_need_fields, submit="提交需求", service=forms.file_need,
                 message=lambda entry, nid: f"已提交需求「{entry.title.strip()}」（编号 {nid}），等待审核。")


def _need_label(r: Any) -> str:
    return f"#{r.need_id} {r.title} · {r.community} · {fmt.exact(r.amount)}{r.unit}"


def _need_form(name: str, needs: pd.DataFrame, **spec: Any) -> None:
    """A form on one need of ``needs`` (the record frame): the need picked, saved with the version it was shown
    at and the form's idempotency key."""
    STATES.show_flash(name)
    rows = {int(r.need_id): r for r in needs.itertuples()}
    edit_form(Edit(noun="需求", flash=STATES.flash_state(name), key_state=STATES.key_state(name), heading=False,
                   load=lambda need_id: (rows[need_id], int(rows[need_id].version)), **spec),
              [(need_id, _need_label(r)) for need_id, r in rows.items()])


def _review_fields(key: str, need: Any) -> tuple[bool, str]:
    st.caption(f"{need.category} · 服务对象 {need.beneficiary_group or '不限'} · {need.urgency} · "
               f"提出于 {pd.Timestamp(need.filed_on):%Y-%m-%d}")
    decision = st.radio("审核结果", ["approve", "reject"], horizontal=True,
                        format_func={"approve": "通过（待对接）", "reject": "拒绝"}.get, key=f"rev_{key}_decision")
    reason = st.text_input("拒绝理由（拒绝时必填）", key=f"rev_{key}_reason")
    return decision == "approve", reason


def review_panel(user: CurrentUser, data_ver: int, scope: Scope) -> None:
    """审核: approve a 待审核 need, or reject it with a reason."""
    _need_form(
        "review", cd.needs(data_ver, scope, None, ("pending",)), pick_key="charity_review_pick",
        pick_label="待审核的需求", empty="没有待审核的需求。", submit="提交审核", fields=_review_fields,
        save=lambda session, opened, entry, key: forms.review_need(
            session=session, user=user, need_id=opened.record_id, expected_version=opened.version,
            approve=entry[0], reason=entry[1], idempotency_key=key),
        message=lambda opened, entry, nid: (f"需求 #{nid}「{opened.values.title}」已"
                                            f"{'通过审核，待对接' if entry[0] else '拒绝'}。"))


def withdraw_panel(user: CurrentUser, data_ver: int, scope: Scope) -> None:
    """撤回 an 可对接 resource the provider took back, or 恢复 a 撤回 one (earlier matches stay)."""
    STATES.show_flash("withdraw")
    df = cd.resources(data_ver, scope, None)
    df = df[df["status"].isin(["available", "withdrawn"])]
    if df.empty:
        st.info("没有可撤回或恢复的资源。")
        return
    rows = {int(r.resource_id): r for r in df.itertuples()}
    rid = pick("资源", [(i, f"#{i} {r.title} · {r.provider_name} · {r.status_label} · 剩余 {fmt.exact(r.left)}{r.unit}")
                      for i, r in rows.items()], "charity_withdraw_pick", optional=False)
    res = rows[rid]
    withdraw = res.status == "available"
    if st.button("撤回该资源（不再对接）" if withdraw else "恢复该资源", key="charity_withdraw_go"):
        run_change(STATES.flash_state("withdraw"), lambda session: forms.set_resource_withdrawn(
            session=session, user=user, resource_id=rid, expected_version=int(res.version), withdrawn=withdraw),
            lambda status: f"资源 #{rid}「{res.title}」已{'撤回' if withdraw else '恢复'}，当前为"
                           f"「{vocab.RESOURCE_STATUSES[status]}」。")


def match_panel(user: CurrentUser, data_ver: int, scope: Scope) -> None:
    """对接: join a 待对接 need to a resource with something left."""
    def resources(need_id: int) -> pd.DataFrame:
        return cd.candidates(data_ver, user.scope, need_id)

    def ready(opened: Any) -> bool:
        if resources(opened.record_id).empty:
            need = opened.values
            st.warning(f"您可对接的资源中没有「{need.category}」类、以「{need.unit}」计且尚有剩余的资源。"
                       "可先登记资源，或由街道资源库对接。")
            return False
        return True

    def fields(key: str, need: Any) -> tuple[int, float, Any]:
        rows = {int(r.resource_id): r for r in resources(int(need.need_id)).itertuples()}
        resource_id = st.selectbox(
            "对接资源", list(rows), key=f"match_{key}_resource",
            format_func=lambda i: (f"#{i} {rows[i].title} · {rows[i].provider_name}（{rows[i].provider_type}）"
                                   f" · 剩余 {fmt.exact(rows[i].left)}{rows[i].unit}"))
        c1, c2 = st.columns(2)
        amount = c1.number_input(f"对接数量（{need.unit}）", value=float(need.amount), step=1.0,
                                 key=f"match_{key}_amount", help="不能超过需求数量，也不能超过该资源的剩余数量")
        matched_on = c2.date_input("对接日期", value=clock.today(), **ANY_DAY, key=f"match_{key}_date")
        return resource_id, amount, matched_on

    _need_form(
        "match", cd.needs(data_ver, scope, None, ("approved",)), pick_key="charity_match_pick",
        pick_label="待对接的需求", empty="没有待对接的需求。", submit="确认对接", before=ready, fields=fields,
        save=lambda session, opened, entry, key: forms.match_need(
            session=session, user=user, need_id=opened.record_id, expected_version=opened.version,
            resource_id=entry[0], amount=entry[1], matched_on=entry[2], idempotency_key=key),
        message=lambda opened, entry, mid: (f"已将需求 #{opened.record_id}「{opened.values.title}」对接到资源"
                                            f" #{entry[0]}（对接编号 {mid}）。"))


def _complete_fields(key: str, need: Any) -> Any:
    st.caption(f"对接于 {pd.Timestamp(need.matched_on):%Y-%m-%d} · 已对接 {fmt.exact(need.matched)}{need.unit}")
    return st.date_input("完成日期", value=clock.today(), **ANY_DAY, key=f"done_{key}_date")


def complete_panel(user: CurrentUser, data_ver: int, scope: Scope) -> None:
    """完成: a matched need is done."""
    _need_form(
        "complete", cd.needs(data_ver, scope, None, ("matched",)), pick_key="charity_complete_pick",
        pick_label="已对接的需求", empty="没有已对接、待完成的需求。", submit="标记完成", fields=_complete_fields,
        save=lambda session, opened, completed_on, key: forms.complete_need(
            session=session, user=user, need_id=opened.record_id, expected_version=opened.version,
            completed_on=completed_on, idempotency_key=key),
        message=lambda opened, _entry, nid: f"需求 #{nid}「{opened.values.title}」已完成。")


def _donation_fields(key: str, places: dict[tuple[str, int], str], projects: list[tuple[int, str]],
                     init: forms.DonationInput | None = None) -> forms.DonationInput:
    """The donation's fields (inside an open st.form), showing ``init`` when a donation is being corrected."""
    init = init or forms.DonationInput(donor_name="", donor_type=vocab.PROVIDER_TYPES[0], is_money=True,
                                       amount_yuan=None, donated_on=clock.today())
    c1, c2, c3 = st.columns(3)
    donor = c1.text_input("捐赠方", value=init.donor_name or "", key=f"don_{key}_donor")
    types = list(vocab.PROVIDER_TYPES)
    donor_type = c2.selectbox("捐赠方类型", types, index=index_of(types, init.donor_type), key=f"don_{key}_type")
    is_money = c3.radio("捐赠形式", [True, False], index=0 if init.is_money else 1,
                        format_func=vocab.DONATION_FORMS.get, horizontal=True, key=f"don_{key}_money")
    c1, c2, c3 = st.columns(3)
    amount = c1.number_input("金额（元；物资填折价）", value=init.amount_yuan, step=100.0, key=f"don_{key}_amount")
    items = c2.text_input("物资名称（物资捐赠必填）", value=init.items or "", key=f"don_{key}_items")
    quantity = c3.number_input("物资数量（可选）", value=init.quantity, step=1.0, key=f"don_{key}_qty")
    c1, c2, c3 = st.columns(3)
    saved = ("community", init.community_id) if init.community_id else ("street", init.street_id)
    options = list(places)
    place = c1.selectbox("所属街道/社区", options, index=index_of(options, saved),
                         format_func=lambda p: places[p].replace("（街道资源库）", ""), key=f"don_{key}_place")
    project_id = pick("受赠项目（可选）", projects, f"don_{key}_project", box=c2, none_label="（不指定项目）",
                      value=init.project_id)
    recipient = c3.text_input("受赠方（可选）", value=init.recipient or "", key=f"don_{key}_recipient")
    c1, c2 = st.columns(2)
    donated_on = c1.date_input("捐赠日期", value=init.donated_on, **ANY_DAY, key=f"don_{key}_date")
    channels = list(vocab.DONATION_CHANNELS)
    channel = c2.selectbox("捐赠渠道", channels, index=index_of(channels, init.channel), key=f"don_{key}_channel")
    street_id, community_id = _place_ids(place)
    return forms.DonationInput(donor_name=donor, donor_type=donor_type, is_money=is_money, amount_yuan=amount,
                               donated_on=donated_on, community_id=community_id, street_id=street_id,
                               project_id=project_id, recipient=recipient, items=items, quantity=quantity,
                               channel=channel)


def donation_form(user: CurrentUser, data_ver: int) -> None:
    """登记捐赠: money, or goods with an estimated value; below it, 查找与更正 of any donation in the scope."""
    projects = cd.projects(data_ver, user.scope)
    _placed_form(user, data_ver, "donation", streets_too=True, missing="您的数据范围内没有街道或社区，无法登记捐赠。",
                 fields=lambda key, places: _donation_fields(key, places, projects), submit="登记捐赠",
                 service=forms.record_donation,
                 message=lambda entry, did: (f"已登记{vocab.DONATION_FORMS[entry.is_money]}捐赠（编号 {did}）："
                                             f"{(entry.donor_name or '').strip()}。"))
    with st.expander("查找与更正捐赠（修改或删除本范围内任一笔捐赠）", icon=":material/edit_note:"):
        donation_corrections(user, data_ver, projects)


def donation_corrections(user: CurrentUser, data_ver: int, projects: list[tuple[int, str]]) -> None:
    """Any donation of the user's scope, found by date and donor/items text, a page at a time; edit or delete it
    with the version it was opened at (a change by anyone since is refused)."""
    STATES.show_flash("donation_fix")
    today = clock.today()
    c1, c2, c3 = st.columns([2, 2, 1])
    days = c1.date_input("查找日期范围", value=(today.replace(month=1, day=1), today), **ANY_DAY, key="don_fix_range")
    text = c2.text_input("捐赠方、物资或受赠方包含", key="don_fix_text")
    start, end = (days[0], days[-1]) if isinstance(days, tuple | list) and days else (today, today)
    df, total = cd.found_donations(data_ver, user.scope, start, end, text, 0)
    pages = max(1, -(-total // corrections.PAGE_SIZE))
    page = c3.selectbox("页码", range(pages), format_func=lambda p: f"第 {p + 1} 页",
                        key=f"don_fix_page_{start}_{end}_{text}")
    if page:
        df, total = cd.found_donations(data_ver, user.scope, start, end, text, page)
    st.caption(f"共 {total:,} 笔（每页 {corrections.PAGE_SIZE} 笔，第 {page + 1}/{pages} 页），最新的在前。")
    if df.empty:
        st.info("所选日期和条件下没有捐赠记录。")
        return
    labelled(df.assign(form=[vocab.DONATION_FORMS[bool(m)] for m in df["is_money"]],
                       place=[c if isinstance(c, str) and c else s for c, s in zip(df["community"], df["street"],
                                                                                   strict=True)]),
             {"id": "编号", "donated_on": "捐赠日期", "donor_name": "捐赠方", "donor_type": "捐赠方类型",
              "form": "捐赠形式", "amount_yuan": "金额（元）", "items": "物资", "place": "所属"},
             **{"金额（元）": st.column_config.NumberColumn(format="%,.2f"),
                "捐赠日期": st.column_config.DateColumn(format="YYYY-MM-DD")})
    places = _places(user, data_ver, streets_too=True)
    edit_form(Edit(
        noun="捐赠", pick_key="donation_fix_pick", flash=STATES.flash_state("donation_fix"), optional=True,
        none_label="—", pick_label="选择要修改或删除的捐赠",
        load=lambda donation_id: cd.donation_for_edit(data_ver, user, donation_id),
        fields=lambda key, init: _donation_fields(f"fix_{key}", places, projects, init),
        save=lambda session, opened, entry, _key: corrections.update_donation(
            session=session, user=user, donation_id=opened.record_id, expected_version=opened.version, data=entry),
        message=lambda opened, _entry, _result: f"捐赠 #{opened.record_id} 已修改。",
        delete=Delete(confirm="确认删除此捐赠记录", button="删除捐赠",
                      work=lambda session, opened: corrections.delete_donation(
                          session=session, user=user, donation_id=opened.record_id,
                          expected_version=opened.version),
                      message=lambda opened: f"捐赠 #{opened.record_id} 已删除。"),
    ), [(int(r.id), f"#{r.id} {pd.Timestamp(r.donated_on):%Y-%m-%d} {r.donor_name} · {fmt.exact(r.amount_yuan)} 元")
        for r in df.itertuples()])
