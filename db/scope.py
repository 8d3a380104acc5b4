"""Scopes: which street, community or organisation a query or a write is about."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, true


@dataclass(frozen=True)
class Scope:
    """A filter on the hierarchy. All None = everything the caller may see."""

    street_id: int | None = None
    community_id: int | None = None
    organization_id: int | None = None

    def clauses(self, model: Any) -> list[ColumnElement[bool]]:
        """WHERE clauses for a table that carries street_id / community_id / organization_id columns."""
        out: list[ColumnElement[bool]] = []
        if self.street_id is not None:
            out.append(model.street_id == self.street_id)
        if self.community_id is not None:
            out.append(model.community_id == self.community_id)
        if self.organization_id is not None:
            out.append(model.organization_id == self.organization_id)
        return out or [true()]

    @property
    def is_all(self) -> bool:
        return self.street_id is None and self.community_id is None and self.organization_id is None


ALL = Scope()


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
