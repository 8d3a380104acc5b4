"""Cached loaders of the 项目成效 page (``components.cache.cached``: keyed by the data version)."""

from __future__ import annotations

from components.cache import cached
from db.organizations.mediation import mediation_breakdown
from db.projects import reads, writes

portfolio = cached(reads.portfolio)
portfolio_figures = cached(reads.portfolio_figures)
project_card = cached(reads.project_card)
project_figures = cached(reads.project_figures)
project_trend = cached(reads.project_trend)
target_progress = cached(reads.target_progress)
project_indicators = cached(reads.project_indicators)
mediation = cached(mediation_breakdown)
project_for_edit = cached(writes.project_for_edit)
