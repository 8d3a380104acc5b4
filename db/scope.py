"""Scopes: which street, community or organisation a query or a write is about, and the one read rule per table.

``Scope.where(Model)`` is the read-security boundary: every read of a scoped table filters through it, so what a
user may see of a table is decided here and nowhere else. Most tables carry street_id / community_id /
organization_id and are filtered on the columns the scope fixes; the tables that do not (or whose meaning
differs) have their own rule in ``_RULES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, select, true

from db.models import (
    Brand,
    CharityNeed,
    CharityResource,
    Community,
    Compound,
    Organization,
    OrgGrade,
    PlaceYear,
    ReportedIndicator,
    ServiceSpace,
    Street,
    Training,
)


@dataclass(frozen=True)
class Scope:
    """A filter on the hierarchy. All None = everything the caller may see."""

    street_id: int | None = None
    community_id: int | None = None
    organization_id: int | None = None

    def where(self, model: Any) -> list[ColumnElement[bool]]:
        """The WHERE clauses that keep the rows of ``model`` inside this scope (the table's rule)."""
        if self.is_all:
            return [true()]
        return _RULES.get(model, _by_columns)(self, model) or [true()]

    @property
    def is_all(self) -> bool:
        return self.street_id is None and self.community_id is None and self.organization_id is None


ALL = Scope()


def _match(scope: Scope, street: Any = None, community: Any = None, organization: Any = None
           ) -> list[ColumnElement[bool]]:
    """``column == id`` for each level the scope fixes, on the column the rule names for it (a rule that treats a
    level its own way passes None and adds its clause itself)."""
    levels = ((street, scope.street_id), (community, scope.community_id), (organization, scope.organization_id))
    return [column == value for column, value in levels if column is not None and value is not None]


def _by_columns(scope: Scope, model: Any) -> list[ColumnElement[bool]]:
    """The default rule: a table with street_id / community_id / organization_id columns matches every level the
    scope fixes (a table without all three needs a rule of its own)."""
    return _match(scope, model.street_id, model.community_id, model.organization_id)


def _organizations(scope: Scope, model: Any) -> list[ColumnElement[bool]]:
    # An organisation scope is the organisation itself.
    return _match(scope, Organization.street_id, Organization.community_id, Organization.id)


def _org_grades(scope: Scope, model: Any) -> list[ColumnElement[bool]]:
    # A grade belongs to its organisation's place.
    return [OrgGrade.organization_id.in_(select(Organization.id).where(*_organizations(scope, Organization)))]


def _trainings(scope: Scope, model: Any) -> list[ColumnElement[bool]]:
    # A training belongs to a street and maybe an organisation; a community's trainings are those of the
    # organisations based in it.
    out = _match(scope, Training.street_id, None, Training.organization_id)
    if scope.community_id is not None:
        out.append(Training.organization_id.in_(
            select(Organization.id).where(Organization.community_id == scope.community_id)))
    return out


def _streets(scope: Scope, model: Any) -> list[ColumnElement[bool]]:
    # The street itself, or the street of the scope's community or organisation.
    if scope.street_id is not None:
        return [Street.id == scope.street_id]
    if scope.community_id is not None:
        return [Street.id.in_(select(Community.street_id).where(Community.id == scope.community_id))]
    return [Street.id.in_(select(Organization.street_id).where(Organization.id == scope.organization_id))]


def _communities(scope: Scope, model: Any) -> list[ColumnElement[bool]]:
    # An organisation sees the communities of its street.
    if scope.community_id is not None:
        return [Community.id == scope.community_id]
    if scope.street_id is not None:
        return [Community.street_id == scope.street_id]
    return [Community.street_id.in_(select(Organization.street_id).where(Organization.id == scope.organization_id))]


def _in_community(scope: Scope, model: Any) -> list[ColumnElement[bool]]:
    # Compounds and service spaces hang off a community.
    return [model.community_id.in_(select(Community.id).where(*_communities(scope, Community)))]


def _reported(scope: Scope, model: Any) -> list[ColumnElement[bool]]:
    # A reported figure is about one subject: the narrowest level the scope names decides.
    if scope.community_id is not None:
        return [ReportedIndicator.community_id == scope.community_id]
    if scope.organization_id is not None:
        return [ReportedIndicator.organization_id == scope.organization_id]
    return [ReportedIndicator.street_id == scope.street_id]


def _charity_library(scope: Scope, model: Any) -> list[ColumnElement[bool]]:
    # Resources and needs are a street's (or a community's) library and have no organisation: an organisation
    # sees the library of its street.
    out = _match(scope, model.street_id, model.community_id)
    if scope.organization_id is not None:
        out.append(model.street_id.in_(select(Organization.street_id).where(Organization.id == scope.organization_id)))
    return out


def _brands(scope: Scope, model: Any) -> list[ColumnElement[bool]]:
    # An organisation's brands are its own wherever they are filed; otherwise by street and community.
    if scope.organization_id is not None:
        return [Brand.organization_id == scope.organization_id]
    return _by_columns(scope, model)


def _places(scope: Scope, model: Any) -> list[ColumnElement[bool]]:
    # Sums over every organisation of a place: no organisation's own share can be read from them.
    return [false()] if scope.organization_id is not None else _match(scope, model.street_id, model.community_id)


_RULES: dict[Any, Callable[[Scope, Any], list[ColumnElement[bool]]]] = {
    Organization: _organizations,
    OrgGrade: _org_grades,
    Training: _trainings,
    Street: _streets,
    Community: _communities,
    Compound: _in_community,
    ServiceSpace: _in_community,
    ReportedIndicator: _reported,
    CharityResource: _charity_library,
    CharityNeed: _charity_library,
    Brand: _brands,
    PlaceYear: _places,
}


def user_scope(scope_type: str, scope_id: int | None) -> Scope:
    """The widest scope a user with this scope type may read or write."""
    if scope_type == "street":
        return Scope(street_id=scope_id)
    if scope_type == "community":
        return Scope(community_id=scope_id)
    if scope_type == "organization":
        return Scope(organization_id=scope_id)
    return ALL


def narrow(base: Scope, requested: Scope) -> Scope:
    """``requested`` kept inside ``base``: fields fixed by ``base`` cannot be widened or changed."""
    return Scope(
        street_id=base.street_id if base.street_id is not None else requested.street_id,
        community_id=base.community_id if base.community_id is not None else requested.community_id,
        organization_id=base.organization_id if base.organization_id is not None else requested.organization_id,
    )
