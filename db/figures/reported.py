"""Reported figures (DESIGN.md §3): figures that come from reports rather than records, shown as reported (with
their qualifier, date and source) beside the record figure they compare with, never mixed into it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from db.figures.reads import value
from db.figures.registry import is_known, is_rate
from db.models import ReportedIndicator
from db.periods import EPOCH, Period
from db.scope import Scope

REPORTED_COLUMNS = ["subject", "metric", "qualifier", "value", "unit", "as_of", "source", "record_value", "kpi_key",
                    "note"]
# Figures of a street's registers (organisations, grades, projects, social workers): read for the indicator's street
# even when a centre reports them (“已培育 5A 社会组织 3 家”), since a register belongs to a street.
STREET_REGISTERS = ("social_orgs", "orgs_", "grades_", "projects", "brand_projects_", "social_workers")


def indicator_record_value(session: Session, ind: ReportedIndicator, today: date) -> float | None:
    """The record figure an indicator compares with (its ``kpi_key``), for its own place, over the records up
    to its as-of date (like with like); None where it names no figure. Rates are in per cent, like reports."""
    key = ind.kpi_key
    if not key or not is_known(key):
        return None
    if not is_rate(key) and key.startswith(STREET_REGISTERS):
        place = Scope(street_id=ind.street_id)
    else:
        place = (Scope(organization_id=ind.organization_id) if ind.organization_id
                 else Scope(community_id=ind.community_id) if ind.community_id else Scope(street_id=ind.street_id))
    got = value(session, key, place, Period(EPOCH, min(ind.as_of, today)))
    return got * 100 if is_rate(key) and got is not None else got


def indicator_table(session: Session, indicators: Iterable[ReportedIndicator], today: date,
                    record_value: Callable[[ReportedIndicator], float | None] | None = None) -> pd.DataFrame:
    """Reported indicators as rows (REPORTED_COLUMNS), each beside its record figure (``record_value``, by
    default ``indicator_record_value``)."""
    rows = []
    for ind in indicators:
        value = record_value(ind) if record_value else indicator_record_value(session, ind, today)
        rows.append({"subject": ind.subject, "metric": ind.metric, "qualifier": ind.qualifier, "value": ind.value,
                     "unit": ind.unit, "as_of": ind.as_of, "source": ind.source, "record_value": value,
                     "kpi_key": ind.kpi_key, "note": ind.note})
    return pd.DataFrame(rows, columns=REPORTED_COLUMNS)


def reported_beside_records(session: Session, scope: Scope, today: date, *where: Any) -> pd.DataFrame:
    """The reported indicators of a scope (narrowed by any ``where`` clauses), each beside the record figure of
    its KPI where one compares (``indicator_record_value``): “records: 108 of ≥ 100 reported”."""
    query = select(ReportedIndicator).where(*where, *scope.where(ReportedIndicator))
    return indicator_table(session, session.execute(query.order_by(ReportedIndicator.id)).scalars(), today)
