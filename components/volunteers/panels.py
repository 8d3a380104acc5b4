"""The 志愿者 page's views: 光荣榜 (leaderboards), 星级认定 (star levels) and 活跃度 (active rate); 志愿者档案 is in
``components.volunteers.profile`` and the forms in ``components.volunteers.forms``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import cards, data, filters, fmt
from components.cards import Tile, tile_grid
from components.charts import chart_or_info
from components.downloads import download
from components.filters import segments
from components.forms import pick, run_change, show_flash
from components.tables import show, table_height
from components.volunteers import charts
from components.volunteers import data as vd
from db import figures, vocab
from db.auth import CurrentUser
from db.charity import corrections
from db.export import to_csv_bytes
from db.privacy import mask_name, sees_real_names
from db.scope import Scope, narrow
from db.volunteers import reads as vol
from db.volunteers import writes as vw
from db.volunteers.stars import level_counts

COLS = vocab.VOLUNTEER_COLUMNS
ANY = "全部"


def _view(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return df[columns].rename(columns=COLS)


# ================================================================================================ 光荣榜


def board_filters(scope: Scope, ver: int) -> tuple[vol.BoardFilter, str]:
    """Period, team, project, 信用 only and the measure; returns the filter and the measure."""
    with st.container(horizontal=True, vertical_alignment="bottom"):
        period = filters.period_filter(default="year", key="board_period")
        metric = segments(st, "排序依据", list(vocab.LEADERBOARD_METRICS), "hours", "board_metric",
                          lambda m: f"按{vocab.LEADERBOARD_METRICS[m]}")
    with st.container(horizontal=True, vertical_alignment="bottom"):
        team_id = pick("队伍", vd.teams(ver, scope), "board_team", none_label=ANY)
        project_id = pick("项目", vd.projects(ver, scope), "board_project", none_label=ANY)
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
    picked = show(_view(df, columns), hide_index=True, width="stretch", height=min(38 + 35 * len(df), 640),
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
    unit = "小时" if metric == "hours" else "场"

    def tile(row) -> Tile:
        value = row.hours if metric == "hours" else row.activities
        other = f"{row.activities} 场活动" if metric == "hours" else f"{row.hours:,.1f} 小时"
        return Tile(f"第 {row.rank} 名", row.name, "姓名已脱敏显示",
                    note=f"{row.community or row.street}  \n**{fmt.number(value)} {unit}** · {other}")

    tile_grid([tile(row) for row in df.head(3).itertuples()], per_row=3, height=168)


def leaderboard_tab(scope: Scope, ver: int) -> None:
    f, metric = board_filters(scope, ver)
    totals = vd.board_totals(ver, f)
    kind = "仅信用时长" if f.credit_only else "信用 + 荣誉时长"
    st.caption(f"{data.scope_name(ver, scope)} · {f.period.label()} · {kind} · 已审核记录 · 姓名脱敏显示")
    tile_grid([
        Tile(figures.tile_label("hours"), fmt.number(totals.hours), "所选范围内已审核的服务时长合计（含未参加排行者）"),
        Tile("服务志愿者（人）", fmt.number(totals.volunteers), "有已审核服务记录的志愿者人数（含未参加排行者）"),
        Tile("参与活动（场）", fmt.number(totals.activities), "这些服务记录所属的活动场次"),
        Tile("未参加排行（人）", fmt.number(totals.unranked_volunteers),
             f"本人选择不参加排行或为工作人员：计入合计（共 {totals.unranked_hours:,.1f} 小时），不进入排名"),
    ], per_row=4)
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
            download("导出志愿者光荣榜 CSV", to_csv_bytes(_view(people, ["rank", "name", "community", "street",
                                                                "hours", "activities"])),
                     file_name=f"志愿者光荣榜_{f.period.start}_{f.period.end}.csv", mime="text/csv",
                     key="board_export_people", table="volunteer", detail={"rows": len(people)})
    with right:
        st.subheader(f"队伍光荣榜 · 按{vocab.LEADERBOARD_METRICS[metric]}")
        if teams.empty:
            st.info("所选范围和时段内没有队伍成员的服务记录。")
        else:
            _board_table(teams, metric, "team", [])
            st.caption("队伍按成员的服务记录统计（含不参加个人排行的成员）；导出文件另含参与成员人数。")
            download("导出队伍光荣榜 CSV", to_csv_bytes(_view(teams, ["rank", "team", "community", "street",
                                                              "hours", "activities", "members"])),
                     file_name=f"队伍光荣榜_{f.period.start}_{f.period.end}.csv", mime="text/csv",
                     key="board_export_teams", table="volunteerteam", detail={"rows": len(teams)})
    with st.expander("排名规则"):
        st.markdown(
            f"- 统计所选时段内**已审核**的服务记录（按服务发生的街道、社区、项目筛选）；选择队伍时只统计该队成员。\n"
            f"- 按{vocab.LEADERBOARD_METRICS[metric]}从高到低排列；相同时依次比较"
            f"{'参与活动场次' if metric == 'hours' else '服务时长'}、志愿者编号。\n"
            "- 数值相同者名次相同，其后名次顺延（如 1、2、2、4）。最多显示前 50 名。\n"
            "- 本人选择不参加排行的志愿者和工作人员不进入个人排名，但计入上方合计与队伍光荣榜。\n"
            "- 姓名均脱敏显示（如 张*明）。")


# ============================================================================================== 星级认定


def _star_view(df: pd.DataFrame) -> pd.DataFrame:
    """Masked names; 状态 = 待认定 when the eligible level is above the awarded one."""
    view = df.assign(
        name=df["name"].map(mask_name), awarded=df["awarded"].fillna("—"), next=df["next"].fillna("—"),
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
    tile_grid([
        Tile("达标志愿者（人）", fmt.number(len(eligible)), "已审核服务时长达到一星及以上（达标可申请）"),
        Tile("已认定（人）", fmt.number(len(awarded)), "已认定星级的志愿者（认定为有记录的操作）"),
        Tile("待认定（人）", fmt.number(len(pending)), "达标星级高于已认定星级"),
        Tile("即将达标（人）", fmt.number(len(near)), "距一星不足 20 小时"),
    ], per_row=4)
    counts = level_counts(table)
    if not counts.empty:
        st.markdown("**各星级人数：达标与已认定**")
        st.altair_chart(charts.level_chart(counts), width="stretch")
    st.subheader("待认定名单（达标可申请）")
    if pending.empty:
        st.info("所选范围内没有待认定的志愿者。")
    elif user.may_write:
        volunteer_forms.award_panel(user, pending, _star_view(pending), STAR_CONFIG)
    else:
        show(_star_view(pending), hide_index=True, width="stretch", column_config=STAR_CONFIG)
    st.subheader("星级志愿者一览")
    listed = table[(table["eligible_rank"] > 0) | (table["awarded_rank"] > 0)].sort_values(
        ["hours", "volunteer_id"], ascending=[False, True])
    if listed.empty:
        st.info("所选范围内还没有达到星级的志愿者。")
    else:
        show(_star_view(listed), hide_index=True, width="stretch", column_config=STAR_CONFIG, height=420)
        download("导出星级志愿者 CSV", to_csv_bytes(_star_view(listed)), file_name="星级志愿者.csv",
                 mime="text/csv", key="stars_export", table="staraward", detail={"rows": len(listed)})
    if not near.empty:
        with st.expander(f"即将达标：距一星不足 20 小时（{len(near)} 人）"):
            show(_star_view(near.sort_values("to_next")), hide_index=True, width="stretch",
                         column_config=STAR_CONFIG)
    if user.is_admin:
        volunteer_forms.preset_admin(user, ver)


# ================================================================================================ 活跃度


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
        chart_or_info(st, monthly, charts.monthly_active_chart, "所选时段内没有数据。")
    by_comm = vd.active_by_community(ver, scope, period)
    with right:
        st.markdown("**按社区：活跃率**")
        chart_or_info(st, by_comm, charts.community_active_chart, "所选范围内没有志愿者。")
    show(
        by_comm[["community", "street", "registered", "active", "active_rate"]].rename(columns=COLS),
        hide_index=True, width="stretch",
        column_config={COLS["active_rate"]: st.column_config.ProgressColumn(min_value=0, max_value=1,
                                                                           format="percent")})
    with st.expander("按月明细"):
        show(monthly.rename(columns=COLS), hide_index=True, width="stretch",
                     column_config={COLS["active_rate"]: st.column_config.NumberColumn(format="percent")})


# ================================================================================================ 待审核


def approvals_panel(user: CurrentUser, ver: int) -> None:
    """待审核 (issue 10): the pending service records and charity needs of the user's communities — for a street
    user all of its communities, narrowed to one if wished — approved or rejected in bulk (a rejection with a
    reason). The services refuse any record outside the user's scope and audit each decision."""
    if not user.may_approve:
        st.info("您的角色只能查看数据，不能审核。")
        return
    show_flash("approvals_done")
    scope = narrow(user.scope, Scope(community_id=pick("社区", data.communities(ver, user.scope, None),
                                                       "approvals_community", none_label="本范围内全部社区")))
    records = vd.pending_records(ver, scope, real_names=sees_real_names(user))
    needs = vd.pending_needs(ver, scope)
    st.caption(f"待审核：志愿服务记录 {len(records):,} 条，慈善需求 {len(needs):,} 件。勾选后批量通过或驳回；驳回须填写原因。")
    record_tab, need_tab = st.tabs([f"志愿服务记录（{len(records):,}）", f"慈善需求（{len(needs):,}）"])
    with record_tab:
        _approve_in_bulk(
            "records", records, "record_id",
            {"record_id": "编号", "service_date": "服务日期", "title": "活动", "community": "社区", "name": "志愿者",
             "hours": "时长（小时）", "kind": "类型", "reason": "说明"},
            lambda s, chosen, approve, reason: vw.review_records(
                session=s, user=user, records={int(r.record_id): int(r.version) for r in chosen.itertuples()},
                approve=approve, reason=reason),
            "条服务记录")
    with need_tab:
        _approve_in_bulk(
            "needs", needs, "need_id",
            {"need_id": "编号", "filed_on": "提出日期", "title": "需求", "community": "社区", "category": "类别",
             "amount": "数量", "unit": "单位", "urgency": "紧急程度"},
            lambda s, chosen, approve, reason: corrections.review_needs(
                session=s, user=user, needs={int(r.need_id): int(r.version) for r in chosen.itertuples()},
                approve=approve, reason=reason),
            "件需求")


