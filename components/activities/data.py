"""Cached loaders of the activity form (``components.cache.cached``: keyed by the data version)."""

from __future__ import annotations

from components.cache import cached
from db.activities import reads, search, writes

form_options = cached(reads.activity_form_options)
pasted_volunteers = cached(reads.pasted_volunteers)
copy_choices = cached(reads.copy_choices)
activity_to_copy = cached(reads.activity_to_copy)
recent_entries = cached(writes.recent_entries)
activity_for_edit = cached(writes.activity_for_edit)
found_activities = cached(search.find_activities)
