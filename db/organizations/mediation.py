"""社会组织与社工's mediation (纠纷调解): the dispute figures and their breakdown by handler, type, source or month,
each column the record set of its figure (``db.figures``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import String, cast, func, literal, select
from sqlmodel import Session

from db import figures
from db.models import Community, Organization, VolunteerTeam
from db.periods import Period
from db.scope import Scope

MEDIATION_KEYS = ("disputes", "disputes_resolved", "dispute_success_rate")
_SUCCESS = figures.RATES["dispute_success_rate"]

# The handler of a case: the team that handled it, else the organisation, else the community's own mediation, else
# the street's. Grouped by these keys ('t12', 'o3', 'c7', 's') in SQL and named afterwards: naming each case by four
# joins cost more than counting it (20,000 cases a year at 10M records, bench/scale.py).
_HANDLERS = (("t", "team_id", VolunteerTeam, "{}"), ("o", "organization_id", Organization, "{}"),
             ("c", "community_id", Community, "{}（社区调解）"))


def _handler_key(sub: Any) -> Any:
    return func.coalesce(*(literal(tag).concat(cast(sub.c[column], String)) for tag, column, _, _ in _HANDLERS),
                         literal("s"))


def _handler_names(session: Session, keys: list[str]) -> dict[str, str]:
    names = {"s": "（街道）"}
    for tag, _, model, shown in _HANDLERS:
        ids = [int(k[1:]) for k in keys if k.startswith(tag)]
        names |= {f"{tag}{i}": shown.format(n) for i, n in session.execute(
            select(model.id, model.name).where(model.id.in_(ids)))} if ids else {}
    return names


def _mediation_group(session: Session, by: str):
    if by == "handler":
        return lambda sub: (_handler_key(sub), [])
    if by == "month":
        return lambda sub: (figures.month_of(session, sub.c.received_on), [])
    if by in ("type", "source"):
        return lambda sub: (sub.c[by], [])
    raise ValueError(by)


def mediation_breakdown(session: Session, scope: Scope, period: Period, by: str,
                        project_id: int | None = None) -> pd.DataFrame:
    """Received, resolved, concluded cases and the success rate per team, type, month or source.

    Each column is the grouped record set of the KPI of that name (disputes, disputes_resolved,
    disputes_concluded), the three counted in one pass over the cases (``figures.grouped_together``); the rate is dispute_success_rate's numerator ÷ denominator per group, None (“—”)
    when a group has no concluded case. ``project_id`` keeps one project's cases."""
    group = _mediation_group(session, by)
    keys = ("disputes", _SUCCESS.numerator, _SUCCESS.denominator)
    df = figures.grouped_together(session, keys, scope, period, group, label="group", project_id=project_id)
    df = df.astype(dict.fromkeys(keys, int))
    if by == "handler":  # two teams of one name are one row, as before
        df["group"] = df["group"].map(_handler_names(session, list(df["group"])))
        df = df.groupby("group", as_index=False)[list(keys)].sum()
    df = df[df["disputes"] > 0]
    # Object dtype keeps None (“—”) apart from a real 0 %.
    df["success_rate"] = pd.Series([None if den == 0 else num / den for num, den in
                                    zip(df[_SUCCESS.numerator], df[_SUCCESS.denominator], strict=True)],
                                   index=df.index, dtype=object)
    sort = ["group"] if by == "month" else ["disputes", "group"]
    df = df.sort_values(sort, ascending=by == "month" or [False, True]).reset_index(drop=True)
    return df[["group", "disputes", _SUCCESS.numerator, _SUCCESS.denominator, "success_rate"]]


def mediation_figures(session: Session, scope: Scope, period: Period) -> dict[str, float | None]:
    return figures.values(session, MEDIATION_KEYS, scope, period)
