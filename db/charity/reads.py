"""慈善资源 (charity resources): the need workflow, the matching figures, supply and demand, donations and the
points of the resource map — each figure defined once here; the page, its charts and the tests use these.

Definitions (DESIGN.md §5; shown on the page):
- Needs are counted by the day they were filed (``filed_on`` in the period) with their current status.
- 对接率 (match rate) = needs 已对接 or 已完成 ÷ needs 待对接, 已对接 or 已完成 (待审核 and 已拒绝 are left out);
  None ("—") when no need has passed review.
- 对接用时 (time to match) = days from a need's ``filed_on`` to its first match's ``matched_on``; median and mean.
- The funnel: 提出需求 (all filed) → 审核通过 (approved or later) → 已对接 (matched or later) → 已完成.
- Donations reuse the ``money`` / ``in_kind`` figures of ``db.figures`` (money and goods are never added together).

Scopes: every read filters through ``Scope.where`` (db/scope.py). Charity tables carry a street and, for a
community's own library, a community: a community scope sees that community's rows; an organisation scope sees
the rows of the organisation's street.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Select, case, func, literal, select, true
from sqlmodel import Session

from db import figures, vocab
from db.figures.records import donation_rows
from db.figures.reported import indicator_table
from db.models import (
    CharityMatch,
    CharityNeed,
    CharityResource,
    Community,
    Project,
    ReportedIndicator,
    Street,
)
from db.periods import EPOCH, Period
from db.scope import Scope

# ----------------------------------------------------------------------------------------- the workflow

# The need workflow: pending(待审核) → approved(待对接) or rejected(已拒绝, with a reason);
# approved → matched(已对接) by a match; matched → completed(已完成). Nothing else.
NEED_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"approved", "rejected"}),
    "approved": frozenset({"matched"}),
    "matched": frozenset({"completed"}),
    "completed": frozenset(),
    "rejected": frozenset(),
}
PASSED_REVIEW = ("approved", "matched", "completed")  # the denominator of the match rate
MATCHED = ("matched", "completed")  # the numerator

MATCH_RATE_HELP = "已对接与已完成的需求 ÷ 通过审核的需求（待对接 + 已对接 + 已完成；待审核与已拒绝不计）"
TIME_TO_MATCH_HELP = "从需求提出到首次对接的天数"


def can_transition(old: str, new: str) -> bool:
    """Whether a need may go from status ``old`` to ``new``."""
    return new in NEED_TRANSITIONS.get(old, frozenset())


def status_label(status: str) -> str:
    return vocab.NEED_STATUSES.get(status, status)


def _in_period(column: Any, period: Period | None) -> ColumnElement[bool]:
    return true() if period is None else column.between(period.start, period.end)


# ------------------------------------------------------------------------------------------ record sets


def need_rows(scope: Scope, period: Period | None, statuses: tuple[str, ...] | None = None) -> Select:
    """Needs filed in the period (any time when ``period`` is None), optionally of some statuses."""
    clauses = [_in_period(CharityNeed.filed_on, period), *scope.where(CharityNeed)]
    if statuses is not None:
        clauses.append(CharityNeed.status.in_(statuses))
    return select(
        CharityNeed.id.label("need_id"), CharityNeed.filed_on, CharityNeed.title, CharityNeed.category,
        CharityNeed.beneficiary_group, CharityNeed.urgency, CharityNeed.amount, CharityNeed.unit,
        CharityNeed.status, CharityNeed.reject_reason, CharityNeed.street_id, CharityNeed.community_id,
    ).where(*clauses)


def matched_per_resource() -> Any:
    return (select(CharityMatch.resource_id, func.sum(CharityMatch.amount).label("matched"))
            .group_by(CharityMatch.resource_id).subquery())


def resource_rows(scope: Scope, period: Period | None) -> Select:
    """Resources offered in the period, with the amount matched so far and what is left."""
    matched = matched_per_resource()
    taken = func.coalesce(matched.c.matched, literal(0.0))
    return (
        select(CharityResource.id.label("resource_id"), CharityResource.offered_on, CharityResource.provider_name,
               CharityResource.provider_type, CharityResource.kind, CharityResource.title, CharityResource.amount,
               CharityResource.unit, taken.label("matched"), (CharityResource.amount - taken).label("left"),
               CharityResource.status, CharityResource.street_id, CharityResource.community_id,
               CharityResource.version)
        .outerjoin(matched, matched.c.resource_id == CharityResource.id)
        .where(_in_period(CharityResource.offered_on, period), *scope.where(CharityResource))
    )


def resource_left(session: Session, resource_id: int) -> float:
    """What is left of a resource: its amount less the sum of its matches (read now, in the caller's
    transaction, so that a write service sees every committed match)."""
    amount = session.execute(select(CharityResource.amount).where(CharityResource.id == resource_id)).scalar_one()
    taken = session.execute(select(func.coalesce(func.sum(CharityMatch.amount), 0.0))
                            .where(CharityMatch.resource_id == resource_id)).scalar_one()
    return float(amount) - float(taken)


# ------------------------------------------------------------------------------------ needs and matching


def need_status_counts(session: Session, scope: Scope, period: Period | None) -> dict[str, int]:
    """Needs filed in the period per current status (every status present, 0 when none)."""
    sub = need_rows(scope, period).subquery()
    got = dict(session.execute(select(sub.c.status, func.count()).group_by(sub.c.status)).all())
    return {status: int(got.get(status, 0)) for status in vocab.NEED_STATUSES}


def funnel_from_counts(counts: dict[str, int]) -> pd.DataFrame:
    """The funnel stages (提出需求 → 审核通过 → 已对接 → 已完成) from the status counts."""
    values = {
        "filed": sum(counts.values()),
        "approved": sum(counts.get(s, 0) for s in PASSED_REVIEW),
        "matched": sum(counts.get(s, 0) for s in MATCHED),
        "completed": counts.get("completed", 0),
    }
    first = values["filed"]
    return pd.DataFrame({
        "stage": list(values), "label": [vocab.FUNNEL_STAGES[k] for k in values], "needs": list(values.values()),
        "share": [None if first == 0 else v / first for v in values.values()],
    })


def funnel(session: Session, scope: Scope, period: Period | None) -> pd.DataFrame:
    """Needs → passed review → matched → completed, for the needs filed in the period."""
    return funnel_from_counts(need_status_counts(session, scope, period))


def rate_from_counts(counts: dict[str, int]) -> float | None:
    """The match rate from status counts; None when no need has passed review."""
    den = sum(counts.get(s, 0) for s in PASSED_REVIEW)
    return None if den == 0 else sum(counts.get(s, 0) for s in MATCHED) / den


def match_rate(session: Session, scope: Scope, period: Period | None) -> float | None:
    """对接率 of the needs filed in the period (see the module docstring); None = "—"."""
    return rate_from_counts(need_status_counts(session, scope, period))


@dataclass(frozen=True)
class TimeToMatch:
    """Days from filing to the first match, over the needs that have a match."""

    needs: int
    median_days: float | None
    mean_days: float | None


def time_to_match_rows(session: Session, scope: Scope, period: Period | None) -> pd.DataFrame:
    """Each matched need filed in the period with its first match and the days it took."""
    first = (select(CharityMatch.need_id, func.min(CharityMatch.matched_on).label("matched_on"))
             .group_by(CharityMatch.need_id).subquery())
    needs = need_rows(scope, period).subquery()
    rows = session.execute(
        select(needs.c.need_id, needs.c.title, needs.c.category, needs.c.filed_on, first.c.matched_on)
        .join(first, first.c.need_id == needs.c.need_id).order_by(needs.c.need_id)
    ).all()
    df = pd.DataFrame(rows, columns=["need_id", "title", "category", "filed_on", "matched_on"])
    df["days"] = (pd.to_datetime(df["matched_on"]) - pd.to_datetime(df["filed_on"])).dt.days
    return df.astype({"days": "int64"})


def time_to_match(session: Session, scope: Scope, period: Period | None) -> TimeToMatch:
    """Median and mean days to the first match (None when no need filed in the period was matched)."""
    days = time_to_match_rows(session, scope, period)["days"]
    if days.empty:
        return TimeToMatch(0, None, None)
    return TimeToMatch(len(days), float(days.median()), float(days.mean()))


# Buckets of the time to match, in days (upper bounds inclusive; None = open-ended).
TIME_TO_MATCH_BUCKETS = ((7, "1 周内"), (14, "8–14 天"), (30, "15–30 天"), (90, "1–3 个月"), (180, "3–6 个月"),
                         (None, "半年以上"))


def time_to_match_distribution(session: Session, scope: Scope, period: Period | None) -> pd.DataFrame:
    """Matched needs per bucket of days to the first match (columns bucket, needs), every bucket present."""
    days = time_to_match_rows(session, scope, period)["days"]
    counts = []
    low = -1
    for high, label in TIME_TO_MATCH_BUCKETS:
        inside = (days > low) if high is None else ((days > low) & (days <= high))
        counts.append((label, int(inside.sum())))
        low = high if high is not None else low
    return pd.DataFrame(counts, columns=["bucket", "needs"])


# --------------------------------------------------------------------------------------- supply, demand


def supply_by_provider(session: Session, scope: Scope, period: Period | None) -> pd.DataFrame:
    """Resources offered in the period per kind and provider type (columns kind, provider_type, resources)."""
    sub = resource_rows(scope, period).subquery()
    rows = session.execute(select(sub.c.kind, sub.c.provider_type, func.count().label("resources"))
                           .group_by(sub.c.kind, sub.c.provider_type)).all()
    return pd.DataFrame(rows, columns=["kind", "provider_type", "resources"])


def demand_by_category(session: Session, scope: Scope, period: Period | None) -> pd.DataFrame:
    """Needs filed in the period per category and status (columns category, status, status_label, needs)."""
    sub = need_rows(scope, period).subquery()
    rows = session.execute(select(sub.c.category, sub.c.status, func.count().label("needs"))
                           .group_by(sub.c.category, sub.c.status)).all()
    df = pd.DataFrame(rows, columns=["category", "status", "needs"])
    df.insert(2, "status_label", df["status"].map(status_label))
    return df


def supply_demand(session: Session, scope: Scope, period: Period | None) -> pd.DataFrame:
    """Supply beside demand per category and unit (amounts of different units are never added).

    Columns: category, unit, resources, offered, matched, left (resources offered in the period, matched so
    far); needs, requested (needs filed in the period, rejected ones left out), unmet (amount of the needs
    still 待审核 or 待对接).
    """
    res = resource_rows(scope, period).subquery()
    supply = session.execute(
        select(res.c.kind.label("category"), res.c.unit, func.count().label("resources"),
               func.sum(res.c.amount).label("offered"), func.sum(res.c.matched).label("matched"),
               func.sum(res.c.left).label("left"))
        .group_by(res.c.kind, res.c.unit)).all()
    need = need_rows(scope, period).where(CharityNeed.status != "rejected").subquery()
    open_amount = func.coalesce(func.sum(case((need.c.status.in_(("pending", "approved")), need.c.amount),
                                              else_=0.0)), 0.0)
    demand = session.execute(
        select(need.c.category, need.c.unit, func.count().label("needs"), func.sum(need.c.amount).label("requested"),
               open_amount.label("unmet"))
        .group_by(need.c.category, need.c.unit)).all()
    s = pd.DataFrame(supply, columns=["category", "unit", "resources", "offered", "matched", "left"])
    d = pd.DataFrame(demand, columns=["category", "unit", "needs", "requested", "unmet"])
    df = s.merge(d, on=["category", "unit"], how="outer")
    counts = ["resources", "needs"]
    amounts = ["offered", "matched", "left", "requested", "unmet"]
    df[counts] = df[counts].fillna(0).astype("int64")
    df[amounts] = df[amounts].astype("float64").fillna(0.0)
    order = {k: i for i, k in enumerate(vocab.RESOURCE_KINDS)}
    df = df.sort_values(["category", "unit"], key=lambda c: c.map(order) if c.name == "category" else c)
    return df.reset_index(drop=True)[["category", "unit", "resources", "offered", "matched", "left", "needs",
                                      "requested", "unmet"]]


# ------------------------------------------------------------------------------------------ the lists


def resources_table(session: Session, scope: Scope, period: Period | None = None) -> pd.DataFrame:
    """Resources with provider, amount, matched, left, status label, community and street names."""
    sub = resource_rows(scope, period).subquery()
    query = (select(sub, Community.name.label("community"), Street.name.label("street"))
             .outerjoin(Community, Community.id == sub.c.community_id).join(Street, Street.id == sub.c.street_id)
             .order_by(sub.c.offered_on.desc(), sub.c.resource_id.desc()))
    df = pd.read_sql(query, session.connection())
    df["status_label"] = df["status"].map(lambda s: vocab.RESOURCE_STATUSES.get(s, s))
    return df


def needs_table(session: Session, scope: Scope, period: Period | None = None,
                statuses: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Needs with status label, community, version, matched amount and first match / completion dates."""
    matches = (select(CharityMatch.need_id, func.sum(CharityMatch.amount).label("matched"),
                      func.min(CharityMatch.matched_on).label("matched_on"),
                      func.max(CharityMatch.completed_on).label("completed_on"))
               .group_by(CharityMatch.need_id).subquery())
    sub = need_rows(scope, period, statuses).add_columns(CharityNeed.version).subquery()
    query = (select(sub, func.coalesce(matches.c.matched, 0.0).label("matched"), matches.c.matched_on,
                    matches.c.completed_on, Community.name.label("community"), Street.name.label("street"))
             .outerjoin(matches, matches.c.need_id == sub.c.need_id)
             .outerjoin(Community, Community.id == sub.c.community_id).join(Street, Street.id == sub.c.street_id)
             .order_by(sub.c.filed_on.desc(), sub.c.need_id.desc()))
    df = pd.read_sql(query, session.connection())
    df["status_label"] = df["status"].map(status_label)
    return df


