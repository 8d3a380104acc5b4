"""工作简报 (DESIGN.md §10): the text a street or community writes for its report, from the figures of a period.

It is written in the register of the source articles (“共开展……活动 100 余场次”, “服务群众……人次”, “较上年同期增长……”):
the period's figures in sentences, the change against the previous period (环比) and the same period last year (同比),
the five areas, the leading projects and communities, and the reported indicators with their qualifiers and sources.

Every number comes from the figure registry (``db.figures.changes`` / ``grouped``, the 五社联动 linkage, the reported
indicators' record values) for the same place and period as the tiles, and is written as the tile writes it
(``db.figures.formats``). A period without records says so (“本期暂无活动记录”) instead of dressing zeros up as
results. No person is named: no volunteer, no phone; places, projects and organisations only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from db import figures
from db.figures import Change
from db.figures.formats import figure_text, number_text
from db.figures.linkage import ACTOR_FIELDS, linkage
from db.figures.reported import reported_beside_records
from db.models import Project
from db.periods import Period, previous_period
from db.places.lists import scope_name
from db.scope import Scope
from db.screen.reads import UNASSIGNED, _areas

# The figures of the brief, in the order of its table.
BRIEF_FIGURES = ("activities", "linked_activities", "people_served", "volunteers", "active_volunteers", "active_rate",
                 "hours", "credit_hours", "honour_hours", "disputes", "disputes_resolved", "dispute_success_rate",
                 "money", "in_kind")
# Flows whose change is told in the text (the table lists every figure's).
CHANGE_FIGURES = ("activities", "linked_activities", "people_served", "hours", "active_volunteers")
PROSE = {"linked_activities": "“社工+志愿”联动服务"}  # how the text names a figure where its tile label is terse
RECORD_FLOWS = ("activities", "hours", "disputes", "money", "in_kind")
NO_RECORDS = "本期暂无活动记录"
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")
ACTOR_NAMES = {"with_community": "社区", "with_organization": "社会组织", "with_social_worker": "社会工作者",
               "with_volunteers": "社区志愿者", "with_charity": "社会慈善资源"}
TABLE_COLUMNS = ("指标", "本期", "环比", "同比")
TOP_PROJECTS = 3
TOP_COMMUNITIES = 3


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Brief:
    """A 工作简报: title, the place and period in words, sections of prose, the table of figures, and the figures
    themselves (``figures[key].value`` is the tile's value; ``texts[key]`` how the tile writes it)."""

    title: str
    place: str
    period: Period
    sections: tuple[Section, ...]
    table: pd.DataFrame  # 指标, 本期, 环比, 同比
    figures: dict[str, Change]
    texts: dict[str, str]
    has_records: bool
    footnote: str

    def plain_text(self) -> str:
        """The whole brief as plain text (title, sections, table, footnote)."""
        lines = [self.title, ""]
        for section in self.sections:
            lines.append(section.heading)
            lines.extend(section.paragraphs)
            lines.append("")
        if not self.table.empty:
            lines.append("附表：主要指标")
            lines.extend("　".join(str(v) for v in row) for row in self.table.itertuples(index=False))
            lines.append("")
        lines.append(self.footnote)
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------ words for periods


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _month_end(d: date) -> date:
    return (pd.Timestamp(d) + pd.offsets.MonthEnd(0)).date()


def period_name(period: Period) -> str:
    """The period as a report names it: 2026年11月, 2026年第四季度, 2026年, or 2026年3月5日至2026年4月20日."""
    if period.kind == "month":
        return f"{period.start.year}年{period.start.month}月"
    if period.kind == "quarter":
        return f"{period.start.year}年{QUARTERS[(period.start.month - 1) // 3]}"
    if period.kind == "year":
        return f"{period.start.year}年"
    if period.kind == "all":
        return f"截至{_cn_date(period.end)}累计"
    return f"{_cn_date(period.start)}至{_cn_date(period.end)}"


def _is_partial(period: Period) -> bool:
    """A month, quarter or year still running (to date) rather than complete."""
    if period.kind == "month":
        return period.end != _month_end(period.end)
    if period.kind == "quarter":
        return period.end != _month_end(date(period.start.year, period.start.month + 2, 1))
    if period.kind == "year":
        return (period.end.month, period.end.day) != (12, 31)
    return False


def period_words(period: Period) -> str:
    """The period's name, with the day it runs to when it is not complete: 2026年11月（截至11月28日）."""
    partial = f"（截至{period.end.month}月{period.end.day}日）" if _is_partial(period) else ""
    return period_name(period) + partial


def _previous_words(period: Period) -> str | None:
    """How the text names the period of 环比; None where 环比 is 同比 (a year) or undefined (累计)."""
    if period.kind in ("year", "all") or previous_period(period) is None:
        return None
    partial = "同期" if _is_partial(period) else ""
    return {"month": "上月", "quarter": "上季度"}.get(period.kind, f"前{period.days}天") + partial


def _last_year_words(period: Period) -> str:
    return "上年同期"


def _change_words(key: str, change: Change, attr: str) -> str | None:
    """增长 12.3% / 下降 4.5% / 持平 / 提高 1.2 个百分点; None when undefined (nothing to compare with)."""
    now, before = change.value, getattr(change, attr)
    if now is None or before is None:
        return None
    if figures.is_rate(key):
        diff = (now - before) * 100
        return "持平" if abs(diff) < 0.05 else f"{'提高' if diff > 0 else '下降'} {abs(diff):.1f} 个百分点"
    ratio = change.mom if attr == "previous" else change.yoy
    if ratio is None:
        return None
    if abs(ratio) < 0.0005:
        return "持平"
    return f"{'增长' if ratio > 0 else '下降'} {abs(ratio) * 100:.1f}%"


def _table_change(key: str, change: Change, attr: str) -> str:
    words = _change_words(key, change, attr)
    if words is None:
        return "—"
    if figures.is_rate(key):
        return words.replace("提高 ", "+").replace("下降 ", "-").replace(" 个百分点", " 个百分点")
    ratio = change.mom if attr == "previous" else change.yoy
    return "持平" if words == "持平" else f"{ratio * 100:+.1f}%"


# ------------------------------------------------------------------------------------------ the brief


def work_brief(session: Session, scope: Scope, period: Period, today: date, *,
               generated_at: datetime | None = None) -> Brief:
    """The 工作简报 of ``scope`` for ``period`` (``today`` bounds the reported indicators' record values)."""
    changes = figures.changes(session, BRIEF_FIGURES, scope, period)
    texts = {k: figure_text(k, c.value) for k, c in changes.items()}
    place = scope_name(session, scope)
    words = period_words(period)
    has_records = any((changes[k].value or 0) > 0 for k in RECORD_FLOWS)
    sections: list[Section] = []
    overview = _overview(place, words, changes, texts)
    sections.append(Section("一、总体情况", tuple(overview)))
    if has_records:
        trend = _changes_paragraph(period, changes)
        if trend:
            sections.append(Section("二、变化情况", (trend,)))
        linked = linkage(session, scope, period)
        areas = _areas_paragraph(_areas(linked.matrix))
        if areas:
            sections.append(Section(f"{_n(len(sections))}、五大领域", (areas,)))
        projects = _projects_paragraph(session, scope, period)
        if projects:
            sections.append(Section(f"{_n(len(sections))}、重点项目", (projects,)))
        places = _places_paragraphs(scope, linked.ranking, linked.shares)
        if places:
            sections.append(Section(f"{_n(len(sections))}、五社联动", tuple(places)))
    reported = _reported_paragraphs(session, scope, period, today)
    if reported:
        sections.append(Section(f"{_n(len(sections))}、报道数据", tuple(reported)))
    table = _table(changes, texts, period) if has_records else pd.DataFrame(columns=list(TABLE_COLUMNS))
    stamp = generated_at.strftime("%Y-%m-%d %H:%M") if generated_at else _cn_date(today)
    footnote = (f"数据来源：五社联动数据看板（{place}，{words}），生成于 {stamp}。文中数字与看板同一地区、同一时段的指标卡一致；"
                "报道数据按原文的限定词（以上、约）列示，并注明来源和日期，未计入记录数。")
    return Brief(title=f"{place}五社联动工作简报（{period_name(period)}）", place=place, period=period,
                 sections=tuple(sections), table=table, figures=changes, texts=texts, has_records=has_records,
                 footnote=footnote)


def _n(count: int) -> str:
    return "一二三四五六七八九十"[count]


def _overview(place: str, words: str, changes: dict[str, Change], texts: dict[str, str]) -> list[str]:
    """The period's figures in sentences; a figure of zero is left out, never written as a result."""
    value = {k: c.value or 0 for k, c in changes.items()}
    out: list[str] = []
    if value["activities"]:
        sentence = f"{words}，{place}共开展各类活动 {texts['activities']} 场次"
        if value["linked_activities"]:
            sentence += f"，其中“社工+志愿”联动服务 {texts['linked_activities']} 场次"
        if value["people_served"]:
            sentence += f"，服务群众 {texts['people_served']} 人次"
        out.append(sentence + "。")
    else:
        out.append(f"{words}，{place}{NO_RECORDS}。")
    if value["hours"] or value["active_volunteers"]:
        sentence = f"志愿服务方面，注册志愿者 {texts['volunteers']} 人，其中 {texts['active_volunteers']} 人参加服务"
        if changes["active_rate"].value is not None:
            sentence += f"，活跃率 {texts['active_rate']}"
        if value["hours"]:
            sentence += f"；志愿服务时长 {texts['hours']} 小时"
            parts = [f"{label} {texts[k]} 小时" for k, label in (("credit_hours", "信用时长"), ("honour_hours", "荣誉时长"))
                     if value[k]]
            if parts:
                sentence += f"（{'、'.join(parts)}）"
        out.append(sentence + "。")
    if value["disputes"]:
        sentence = f"矛盾纠纷调解方面，受理各类矛盾纠纷 {texts['disputes']} 件"
        if value["disputes_resolved"]:
            sentence += f"，化解成功 {texts['disputes_resolved']} 件"
        if changes["dispute_success_rate"].value is not None:
            sentence += f"，调解成功率 {texts['dispute_success_rate']}"
        out.append(sentence + "。")
    gifts = [f"{label} {texts[k]} 元" for k, label in (("money", "善款"), ("in_kind", "物资折价")) if value[k]]
    if gifts:
        out.append(f"慈善资源方面，收到{'、'.join(gifts)}。")
    if not any(value[k] for k in RECORD_FLOWS):
        out[-1:] = [f"{words}，{place}{NO_RECORDS}，也没有志愿服务时长、矛盾纠纷调解和捐赠记录。"]
    return out


def _changes_paragraph(period: Period, changes: dict[str, Change]) -> str:
    """环比 and 同比 of the main flows in one paragraph; figures with nothing to compare with are left out."""
    parts = []
    for attr, name in (("previous", _previous_words(period)), ("last_year", _last_year_words(period))):
        if name is None or period.kind == "all":
            continue
        said = [f"{PROSE.get(k, figures.label(k))}{w}" for k in CHANGE_FIGURES if (w := _change_words(k, changes[k], attr))]
        if said:
            parts.append(f"与{name}相比，{'，'.join(said)}")
        else:
            parts.append(f"{name}没有可比记录")
    return "；".join(parts) + "。" if parts else ""


def _areas_paragraph(areas: pd.DataFrame) -> str:
    busy = areas[areas["activities"] > 0]
    if busy.empty:
        return ""
    named = [f"{r.area}类活动 {number_text(r.activities)} 场次" for r in busy.itertuples() if r.area != UNASSIGNED]
    text = "从五大领域看，" + ("、".join(named) if named else "各领域项目本期均无活动")
    unassigned = busy.loc[busy["area"] == UNASSIGNED, "activities"]
    if not unassigned.empty:
        text += f"，另有未归属具体项目的活动 {number_text(int(unassigned.iloc[0]))} 场次"
    idle = [r.area for r in areas.itertuples() if r.activities == 0 and r.area != UNASSIGNED]
    if idle:
        text += f"；{'、'.join(idle)}领域本期未开展活动"
    return text + "。"


def _projects_paragraph(session: Session, scope: Scope, period: Period) -> str:
    """The leading projects by activities, with the people they served."""
    acts = figures.grouped(session, "activities", scope, period, by="project_id")
    acts = acts[acts["project_id"].notna() & (acts["activities"] > 0)]
    if acts.empty:
        return ""
    served = figures.grouped(session, "people_served", scope, period, by="project_id")
    top = (acts.merge(served, on="project_id", how="left").fillna({"people_served": 0})
           .sort_values(["activities", "people_served", "project_id"], ascending=[False, False, True])
           .head(TOP_PROJECTS))
    names = dict(session.execute(select(Project.id, Project.name).where(Project.id.in_(
        [int(p) for p in top["project_id"]]))).all())
    parts = []
    for row in top.itertuples():
        name = names.get(int(row.project_id), "")
        quoted = name if name.startswith("“") else f"“{name}”"
        text = f"{quoted}项目开展活动 {number_text(row.activities)} 场次"
        if row.people_served:
            text += f"、服务 {number_text(row.people_served)} 人次"
        parts.append(text)
    return "活动开展较多的项目：" + "；".join(parts) + "。"


def _places_paragraphs(scope: Scope, ranking: pd.DataFrame, shares: pd.DataFrame) -> list[str]:
    """For a street: the most active communities and the index leaders; for a community: its five shares."""
    active = shares[shares["activities"] > 0]
    if active.empty:
        return []
    if scope.community_id is not None:
        row = active.iloc[0]
        parts = "、".join(f"{ACTOR_NAMES[f]}参与 {row[f] * 100:.0f}%" for f in ACTOR_FIELDS)
        return [f"本期活动中，{parts}，五社联动指数 {row['index']:.1f}。"]
    busiest = active.sort_values(["activities", "community_id"], ascending=[False, True]).head(TOP_COMMUNITIES)
    names = [f"{r.community}（{number_text(r.activities)} 场次）" for r in busiest.itertuples()]
    out = [f"各社区（村）中，开展活动最多的是{names[0]}" + (f"，其次是{'、'.join(names[1:])}" if names[1:] else "") + "。"]
    ranked = ranking.dropna(subset=["index"]).head(TOP_COMMUNITIES)
    leaders = "、".join(f"{r.community}（{r.index:.1f}）" for r in ranked.itertuples())
    out.append(f"五社联动指数（五类主体各自参与的活动占比的平均值 × 100，看联动的广度而非场次多少）居前的是{leaders}。")
    return out


def _reported_value(value: float, qualifier: str, unit: str) -> str:
    number = f"{value:g}" if abs(value) < 10_000 else number_text(value)
    text = f"{number}{unit}" if unit in ("%", "") else f"{number} {unit}"
    return {"≥": f"{text}以上", "≈": f"约 {text}", "≤": f"不超过 {text}"}.get(qualifier, text)


def _reported_paragraphs(session: Session, scope: Scope, period: Period, today: date) -> list[str]:
    """Reported indicators up to the period's end, by source and subject, each with its qualifier and, where a record
    figure compares, the records beside it: “调解矛盾纠纷 600 起以上（系统记录 588 起）”."""
    df = reported_beside_records(session, scope, min(today, period.end))
    df = df[df["as_of"] <= period.end] if not df.empty else df
    if df.empty:
        return []
    out = []
    for (source, as_of), block in df.groupby(["source", "as_of"], sort=False):
        items = []
        for subject, rows in block.groupby("subject", sort=False):
            facts = []
            for r in rows.itertuples():
                fact = f"{r.metric} {_reported_value(float(r.value), r.qualifier, r.unit)}"
                if r.kpi_key and pd.notna(r.record_value):
                    recorded = (f"{r.record_value:.1f}%" if figures.is_rate(r.kpi_key)
                                else f"{number_text(r.record_value)} {figures.unit(r.kpi_key)}")
                    fact += f"（系统记录 {recorded}）"
                facts.append(fact)
            items.append(f"{subject}：{'，'.join(facts)}")
        out.append(f"据{source}（截至{_cn_date(as_of)}）报道，" + "；".join(items) + "。")
    return out


def _table(changes: dict[str, Change], texts: dict[str, str], period: Period) -> pd.DataFrame:
    rows = []
    for key in BRIEF_FIGURES:
        unit = figures.unit(key)
        rows.append((f"{figures.label(key)}" + (f"（{unit}）" if unit else ""), texts[key],
                     "—" if period.kind in ("year", "all") else _table_change(key, changes[key], "previous"),
                     "—" if period.kind == "all" else _table_change(key, changes[key], "last_year")))
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


# ------------------------------------------------------------------------------------------ Word


def brief_docx(brief: Brief) -> bytes:
    """The brief as a Word document (.docx): title, sections, the table of figures and the footnote."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    for style_name, size in (("Normal", 12), ("Title", 20), ("Heading 1", 15)):
        style = doc.styles[style_name]
        style.font.name = "宋体" if style_name == "Normal" else "黑体"
        style.font.size = Pt(size)
        # Word takes Chinese glyphs from the East Asian font slot, which python-docx does not set by itself.
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), style.font.name)
    title = doc.add_paragraph(brief.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for section in brief.sections:
        doc.add_paragraph(section.heading, style="Heading 1")
        for text in section.paragraphs:
            paragraph = doc.add_paragraph(text)
            paragraph.paragraph_format.first_line_indent = Pt(24)
    if not brief.table.empty:
        doc.add_paragraph("附表：主要指标", style="Heading 1")
        table = doc.add_table(rows=1, cols=len(TABLE_COLUMNS))
        table.style = "Table Grid"
        for cell, name in zip(table.rows[0].cells, TABLE_COLUMNS, strict=True):
            cell.text = name
        for row in brief.table.itertuples(index=False):
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = str(value)
    note = doc.add_paragraph(brief.footnote)
    for run in note.runs:
        run.font.size = Pt(10)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def brief_with_docx(session: Session, scope: Scope, period: Period, today: date) -> tuple[Brief, bytes]:
    """The brief and its Word document, read together (the page caches them as one)."""
    doc = work_brief(session, scope, period, today)
    return doc, brief_docx(doc)
