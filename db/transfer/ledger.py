"""The monthly 台账 workbook of a community or street (DESIGN.md §6 导入导出).

Sheets: 汇总 (the month's figures, each from its db.kpi definition for that scope and period, so they equal the
overview's tiles), 活动 (each activity with its volunteers and hours), 志愿服务记录 (the approved records behind the
服务时长 figure), 捐赠, 纠纷调解 (no party names exist) and 培训. Each detail sheet is the record set of its figure
and ends with a 合计 row, so a sheet's total is its tile. Volunteer names (and individual donors') are real only
when the caller says the user may see them, masked (张*明) otherwise.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlmodel import Session

from db import figures, vocab
from db.auth import CurrentUser
from db.errors import PermissionDenied
from db.export import export_file_name, put, safe_sheet_name, write_sheet
from db.figures.records import (
    activity_rows,
    approved_record_rows,
    donation_rows,
    mediation_rows,
    training_rows,
)
from db.models import Activity, Community, Organization, Project, ServiceRecord, SocialWorker, Volunteer
from db.periods import Period
from db.places.lists import scope_name
from db.privacy import mask_name
from db.scope import Scope

# The figures of the 汇总 sheet, in order (keys of db.kpi).
LEDGER_FIGURES = (
    "activities", "linked_activities", "people_served", "hours", "credit_hours", "honour_hours",
    "active_volunteers", "volunteers", "active_rate", "disputes", "disputes_resolved", "dispute_success_rate",
    "money", "in_kind", "trainings", "training_sessions", "trainees", "training_hours",
)


def month_period(month: date, today: date) -> Period:
    """The month containing ``month``, up to ``today`` when it is the current month (as the overview's 本月)."""
    start = month.replace(day=1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if start > today:
        raise ValueError("台账月份不能晚于本月")
    return Period(start, min(end, today), "month")


def ledger_scope(session: Session, user: CurrentUser, requested: Scope) -> Scope:
    """The community or street of a ledger, refused (PermissionDenied) when it is outside the user's scope."""
    base = user.scope
    if requested.community_id is not None:
        community = session.get(Community, requested.community_id)
        if community is None:
            raise PermissionDenied("该社区不存在。")
        home = _home_street(session, user)
        allowed = (base.is_all or base.community_id == community.id
                   or (base.community_id is None and home == community.street_id))
        if not allowed:
            raise PermissionDenied("您只能生成本人数据范围内的社区或街道台账。")
        return Scope(community_id=community.id)
    if requested.street_id is not None:
        if not (base.is_all or (base.community_id is None and _home_street(session, user) == requested.street_id)):
            raise PermissionDenied("您只能生成本人数据范围内的社区或街道台账。")
        return Scope(street_id=requested.street_id)
    raise PermissionDenied("请选择一个社区或街道生成台账。")


def _home_street(session: Session, user: CurrentUser) -> int | None:
    base = user.scope
    if base.street_id is not None:
        return base.street_id
    if base.organization_id is not None:
        org = session.get(Organization, base.organization_id)
        return org.street_id if org else None
    if base.community_id is not None:
        community = session.get(Community, base.community_id)
        return community.street_id if community else None
    return None


def _figure_label(key: str) -> tuple[str, str, str]:
    if figures.is_rate(key):
        rate = figures.RATES[key]
        return rate.label, "%", rate.help
    kpi = figures.figure(key)
    return kpi.label, kpi.unit, kpi.help


def summary_frame(session: Session, scope: Scope, period: Period) -> tuple[pd.DataFrame, dict[str, float | None]]:
    """(the 汇总 table, the raw figures) for ``scope`` and ``period``."""
    values = figures.values(session, LEDGER_FIGURES, scope, period)
    rows = []
    for key in LEDGER_FIGURES:
        label, unit, help_text = _figure_label(key)
        value = values[key]
        shown: Any = figures.format_rate(value) if figures.is_rate(key) else (round(value, 2) if isinstance(value, float) else value)
        rows.append({"指标": label, "数值": shown, "单位": "" if figures.is_rate(key) else unit, "口径": help_text})
    return pd.DataFrame(rows), values


def _with_total(df: pd.DataFrame, label_col: str, sums: list[str], count_noun: str) -> pd.DataFrame:
    total: dict[str, Any] = dict.fromkeys(df.columns, None)
    total[label_col] = f"合计（{len(df)} {count_noun}）"
    for col in sums:
        total[col] = round(float(pd.to_numeric(df[col]).sum()), 2) if len(df) else 0
    return pd.concat([df, pd.DataFrame([total])], ignore_index=True) if len(df.columns) else df


def _names(session: Session, model: Any, ids: set[int]) -> dict[int, str]:
    ids = {int(i) for i in ids if i is not None and not pd.isna(i)}
    if not ids:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def activities_frame(session: Session, scope: Scope, period: Period, real_names: bool) -> pd.DataFrame:
    acts = pd.read_sql(activity_rows(scope, period).order_by(Activity.starts_at, Activity.id), session.connection())
    records = pd.read_sql(
        select(ServiceRecord.activity_id, ServiceRecord.volunteer_id, ServiceRecord.hours, Volunteer.name)
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(ServiceRecord.activity_id.in_(acts["activity_id"].tolist() or [-1]),
               ServiceRecord.status == "approved")
        .order_by(ServiceRecord.activity_id, ServiceRecord.id), session.connection())
    extra = pd.read_sql(select(Activity.id, Activity.ends_at, Activity.unique_persons, Activity.lead_social_worker_id)
                        .where(Activity.id.in_(acts["activity_id"].tolist() or [-1])), session.connection())
    extra = extra.set_index("id")
    communities = _names(session, Community, set(acts["community_id"]))
    projects = _names(session, Project, set(acts["project_id"]))
    workers = _names(session, SocialWorker, set(extra["lead_social_worker_id"]))
    rows = []
    for act in acts.itertuples(index=False):
        mine = records[records["activity_id"] == act.activity_id]
        people = "、".join(f"{n if real_names else mask_name(n)}（{h:g}小时）"
                          for n, h in zip(mine["name"], mine["hours"], strict=True))
        starts = pd.Timestamp(act.starts_at).to_pydatetime()
        ends = pd.Timestamp(extra.at[act.activity_id, "ends_at"]).to_pydatetime()
        worker = extra.at[act.activity_id, "lead_social_worker_id"]
        unique = extra.at[act.activity_id, "unique_persons"]
        rows.append({
            "活动日期": starts.date(), "时间": f"{starts:%H:%M}–{ends:%H:%M}", "活动名称": act.title,
            "活动类型": act.type, "活动地点": act.venue, "社区": communities.get(act.community_id, ""),
            "项目": projects.get(act.project_id, "") if not pd.isna(act.project_id) else "",
            "主责社工": workers.get(worker, "") if not pd.isna(worker) else "",
            "五社主体": "、".join(label for name, label in vocab.ACTORS if bool(getattr(act, name))),
            "服务人次": int(act.people_served), "服务人数": None if pd.isna(unique) else int(unique),
            "志愿者人数": len(mine), "参与志愿者（时长）": people, "志愿服务时长（小时）": round(float(mine["hours"].sum()), 2),
        })
    columns = ["活动日期", "时间", "活动名称", "活动类型", "活动地点", "社区", "项目", "主责社工", "五社主体", "服务人次",
               "服务人数", "志愿者人数", "参与志愿者（时长）", "志愿服务时长（小时）"]
    return _with_total(pd.DataFrame(rows, columns=columns), "活动日期", ["服务人次"], "场")


def records_frame(session: Session, scope: Scope, period: Period, real_names: bool) -> pd.DataFrame:
    sub = approved_record_rows(scope, period).subquery()
    df = pd.read_sql(
        select(sub.c.service_date, Activity.title, Volunteer.name, sub.c.hours, sub.c.kind, sub.c.community_id)
        .join(Activity, Activity.id == sub.c.activity_id).join(Volunteer, Volunteer.id == sub.c.volunteer_id)
        .order_by(sub.c.service_date, sub.c.record_id), session.connection())
    communities = _names(session, Community, set(df["community_id"]))
    out = pd.DataFrame({
        "服务日期": [pd.Timestamp(d).date() for d in df["service_date"]], "活动名称": df["title"],
        "志愿者": [n if real_names else mask_name(n) for n in df["name"]], "时长（小时）": df["hours"].astype(float),
        "类别": df["kind"], "社区": [communities.get(c, "") if not pd.isna(c) else "" for c in df["community_id"]],
    }, columns=["服务日期", "活动名称", "志愿者", "时长（小时）", "类别", "社区"])
    return _with_total(out, "服务日期", ["时长（小时）"], "条")


def donations_frame(session: Session, scope: Scope, period: Period, real_names: bool) -> pd.DataFrame:
    parts = []
    for money in (True, False):
        df = pd.read_sql(donation_rows(scope, period, money), session.connection())
        df["form"] = vocab.DONATION_FORMS[money]
        parts.append(df)
    df = pd.concat(parts, ignore_index=True).sort_values(["donated_on", "donation_id"], kind="stable")
    communities = _names(session, Community, set(df["community_id"]))
    projects = _names(session, Project, set(df["project_id"]))

    def donor(name: str, kind: str) -> str:
        return name if real_names or kind != "个人" else mask_name(name)

    out = pd.DataFrame({
        "捐赠日期": [pd.Timestamp(d).date() for d in df["donated_on"]],
        "捐赠方": [donor(n, k) for n, k in zip(df["donor_name"], df["donor_type"], strict=True)],
        "捐赠方类型": df["donor_type"], "捐赠形式": df["form"],
        "善款（元）": [a if f == "善款" else None for a, f in zip(df["amount_yuan"], df["form"], strict=True)],
        "物资折价（元）": [a if f == "物资" else None for a, f in zip(df["amount_yuan"], df["form"], strict=True)],
        "物资": df["items"], "受赠方": df["recipient"], "渠道": df["channel"],
        "社区": [communities.get(c, "") if not pd.isna(c) else "" for c in df["community_id"]],
        "项目": [projects.get(p, "") if not pd.isna(p) else "" for p in df["project_id"]],
    }, columns=["捐赠日期", "捐赠方", "捐赠方类型", "捐赠形式", "善款（元）", "物资折价（元）", "物资", "受赠方", "渠道",
                "社区", "项目"])
    return _with_total(out, "捐赠日期", ["善款（元）", "物资折价（元）"], "笔")


def mediation_frame(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    df = pd.read_sql(mediation_rows(scope, period), session.connection()).sort_values(["received_on", "case_id"])
    communities = _names(session, Community, set(df["community_id"]))
    out = pd.DataFrame({
        "受理日期": [pd.Timestamp(d).date() for d in df["received_on"]], "纠纷类型": df["type"], "来源": df["source"],
        "调解结果": df["outcome"],
        "办结日期": [pd.Timestamp(d).date() if not pd.isna(d) else None for d in df["resolved_on"]],
        "涉及人数": df["people_involved"],
        "社区": [communities.get(c, "") if not pd.isna(c) else "" for c in df["community_id"]],
    }, columns=["受理日期", "纠纷类型", "来源", "调解结果", "办结日期", "涉及人数", "社区"])
    return _with_total(out, "受理日期", ["涉及人数"], "件")


def trainings_frame(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    df = pd.read_sql(training_rows(scope, period), session.connection()).sort_values(["held_on", "training_id"])
    out = pd.DataFrame({
        "培训日期": [pd.Timestamp(d).date() for d in df["held_on"]], "培训名称": df["title"], "培训专题": df["topic"],
        "场次": df["sessions"], "参训人次": df["trainees"], "学时": df["hours"].astype(float),
    }, columns=["培训日期", "培训名称", "培训专题", "场次", "参训人次", "学时"])
    return _with_total(out, "培训日期", ["场次", "参训人次", "学时"], "次")


def ledger_frames(session: Session, scope: Scope, period: Period, real_names: bool) -> dict[str, pd.DataFrame]:
    """The sheets of the monthly 台账, 汇总 first."""
    summary, _values = summary_frame(session, scope, period)
    return {
        "汇总": summary,
        "活动": activities_frame(session, scope, period, real_names),
        "志愿服务记录": records_frame(session, scope, period, real_names),
        "捐赠": donations_frame(session, scope, period, real_names),
        "纠纷调解": mediation_frame(session, scope, period),
        "培训": trainings_frame(session, scope, period),
    }


# The detail tables, exportable on their own for any period (导入导出 › 导出).
TABLES = ("活动", "志愿服务记录", "捐赠", "纠纷调解", "培训")


def table_frame(session: Session, user: CurrentUser, requested: Scope, name: str, period: Period, *,
                real_names: bool) -> tuple[str, pd.DataFrame]:
    """(file name without extension, table) of one detail table of a community or street in the user's scope."""
    scope = ledger_scope(session, user, requested)
    builders = {
        "活动": lambda: activities_frame(session, scope, period, real_names),
        "志愿服务记录": lambda: records_frame(session, scope, period, real_names),
        "捐赠": lambda: donations_frame(session, scope, period, real_names),
        "纠纷调解": lambda: mediation_frame(session, scope, period),
        "培训": lambda: trainings_frame(session, scope, period),
    }
    stem = export_file_name(scope_name(session, scope), period, name, ext="x")[:-2]
    return stem, builders[name]()


def ledger_file_name(session: Session, scope: Scope, period: Period) -> str:
    return export_file_name(scope_name(session, scope), period, "台账")


def ledger_workbook(session: Session, user: CurrentUser, requested: Scope, month: date, *, today: date,
                    real_names: bool, now: datetime | None = None) -> tuple[str, bytes]:
    """(file name, .xlsx bytes) of the monthly 台账 of a community or street within the user's scope."""
    scope = ledger_scope(session, user, requested)
    period = month_period(month, today)
    place = scope_name(session, scope)
    frames = ledger_frames(session, scope, period, real_names)
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in frames.items():
        ws = wb.create_sheet(safe_sheet_name(name))
        if name == "汇总":
            title = ws.cell(row=1, column=1)
            put(title, f"{place} {period.start.year}年{period.start.month}月 台账")
            title.font = Font(bold=True, size=14)
            put(ws.cell(row=2, column=1), f"统计期间：{period.start:%Y-%m-%d} 至 {period.end:%Y-%m-%d}"
                                          f"；生成：{(now or datetime.combine(today, datetime.min.time())):%Y-%m-%d %H:%M}"
                                          f"；{'含志愿者实名' if real_names else '志愿者姓名已脱敏'}")
            write_sheet(ws, df, start_row=4)
            ws.column_dimensions["D"].width = 60
        else:
            write_sheet(ws, df)
            ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return ledger_file_name(session, scope, period), buffer.getvalue()


__all__ = ["LEDGER_FIGURES", "TABLES", "ledger_frames", "ledger_scope", "ledger_workbook", "month_period",
           "summary_frame", "table_frame"]
