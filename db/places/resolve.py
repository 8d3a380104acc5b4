"""Where a written record belongs, and what it may refer to: written once for every write service.

``resolve_place`` takes the street / community / organisation ids a form sent and returns the record's ``Place``:
- defaults: a community's (organisation's) staff write for their own community (organisation) unless they chose;
- each id must exist (「所属社区」不存在 …) and they must belong together: a community in the chosen street, an
  organisation in the street of the community (an organisation without a street goes with any);
- the implied ids are filled in: the street follows the community, else the organisation, else the street of the
  user's own scope;
- what the record needs at least (``needs``): a street, a community, or a community or an organisation;
- the place must lie inside the user's scope (``PermissionDenied``, as ``db.write.check_scope`` says it).
Problems of the ids themselves are reported through the service's ``db.fields.Fields`` (「字段」原因); nothing
is written.

``require_in_scope`` / ``refuse_outside`` are the rule for the ids a record refers to (volunteer, social worker,
project, organisation, team, resource, need, activity): each must exist and be visible to the writer under the one
read rule of its table (``Scope.where``). The scope a reference is checked against is ``reference_scope``: the
street of the writer's own scope, because a community's staff pick the street's volunteers, social workers,
projects and teams (the forms offer them) but nothing of another street. A record's parent, whose place the new
record takes (the activity of a backfill, the project of a target, the organisation of a grade), is checked
against the user's own scope (``within=user.scope``).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import and_, select
from sqlmodel import Session

from db.errors import PermissionDenied
from db.fields import Fields
from db.models import Community, Organization, Street
from db.scope import Scope
from db.write import check_scope

if TYPE_CHECKING:
    from db.auth import CurrentUser

Needs = Literal["street", "community", "community_or_org"]
MISSING_STREET = ("street_id", "不能为空：请选择所属街道")


@dataclass(frozen=True)
class Place:
    """The street, community and organisation a record belongs to."""

    street_id: int | None
    community_id: int | None
    organization_id: int | None

    def check_scope(self, user: CurrentUser) -> None:
        """Refuse (``PermissionDenied``) a place outside the user's scope."""
        check_scope(user, street_id=self.street_id, community_id=self.community_id,
                    organization_id=self.organization_id)


def street_of_scope(session: Session, scope: Scope) -> int | None:
    """The one street a scope lies in (a street, a community's street, an organisation's street); None for
    all streets or an organisation without a street."""
    if scope.is_all:
        return None
    if scope.street_id is not None:
        return scope.street_id
    # By the community's or organisation's row: a write has it in the session already (``resolve_place``).
    row = session.get(Community, scope.community_id) if scope.community_id is not None else \
        session.get(Organization, scope.organization_id)
    return None if row is None else row.street_id


def resolve_place(session: Session, user: CurrentUser, f: Fields, *, street_id: int | None = None,
                  community_id: int | None = None, organization_id: int | None = None, default_org: bool = True,
                  needs: Needs = "street", missing: tuple[str, str] = MISSING_STREET,
                  scoped: bool = True) -> Place:
    """The place of a record from the ids a form sent (see the module docstring).

    ``default_org``: an organisation's staff write as their organisation unless the form names one (False for a
    record that has no organisation, e.g. an organisation itself). ``needs``: "street" (a street is enough; it
    defaults to the user's own), "community", or "community_or_org" (a street alone is not enough). ``missing``:
    the (field, reason) reported when the record has no place. ``scoped``: check the place against the user's
    scope here (False when the service checks a place of its own making, e.g. a training's organiser's community).
    """
    base = user.scope
    if community_id is None:
        community_id = base.community_id
    if organization_id is None and default_org:
        organization_id = base.organization_id
    community = session.get(Community, community_id) if community_id is not None else None
    organization = session.get(Organization, organization_id) if organization_id is not None else None
    if community_id is not None and community is None:
        f.fail("community_id", "不存在")
    if organization_id is not None and organization is None:
        f.fail("organization_id", "不存在")
    street = street_id
    if community is not None:
        if street_id is not None and street_id != community.street_id:
            f.fail("community_id", "不在所选街道")
        street = community.street_id
        if organization is not None and organization.street_id not in (None, street):
            f.fail("organization_id", "不在该社区所属街道")
    elif organization is not None and organization.street_id is not None:
        if street_id is not None and street_id != organization.street_id:
            f.fail("organization_id", "不在所选街道")
        street = organization.street_id
    # A street read off a community or organisation row exists (a foreign key); one sent or the scope's is looked up.
    from_row = community is not None or (organization is not None and organization.street_id is not None)
    place_errors = {"street_id", "community_id", "organization_id"} & set(f.errors)
    if not place_errors:
        if needs == "community" and community is None:
            f.fail(*missing)
        elif needs == "community_or_org" and community is None and organization is None:
            f.fail(*missing)
        elif needs == "community_or_org" and street is None:
            f.fail("organization_id", "未归属街道，请同时选择所属社区")
        else:
            if street is None:
                street = street_of_scope(session, base)
            if street is None:
                f.fail(*missing)
            elif not from_row and session.get(Street, street) is None:
                f.fail("street_id", "不存在")
    place = Place(street, community_id, organization_id)
    if scoped and not ({"street_id", "community_id", "organization_id"} & set(f.errors)):
        place.check_scope(user)
    return place


