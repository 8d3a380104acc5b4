"""The demo data set (DESIGN.md §11), built from the two reports of ``seed-facts.md``.

What it holds
- 薛家岛街道 (山东省青岛市黄岛区, 370211) with 新港山路社区 and two other communities, and 乔司街道 (浙江省杭州市
  临平区, 330113) with 胜稼村 and five other villages and communities; the named organisations, projects, teams,
  brands and spaces of the reports; synthetic records (generated names) from 2021-01-01 up to ``today``.
- Records that reproduce every figure of the reports that records can carry (e.g. 612 mediation cases at
  杨金泉纠纷调解服务中心, 98.5 % of the concluded ones resolved), and every figure as the reports state it as a
  ``ReportedIndicator`` with its qualifier (“余/超/以上” → ≥), unit, source and as-of date.

As-of dates of the reported indicators (the page itself carries no date)
- Report 1, 山东：“社工+志愿”打造和谐家园 (《大众日报》): 2025-03-05, 学雷锋纪念日 2025, shortly after the
  provincial pilot list it reports was published.
- Report 2, 浙江杭州临平区：“乔社育才”倡导社工发展“新模式” (杭州市临平区民政局官网): 2025-06-30; its
  “今年以来” (capacity building) is read as January–June 2025.
Records behind a reported figure are dated on or before its as-of date. Filler records run on to ``today`` and
never touch a figure that a report states exactly (no filler 宣讲 in “阳光下 蔚蓝天”, no filler in 幸福工坊, no
filler organisation with a registration status in 乔司街道, no filler training of 乔社学院 or on 能力建设).

Determinism: one ``random.Random(20250630)``. The fact records are drawn first and do not depend on ``today``;
only the filler does (dates up to ``today``, so 本月/本年 figures are not zero).

Loading is a bulk insert: ``session.execute(insert(table), rows)`` on SQLite, COPY on PostgreSQL, all in one
transaction. Rows are generated (outside the write lock) with ids relative to the demo set; at insert time each
table's ids, and every foreign key pointing at it, are shifted past the ids already in use; on PostgreSQL the
table is locked against other inserts meanwhile and its id sequence advanced past the new rows.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import SQLModel

from db.demo.facts import _facts_report1, _facts_report2, _indicators
from db.demo.filler import _filler
from db.demo.generator import EARLIEST_TODAY, REPORT2_AS_OF, _Gen
from db.demo.people import _people_and_projects
from db.demo.places import _organisations, _places
from db.demo.stars import _stars

if TYPE_CHECKING:
    pass


def build_demo_rows(today: date) -> dict[type[SQLModel], list[dict[str, Any]]]:
    """The demo rows per table, ids relative to the demo set. Pure: no database; same ``today``, same rows."""
    if today < EARLIEST_TODAY:
        raise ValueError(f"演示数据的日期须不早于 {EARLIEST_TODAY:%Y-%m-%d}（报道数据截至 {REPORT2_AS_OF:%Y-%m-%d}）")
    g = _Gen(today)
    _places(g)
    _organisations(g)
    _people_and_projects(g)
    _facts_report1(g)
    _facts_report2(g)
    _indicators(g)
    _filler(g)
    _stars(g)
    return dict(g.rows)
