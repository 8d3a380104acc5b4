"""Reads of the activity form: what an activity of a community may be linked to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from db.places import lists


@dataclass(frozen=True)
class ActivityOptions:
    """The projects, social workers and volunteers an activity of a community may name: (id, label) each."""

    projects: list[tuple[int, str]]
    social_workers: list[tuple[int, str]]
    volunteers: list[tuple[int, str]]


def activity_form_options(session: Session, community_id: int | None) -> ActivityOptions:
    street_id = lists.street_of_community(session, community_id) if community_id else None
    return ActivityOptions(lists.projects_for(session, street_id, community_id),
                           lists.social_workers_for(session, street_id),
                           lists.volunteer_options(session, street_id, community_id))