def match_candidates(session: Session, scope: Scope, need_id: int) -> pd.DataFrame:
    """Resources that can serve a need: same street, kind = the need's category, same unit, available, with
    something left, inside ``scope`` (the user's). The match service checks all of this again."""
    need = session.get(CharityNeed, need_id)
    if need is None:
        return resources_table(session, Scope(street_id=-1))
    df = resources_table(session, scope)
    keep = ((df["street_id"] == need.street_id) & (df["kind"] == need.category) & (df["unit"] == need.unit)
            & (df["status"] == "available") & (df["left"] > 1e-9))
    return df[keep].reset_index(drop=True)


# -------------------------------------------------------------------------------------------- donations


def donation_totals(session: Session, scope: Scope, period: Period) -> dict[str, float | None]:
    """Money and in-kind donations received (the ``money`` and ``in_kind`` KPIs)."""
    return figures.values(session, ("money", "in_kind"), scope, period)


def _donations(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    frames = []
    for money in (True, False):
        df = pd.read_sql(donation_rows(scope, period, money), session.connection())
        frames.append(df.assign(form=vocab.DONATION_FORMS[money], is_money=money))
    return pd.concat(frames, ignore_index=True)


def donations_by_donor_type(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Per donor type and form (善款 / 物资): amount (元) and number of donations, from the KPI record sets."""
    df = _donations(session, scope, period)
    out = (df.groupby(["donor_type", "form"], as_index=False)
           .agg(amount=("amount_yuan", "sum"), donations=("donation_id", "count")))
    order = {k: i for i, k in enumerate(vocab.PROVIDER_TYPES)}
    return out.sort_values("donor_type", key=lambda c: c.map(order).fillna(99)).reset_index(drop=True)


def donations_by_project(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Per receiving project (未归属项目 when none): money, in-kind value and number of donations."""
    df = _donations(session, scope, period)
    names = dict(session.execute(select(Project.id, Project.name)).all()) if not df.empty else {}
    df["project"] = df["project_id"].map(lambda p: names.get(int(p), "未知项目") if pd.notna(p) else "未归属项目")
    df["money"] = df["amount_yuan"].where(df["is_money"], 0.0)
    df["in_kind"] = df["amount_yuan"].where(~df["is_money"].astype(bool), 0.0)
    out = (df.groupby("project", as_index=False)
           .agg(money=("money", "sum"), in_kind=("in_kind", "sum"), donations=("donation_id", "count")))
    out = out.astype({"money": "float64", "in_kind": "float64"})
    return out.sort_values(["money", "in_kind"], ascending=False).reset_index(drop=True)


def donations_monthly(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Money and in-kind donations month by month (columns month, money, in_kind), from the KPIs' own series."""
    money = figures.monthly(session, "money", scope, period).rename(columns={"value": "money"})
    goods = figures.monthly(session, "in_kind", scope, period).rename(columns={"value": "in_kind"})
    df = money.merge(goods, on="month", how="outer").fillna(0.0).sort_values("month")
    return df.reset_index(drop=True)


def reported_charity_figures(session: Session, scope: Scope, today: date) -> pd.DataFrame:
    """Reported figures of the 慈善资源 projects in the scope, each beside the records where they compare:
    a figure in 元 is set beside the money donated to that project up to the report's date. The columns of
    ``db.figures.reported.indicator_table``."""
    query = (select(ReportedIndicator).join(Project, Project.id == ReportedIndicator.project_id)
             .where(Project.area == "慈善资源", *scope.where(ReportedIndicator)))

    def money_to_project(ind: ReportedIndicator) -> float | None:
        if ind.unit != "元":
            return None
        sub = donation_rows(Scope(), Period(EPOCH, min(ind.as_of, today)), True).subquery()
        return float(session.execute(select(func.coalesce(func.sum(sub.c.amount_yuan), 0.0))
                                     .where(sub.c.project_id == ind.project_id)).scalar_one())

    indicators = session.execute(query.order_by(ReportedIndicator.id)).scalars().all()
    return indicator_table(session, indicators, today, money_to_project)


# ---------------------------------------------------------------------------------------------- the map


# ------------------------------------------------------------------------------- what the page reads at once


@dataclass(frozen=True)
class CharitySummary:
    """The summary tiles of a scope and period: need counts per status, the funnel, the match rate, the time to
    match, the resources offered and the donation totals."""

    counts: dict[str, int]
    funnel: pd.DataFrame
    match_rate: float | None
    time_to_match: TimeToMatch
    resources: int
    donations: dict[str, float | None]


def charity_summary(session: Session, scope: Scope, period: Period) -> CharitySummary:
    counts = need_status_counts(session, scope, period)
    return CharitySummary(counts=counts, funnel=funnel_from_counts(counts), match_rate=rate_from_counts(counts),
                          time_to_match=time_to_match(session, scope, period),
                          resources=int(supply_by_provider(session, scope, period)["resources"].sum()),
                          donations=donation_totals(session, scope, period))


@dataclass(frozen=True)
class SupplyOverview:
    """Resources by kind × provider type, needs by category × status, and supply beside demand."""

    by_provider: pd.DataFrame
    by_category: pd.DataFrame
    balance: pd.DataFrame


def supply_overview(session: Session, scope: Scope, period: Period) -> SupplyOverview:
    return SupplyOverview(supply_by_provider(session, scope, period), demand_by_category(session, scope, period),
                          supply_demand(session, scope, period))


@dataclass(frozen=True)
class MatchingOverview:
    """The time-to-match buckets and each matched need with its days."""

    buckets: pd.DataFrame
    rows: pd.DataFrame


def matching_overview(session: Session, scope: Scope, period: Period) -> MatchingOverview:
    return MatchingOverview(time_to_match_distribution(session, scope, period),
                            time_to_match_rows(session, scope, period))


@dataclass(frozen=True)
class DonationOverview:
    """Donations by donor type and form, by project, and month by month."""

    by_type: pd.DataFrame
    by_project: pd.DataFrame
    monthly: pd.DataFrame


def donation_overview(session: Session, scope: Scope, period: Period) -> DonationOverview:
    return DonationOverview(donations_by_donor_type(session, scope, period),
                            donations_by_project(session, scope, period), donations_monthly(session, scope, period))


def donation_project_options(session: Session, scope: Scope) -> list[tuple[int, str]]:
    """(id, "name（street）") of the projects a donation in the scope may go to."""
    from db.places import lists

    out: list[tuple[int, str]] = []
    for street_id, street in lists.streets(session, scope):
        out += [(pid, f"{name}（{street}）") for pid, name in lists.projects_for(session, street_id)]
    return out
