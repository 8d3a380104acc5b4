"""Every figure defined once (DESIGN.md §5): the one registry of counts, sums and rates.

A figure is a *record set* (``db.figures.records``: the SELECT of the rows behind it, for one scope and period)
plus an *aggregate* over exactly that record set; a rate is a pair of figures. ``db.figures.reads`` computes
values, record lists, monthly series and grouped values from these definitions, so the tile, its chart, its
drill-down and its export always agree. Labels, units and help texts shown on pages come from here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select

from db import vocab
from db.figures.records import (
    active_record_rows,
    activity_rows,
    approved_record_rows,
    current_grade_rows,
    donation_rows,
    mediation_rows,
    organization_rows,
    project_rows,
    social_worker_rows,
    training_rows,
    volunteer_rows,
)
from db.periods import Period
from db.scope import Scope


@dataclass(frozen=True)
class Kpi:
    """A count or sum over a record set."""

    key: str
    label: str
    unit: str
    records: Callable[[Scope, Period], Select]  # the rows behind the figure
    measure: str | None  # column of ``records`` summed; None = count rows
    distinct_on: str | None = None  # column counted distinct (active volunteers)
    help: str = ""


@dataclass(frozen=True)
class Rate:
    """A ratio of two figures, shown as a percentage; None when the denominator is zero."""

    key: str
    label: str
    numerator: str
    denominator: str
    help: str = ""


_LEVEL_CODES = ("assistant", "intermediate", "senior")

FIGURES: dict[str, Kpi] = {
    k.key: k
    for k in (
        # people, hours, activities, mediation, donations: flows over the period
        Kpi("volunteers", "注册志愿者", "人", volunteer_rows, None,
            help="时段结束时已注册的志愿者人数"),
        Kpi("active_volunteers", "活跃志愿者", "人", active_record_rows, None, distinct_on="volunteer_id",
            help="本范围注册的志愿者中，时段内至少有 1 条已审核服务记录的人数"),
        Kpi("hours", "服务时长", "小时", approved_record_rows, "hours",
            help="时段内已审核的服务时长（信用 + 荣誉，不含路途时间）"),
        Kpi("credit_hours", "信用时长", "小时", lambda s, p: approved_record_rows(s, p, "信用"), "hours",
            help="活动现场记录的时长"),
        Kpi("honour_hours", "荣誉时长", "小时", lambda s, p: approved_record_rows(s, p, "荣誉"), "hours",
            help="事后补录的时长"),
        Kpi("activities", "活动场次", "场", activity_rows, None, help="时段内开展的活动"),
        Kpi("linked_activities", "社工+志愿", "场", lambda s, p: activity_rows(s, p, linked_only=True), None,
            help="社会工作者与志愿者共同参与的“社工+志愿”联动活动"),
        Kpi("people_served", "服务人次", "人次", activity_rows, "people_served", help="活动服务的人次之和"),
        Kpi("disputes", "受理纠纷", "件", mediation_rows, None, help="时段内受理的矛盾纠纷"),
        Kpi("disputes_resolved", "化解成功", "件", lambda s, p: mediation_rows(s, p, "化解成功"), None),
        Kpi("disputes_concluded", "已办结纠纷", "件", lambda s, p: mediation_rows(s, p, concluded_only=True), None,
            help="化解成功与未化解之和（处理中的不计）"),
        Kpi("money", "善款", "元", lambda s, p: donation_rows(s, p, True), "amount_yuan", help="收到的资金捐赠"),
        Kpi("in_kind", "物资折价", "元", lambda s, p: donation_rows(s, p, False), "amount_yuan",
            help="收到的物资捐赠，按折价计"),
        # registers of 社会组织与社工 (as they stand) and trainings and projects in the period
        Kpi("social_orgs", "社会组织", "家", organization_rows, None, help="登记与备案的社会组织（名册现状）"),
        Kpi("orgs_registered", "登记社会组织", "家", lambda s, p: organization_rows(s, p, "登记"), None,
            help="在民政部门登记注册的社会组织"),
        Kpi("orgs_filed", "备案社会组织", "家", lambda s, p: organization_rows(s, p, "备案"), None,
            help="在街道备案管理的社区社会组织"),
        Kpi("orgs_graded", "有效等级", "家", current_grade_rows, None,
            help="时段末日持有有效等级（5A…1A，有效期 5 年）的社会组织"),
        *(Kpi(f"orgs_{g.lower()}", f"{g} 社会组织", "家", (lambda s, p, g=g: current_grade_rows(s, p, g)), None,
              help=f"时段末日当前等级为 {g} 的社会组织") for g in vocab.GRADES),
        Kpi("grades_running_out", "半年内到期", "家", lambda s, p: current_grade_rows(s, p, runs_out_soon=True),
            None, help="当前等级将在 6 个月内（含当天）到期的社会组织，需及早申请复评"),
        Kpi("social_workers", "社会工作者", "人", social_worker_rows, None, help="在册社会工作者（名册现状）"),
        *(Kpi(f"social_workers_{code}", f"{vocab.SOCIAL_WORKER_LEVEL_SHORT[level]}社工", "人",
              (lambda s, p, level=level: social_worker_rows(s, p, level)), None, help=f"{level}（名册现状）")
          for code, level in zip(_LEVEL_CODES, vocab.SOCIAL_WORKER_LEVELS, strict=True)),
        Kpi("trainings", "培训", "次", training_rows, None, help="时段内举办的培训"),
        Kpi("training_sessions", "培训场次", "场", training_rows, "sessions", help="时段内培训的场次之和"),
        Kpi("trainees", "培训人次", "人次", training_rows, "trainees", help="时段内培训的参训人次之和"),
        Kpi("training_hours", "培训学时", "小时", training_rows, "hours", help="时段内培训的学时之和"),
        Kpi("projects", "项目", "个", project_rows, None, help="时段内在实施（或筹备中）的项目"),
        Kpi("brand_projects_city", "市级品牌项目", "个", lambda s, p: project_rows(s, p, "市级"), None,
            help="市级品牌公益服务项目"),
        Kpi("brand_projects_district", "区级品牌项目", "个", lambda s, p: project_rows(s, p, "区级"), None,
            help="区级品牌公益服务项目"),
    )
}

RATES: dict[str, Rate] = {
    r.key: r
    for r in (
        Rate("active_rate", "活跃率", "active_volunteers", "volunteers", help="活跃志愿者 ÷ 注册志愿者"),
        Rate("dispute_success_rate", "调解成功率", "disputes_resolved", "disputes_concluded",
             help="化解成功 ÷ 已办结（化解成功 + 未化解）"),
    )
}

# The figures of the flows of work (people, hours, activities, mediation, donations): the overview's figures,
# each checked against an independent computation in tests/test_kpi.py.
FLOW_FIGURES = ("volunteers", "active_volunteers", "hours", "credit_hours", "honour_hours", "activities",
                "linked_activities", "people_served", "disputes", "disputes_resolved", "disputes_concluded",
                "money", "in_kind")

# The tiles of the overview, in order.
CORE_TILES = ("volunteers", "active_volunteers", "active_rate", "hours", "activities", "linked_activities",
              "people_served", "disputes", "dispute_success_rate", "money")

# The figures a project target may name: their record sets carry the project (or, for mediation, its case).
PROJECT_METRICS = ("activities", "linked_activities", "people_served", "hours", "active_volunteers", "disputes",
                   "disputes_resolved", "money", "in_kind", "trainings", "training_sessions", "trainees")


def is_rate(key: str) -> bool:
    return key in RATES


def is_known(key: str) -> bool:
    """A key of a figure or a rate (anything else, also a value that is no text, is not)."""
    return isinstance(key, str) and (key in FIGURES or key in RATES)


def figure(key: str) -> Kpi:
    """The definition of a count or sum (KeyError for a rate or an unknown key)."""
    return FIGURES[key]


def label(key: str) -> str:
    """The figure's or rate's Chinese name, e.g. 服务时长."""
    return RATES[key].label if key in RATES else FIGURES[key].label


def unit(key: str) -> str:
    """The unit of a figure (小时, 人, 元 …); a rate has none ("")."""
    return "" if key in RATES else FIGURES[key].unit


def tile_label(key: str) -> str:
    """The label with its unit, e.g. 服务时长（小时）; rates carry no unit."""
    return label(key) if key in RATES else f"{label(key)}（{unit(key)}）"


def help_text(key: str) -> str:
    """How the figure is computed, with its unit, for a tile's help."""
    if key in RATES:
        return RATES[key].help
    return f"{FIGURES[key].help}（单位：{FIGURES[key].unit}）"


def format_rate(value: float | None) -> str:
    """A rate as 「98.2%」, or 「—」 when its denominator was zero (DESIGN.md §4)."""
    return "—" if value is None else f"{value * 100:.1f}%"