def _approve_in_bulk(name: str, pending: pd.DataFrame, id_col: str, columns: dict[str, str], work, noun: str
                     ) -> None:
    if pending.empty:
        st.info("没有待审核的记录。")
        return
    every = st.checkbox(f"全选（{len(pending):,}）", key=f"approvals_{name}_all")
    view = pending[list(columns)].rename(columns=columns)
    picked = show(view, key=f"approvals_{name}_table",
                          on_select="rerun", selection_mode="multi-row", height=table_height(len(view), 400),
                          column_config={c: st.column_config.DateColumn(format="YYYY-MM-DD")
                                         for c in ("服务日期", "提出日期") if c in view})
    chosen = pending if every else pending.iloc[list(picked.selection.rows) if picked is not None else []]
    reason = st.text_input("驳回原因（驳回时必填）", key=f"approvals_{name}_reason")
    c1, c2, _ = st.columns([1, 1, 3])
    approve = c1.button(f"通过所选（{len(chosen)}）", type="primary", disabled=chosen.empty,
                        key=f"approvals_{name}_approve")
    reject = c2.button(f"驳回所选（{len(chosen)}）", disabled=chosen.empty, key=f"approvals_{name}_reject")
    if approve or reject:
        run_change("approvals_done", lambda s: work(s, chosen, bool(approve), reason),
                   lambda n: f"已{'通过' if approve else '驳回'} {n} {noun}。")
