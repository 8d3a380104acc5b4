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
    ServiceSpace,
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


def _matched_per_resource() -> Any:
    return (select(CharityMatch.resource_id, func.sum(CharityMatch.amount).label("matched"))
            .group_by(CharityMatch.resource_id).subquery())


def resource_rows(scope: Scope, period: Period | None) -> Select:
    """Resources offered in the period, with the amount matched so far and what is left."""
    matched = _matched_per_resource()
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


def map_districts(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """(行政区划代码, label) of the districts the scope's streets lie in, e.g. ('330113', '杭州市临平区 · 乔司街道')."""
    query = (select(Street.id, Street.name, Street.city, Street.district, Street.district_code)
             .where(*scope.where(Street)).order_by(Street.id))
    districts: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for row in session.execute(query):
        code = row.district_code or ""
        districts.setdefault(code, []).append(row.name)
        names.setdefault(code, f"{row.city}{row.district}")
    return [(code, f"{names[code] or '未知地区'}（{code or '无代码'}）· {'、'.join(streets)}")
            for code, streets in districts.items()]


MAP_COLUMNS = ["name", "kind", "lng", "lat", "size", "detail", "amount", "unit", "provider_type", "status",
               "status_label", "community", "district_code", "own_location", "items"]
# Resources and needs are drawn one by one up to this many (after the filters); beyond it, one point per place
# (community, else street) and kind, sized by how many it stands for: thousands of overlapping points say less than
# 200 counted ones, and drawing them grows with the library's history (issue 13: 6,000 points at 10M records).
MAP_ITEM_LIMIT = 400
# Where a place's grouped resources and needs sit beside its community point (degrees of longitude, ≈ 300 m).
_GROUP_NUDGE = {"资源": -0.003, "需求": 0.003}


def _num(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _located(session: Session, model: Any, scope: Scope, *columns: Any) -> list[Any]:
    """Rows of a charity table with their place: own point, else the community's, else the street's."""
    return session.execute(
        select(*columns, model.lng.label("own_lng"), model.lat.label("own_lat"),
               Community.lng.label("c_lng"), Community.lat.label("c_lat"), Street.lng.label("s_lng"),
               Street.lat.label("s_lat"), Community.name.label("community"), Street.district_code)
        .outerjoin(Community, Community.id == model.community_id).join(Street, Street.id == model.street_id)
        .where(*scope.where(model)).order_by(model.id)
    ).all()


def _place(row: Any) -> tuple[float | None, float | None, bool]:
    if row.own_lng is not None and row.own_lat is not None:
        return row.own_lng, row.own_lat, True
    if row.c_lng is not None and row.c_lat is not None:
        return row.c_lng, row.c_lat, False
    return row.s_lng, row.s_lat, False


def _item_where(model: Any, scope: Scope, statuses: tuple[str, ...] | None,
                provider_types: tuple[str, ...] | None = None) -> list[Any]:
    """The filters of the map as SQL (``_filtered`` applies the same to the rows read one by one)."""
    where = [*scope.where(model)]
    if statuses is not None:
        where.append(model.status.in_(statuses))
    if provider_types is not None:
        where.append(model.provider_type.in_(provider_types))
    return where


def _wanted(scope: Scope, kinds: tuple[str, ...] | None, provider_types: tuple[str, ...] | None,
            resource_statuses: tuple[str, ...] | None, need_statuses: tuple[str, ...] | None
            ) -> dict[str, tuple[Any, list[Any]]]:
    """kind → (table, filters) of the resources and needs the map shows."""
    return {kind: (model, _item_where(model, scope, statuses, providers))
            for kind, model, statuses, providers in (("资源", CharityResource, resource_statuses, provider_types),
                                                     ("需求", CharityNeed, need_statuses, None))
            if kinds is None or kind in kinds}


def _count(session: Session, wanted: dict[str, tuple[Any, list[Any]]]) -> int:
    return sum(session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
               for model, where in wanted.values())


def map_item_count(session: Session, scope: Scope, *, kinds: tuple[str, ...] | None = None,
                   provider_types: tuple[str, ...] | None = None, resource_statuses: tuple[str, ...] | None = None,
                   need_statuses: tuple[str, ...] | None = None) -> int:
    """How many resources and needs the map shows with these filters (those without a place included)."""
    return _count(session, _wanted(scope, kinds, provider_types, resource_statuses, need_statuses))


def _item_rows(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Every resource and need of the scope as a map point of its own."""
    rows: list[dict[str, Any]] = []
    matched = _matched_per_resource()
    for r in _located(session, CharityResource, scope, CharityResource.title, CharityResource.provider_name,
                      CharityResource.provider_type, CharityResource.kind.label("category"), CharityResource.amount,
                      CharityResource.unit, CharityResource.status,
                      select(matched.c.matched).where(matched.c.resource_id == CharityResource.id)
                      .scalar_subquery().label("matched")):
        lng, lat, own = _place(r)
        left = r.amount - (r.matched or 0.0)
        label = vocab.RESOURCE_STATUSES.get(r.status, r.status)
        rows.append({"name": r.title, "kind": "资源", "lng": lng, "lat": lat, "amount": r.amount, "unit": r.unit,
                     "group": ("资源", r.unit), "provider_type": r.provider_type, "status": r.status,
                     "status_label": label, "community": r.community, "district_code": r.district_code,
                     "own_location": own, "items": 1,
                     "detail": f"{r.provider_name}（{r.provider_type}）· {r.category} {_num(r.amount)}{r.unit}，"
                               f"剩余 {_num(left)}{r.unit} · {label}"})
    for n in _located(session, CharityNeed, scope, CharityNeed.title, CharityNeed.category, CharityNeed.amount,
                      CharityNeed.unit, CharityNeed.status, CharityNeed.urgency):
        lng, lat, own = _place(n)
        label = status_label(n.status)
        rows.append({"name": n.title, "kind": "需求", "lng": lng, "lat": lat, "amount": n.amount, "unit": n.unit,
                     "group": ("需求", n.unit), "provider_type": None, "status": n.status, "status_label": label,
                     "community": n.community, "district_code": n.district_code, "own_location": own, "items": 1,
                     "detail": f"{n.category} {_num(n.amount)}{n.unit} · {n.urgency} · {label}"})
    return rows


def _grouped_rows(session: Session, wanted: dict[str, tuple[Any, list[Any]]]) -> list[dict[str, Any]]:
    """The resources and needs that pass the filters, one point per place (community, else street) and kind at
    the place's point (nudged apart), with how many of each status it stands for."""
    rows: list[dict[str, Any]] = []
    for kind, (model, where) in wanted.items():
        labels = vocab.RESOURCE_STATUSES if model is CharityResource else vocab.NEED_STATUSES
        places: dict[tuple, dict[str, Any]] = {}
        for r in session.execute(
                select(model.street_id, model.community_id, model.status, func.count().label("n"),
                       Community.name.label("community"), Street.name.label("street"), Street.district_code,
                       func.coalesce(Community.lng, Street.lng).label("lng"),
                       func.coalesce(Community.lat, Street.lat).label("lat"))
                .outerjoin(Community, Community.id == model.community_id).join(Street, Street.id == model.street_id)
                .where(*where)
                .group_by(model.street_id, model.community_id, model.status, Community.name, Street.name,
                          Street.district_code, Community.lng, Community.lat, Street.lng, Street.lat)):
            place = places.setdefault((r.street_id, r.community_id), {
                "name": r.community or r.street, "community": r.community or r.street, "lng": r.lng, "lat": r.lat,
                "district_code": r.district_code, "statuses": {}})
            place["statuses"][r.status] = place["statuses"].get(r.status, 0) + int(r.n)
        for place in places.values():
            total = sum(place["statuses"].values())
            statuses, order = place["statuses"], list(labels)  # in the workflow's order
            parts = "　".join(f"{labels.get(k, k)} {statuses[k]:,}"
                             for k in sorted(statuses, key=lambda k: order.index(k) if k in order else len(order)))
            rows.append({"name": f"{place['name']} · {kind} {total:,} 项", "kind": kind,
                         "lng": None if place["lng"] is None else place["lng"] + _GROUP_NUDGE[kind],
                         "lat": place["lat"], "amount": float(total), "unit": "项", "group": (kind, "项"),
                         "provider_type": None, "status": None, "status_label": None,
                         "community": place["community"], "district_code": place["district_code"],
                         "own_location": False, "items": total, "detail": f"共 {total:,} 项：{parts}"})
    return rows


def map_points(session: Session, scope: Scope, *, kinds: tuple[str, ...] | None = None,
               provider_types: tuple[str, ...] | None = None, resource_statuses: tuple[str, ...] | None = None,
               need_statuses: tuple[str, ...] | None = None, limit: int | None = None) -> pd.DataFrame:
    """Resources, needs, service spaces and communities of the scope as GCJ-02 points for the map.

    ``size`` is a point's amount relative to the largest of the same kind and unit (resources and needs),
    floor area (service spaces) or population (communities): amounts of different units are never compared.
    A resource or need without its own coordinates is placed at its community (else its street).
    Filters: ``provider_types`` and ``resource_statuses`` apply to resources, ``need_statuses`` to needs;
    None = no filter. When more than ``limit`` resources and needs pass the filters, they are drawn one point per
    place and kind (``items``: how many a point stands for, sized by it; 1 for every point of its own);
    ``limit`` None: ``MAP_ITEM_LIMIT``.
    """
    wanted = _wanted(scope, kinds, provider_types, resource_statuses, need_statuses)
    grouped = _count(session, wanted) > (MAP_ITEM_LIMIT if limit is None else limit)
    rows = _grouped_rows(session, wanted) if grouped else _item_rows(session, scope)
    space_query = (select(ServiceSpace.name, ServiceSpace.kind, ServiceSpace.area_m2, ServiceSpace.lng,
                          ServiceSpace.lat, Community.name.label("community"), Street.district_code)
                   .join(Community, Community.id == ServiceSpace.community_id)
                   .join(Street, Street.id == Community.street_id)
                   .where(*scope.where(ServiceSpace)).order_by(ServiceSpace.id))
    for s in session.execute(space_query):
        area = s.area_m2
        rows.append({"name": s.name, "kind": "服务阵地", "lng": s.lng, "lat": s.lat, "amount": area, "unit": "㎡",
                     "group": ("服务阵地", "㎡"), "provider_type": None, "status": None, "status_label": None,
                     "community": s.community, "district_code": s.district_code, "own_location": True,
                     "items": 1,
                     "detail": f"{s.community} · {s.kind or '服务阵地'}" + (f" · {_num(area)} ㎡" if area else "")})
    community_query = (select(Community.name, Community.population, Community.lng, Community.lat,
                              Street.name.label("street"), Street.district_code)
                       .join(Street, Street.id == Community.street_id)
                       .where(*scope.where(Community)).order_by(Community.id))
    for c in session.execute(community_query):
        rows.append({"name": c.name, "kind": "社区", "lng": c.lng, "lat": c.lat, "amount": c.population,
                     "unit": "人", "group": ("社区", "人"), "provider_type": None, "status": None,
                     "status_label": None, "community": c.name, "district_code": c.district_code,
                     "own_location": True, "items": 1,
                     "detail": f"{c.street}" + (f" · 人口 {_num(c.population)} 人" if c.population else "")})
    df = pd.DataFrame(rows, columns=[*MAP_COLUMNS, "group"])
    df = df.dropna(subset=["lng", "lat"])
    if df.empty:
        return df[MAP_COLUMNS].reset_index(drop=True)
    amount = pd.to_numeric(df["amount"], errors="coerce")
    biggest = amount.groupby(df["group"]).transform("max")
    df["size"] = (amount / biggest).where((amount > 0) & (biggest > 0)).fillna(0.3).astype("float64")
    keep = pd.Series(True, index=df.index)
    if kinds is not None:
        keep &= df["kind"].isin(kinds)
    if grouped:  # filtered as they were counted
        return df.loc[keep, MAP_COLUMNS].reset_index(drop=True)
    if provider_types is not None:
        keep &= (df["kind"] != "资源") | df["provider_type"].isin(provider_types)
    if resource_statuses is not None:
        keep &= (df["kind"] != "资源") | df["status"].isin(resource_statuses)
    if need_statuses is not None:
        keep &= (df["kind"] != "需求") | df["status"].isin(need_statuses)
    return df.loc[keep, MAP_COLUMNS].reset_index(drop=True)


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
class CharityMap:
    """The districts to draw, the points, and how many resources and needs pass the filters (``items``: more than
    ``MAP_ITEM_LIMIT`` are drawn one point per place and kind)."""

    districts: list[tuple[str, str]]
    points: pd.DataFrame
    items: int

    @property
    def grouped(self) -> bool:
        return self.items > MAP_ITEM_LIMIT


def charity_map(session: Session, scope: Scope, kinds: tuple[str, ...], provider_types: tuple[str, ...],
                resource_statuses: tuple[str, ...], need_statuses: tuple[str, ...]) -> CharityMap:
    filters = {"kinds": kinds, "provider_types": provider_types, "resource_statuses": resource_statuses,
               "need_statuses": need_statuses}
    return CharityMap(map_districts(session, scope), map_points(session, scope, **filters),
                      map_item_count(session, scope, **filters))


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
