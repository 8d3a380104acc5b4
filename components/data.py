"""Cached loaders of the reads several pages share: the figures of the registry, the places in a scope and the
option lists of several pages' forms.

Every loader is made by ``components.cache.cached`` (keyed by the data version); a page reads the version once
per run with ``version()`` and passes it first.
"""

from __future__ import annotations

from components.cache import cached, version
from db import figures
from db.figures import linkage as linkage_reads
from db.figures import reported as reported_reads
from db.organizations import reads as organization_reads
from db.places import lists
from db.places import reads as place_reads
from db.projects import reads as project_reads

__all__ = ["version"]

figure_values = cached(figures.values)
figure_changes = cached(figures.changes)
figure_monthly = cached(figures.monthly)
figure_records = cached(figures.records)
linkage = cached(linkage_reads.linkage)
reported = cached(reported_reads.reported_beside_records)

streets = cached(lists.streets)
communities = cached(lists.communities)
scope_name = cached(lists.scope_name)
latest_activities = cached(lists.latest_activities)
profile = cached(place_reads.place_profile)

# Option lists the forms of several pages share.
organization_options = cached(organization_reads.organization_options)
project_options = cached(project_reads.project_options)
