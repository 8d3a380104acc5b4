"""志愿者档案: one volunteer's card, service record and star awards, and the printable 志愿服务记录证明."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components import fmt
from components.cards import Tile, tile_grid
from components.downloads import download
from components.filters import segments
from components.tables import show as show_table
from components.volunteers import data as vd
from db import clock, figures, vocab
from db.auth import CurrentUser
from db.errors import WriteError
from db.periods import Period, period_of
from db.privacy import sees_real_names
from db.scope import Scope
from db.volunteers import reads as vol

COLS = vocab.VOLUNTEER_COLUMNS

PICKER_LIMIT = 500  # volunteers a picker carries at most; beyond that the 档案 asks for a search first


def file_tab(user: CurrentUser, scope: Scope, ver: int) -> None:
    options = vd.volunteer_options(ver, scope, sees_real_names(user))
    if not options:
        st.info("所选范围内没有登记的志愿者。")
        return
    labels = dict(options)
    ids = list(labels)
    if len(ids) > PICKER_LIMIT:  # a street of thousands: search first, so the page does not carry every name
        query = st.text_input(f"查找志愿者（共 {len(ids):,} 人；输入姓氏、社区、手机尾号或编号）", key="file_query").strip()
        chosen = st.session_state.get("file_volunteer")
        shown = [i for i in ids if query and query in labels[i]][:PICKER_LIMIT] if query else ids[:PICKER_LIMIT]
        ids = shown if chosen not in labels or chosen in shown else [chosen, *shown]
        if not ids:
            st.info(f"没有找到“{query}”。")
            return
    if st.session_state.get("file_volunteer") not in ids:
        st.session_state["file_volunteer"] = ids[0]
    volunteer_id = st.selectbox("志愿者（可输入姓氏、社区、手机尾号或编号搜索）", ids, format_func=labels.get,
                                key="file_volunteer")
    try:
        info = vd.volunteer_file(ver, scope, volunteer_id)
    except WriteError as exc:
        st.warning(str(exc))
        return
    _profile_card(info, ver)
    if user.may_write:
        from components.volunteers import forms as volunteer_forms

        volunteer_forms.revoke_panel(user, volunteer_id, vd.volunteer_stars(ver, volunteer_id)[1])
    records = vd.service_record(ver, scope, volunteer_id)
    st.subheader("服务记录")
    if records.empty:
        st.info("该志愿者还没有服务记录。")
    else:
        columns = ["service_date", "title", "type", "community", "project", "hours", "kind", "status", "reason"]
        view = records.fillna({"project": "—", "community": "—"})[columns].rename(columns=COLS)
        show_table(view, hide_index=True, width="stretch", height=min(36 + 35 * len(view), 420),
                     column_config={COLS["hours"]: st.column_config.NumberColumn(format="%.1f"),
                                    COLS["service_date"]: st.column_config.DateColumn(format="YYYY-MM-DD")})
    st.subheader("志愿服务记录证明")
    if user.may_write:
        certificate_panel(user, volunteer_id, ver)
    else:
        st.info("志愿服务记录证明载有志愿者的真实姓名，由工作人员或管理员出具。")


def _profile_card(info: vol.VolunteerFile, ver: int) -> None:
    star_row, awards = vd.volunteer_stars(ver, info.id)
    left, right = st.columns([2, 3], gap="large")
    with left.container(border=True):
        st.markdown(f"#### {info.masked_name}　:gray[#{info.id}]")
        flags = []
        if info.leaderboard_opt_out:
            flags.append(":orange-badge[不参加排行]")
        if info.is_staff:
            flags.append(":violet-badge[工作人员]")
        facts = (("性别", info.gender), ("手机", info.phone), ("街道", info.street), ("社区", info.community),
                 ("机构", info.organization), ("注册日期", f"{info.registered_on:%Y-%m-%d}"),
                 ("类别", "、".join(info.tags) or "—"), ("所属队伍", "、".join(info.teams) or "—"))
        for label, value in facts:
            k, v = st.columns([1, 3])
            k.markdown(f":gray[{label}]")
            v.markdown(value)
        if flags:
            st.markdown(" ".join(flags))
    with right:
        tiles = [Tile(f"累计{figures.tile_label('hours')}", fmt.number(info.hours)),
                 Tile(figures.tile_label("credit_hours"), fmt.number(info.credit_hours)),
                 Tile(figures.tile_label("honour_hours"), fmt.number(info.honour_hours)),
                 Tile("参与活动（场）", fmt.number(info.activities)), Tile("待审核记录（条）", fmt.number(info.pending))]
        if not star_row.empty:
            tiles.append(_star_tile(star_row.iloc[0]))
        tile_grid(tiles, per_row=3)
        if not star_row.empty:
            s = star_row.iloc[0]
            nxt = "已达最高星级" if s["next"] is None or pd.isna(s["next"]) else \
                f"距「{s['next']}」还需 **{s['to_next']:,.1f}** 小时"
            awarded = "未认定" if not s["awarded_rank"] else f"已认定「{s['awarded']}」"
            st.caption(f"星级标准：{s['preset']} · {awarded} · {nxt}")
        if not awards.empty:
            st.caption("认定记录：" + "；".join(f"{r.awarded_on:%Y-%m-%d} {r.level}（{r.preset}）"
                                           for r in awards.itertuples()))


def _star_tile(row: pd.Series) -> Tile:
    """The star tile: 星级（已认定） 一星 / 星级（待认定） 二星 / 星级 未达标 (the state in the label keeps the value
    short enough for its tile)."""
    if not row["eligible_rank"]:
        return Tile("星级", "未达标")
    return Tile(f"星级（{'待认定' if row['pending'] else '已认定'}）", str(row["eligible"]))


def certificate_panel(user: CurrentUser, volunteer_id: int, ver: int, today: date | None = None) -> None:
    """The 志愿服务记录证明 of the volunteer over a span, to download and print (staff and admins)."""
    today = today or clock.today()
    issuer_default = vd.default_issuer(ver, volunteer_id)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        issuer = st.text_input("出具单位", value=issuer_default, max_chars=60, key=f"cert_issuer_{volunteer_id}")
        span = segments(st, "证明时段", ["all", "year", "custom"], "all", "cert_span",
                        {"all": "注册以来", "year": "本年", "custom": "自定义"}.get)
    period: Period | None = None
    if span == "year":
        period = period_of("year", today)
    elif span == "custom":
        picked = st.date_input("证明起止日期", value=(period_of("year", today).start, today), max_value=today,
                               key="cert_range")
        if isinstance(picked, tuple) and len(picked) == 2:
            period = period_of("custom", today, picked[0], picked[1])
        else:
            st.caption("请选择开始和结束日期。")
            return
    try:
        cert = vd.certificate(ver, user, volunteer_id, issued_on=today, period=period, issuer=issuer)
    except WriteError as exc:
        st.error(str(exc))
        return
    html_doc = vol.certificate_html(cert)
    download("下载志愿服务记录证明（HTML，可直接打印或另存为 PDF）", html_doc.encode("utf-8"),
             file_name=f"志愿服务记录证明_{cert.number}.html", mime="text/html", type="primary",
             key="cert_download", icon=":material/download:", action="certificate", table="volunteer",
             record_id=volunteer_id, detail={"number": cert.number, "activities": len(cert.lines)})
    st.caption(f"证明编号 {cert.number} · {len(cert.lines)} 场活动 · 合计 {cert.total_hours:,.1f} 小时 · "
               "证明载有真实姓名，请妥善保管。")
    st.iframe(html_doc, height=760)
