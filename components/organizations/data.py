"""Cached loaders of the 社会组织与社工 page (``components.cache.cached``: keyed by the data version)."""

from __future__ import annotations

from components.cache import cached
from db.organizations import mediation, reads, writes

register_figures = cached(reads.register_figures)
register_by = cached(reads.register_by)
organization_table = cached(reads.organization_table)
register_indicators = cached(reads.register_indicators)
current_grades = cached(reads.current_grades)
grades_by_street = cached(reads.grades_by_street)
grade_history = cached(reads.grade_history)
cities = cached(reads.cities)
band_table = cached(reads.band_table)
band_versions = cached(reads.band_versions)
brand_projects = cached(reads.brand_projects)
brands = cached(reads.brands)
social_worker_figures = cached(reads.social_worker_figures)
social_workers_by_organization = cached(reads.social_workers_by_organization)
social_worker_table = cached(reads.social_worker_table)
training_figures = cached(reads.training_figures)
trainings_by_organization = cached(reads.trainings_by_organization)
training_table = cached(reads.training_table)
mediation_figures = cached(mediation.mediation_figures)
mediation_breakdown = cached(mediation.mediation_breakdown)

# The forms' lists and the records they edit.
team_options = cached(reads.team_options)
open_cases = cached(reads.open_cases)
social_worker_names = cached(reads.social_worker_names)
organization_for_edit = cached(writes.organization_for_edit)
social_worker_for_edit = cached(writes.social_worker_for_edit)
