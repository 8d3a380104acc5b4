"""The big screen (大屏, DESIGN.md §10): a 1920×1080 dark layout of large figures that count up, the five areas, the
五社联动 index with the shares behind each rank, trends, the offline map, a scrolling list of the latest activities
(no names) and panels that rotate; live refresh.

Every number comes from ``db.screen.reads.screen_data`` (the figure registry), so it equals the tile for the same
place and period. Text from the database is escaped before it is put in HTML (user text is never markup).
"""

from __future__ import annotations

import hashlib
import html
from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from components import page
from components.cache import cached, version
from components.charts import WAN_LABEL_EXPR
from components.geo_map import DARK, map_spec
from components.screen import style
from db import clock, figures
from db.figures import Change
from db.figures.formats import figure_text, number_text
from db.figures.linkage import ACTOR_FIELDS, INDEX_FORMULA
from db.figures.trends import QUARTER
from db.periods import Period, period_of
from db.scope import Scope
from db.screen.brief import period_words
from db.screen.reads import HEADLINE, PANELS, TRENDS, ScreenData, screen_data
from db.settings import get_settings

screen = cached(screen_data)

TITLE = "五社联动数据大屏"
ROTATE_SECONDS = 12  # panels turn this often while live refresh is on
RANKING_ROWS = 7  # what fits at 1080 with the index explained under the table
# Column heads of the ranking's five shares (the note under the table names the five actors in full).
HEAD_SHORT = {"with_community": "社区", "with_organization": "组织", "with_social_worker": "社工",
              "with_volunteers": "志愿", "with_charity": "慈善"}
CHART_FONT = style.FONT.replace('"', "")
# Axis labels grow with the chart's width (15 px at 1920 wide, 30 px at 3840), like the rest of the screen.
LABEL_SIZE = alt.ExprRef("max(11, width / 46)")
_PREVIOUS = "ws_previous_values"  # session key: the figures last shown, so a refresh counts from them

