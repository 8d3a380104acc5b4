"""The 志愿者 page's views: 光荣榜 (leaderboards), 星级认定 (star levels), 活跃度 (active rate) and 志愿者档案
(one volunteer's service record and the printable 志愿服务记录证明)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from components import cards, charts, data, filters, fmt
from components.cache import engine
from components.volunteers import data as vd
from db import clock, vocab
from db.auth import CurrentUser
from db.engine import session_scope
from db.errors import WriteError
from db.export import to_csv_bytes
from db.periods import Period, period_of
from db.scope import Scope
from db.volunteers import reads as vol
from db.volunteers.stars import level_counts

COLS = vocab.VOLUNTEER_COLUMNS
ANY = "全部"


def _pick(label: str, options: list[tuple[int, str]], key: str, container=None) -> int | None:
    box = container or st
    names = dict(options)
    return box.selectbox(label, [None, *names], format_func=lambda i: ANY if i is None else names.get(i, "—"),
                         key=key)


def _view(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return df[columns].rename(columns=COLS)


# ================================================================================================ 光荣榜


def board_filters(scope: Scope, ver: int) -> tuple[vol.BoardFilter, str]:
    """Period, team, project, 信用 only and the measure; returns the filter and the measure."""
    with st.container(horizontal=True, vertical_alignment="bottom"):
        period = filters.period_filter(default="year", key="board_period")
        metric = st.segmented_control("排序依据", list(vocab.LEADERBOARD_METRICS),
                                      format_func=lambda m: f"按{vocab.LEADERBOARD_METRICS[m]}", default="hours",
                                      key="board_metric") or "hours"
    with st.container(horizontal=True, vertical_alignment="bottom"):
        team_id = _pick("队伍", vd.teams(ver, scope), "board_team")
        project_id = _pick("项目", vd.projects(ver, scope), "board_project")
        credit_only = st.toggle("仅统计信用时长", key="board_credit",
                                help="信用时长：活动现场记录的时长；荣誉时长：事后补录的时长")
    return vol.BoardFilter(scope, period, team_id, project_id, credit_only), metric


def _board_table(df: pd.DataFrame, value: str, label_col: str, extra: list[str]) -> None:
    """A ranking with the ranked measure drawn as a bar; pixel widths keep it inside its column, unscrolled."""
    top = float(df[value].max()) if len(df) else 1.0
    other = "activities" if value == "hours" else "hours"
    columns = ["rank", label_col, *extra, value, other]
    narrow = label_col == "team"  # the team board sits in the narrower right-hand column
    config = {
        COLS["rank"]: st.column_config.NumberColumn(width=44 if narrow else 48, format="%d"),
        COLS["name"]: st.column_config.TextColumn(width=72),
        COLS["team"]: st.column_config.TextColumn(width=132),
        COLS["community"]: st.column_config.TextColumn(width=110),
        COLS["hours"]: st.column_config.NumberColumn(width=64 if narrow else 96, format="%.1f"),
        COLS["activities"]: st.column_config.NumberColumn(width=64 if narrow else 96, format="%d"),
    }
    config[COLS[value]] = st.column_config.ProgressColumn(
        COLS[value], min_value=0, max_value=max(top, 1.0), format="%.1f" if value == "hours" else "%d",
        width=110 if narrow else 170)
    picked = st.dataframe(_view(df, columns), hide_index=True, width="stretch", height=min(38 + 35 * len(df), 640),
                          column_config=config, key=f"board_pick_{label_col}",
                          **({"on_select": "rerun", "selection_mode": "single-row"} if label_col == "name" else {}))
    rows = list(picked.selection.rows) if label_col == "name" and picked is not None else []
    if rows:
        row = df.iloc[rows[0]]
        st.button(f"查看 {row['name']} 的志愿者档案", icon=":material/badge:", key="board_open_file",
                  on_click=open_file, args=(int(row["volunteer_id"]),))
    elif label_col == "name":
        st.caption("勾选一行可打开该志愿者的档案（服务记录与志愿服务记录证明）。")


def open_file(volunteer_id: int) -> None:
    """Switch to 志愿者档案 showing ``volunteer_id`` (a callback: it runs before the next run draws the tabs)."""
    st.session_state["file_volunteer"] = volunteer_id
    st.session_state["volunteer_tab"] = "志愿者档案"


def _podium(df: pd.DataFrame, metric: str) -> None:
    top = df.head(3)
    if top.empty:
        return
    unit = "小时" if metric == "hours" else "场"
    for col, row in zip(st.columns(3), top.itertuples(), strict=False):
        with col.container(border=True):
            st.metric(f"第 {row.rank} 名", row.name, help="姓名已脱敏显示")
            value = row.hours if metric == "hours" else row.activities
            other = f"{row.activities} 场活动" if metric == "hours" else f"{row.hours:,.1f} 小时"
            st.caption(f"{row.community or row.street}  \n**{fmt.number(value)} {unit}** · {other}")


def leaderboard_tab(scope: Scope, ver: int) -> None:
    f, metric = board_filters(scope, ver)
    totals = vd.board_totals(ver, f)
    kind = "仅信用时长" if f.credit_only else "信用 + 荣誉时长"
    st.caption(f"{data.scope_name(ver, scope)} · {f.period.label()} · {kind} · 已审核记录 · 姓名脱敏显示")
    cols = st.columns(4)
    tiles = (
        ("服务时长（小时）", fmt.number(totals.hours), "所选范围内已审核的服务时长合计（含未参加排行者）"),
        ("服务志愿者（人）", fmt.number(totals.volunteers), "有已审核服务记录的志愿者人数（含未参加排行者）"),
        ("参与活动（场）", fmt.number(totals.activities), "这些服务记录所属的活动场次"),
        ("未参加排行（人）", fmt.number(totals.unranked_volunteers),
         f"本人选择不参加排行或为工作人员：计入合计（共 {totals.unranked_hours:,.1f} 小时），不进入排名"),
    )
    for col, (label, value, help_text) in zip(cols, tiles, strict=True):
        with col.container(border=True):
            st.metric(label, value, help=help_text)
    people = vd.volunteer_board(ver, f, metric)
    teams = vd.team_board(ver, f, metric)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.subheader(f"志愿者光荣榜 · 按{vocab.LEADERBOARD_METRICS[metric]}")
        if people.empty:
            st.info("所选范围和时段内没有可排名的志愿者。")
        else:
            _podium(people, metric)
            _board_table(people, metric, "name", ["community"])
            st.download_button("导出志愿者光荣榜 CSV", to_csv_bytes(_view(people, ["rank", "name", "community", "street",
                                                                         "hours", "activities"])),
                               file_name=f"志愿者光荣榜_{f.period.start}_{f.period.end}.csv", mime="text/csv",
                               key="board_export_people")
    with right:
        st.subheader(f"队伍光荣榜 · 按{vocab.LEADERBOARD_METRICS[metric]}")
        if teams.empty:
            st.info("所选范围和时段内没有队伍成员的服务记录。")
        else:
            _board_table(teams, metric, "team", [])
            st.caption("队伍按成员的服务记录统计（含不参加个人排行的成员）；导出文件另含参与成员人数。")
            st.download_button("导出队伍光荣榜 CSV", to_csv_bytes(_view(teams, ["rank", "team", "community", "street",
                                                                       "hours", "activities", "members"])),
                               file_name=f"队伍光荣榜_{f.period.start}_{f.period.end}.csv", mime="text/csv",
                               key="board_export_teams")
    with st.expander("排名规则"):
        st.markdown(
            f"- 统计所选时段内**已审核**的服务记录（按服务发生的街道、社区、项目筛选）；选择队伍时只统计该队成员。\n"
            f"- 按{vocab.LEADERBOARD_METRICS[metric]}从高到低排列；相同时依次比较"
            f"{'参与活动场次' if metric == 'hours' else '服务时长'}、志愿者编号。\n"
            "- 数值相同者名次相同，其后名次顺延（如 1、2、2、4）。最多显示前 50 名。\n"
            "- 本人选择不参加排行的志愿者和工作人员不进入个人排名，但计入上方合计与队伍光荣榜。\n"
            "- 姓名均脱敏显示（如 张*明）。")


# ============================================================================================== 星级认定


def _level_chart(counts: pd.DataFrame) -> alt.Chart:
    """Volunteers per star level: 达标 (eligible) beside 已认定 (awarded)."""
    long = counts.melt(id_vars=["preset", "rank", "level"], value_vars=["eligible", "awarded"], var_name="kind",
                       value_name="volunteers")
    long["kind"] = long["kind"].map({"eligible": "达标", "awarded": "已认定"})
    if counts["preset"].nunique() > 1:
        long["level"] = long["preset"] + "·" + long["level"]
        order = (counts["preset"] + "·" + counts["level"]).tolist()
    else:
        order = counts["level"].tolist()
    base = alt.Chart(long).encode(
        x=alt.X("level:N", title=None, sort=order, axis=alt.Axis(labelAngle=0, labelLimit=200)),
        xOffset=alt.XOffset("kind:N", sort=["达标", "已认定"]),
        y=alt.Y("volunteers:Q", title="人数"),
        tooltip=[alt.Tooltip("level:N", title="星级"), alt.Tooltip("kind:N", title="状态"),
                 alt.Tooltip("volunteers:Q", title="人数")],
    )
    bars = base.mark_bar(cornerRadiusTopLeft=3, cornerRadiusTopRight=3).encode(
        color=alt.Color("kind:N", title=None, sort=["达标", "已认定"],
                        scale=alt.Scale(domain=["达标", "已认定"], range=[charts.RED, charts.PALETTE[1]])))
    labels = base.mark_text(dy=-7, fontSize=12).encode(text="volunteers:Q")
    return charts.style((bars + labels).properties(height=220))


def _star_view(df: pd.DataFrame) -> pd.DataFrame:
    """Masked names; 状态 = 待认定 when the eligible level is above the awarded one."""
    view = df.assign(
        name=df["name"].map(vol.mask_name), awarded=df["awarded"].fillna("—"), next=df["next"].fillna("—"),
        eligible=df["eligible"].fillna("未达标"),
        awarded_on=[f"{d:%Y-%m-%d}" if d is not None and not pd.isna(d) else "—" for d in df["awarded_on"]],
        status=["待认定" if p else ("已认定" if a else "—") for p, a in zip(df["pending"], df["awarded_rank"],
                                                                        strict=True)],
    )
    return _view(view, ["volunteer_id", "name", "community", "hours", "eligible", "awarded", "status",
                        "awarded_on", "next", "to_next", "preset"])


STAR_CONFIG = {
    COLS["volunteer_id"]: st.column_config.NumberColumn(format="%d", width="small"),
    COLS["hours"]: st.column_config.NumberColumn(format="%.1f"),
    COLS["to_next"]: st.column_config.NumberColumn(format="%.1f"),
}


def stars_tab(user: CurrentUser, scope: Scope, ver: int) -> None:
    from components.volunteers import forms as volunteer_forms

    table = vd.star_table(ver, scope)
    choices = vd.street_presets(ver, scope)
    by_name = {p.name: p for p in vd.presets(ver)}
    for row in choices.itertuples():
        chosen = by_name.get(row.preset)
        how = "" if row.chosen else "（未单独设置，使用默认）"
        st.caption(f"**{row.street}** 采用「{row.preset}」{how}：{chosen.summary() if chosen else '—'}")
    eligible = table[table["eligible_rank"] > 0]
    awarded = table[table["awarded_rank"] > 0]
    pending = table[table["pending"]]
    near = table[(table["eligible_rank"] == 0) & table["to_next"].notna() & (table["to_next"] <= 20)
                 & (table["hours"] > 0)]
    cols = st.columns(4)
    for col, (label, value, help_text) in zip(cols, (
        ("达标志愿者（人）", len(eligible), "已审核服务时长达到一星及以上（达标可申请）"),
        ("已认定（人）", len(awarded), "已认定星级的志愿者（认定为有记录的操作）"),
        ("待认定（人）", len(pending), "达标星级高于已认定星级"),
        ("即将达标（人）", len(near), "距一星不足 20 小时"),
    ), strict=True):
        with col.container(border=True):
            st.metric(label, fmt.number(value), help=help_text)
    counts = level_counts(table)
    if not counts.empty:
        st.markdown("**各星级人数：达标与已认定**")
        st.altair_chart(_level_chart(counts), width="stretch")
    st.subheader("待认定名单（达标可申请）")
    if pending.empty:
        st.info("所选范围内没有待认定的志愿者。")
    elif user.can_write:
        volunteer_forms.award_panel(user, pending, _star_view(pending), STAR_CONFIG)
    else:
        st.dataframe(_star_view(pending), hide_index=True, width="stretch", column_config=STAR_CONFIG)
    st.subheader("星级志愿者一览")
    listed = table[(table["eligible_rank"] > 0) | (table["awarded_rank"] > 0)].sort_values(
        ["hours", "volunteer_id"], ascending=[False, True])
    if listed.empty:
        st.info("所选范围内还没有达到星级的志愿者。")
    else:
        st.dataframe(_star_view(listed), hide_index=True, width="stretch", column_config=STAR_CONFIG, height=420)
        st.download_button("导出星级志愿者 CSV", to_csv_bytes(_star_view(listed)), file_name="星级志愿者.csv",
                           mime="text/csv", key="stars_export")
    if not near.empty:
        with st.expander(f"即将达标：距一星不足 20 小时（{len(near)} 人）"):
            st.dataframe(_star_view(near.sort_values("to_next")), hide_index=True, width="stretch",
                         column_config=STAR_CONFIG)
    if user.is_admin:
        volunteer_forms.preset_admin(user, ver)


# ================================================================================================ 活跃度


def _rate_text(rate: float | None) -> str:
    return fmt.percent(rate)


def active_tab(scope: Scope, ver: int) -> None:
    period = filters.period_filter(default="year", key="active_period")
    values = data.figure_values(ver, ("volunteers", "active_volunteers", "active_rate"), scope, period)
    cards.figure_tiles(values, per_row=3)
    st.caption(f"{data.scope_name(ver, scope)} · {period.label()} · 活跃志愿者：本范围注册的志愿者中，时段内至少有 1 条"
               "已审核服务记录的人；活跃率 = 活跃志愿者 ÷ 注册志愿者（分母为 0 时显示“—”）")
    monthly = vd.active_by_month(ver, scope, period)
    left, right = st.columns(2)
    with left:
        st.markdown("**按月：活跃志愿者与活跃率**")
        if monthly.empty:
            st.info("所选时段内没有数据。")
        else:
            st.altair_chart(_monthly_chart(monthly), width="stretch")
    with right:
        st.markdown("**按社区：活跃率**")
        by_comm = vd.active_by_community(ver, scope, period)
        if by_comm.empty:
            st.info("所选范围内没有志愿者。")
        else:
            st.altair_chart(_community_chart(by_comm), width="stretch")
    by_comm = vd.active_by_community(ver, scope, period)
    view = by_comm.assign(active_rate_text=by_comm["active_rate"].map(_rate_text))
    st.dataframe(
        view[["community", "street", "registered", "active", "active_rate"]].rename(columns=COLS),
        hide_index=True, width="stretch",
        column_config={COLS["active_rate"]: st.column_config.ProgressColumn(min_value=0, max_value=1,
                                                                           format="percent")})
    with st.expander("按月明细"):
        st.dataframe(monthly.rename(columns=COLS), hide_index=True, width="stretch",
                     column_config={COLS["active_rate"]: st.column_config.NumberColumn(format="percent")})


def _monthly_chart(df: pd.DataFrame) -> alt.Chart:
    base = alt.Chart(df).encode(x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-45)))
    bars = base.mark_bar(color=charts.PALETTE[1], opacity=0.85).encode(
        y=alt.Y("active:Q", title="活跃志愿者（人）"),
        tooltip=[alt.Tooltip("month:O", title="月份"), alt.Tooltip("active:Q", title="活跃志愿者"),
                 alt.Tooltip("registered:Q", title="注册志愿者"),
                 alt.Tooltip("active_rate:Q", title="活跃率", format=".1%")],
    )
    line = base.mark_line(color=charts.RED, strokeWidth=2, point=True).encode(
        y=alt.Y("active_rate:Q", title="活跃率", axis=alt.Axis(format="%")))
    return charts.style(alt.layer(bars, line).resolve_scale(y="independent").properties(height=260))


def _community_chart(df: pd.DataFrame) -> alt.Chart:
    data_ = df.dropna(subset=["active_rate"])
    base = alt.Chart(data_).encode(
        y=alt.Y("community:N", title=None, sort="-x", axis=alt.Axis(labelLimit=160, labelOverlap=False)),
        x=alt.X("active_rate:Q", title="活跃率", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("community:N", title="社区"), alt.Tooltip("street:N", title="街道"),
                 alt.Tooltip("active:Q", title="活跃志愿者"), alt.Tooltip("registered:Q", title="注册志愿者"),
                 alt.Tooltip("active_rate:Q", title="活跃率", format=".1%")],
    )
    bars = base.mark_bar(color=charts.RED, cornerRadiusEnd=3)
    labels = base.mark_text(align="left", dx=4, fontSize=12).encode(text=alt.Text("active_rate:Q", format=".1%"))
    return charts.style((bars + labels).properties(height=max(160, 30 * len(data_))))


# ============================================================================================ 志愿者档案


PICKER_LIMIT = 500  # volunteers a picker carries at most; beyond that the 档案 asks for a search first


def file_tab(user: CurrentUser, scope: Scope, ver: int) -> None:
    options = vd.volunteer_options(ver, scope)
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
    if user.can_write:
        from components.volunteers import forms as volunteer_forms

        volunteer_forms.revoke_panel(user, volunteer_id, vd.volunteer_stars(ver, volunteer_id)[1])
    records = vd.service_record(ver, scope, volunteer_id)
    st.subheader("服务记录")
    if records.empty:
        st.info("该志愿者还没有服务记录。")
    else:
        view = _view(records.fillna({"project": "—", "community": "—"}),
                     ["service_date", "title", "type", "community", "project", "hours", "kind", "status", "reason"])
        st.dataframe(view, hide_index=True, width="stretch", height=min(36 + 35 * len(view), 420),
                     column_config={COLS["hours"]: st.column_config.NumberColumn(format="%.1f"),
                                    COLS["service_date"]: st.column_config.DateColumn(format="YYYY-MM-DD")})
    st.subheader("志愿服务记录证明")
    if user.may_write:
        certificate_panel(user, volunteer_id)
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
        cols = st.columns(3)
        tiles = (("累计服务时长（小时）", fmt.number(info.hours)), ("信用时长（小时）", fmt.number(info.credit_hours)),
                 ("荣誉时长（小时）", fmt.number(info.honour_hours)), ("参与活动（场）", fmt.number(info.activities)),
                 ("待审核记录（条）", fmt.number(info.pending)))
        if not star_row.empty:
            tiles += _star_tile(star_row.iloc[0])
        for i, (label, value) in enumerate(tiles):
            with cols[i % 3].container(border=True):
                st.metric(label, value)
        if not star_row.empty:
            s = star_row.iloc[0]
            nxt = "已达最高星级" if s["next"] is None or pd.isna(s["next"]) else \
                f"距「{s['next']}」还需 **{s['to_next']:,.1f}** 小时"
            awarded = "未认定" if not s["awarded_rank"] else f"已认定「{s['awarded']}」"
            st.caption(f"星级标准：{s['preset']} · {awarded} · {nxt}")
        if not awards.empty:
            st.caption("认定记录：" + "；".join(f"{r.awarded_on:%Y-%m-%d} {r.level}（{r.preset}）"
                                           for r in awards.itertuples()))


def _star_tile(row: pd.Series) -> tuple[tuple[str, str]]:
    """(label, value) of the star tile: 星级（已认定） 一星 / 星级（待认定） 二星 / 星级 未达标 (the state in the
    label keeps the value short enough for its tile)."""
    if not row["eligible_rank"]:
        return (("星级", "未达标"),)
    return ((f"星级（{'待认定' if row['pending'] else '已认定'}）", str(row["eligible"])),)


def certificate_panel(user: CurrentUser, volunteer_id: int) -> None:
    today = clock.today()
    with session_scope(engine()) as session:
        issuer_default = vol.default_issuer(session, volunteer_id)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        issuer = st.text_input("出具单位", value=issuer_default, max_chars=60, key=f"cert_issuer_{volunteer_id}")
        span = st.segmented_control("证明时段", ["all", "year", "custom"], default="all", key="cert_span",
                                    format_func={"all": "注册以来", "year": "本年", "custom": "自定义"}.get) or "all"
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
        with session_scope(engine()) as session:
            cert = vol.certificate(session, user, volunteer_id, issued_on=today, period=period, issuer=issuer)
    except WriteError as exc:
        st.error(str(exc))
        return
    html_doc = vol.certificate_html(cert)
    st.download_button("下载志愿服务记录证明（HTML，可直接打印或另存为 PDF）", html_doc.encode("utf-8"),
                       file_name=f"志愿服务记录证明_{cert.number}.html", mime="text/html", type="primary",
                       key="cert_download", icon=":material/download:")
    st.caption(f"证明编号 {cert.number} · {len(cert.lines)} 场活动 · 合计 {cert.total_hours:,.1f} 小时 · "
               "证明载有真实姓名，请妥善保管。")
    st.iframe(html_doc, height=760)
