"""Cached loaders of the 志愿者 page (``components.cache.cached``: keyed by the data version)."""

from __future__ import annotations

from components.cache import cached
from db.charity import corrections
from db.volunteers import reads, stars, writes

volunteer_board = cached(reads.volunteer_board)
team_board = cached(reads.team_board)
board_totals = cached(reads.board_totals)
teams = cached(reads.teams)
projects = cached(reads.projects)
star_table = cached(stars.star_table)
presets = cached(stars.presets)
street_presets = cached(stars.street_presets)
active_by_community = cached(reads.active_by_community)
active_by_month = cached(reads.active_by_month)
volunteer_options = cached(reads.volunteer_options)
volunteer_file = cached(reads.volunteer_file)
service_record = cached(reads.service_record)
volunteer_stars = cached(stars.volunteer_stars)
pending_records = cached(reads.pending_records)
pending_needs = cached(corrections.pending_needs)  # the street's 待审核 lists records and needs together
team_table = cached(reads.team_table)

# The forms' lists, the records they edit, and the 志愿服务记录证明.
pending_count = cached(reads.pending_count)
activity_options = cached(reads.activity_options)
volunteer_for_edit = cached(writes.volunteer_for_edit)
team_for_edit = cached(reads.team_for_edit)
default_issuer = cached(reads.default_issuer)
certificate = cached(reads.certificate)