# One constant script (no value inside it), so that a Content-Security-Policy can allow it by its hash
# (deploy/nginx.conf; tools/csp_hashes.py): it counts up every block of figures not counted yet.
COUNT_UP_JS = """
(function () {
  if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) { return; }
  document.querySelectorAll(".ws-figs:not([data-animated])").forEach(function (root) {
    root.dataset.animated = "1";
    var items = [];
    root.querySelectorAll(".ws-count").forEach(function (el) {
      var text = el.dataset.final, m = text.match(/^([^0-9-]*)(-?[0-9,]+(?:\\.[0-9]+)?)(.*)$/);
      if (!m) { return; }
      var digits = m[2], decimals = (digits.split(".")[1] || "").length, to = parseFloat(digits.replace(/,/g, ""));
      items.push({el: el, pre: m[1], post: m[3], to: to, from: to * parseFloat(el.dataset.start || "0"),
                  decimals: decimals, grouped: digits.indexOf(",") >= 0, text: text});
    });
    var start = performance.now(), duration = 1600;
    function frame(now) {
      var p = Math.min(1, (now - start) / duration), e = 1 - Math.pow(1 - p, 3);
      items.forEach(function (it) {
        if (p >= 1) { it.el.textContent = it.text; return; }
        var v = it.from + (it.to - it.from) * e;
        it.el.textContent = it.pre + v.toLocaleString("en-US", {minimumFractionDigits: it.decimals,
          maximumFractionDigits: it.decimals, useGrouping: it.grouped}) + it.post;
      });
      if (p < 1) { requestAnimationFrame(frame); }
    }
    requestAnimationFrame(frame);
  });
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _run_every(seconds: int) -> timedelta | None:
    return timedelta(seconds=seconds) if get_settings().live_refresh_seconds > 0 else None


# ------------------------------------------------------------------------------------------ HTML pieces


def header_html(data: ScreenData, *, demo: bool, refreshed: str) -> str:
    badge = '<span class="ws-demo">演示数据</span>' if demo else ""
    return (f'<div class="ws-header"><div class="ws-side"><span class="ws-place">{_e(data.place)}</span>{badge}</div>'
            f"<h1>{TITLE}</h1>"
            f'<div class="ws-side right">{_e(period_words(data.period))}　更新于 {_e(refreshed)}</div></div>')


def _change_html(key: str, change: Change, period: Period) -> str:
    """同比 (or, for a custom range, 环比) as ▲/▼ text; the 累计 period has neither."""
    if period.kind == "all":
        return '<div class="ws-fig-change">累计至今</div>'
    before, ratio = change.last_year, change.yoy
    if figures.is_rate(key):
        if change.value is None or before is None:
            return '<div class="ws-fig-change">同比 —</div>'
        diff = (change.value - before) * 100
        arrow, css = ("▲", "ws-up") if diff >= 0 else ("▼", "ws-down")
        return f'<div class="ws-fig-change">同比 <span class="{css}">{arrow}{abs(diff):.1f} 个百分点</span></div>'
    if ratio is None:
        return '<div class="ws-fig-change">同比 —</div>'
    arrow, css = ("▲", "ws-up") if ratio >= 0 else ("▼", "ws-down")
    return f'<div class="ws-fig-change">同比 <span class="{css}">{arrow}{abs(ratio) * 100:.1f}%</span></div>'


def figures_html(data: ScreenData, previous: dict[str, float | None]) -> str:
    """The headline figures as large numbers that count up (from the values last shown, or from zero)."""
    cells = []
    for key in HEADLINE:
        change = data.figures[key]
        text = figure_text(key, change.value)
        before = previous.get(key)
        start = 0.0 if not before or not change.value else min(1.0, before / change.value)
        cells.append(
            f'<div class="ws-fig"><div class="ws-fig-label">{_e(figures.label(key))}</div>'
            f'<div class="ws-fig-value"><span class="ws-count" data-final="{_e(text)}" data-start="{start:.4f}">'
            f'{_e(text)}</span><span class="ws-unit">{_e(figures.unit(key))}</span></div>'
            f"{_change_html(key, change, data.period)}</div>")
    body = "".join(cells)
    block = "ws-figs-" + hashlib.sha1(body.encode()).hexdigest()[:12]
    return f'<div class="ws-figs" id="{block}">{body}</div><script>{COUNT_UP_JS}</script>'


def areas_html(data: ScreenData) -> str:
    top = max(int(data.areas["activities"].max()), 1) if not data.areas.empty else 1
    rows = "".join(
        f'<span>{_e(r.area)}</span><div class="ws-bar"><i style="width:{r.activities / top * 100:.1f}%"></i></div>'
        f'<span class="ws-num">{_e(number_text(r.activities))}</span>' for r in data.areas.itertuples())
    total = figure_text("activities", data.figures["activities"].value)
    return (f'<div class="ws-panel"><div class="ws-title">五大领域<small>活动场次 · 合计 {_e(total)}</small></div>'
            f'<div class="ws-bars">{rows}</div>'
            '<div class="ws-note">按活动所属项目的领域统计；未归属具体项目的活动单列。</div></div>')


def shown_ranking(ranking: pd.DataFrame, rows: int = RANKING_ROWS) -> pd.DataFrame:
    """The first ``rows`` of the ranking; the most active community is always among them (its rank needs its why)."""
    if len(ranking) <= rows:
        return ranking
    busiest = ranking.sort_values(["activities", "rank"], ascending=[False, True]).iloc[[0]]
    if int(busiest["rank"].iloc[0]) <= rows:
        return ranking.head(rows)
    return pd.concat([ranking.head(rows - 1), busiest])


def ranking_html(data: ScreenData) -> str:
    """The index per community with the five shares behind it and the weakest link: why each ranks where it does."""
    heads = "".join(f"<th>{_e(HEAD_SHORT[f])}</th>" for f in ACTOR_FIELDS)
    rows = []
    for r in shown_ranking(data.ranking).itertuples():
        if pd.isna(r.index):
            shares = "".join("<td class='share'>—</td>" for _ in ACTOR_FIELDS)
            rows.append(f"<tr><td>{r.rank}</td><td class='name'>{_e(r.community)}</td><td class='idx'>—</td>"
                        f"{shares}<td>0</td><td class='weak'>无活动</td></tr>")
            continue
        shares = "".join(f"<td class='share'>{getattr(r, f) * 100:.0f}%</td>" for f in ACTOR_FIELDS)
        rows.append(f"<tr><td>{r.rank}</td><td class='name'>{_e(r.community)}</td><td class='idx'>{r.index:.1f}</td>"
                    f"{shares}<td>{_e(number_text(r.activities))}</td><td class='weak'>{_e(r.weakest)}</td></tr>")
    table = (f"<table class='ws-rank'><thead><tr><th>排名</th><th>社区</th><th>指数</th>{heads}<th>场次</th>"
             f"<th>短板</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    note = f'<div class="ws-note">{_e(INDEX_FORMULA)}</div>'
    why = f'<div class="ws-note">{_e(data.ranking_note)}</div>' if data.ranking_note else ""
    if data.ranking.empty:
        table = '<div class="ws-empty">所选范围内没有社区。</div>'
    return (f'<div class="ws-panel"><div class="ws-title">五社联动指数<small>各类主体参与的活动占比</small></div>'
            f"{table}{note}{why}</div>")


def latest_html(data: ScreenData) -> str:
    """The latest activities as day, title, place and people served, scrolling (no names are ever listed)."""
    if data.latest.empty:
        body = '<div class="ws-empty">暂无活动记录</div>'
    else:
        items = "".join(
            f'<li><span class="day">{r.day:%m-%d}</span><span>{_e(r.title)}</span>'
            f'<span class="place">{_e(r.place)}</span><span class="served">{_e(number_text(r.people_served))}人次</span>'
            f"</li>" for r in data.latest.itertuples())
        moving = len(data.latest) > 8
        duration = 3.5 * len(data.latest)
        body = (f'<div class="ws-latest{" moving" if moving else ""}" style="--ws-duration:{duration:.0f}s">'
                f"<ul>{items}{items if moving else ''}</ul></div>")
    return f'<div class="ws-panel"><div class="ws-title">最新活动<small>日期 · 活动 · 地点 · 服务人次</small></div>{body}</div>'


def panel_html(data: ScreenData, index: int) -> str:
    """One of the rotating panels (志愿服务, 纠纷调解, 慈善资源, 社会组织与社工), with dots showing which."""
    title, keys = PANELS[index % len(PANELS)]
    cells = "".join(
        f'<div class="cell"><div class="label">{_e(figures.label(k))}</div>'
        f'<div class="value">{_e(figure_text(k, data.figures[k].value))}<small>{_e(figures.unit(k))}</small></div></div>'
        for k in keys)
    dots = "".join("<b>●</b>" if i == index % len(PANELS) else "○" for i in range(len(PANELS)))
    return (f'<div class="ws-panel"><div class="ws-title">{_e(title)}<span class="ws-dots">{dots}</span></div>'
            f'<div class="ws-mini">{cells}</div></div>')


# ------------------------------------------------------------------------------------------ charts


def trend_chart(series: pd.DataFrame, key: str, height: int = 250) -> alt.Chart:
    """A figure's trend on the dark ground: area and line, 万 on the axis, by quarter beyond 24 months."""
    base = alt.Chart(series).encode(
        x=alt.X("label:O", title=None, sort=list(series["label"]),
                axis=alt.Axis(labelAngle=-40, labelOverlap="greedy", labelColor=style.MUTED, labelFontSize=LABEL_SIZE,
                              tickColor=style.EDGE, domainColor=style.EDGE)),
        y=alt.Y("value:Q", title=None,
                axis=alt.Axis(labelExpr=WAN_LABEL_EXPR, labelColor=style.MUTED, labelFontSize=LABEL_SIZE,
                              gridColor="rgba(79,179,255,0.15)", domain=False, tickCount=4)),
    )
    area = base.mark_area(line={"color": style.ACCENT, "strokeWidth": 3}, opacity=0.9, color=alt.Gradient(
        gradient="linear", x1=1, x2=1, y1=1, y2=0,
        stops=[alt.GradientStop(color="rgba(79,179,255,0.02)", offset=0),
               alt.GradientStop(color="rgba(79,179,255,0.45)", offset=1)]))
    return (area.properties(height=height, background="transparent")
            .configure(font=CHART_FONT).configure_view(strokeWidth=0))


