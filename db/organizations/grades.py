"""Social-organisation grades (DESIGN.md §4): 5A…1A, valid 5 years, flagged when they run out within 6 months."""

from __future__ import annotations

from datetime import date

from db import vocab
from db.periods import add_months


def grade_expiry(awarded_on: date) -> date:
    """The last day a grade is valid: awarded_on + GRADE_YEARS years (a grade of 29 Feb ends on 28 Feb)."""
    return add_months(awarded_on, 12 * vocab.GRADE_YEARS)


def grade_warning_end(day: date) -> date:
    """The last expiry date that, seen on ``day``, counts as “runs out within 6 months” (day + 6 months)."""
    return add_months(day, vocab.GRADE_WARNING_MONTHS)


def grade_is_current(awarded_on: date, expires_on: date, day: date) -> bool:
    """A grade is current on ``day`` when awarded_on ≤ day ≤ expires_on (both ends included)."""
    return awarded_on <= day <= expires_on


def grade_runs_out_soon(expires_on: date, day: date) -> bool:
    """Seen on ``day``, a grade runs out within 6 months when day ≤ expires_on ≤ day + 6 months."""
    return day <= expires_on <= grade_warning_end(day)