def reference_scope(session: Session, user: CurrentUser) -> Scope:
    """The rows a user's records may refer to: those of the street of the user's scope (everything for an
    administrator; the organisation's own scope for an organisation without a street)."""
    base = user.scope
    street = street_of_scope(session, base)
    return base if street is None else Scope(street_id=street)


def refuse_outside(session: Session, user: CurrentUser, model: Any, ids: Iterable[int], label: str, *,
                   within: Scope | None = None) -> None:
    """``PermissionDenied`` naming ``label`` if any of the (existing) rows ``ids`` of ``model`` lies outside
    ``within`` (default: ``reference_scope``) under the table's read rule."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    rule = inside_rule(session, user, model, within=within)
    if rule is None:
        return
    key = model.__table__.primary_key.columns[0]  # type: ignore[attr-defined]
    # The rows by their keys, the rule read as a column of each: in the WHERE, SQLite (no statistics) chose the
    # street's index and read all 20,000 volunteers of a street to find 20 (1.4 ms a write at 10M records).
    seen = {i for i, inside in session.execute(select(key, rule).where(key.in_(wanted))) if inside}
    refuse_unless_inside(label, {i: i in seen for i in wanted})


def inside_rule(session: Session, user: CurrentUser, model: Any, *, within: Scope | None = None) -> Any:
    """The read rule of ``model`` under ``within`` (default: ``reference_scope``) as one boolean column, to be
    selected with the rows it decides on; None if every row is inside."""
    scope = within if within is not None else reference_scope(session, user)
    return None if scope.is_all else and_(*scope.where(model))


def refuse_unless_inside(label: str, inside: dict[int, Any]) -> None:
    """``PermissionDenied`` naming ``label`` and the ids (keys of ``inside``) whose value is not true."""
    outside = sorted(i for i, ok in inside.items() if not ok)
    if outside:
        numbers = "、".join(f"#{i}" for i in outside)
        raise PermissionDenied(f"{label}（{numbers}）不在您的数据范围内，不能选用。本次提交未写入。")


def require_in_scope(session: Session, user: CurrentUser, model: Any, record_id: Any, f: Fields, field: str, *,
                     within: Scope | None = None, required: bool = False) -> Any:
    """The row ``record_id`` of ``model`` that a record refers to through ``field``: None (and a message in ``f``)
    when it is not given but ``required`` (「…」不能为空) or does not exist (「…」不存在); ``PermissionDenied`` when
    it lies outside ``within`` (default: ``reference_scope``)."""
    if record_id is None or record_id == "":
        if required:
            f.fail(field, "不能为空")
        return None
    # An id that is not an integer (numpy's too) names no row, and never reaches the database as a wrong type.
    if not isinstance(record_id, numbers.Integral) or isinstance(record_id, bool):
        f.fail(field, "不存在")
        return None
    row = session.get(model, int(record_id))
    if row is None:
        f.fail(field, "不存在")
        return None
    refuse_outside(session, user, model, [int(record_id)], f.label(field), within=within)
    return row


__all__ = ["Place", "inside_rule", "reference_scope", "refuse_outside", "refuse_unless_inside", "require_in_scope",
           "resolve_place", "street_of_scope"]
