"""The db reads added for the pages' loaders (one db function where a loader used to combine several): what the
activity form may name, the projects a donation may go to, and a team loaded for its edit form."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from db.activities.reads import activity_form_options
from db.charity.reads import donation_project_options
from db.engine import session_scope
from db.errors import WriteError
from db.models import VolunteerTeam
from db.scope import ALL, Scope
from db.volunteers.reads import team_for_edit
from tests.factories import build_world


@pytest.fixture
def world(engine):
    return build_world(engine, n_volunteers=3)


def test_the_activity_form_offers_what_the_communitys_street_holds(engine, world):
    with session_scope(engine) as s:
        options = activity_form_options(s, world.community_a)
    assert [pid for pid, _ in options.projects] == [world.project1]
    assert [wid for wid, _ in options.social_workers] == [world.worker1]
    assert sorted(vid for vid, _ in options.volunteers) == sorted(world.volunteers)
    with session_scope(engine) as s:
        other = activity_form_options(s, world.community_c)
    assert world.project1 not in [pid for pid, _ in other.projects]
    assert [wid for wid, _ in other.social_workers] == [world.worker2]
    assert other.volunteers == []


def test_donation_projects_are_those_of_the_streets_in_scope_named_with_their_street(engine, world):
    with session_scope(engine) as s:
        street1 = donation_project_options(s, Scope(street_id=world.street1))
        everywhere = donation_project_options(s, ALL)
    assert street1 == [(world.project1, "港好有你（薛家岛街道）")]
    assert set(everywhere) == {(world.project1, "港好有你（薛家岛街道）"), (world.project2, "乔社善治（乔司街道）")}


def test_a_team_opens_for_its_edit_form_with_its_values_and_version_in_scope_only(engine, world):
    with session_scope(engine, write=True) as s:
        team = VolunteerTeam(name="港湾志愿队", street_id=world.street1, community_id=world.community_a,
                             founded_year=2019, description="楼道清洁")
        far = VolunteerTeam(name="乔司红马甲", street_id=world.street2, community_id=world.community_c)
        s.add_all([team, far])
        s.flush()
        team_id, far_id = team.id, far.id
        s.execute(update(VolunteerTeam).where(VolunteerTeam.id == team_id).values(version=3))
    with session_scope(engine) as s:
        values, version = team_for_edit(s, world.staff_a, team_id)
    assert (values.name, values.community_id, values.organization_id, values.founded_year, values.description,
            version) == ("港湾志愿队", world.community_a, None, 2019, "楼道清洁", 3)
    with session_scope(engine) as s:
        with pytest.raises(WriteError, match="本社区"):
            team_for_edit(s, world.staff_a, far_id)  # another street's team
        with pytest.raises(WriteError):
            team_for_edit(s, world.leader, team_id)  # leaders do not edit
