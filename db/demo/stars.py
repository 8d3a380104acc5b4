"""Star presets per street and the stars already awarded."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING

from db.demo.generator import QIAO, SEED, XGSL, XUE, _Gen
from db.models import (
    ServiceRecord,
    StarAward,
    StreetStarPreset,
    Volunteer,
)

if TYPE_CHECKING:
    pass


STREET_PRESETS = {QIAO: "全国（默认）", XUE: "全国（默认）"}
_NATIONAL = ((1, 100.0), (2, 300.0), (3, 600.0), (4, 1000.0), (5, 1500.0))


def _stars(g: _Gen) -> None:
    """StreetStarPreset choices and StarAward rows: most volunteers are awarded a star some weeks after their
    approved hours reach it; the rest are 达标可申请 (eligible, not yet awarded). Own random stream, so the rows
    before it do not change."""
    r = random.Random(SEED + 4)
    for street, preset in STREET_PRESETS.items():
        g.rows[StreetStarPreset].append({"street_id": g.street[street], "preset_id": preset})
    xgsl = g.community[XGSL]
    home = {v["id"]: v["community_id"] for v in g.rows[Volunteer]}
    records = sorted((rec["service_date"], rec["volunteer_id"], rec["hours"]) for rec in g.rows[ServiceRecord]
                     if rec["status"] == "approved")
    total: dict[int, float] = defaultdict(float)
    crossings: list[tuple[int, int, date]] = []
    for day, vid, hours in records:
        before = total[vid]
        total[vid] = round(before + hours, 2)
        crossings += [(vid, rank, day) for rank, need in _NATIONAL if before < need <= total[vid]]
    stopped: set[int] = set()
    for vid, rank, day in sorted(crossings, key=lambda c: (c[0], c[1])):
        awarded_on = day + timedelta(days=r.randint(14, 75))
        if vid in stopped or awarded_on > g.today or r.random() < 0.3:
            stopped.add(vid)  # no higher star before the lower one
            continue
        g.add(StarAward, volunteer_id=vid, preset_id="全国（默认）", rank=rank, awarded_on=awarded_on,
              awarded_by="demo_staff" if home[vid] == xgsl else "demo_admin")
