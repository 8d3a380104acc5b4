"""Cached loaders of the 慈善资源 page (``components.cache.cached``: keyed by the data version)."""

from __future__ import annotations

from components.cache import cached
from db.charity import corrections, reads
from db.charity import points as map_reads

summary = cached(reads.charity_summary)
resource_map = cached(map_reads.charity_map)
supply = cached(reads.supply_overview)
matching = cached(reads.matching_overview)
donations = cached(reads.donation_overview)
reported = cached(reads.reported_charity_figures)
resources = cached(reads.resources_table)
needs = cached(reads.needs_table)
candidates = cached(reads.match_candidates)
projects = cached(reads.donation_project_options)
found_donations = cached(corrections.find_donations)
donation_for_edit = cached(corrections.donation_for_edit)
