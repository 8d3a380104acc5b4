"""The 工作简报 page's pieces: the place and period pickers, the printable brief (HTML with print CSS) and its
Word download. The text and every figure in it come from ``db.screen.brief.work_brief``."""

from __future__ import annotations

import html
from datetime import date, timedelta

import streamlit as st

from components import filters
from components.cache import cached
from components.downloads import download
from components.filters import segments
from db.periods import Period, period_of
from db.scope import Scope, narrow
from db.screen.brief import Brief, brief_with_docx

brief = cached(brief_with_docx)  # (Brief, .docx bytes) per data version, place, period and day
KINDS = {"month": "本月", "quarter": "本季度", "year": "本年", "custom": "自定义"}
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

PRINT_CSS = """
<style>
.ws-brief { background: #fff; color: #111; max-width: 50rem; margin: 0 auto; padding: 2.5rem 3rem;
  border: 1px solid #E5E7EB; border-radius: 6px; font-family: "Noto Serif CJK SC", "Songti SC", SimSun, serif;
  line-height: 1.9; font-size: 1.05rem; }
.ws-brief h1 { text-align: center; font-size: 1.6rem; margin: 0 0 1.2rem 0;
  font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
.ws-brief h2 { font-size: 1.2rem; margin: 1.2rem 0 0.4rem 0; font-family: "Noto Sans CJK SC", sans-serif; }
.ws-brief p { text-indent: 2em; margin: 0 0 0.4rem 0; }
.ws-brief table { border-collapse: collapse; width: 100%; margin-top: 0.4rem; font-size: 0.95rem; }
.ws-brief th, .ws-brief td { border: 1px solid #9CA3AF; padding: 0.2rem 0.6rem; text-align: center; }
.ws-brief td:first-child { text-align: left; }
.ws-brief .foot { text-indent: 0; font-size: 0.85rem; color: #374151; margin-top: 1rem; }
@media print {
  @page { size: A4; margin: 18mm 16mm; }
  body * { visibility: hidden !important; }
  .ws-brief, .ws-brief * { visibility: visible !important; }
  .ws-brief { position: absolute; left: 0; top: 0; border: none; padding: 0; max-width: none; }
}
</style>
"""


def pick_period(today: date) -> Period:
    """本月 / 本季度 / 本年 / 自定义 (a brief is written for a period of work, not for 累计)."""
    kind = segments(st, "时段", list(KINDS), "month", "brief_period", KINDS.get)
    if kind != "custom":
        return period_of(kind, today)
    last_month_end = today.replace(day=1) - timedelta(days=1)
    picked = st.date_input("自定义时段", value=(last_month_end.replace(day=1), last_month_end), max_value=today,
                           key="brief_custom")
    if isinstance(picked, tuple) and len(picked) == 2:
        return period_of("custom", today, picked[0], picked[1])
    st.caption("请选择开始和结束日期；暂按近 30 天显示。")
    return period_of("custom", today, today - timedelta(days=29), today)


def pick_place(base: Scope, ver: int) -> Scope | None:
    """A street or community inside the user's own scope."""
    picked = filters.place_picker(base, ver, key="brief_place")
    if picked is None:
        return None
    kind, place_id = picked
    return narrow(base, Scope(community_id=place_id) if kind == "community" else Scope(street_id=place_id))


def brief_html(doc: Brief) -> str:
    """The brief as a printable page (all text escaped: names of places and projects are user text)."""
    e = html.escape
    parts = [f'<div class="ws-brief"><h1>{e(doc.title)}</h1>']
    for section in doc.sections:
        parts.append(f"<h2>{e(section.heading)}</h2>")
        parts.extend(f"<p>{e(text)}</p>" for text in section.paragraphs)
    if not doc.table.empty:
        head = "".join(f"<th>{e(c)}</th>" for c in doc.table.columns)
        rows = "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>"
                       for row in doc.table.itertuples(index=False))
        parts.append(f"<h2>附表：主要指标</h2><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    parts.append(f'<p class="foot">{e(doc.footnote)}</p></div>')
    return "".join(parts)


# A constant script (no inline handler), so that the Content-Security-Policy allows it by its hash (tools/csp_hashes.py).
PRINT_JS = """
document.querySelectorAll("#ws-print").forEach(function (button) {
  button.onclick = function () { window.print(); };  // a property, set again harmlessly if this runs twice
  button.dataset.bound = "1";
});
"""


def show(doc: Brief, docx: bytes) -> None:
    """Download (Word), print, and the brief itself."""
    with st.container(horizontal=True, vertical_alignment="center"):
        download("下载 Word（.docx）", docx, mime=DOCX_MIME, type="primary",
                 file_name=f"{doc.place}工作简报_{doc.period.start:%Y%m%d}-{doc.period.end:%Y%m%d}.docx",
                 icon=":material/download:", key="brief_docx", table="brief", detail={"place": doc.place})
        st.html('<button id="ws-print" style="padding:0.4rem 1rem;border:1px solid #C8102E;border-radius:0.5rem;'
                'background:#fff;color:#C8102E;cursor:pointer;font-size:1rem">打印简报</button>'
                f"<script>{PRINT_JS}</script>", unsafe_allow_javascript=True, width="content")
    st.caption("文中每个数字都来自指标定义，与同一地区、同一时段的指标卡一致；不含任何志愿者姓名或电话。打印时只输出简报本身。")
    st.html(PRINT_CSS + brief_html(doc))
