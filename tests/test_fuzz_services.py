"""Every write service called with values of wrong and right types (issue 14): each call either succeeds with
valid rows or raises a WriteError (ValidationFailed, PermissionDenied, NotFound, StaleEdit) with a Chinese
message — never another exception — and a refused call changes no row. SQLite and PostgreSQL.

The services are those of tests/service_catalog.py (every service of db/<domain>/writes.py, the star presets, user
creation and the importer). Each example starts from a valid call at community A, replaces one to three of its
inputs (a keyword argument, a field of the form's dataclass, a field of a row inside it) with a generated value —
mostly of a wrong type (None, bools, huge ints, NaN and infinities, Decimals, text of any kind, bytes, lists,
dicts, tuples, sets, dates, naive and aware datetimes, times, objects) and sometimes of the right one — and calls
it as the administrator or as community A's staff. A success must leave only values their columns may hold
(db.guard.value_problem over the changed tables). The form's dataclass itself is the service's contract and is
not replaced.

``PROOF_FUZZ_EXAMPLES`` examples per service (50 in CI; more for a deeper run), the same ones on every run unless
``PROOF_FUZZ_RANDOM`` is set.

FORMER_FAILURES lists the inputs that once raised another exception (before db.inputs.typed_inputs): each is a
case of its own that must now be refused with a Chinese message and no change.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.errors import WriteError
from tests.fuzz_inputs import get, label, replaced, slots, value_for
from tests.proof_helpers import changed_tables, fingerprint, invalid_values
from tests.service_catalog import (
    BY_NAME,
    SPECS,
    call,
    catalog_ctx,
)

ctx = catalog_ctx  # the shared fixture (tests/service_catalog.py): a fresh database with its world

EXAMPLES = int(os.environ.get("PROOF_FUZZ_EXAMPLES", "50"))
RANDOM = bool(os.environ.get("PROOF_FUZZ_RANDOM"))  # CI runs the same examples every time; set it to explore
CJK = re.compile(r"[\u4e00-\u9fff]")

# Inputs that once got past a service as another exception than a WriteError (TypeError, OverflowError,
# InvalidOperation, a driver's DataError or ProgrammingError), found by this harness before db.inputs.typed_inputs
# checked every argument against its annotation: (service, input, value). Each must now be refused.
FORMER_FAILURES = [
    ("backfill_hours", "data.activity_id", 2**70),
    ("backfill_hours", "data.volunteer_id", 2**70),
    ("choose_street_preset", "expected_version", Decimal("sNaN")),
    ("choose_street_preset", "preset_id", 2**70),
    ("choose_street_preset", "street_id", 2**70),
    ("create_activity", "data.activity_date", True),
    ("create_activity", "data.actors", True),
    ("create_activity", "data.community_id", 2**70),
    ("create_activity", "data.end_time", True),
    ("create_activity", "data.lead_social_worker_id", 2**70),
    ("create_activity", "data.note", True),
    ("create_activity", "data.organization_id", 2**70),
    ("create_activity", "data.project_id", 2**70),
    ("create_activity", "data.start_time", True),
    ("create_activity", "data.title", True),
    ("create_activity", "data.venue", True),
    ("create_activity", "data.volunteers", True),
    ("create_activity", "data.volunteers.0.volunteer_id", [1]),
    ("create_grade", "data.organization_id", 2**70),
    ("create_indicator", "data.community_id", 2**70),
    ("create_indicator", "data.organization_id", 2**70),
    ("create_indicator", "data.project_id", 2**70),
    ("create_mediation_case", "data.community_id", 2**70),
    ("create_mediation_case", "data.organization_id", 2**70),
    ("create_mediation_case", "data.project_id", 2**70),
    ("create_mediation_case", "data.team_id", 2**70),
    ("create_organization", "data.community_id", 2**70),
    ("create_project", "data.beneficiary_groups", True),
    ("create_project", "data.community_id", 2**70),
    ("create_project", "data.organization_id", 2**70),
    ("create_project", "data.targets", True),
    ("create_project", "data.targets.0.start_date", True),
    ("create_social_worker", "data.community_id", 2**70),
    ("create_social_worker", "data.organization_id", 2**70),
    ("create_target", "data.project_id", 2**70),
    ("create_target", "data.target.start_date", True),
    ("create_team", "data.community_id", 2**70),
    ("create_team", "data.organization_id", 2**70),
    ("create_training", "data.organization_id", 2**70),
    ("create_training", "data.project_id", 2**70),
    ("create_user", "password", True),
    ("create_user", "role", [1]),
    ("create_user", "scope_id", 2**70),
    ("create_user", "scope_type", [1]),
    ("create_user", "username", True),
    ("create_volunteer", "data.community_id", 2**70),
    ("create_volunteer", "data.organization_id", 2**70),
    ("create_volunteer", "data.tags", True),
    ("create_volunteer", "data.team_ids", True),
    ("delete_activity", "expected_version", Decimal("sNaN")),
    ("drop_city_bands", "city", {'a': 1}),
    ("file_need", "data.community_id", 2**70),
    ("file_need", "data.unit", True),
    ("match_need", "resource_id", [1]),
    ("offer_resource", "data.community_id", 2**70),
    ("offer_resource", "data.unit", True),
    ("record_donation", "data.community_id", 2**70),
    ("record_donation", "data.project_id", 2**70),
    ("review_records", "records", True),
    ("revoke_star", "award_id", 2**70),
    ("save_preset", "description", True),
    ("save_preset", "levels", True),
    ("save_preset", "levels.0.label", True),
    ("save_preset", "name", True),
    ("save_preset", "preset_id", [1]),
    ("update_activity", "data.activity_date", True),
    ("update_activity", "data.actors", True),
    ("update_activity", "data.community_id", 2**70),
    ("update_activity", "data.end_time", True),
    ("update_activity", "data.lead_social_worker_id", 2**70),
    ("update_activity", "data.note", True),
    ("update_activity", "data.organization_id", 2**70),
    ("update_activity", "data.project_id", 2**70),
    ("update_activity", "data.start_time", True),
    ("update_activity", "data.title", True),
    ("update_activity", "data.venue", True),
    ("update_activity", "data.volunteers", True),
    ("update_grade_bands", "bands", True),
    ("update_grade_bands", "city", True),
    ("update_organization", "data.community_id", 2**70),
    ("update_project", "data.beneficiary_groups", True),
    ("update_project", "data.community_id", 2**70),
    ("update_project", "data.organization_id", 2**70),
    ("update_social_worker", "data.community_id", 2**70),
    ("update_social_worker", "data.organization_id", 2**70),
    ("update_team", "data.community_id", 2**70),
    ("update_team", "data.organization_id", 2**70),
    ("update_volunteer", "data.community_id", 2**70),
    ("update_volunteer", "data.organization_id", 2**70),
    ("update_volunteer", "data.tags", True),
    ("update_volunteer", "data.team_ids", True),
    ("award_star", "rank", Decimal("sNaN")),
    ("offer_resource", "data.street_id", Decimal("sNaN")),
    ("record_donation", "data.street_id", Decimal("sNaN")),
    ("create_organization", "data.street_id", Decimal("sNaN")),
    ("update_organization", "data.street_id", Decimal("sNaN")),
    ("create_social_worker", "data.street_id", Decimal("sNaN")),
    ("update_social_worker", "data.street_id", Decimal("sNaN")),
    ("create_training", "data.street_id", Decimal("sNaN")),
    ("create_mediation_case", "data.street_id", Decimal("sNaN")),
    ("create_project", "data.street_id", Decimal("sNaN")),
    ("update_project", "data.street_id", Decimal("sNaN")),
    ("create_indicator", "data.street_id", Decimal("sNaN")),
]


def _fuzzable(path: tuple, base: dict) -> bool:
    # The form's dataclass (or a row of it) is the contract: its fields are fuzzed, not the object itself.
    return not hasattr(get(base, path), "__dataclass_fields__")


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_any_input_is_refused_with_a_write_error_or_written_validly(ctx, spec):
    state = {"base": spec.prepare(ctx, "A"), "written": 0, "refused": 0}
    state["fingerprint"] = fingerprint(ctx.engine)
    paths = [p for p in slots(state["base"]) if _fuzzable(p, state["base"])]
    assert paths, f"{spec.name} has no input to fuzz"
    # One strategy per input, from the first valid call: a later call's record ids differ, its types do not.
    values = {path: value_for(get(state["base"], path)) for path in paths}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not RANDOM,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data())
    def example(data):
        base = state["base"]
        chosen = sorted(data.draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3, unique=True)), key=len)
        kwargs = base
        done: list[tuple] = []
        for path in chosen:
            if any(path[:len(p)] == p for p in done):
                continue  # inside a value already replaced
            kwargs = replaced(kwargs, path, data.draw(values[path], label=label(path)))
            done.append(path)
        user = data.draw(st.sampled_from([ctx.admin, ctx.w.staff_a]), label="user")
        before = state["fingerprint"]  # the database as the last change left it (a refusal changes nothing)
        try:
            call(ctx, spec, user, kwargs)
        except WriteError as exc:
            assert CJK.search(str(exc)), f"{type(exc).__name__} without a Chinese message: {exc!r}"
            assert changed_tables(before, fingerprint(ctx.engine)) == [], "a refused call changed rows"
            state["refused"] += 1
            return
        changed = changed_tables(before, fingerprint(ctx.engine))
        assert changed, "a successful call changed nothing"
        assert invalid_values(ctx.engine, changed) == []
        state["written"] += 1
        state["base"] = spec.prepare(ctx, "A")  # the record it wrote to may be used up (deleted, reviewed …)
        state["fingerprint"] = fingerprint(ctx.engine)

    example()
    print(f"\n[{ctx.engine.dialect.name}] {spec.name}: {state['written']} written, {state['refused']} refused, "
          f"{len(paths)} inputs fuzzed")


@pytest.mark.parametrize(("name", "slot", "value"), FORMER_FAILURES, ids=[f"{k[0]}-{k[1]}" for k in FORMER_FAILURES])
def test_former_failure_is_refused_with_a_chinese_message(ctx, name, slot, value):
    spec = BY_NAME[name]
    base = spec.prepare(ctx, "A")
    path = next(p for p in slots(base) if label(p) == slot)
    before = fingerprint(ctx.engine)
    with pytest.raises(WriteError) as refused:
        call(ctx, spec, ctx.admin, replaced(base, path, value))
    assert CJK.search(str(refused.value)), repr(refused.value)
    assert changed_tables(before, fingerprint(ctx.engine)) == []
