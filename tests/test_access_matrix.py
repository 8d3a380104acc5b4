"""Role × action × place, enforced in db (issue 14; DESIGN.md §12): every write service (tests/service_catalog.py)
called by each role — the street's leader, staff of community A, staff of community B (another community of the
same street), staff of the whole street 1, the administrator — at a record of community A (street 1) and of
community C (street 2). Each cell is allowed or refused as the rules say, with PermissionDenied (or a refusal of
the place itself, ``PLACE_FIELDS``) and nothing written when refused, and a change in the database when allowed.
SQLite and PostgreSQL.

The rules: a leader only looks; the administrator writes everywhere; staff write inside their own scope
(community A's staff and street 1's staff at A, nobody of street 1 at C, B's staff neither at A nor at C);
administrative services (score bands, star presets and a street's choice of preset, users) are the
administrator's only. Pages are the same matrix one level up (components/nav.py decides who may open which
page, tests/test_pages.py checks it); the data layer refuses on its own, whatever a page lets through.
"""

from __future__ import annotations

import pytest

from db.errors import PermissionDenied, ValidationFailed, WriteError
from tests.proof_helpers import changed_tables, fingerprint
from tests.service_catalog import (
    SPECS,
    Spec,
    call,
    catalog_ctx,
)

ctx = catalog_ctx  # the shared fixture (tests/service_catalog.py): a fresh database with its world

ROLES = ("leader", "staff_a", "staff_b", "staff_s1", "admin")
# A place outside the user's scope may be refused as a wrong place before the scope check: a community user's
# records default to their own community, so an organisation of another street "is not in the community's street".
PLACE_FIELDS = {"street_id", "community_id", "organization_id"}
TARGETS = ("A", "C")


def allowed(spec: Spec, role: str, target: str) -> bool:
    if spec.admin_only:
        return role == "admin"
    return role == "admin" or (role in ("staff_a", "staff_s1") and target == "A")


CELLS = [(spec, role, target) for spec in SPECS for role in ROLES for target in TARGETS]


def test_the_matrix_covers_every_service_role_and_place():
    assert len(CELLS) == len(SPECS) * len(ROLES) * len(TARGETS) == 390
    admin_only = [s for s in SPECS if s.admin_only]
    assert len(admin_only) == 5
    # Others: the administrator at A and C, community A's and street 1's staff at A; admin-only: the administrator.
    assert sum(allowed(*cell) for cell in CELLS) == 34 * 4 + 5 * 2 == 146


@pytest.mark.parametrize(("spec", "role", "target"), CELLS,
                         ids=[f"{s.name}-{r}-{t}" for s, r, t in CELLS])
def test_cell(ctx, spec, role, target):
    kwargs = spec.prepare(ctx, target)
    user = ctx.users()[role]
    before = fingerprint(ctx.engine)
    try:
        call(ctx, spec, user, kwargs)
    except PermissionDenied:
        outcome = False
    except ValidationFailed as exc:
        if not set(exc.errors) <= PLACE_FIELDS:
            pytest.fail(f"{spec.name} as {role} at {target}: {exc}")
        print(f"\n{spec.name} as {role} at {target}: refused as a wrong place: {exc}")
        outcome = False
    except WriteError as exc:  # a refusal for another reason than role or scope is a wrong cell
        pytest.fail(f"{spec.name} as {role} at {target}: {type(exc).__name__}: {exc}")
    else:
        outcome = True
    assert outcome == allowed(spec, role, target), f"{spec.name} as {role} at {target}"
    changed = changed_tables(before, fingerprint(ctx.engine))
    if outcome:
        assert changed, "an allowed call changed nothing"
    else:
        assert changed == [], f"a refused call changed {changed}"