# ------------------------------------------------------------------------------------------ the page


KIOSK_PERIODS = ("month", "quarter", "year", "all")


def kiosk_period(requested: object) -> Period:
    """A kiosk link shows 本年 unless its URL asks for another period (…&period=month|quarter|year|all)."""
    kind = requested if isinstance(requested, str) and requested in KIOSK_PERIODS else "year"
    return period_of(kind, clock.today())


def _load(scope: Scope, period: Period) -> ScreenData:
    """The screen's data for this run; a kiosk link is re-checked first (a revoked link ends the show)."""
    if page.kiosk_session() and page.kiosk_viewer() is None:
        st.rerun()  # the whole page: setup_screen then shows the refusal and nothing else
    return screen(version(), scope, period)


def render(scope: Scope, period: Period, *, demo: bool) -> None:
    """Draw the big screen for ``scope`` and ``period``: figures refresh live, panels rotate."""
    st.html(style.CSS)
    with st.container(key="ws_sr_title"):  # the page's name for screen readers (the visible title is the header's)
        st.title("大屏", anchor=False)
    live = _run_every(get_settings().live_refresh_seconds)
    rotate = _run_every(ROTATE_SECONDS)

    @st.fragment(run_every=live)
    def top() -> None:
        with page.friendly_errors():
            data = _load(scope, period)
            st.html(header_html(data, demo=demo, refreshed=clock.now().strftime("%H:%M:%S")))
            previous = st.session_state.get(_PREVIOUS, {})
            st.html(figures_html(data, previous), unsafe_allow_javascript=True)
            st.session_state[_PREVIOUS] = {k: data.figures[k].value for k in HEADLINE}
            if not data.has_records:
                st.html('<div class="ws-caption">本期暂无活动记录。</div>')

    @st.fragment(run_every=live)
    def left() -> None:
        with page.friendly_errors():
            data = _load(scope, period)
            st.html(areas_html(data))
            st.html(ranking_html(data))

    @st.fragment(run_every=live)
    def district_view() -> None:
        with page.friendly_errors(), st.container(key="ws_map"):
            data = _load(scope, period)
            st.html('<div class="ws-title">服务地图<small>圆点大小 = 本期活动场次</small></div>')
            panels = data.districts[:2]
            if not panels:
                st.html('<div class="ws-empty">暂无地图数据</div>')
                return
            cols = st.columns(len(panels)) if len(panels) > 1 else [st.container()]
            for col, (code, name) in zip(cols, panels, strict=True):
                points = data.points[data.points["district_code"] == code]
                if len(panels) > 1:
                    col.html(f'<div class="ws-caption">{_e(name)}</div>')
                chart = map_spec([code], points, height=400, colors=DARK, legend=False,
                                     tooltip=(("name", "社区"), ("detail", "本期")), zoom_to_points=len(points) > 1)
                if chart is None:
                    col.html('<div class="ws-empty">暂无该区的边界数据</div>')
                else:
                    col.vega_lite_chart(chart, width="stretch", height="stretch", theme=None)

    @st.fragment(run_every=rotate)
    def trend() -> None:
        with page.friendly_errors(), st.container(key="ws_trend"):
            data = _load(scope, period)
            turn = st.session_state.get("ws_trend_turn", -1) + 1
            st.session_state["ws_trend_turn"] = turn
            key = TRENDS[turn % len(TRENDS)]
            series = data.trends[key]
            grain = "按季度" if not series.empty and series["grain"].iloc[0] == QUARTER else "按月"
            dots = "".join("<b>●</b>" if i == turn % len(TRENDS) else "○" for i in range(len(TRENDS)))
            st.html(f'<div class="ws-title">趋势 · {_e(figures.label(key))}（{_e(figures.unit(key))}，{grain}）'
                    f'<span class="ws-dots">{dots}</span></div>')
            if series.empty or not series["value"].any():
                st.html('<div class="ws-empty">本期暂无记录</div>')
            else:
                st.vega_lite_chart(trend_chart(series, key).to_dict(), width="stretch", height="stretch",
                                   theme=None)

    @st.fragment(run_every=live)
    def latest() -> None:
        with page.friendly_errors():
            st.html(latest_html(_load(scope, period)))

    @st.fragment(run_every=rotate)
    def rotating() -> None:
        with page.friendly_errors():
            turn = st.session_state.get("ws_panel_turn", -1) + 1
            st.session_state["ws_panel_turn"] = turn
            st.html(panel_html(_load(scope, period), turn))

    top()
    col_left, col_mid, col_right = st.columns([1.12, 1.3, 1.0])
    with col_left:
        left()
    with col_mid:
        district_view()
        trend()
    with col_right:
        latest()
        rotating()

