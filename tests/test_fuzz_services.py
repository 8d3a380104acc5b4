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

KNOWN lists what still fails inside code this branch does not own (db/<domain>/writes.py, being changed by the
reference-scope work; db/volunteers/stars.py; db/auth.py): those inputs are left out of the generated examples
and each is one ``xfail(strict=True)`` case below, so that the fix turns it into an XPASS and CI says to drop it.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal, InvalidOperation

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import DataError, ProgrammingError

from db.errors import WriteError
from db.migrate import upgrade
from tests.fuzz_inputs import get, label, replaced, slots, value_for
from tests.proof_helpers import changed_tables, fingerprint, invalid_values
from tests.service_catalog import BY_NAME, SPECS, Ctx, build, call

EXAMPLES = int(os.environ.get("PROOF_FUZZ_EXAMPLES", "50"))
RANDOM = bool(os.environ.get("PROOF_FUZZ_RANDOM"))  # CI runs the same examples every time; set it to explore
CJK = re.compile(r"[\u4e00-\u9fff]")

# (service, input, a value that fails, the exceptions it raises, where) — found by this harness on SQLite and
# PostgreSQL; a sixth item names the only backend it fails on.
KNOWN = [
    ("backfill_hours", "data.activity_id", 2**70, (DataError, OverflowError,), "db/volunteers/writes.py:353"),
    ("backfill_hours", "data.volunteer_id", 2**70, (DataError, OverflowError,), "db/volunteers/writes.py:358"),
    ("choose_street_preset", "expected_version", Decimal("sNaN"), (InvalidOperation,), "db/volunteers/stars.py:426"),
    ("choose_street_preset", "preset_id", 2**70, (DataError, OverflowError,), "db/volunteers/stars.py:415"),
    ("choose_street_preset", "street_id", 2**70, (DataError, OverflowError,), "db/volunteers/stars.py:413"),
    ("create_activity", "data.activity_date", True, (TypeError,), "db/activities/writes.py:102"),
    ("create_activity", "data.actors", True, (TypeError,), "db/activities/writes.py:171"),
    ("create_activity", "data.community_id", 2**70, (DataError, OverflowError,), "db/activities/writes.py:125"),
    ("create_activity", "data.end_time", True, (TypeError,), "db/activities/writes.py:112"),
    ("create_activity", "data.lead_social_worker_id", 2**70, (DataError, OverflowError,), "db/activities/writes.py:150"),
    ("create_activity", "data.note", True, (AttributeError,), "db/activities/writes.py:95"),
    ("create_activity", "data.organization_id", 2**70, (DataError, OverflowError,), "db/activities/writes.py:126"),
    ("create_activity", "data.project_id", 2**70, (DataError, OverflowError,), "db/activities/writes.py:142"),
    ("create_activity", "data.start_time", True, (TypeError,), "db/activities/writes.py:111"),
    ("create_activity", "data.title", True, (AttributeError,), "db/activities/writes.py:82"),
    ("create_activity", "data.venue", True, (AttributeError,), "db/activities/writes.py:92"),
    ("create_activity", "data.volunteers", True, (TypeError,), "db/activities/writes.py:206"),
    ("create_activity", "data.volunteers.0.volunteer_id", [1], (ProgrammingError,), "db/activities/writes.py:212"),
    ("create_grade", "data.organization_id", 2**70, (DataError, OverflowError,), "db/organizations/writes.py:146"),
    ("create_indicator", "data.community_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:53"),
    ("create_indicator", "data.organization_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:54"),
    ("create_indicator", "data.project_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:304"),
    ("create_mediation_case", "data.community_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:53"),
    ("create_mediation_case", "data.organization_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:54"),
    ("create_mediation_case", "data.project_id", 2**70, (DataError, OverflowError,), "db/organizations/writes.py:404"),
    ("create_mediation_case", "data.team_id", 2**70, (DataError, OverflowError,), "db/organizations/writes.py:398"),
    ("create_organization", "data.community_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:53"),
    ("create_project", "data.beneficiary_groups", True, (TypeError,), "db/projects/writes.py:155"),
    ("create_project", "data.community_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:53"),
    ("create_project", "data.organization_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:54"),
    ("create_project", "data.targets", True, (TypeError,), "db/projects/writes.py:114"),
    ("create_project", "data.targets.0.start_date", True, (TypeError,), "db/projects/writes.py:125"),
    ("create_social_worker", "data.community_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:53"),
    ("create_social_worker", "data.organization_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:54"),
    ("create_target", "data.project_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:234"),
    ("create_target", "data.target.start_date", True, (TypeError,), "db/projects/writes.py:125"),
    ("create_team", "data.community_id", 2**70, (DataError, OverflowError,), "db/volunteers/writes.py:82"),
    ("create_team", "data.organization_id", 2**70, (DataError, OverflowError,), "db/volunteers/writes.py:83"),
    ("create_training", "data.organization_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:54"),
    ("create_training", "data.project_id", 2**70, (DataError, OverflowError,), "db/organizations/writes.py:332"),
    ("create_user", "password", True, (TypeError,), "db/auth.py:75"),
    ("create_user", "role", [1], (TypeError,), "db/auth.py:77"),
    ("create_user", "scope_id", 2**70, (DataError, OverflowError,), "db/auth.py:83"),
    ("create_user", "scope_type", [1], (TypeError,), "db/auth.py:79"),
    ("create_user", "username", True, (AttributeError,), "db/auth.py:94"),
    ("create_volunteer", "data.community_id", 2**70, (DataError, OverflowError,), "db/volunteers/writes.py:82"),
    ("create_volunteer", "data.organization_id", 2**70, (DataError, OverflowError,), "db/volunteers/writes.py:83"),
    ("create_volunteer", "data.tags", True, (TypeError,), "db/volunteers/writes.py:132"),
    ("create_volunteer", "data.team_ids", True, (TypeError,), "db/volunteers/writes.py:137"),
    ("delete_activity", "expected_version", Decimal("sNaN"), (InvalidOperation,), "db/activities/writes.py:335"),
    ("drop_city_bands", "city", {'a': 1}, (ProgrammingError,), "db/organizations/writes.py:238"),
    ("file_need", "data.community_id", 2**70, (DataError, OverflowError,), "db/charity/writes.py:184"),
    ("file_need", "data.unit", True, (AttributeError,), "db/charity/writes.py:210"),
    ("match_need", "resource_id", [1], (ProgrammingError,), "db/charity/writes.py:341"),
    ("offer_resource", "data.community_id", 2**70, (DataError, OverflowError,), "db/charity/writes.py:184"),
    ("offer_resource", "data.unit", True, (AttributeError,), "db/charity/writes.py:210"),
    ("record_donation", "data.community_id", 2**70, (DataError, OverflowError,), "db/charity/writes.py:184"),
    ("record_donation", "data.project_id", 2**70, (DataError, OverflowError,), "db/charity/writes.py:440"),
    ("review_records", "records", True, (TypeError,), "db/volunteers/writes.py:302"),
    ("revoke_star", "award_id", 2**70, (DataError, OverflowError,), "db/volunteers/writes.py:454"),
    ("save_preset", "description", True, (AttributeError,), "db/volunteers/stars.py:353"),
    ("save_preset", "levels", True, (TypeError,), "db/volunteers/stars.py:301"),
    ("save_preset", "levels.0.label", True, (AttributeError,), "db/volunteers/stars.py:301"),
    ("save_preset", "name", True, (AttributeError,), "db/volunteers/stars.py:352"),
    ("save_preset", "preset_id", [1], (ProgrammingError,), "db/volunteers/stars.py:373"),
    ("update_activity", "data.activity_date", True, (TypeError,), "db/activities/writes.py:102"),
    ("update_activity", "data.actors", True, (TypeError,), "db/activities/writes.py:171"),
    ("update_activity", "data.community_id", 2**70, (DataError, OverflowError,), "db/activities/writes.py:125"),
    ("update_activity", "data.end_time", True, (TypeError,), "db/activities/writes.py:112"),
    ("update_activity", "data.lead_social_worker_id", 2**70, (DataError, OverflowError,), "db/activities/writes.py:150"),
    ("update_activity", "data.note", True, (AttributeError,), "db/activities/writes.py:95"),
    ("update_activity", "data.organization_id", 2**70, (DataError, OverflowError,), "db/activities/writes.py:126"),
    ("update_activity", "data.project_id", 2**70, (DataError, OverflowError,), "db/activities/writes.py:142"),
    ("update_activity", "data.start_time", True, (TypeError,), "db/activities/writes.py:111"),
    ("update_activity", "data.title", True, (AttributeError,), "db/activities/writes.py:82"),
    ("update_activity", "data.venue", True, (AttributeError,), "db/activities/writes.py:92"),
    ("update_activity", "data.volunteers", True, (TypeError,), "db/activities/writes.py:206"),
    ("update_grade_bands", "bands", True, (AttributeError,), "db/organizations/writes.py:202"),
    ("update_grade_bands", "city", True, (AttributeError,), "db/organizations/writes.py:196"),
    ("update_organization", "data.community_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:53"),
    ("update_project", "data.beneficiary_groups", True, (TypeError,), "db/projects/writes.py:155"),
    ("update_project", "data.community_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:53"),
    ("update_project", "data.organization_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:54"),
    ("update_social_worker", "data.community_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:53"),
    ("update_social_worker", "data.organization_id", 2**70, (DataError, OverflowError,), "db/projects/writes.py:54"),
    ("update_team", "data.community_id", 2**70, (DataError, OverflowError,), "db/volunteers/writes.py:82"),
    ("update_team", "data.organization_id", 2**70, (DataError, OverflowError,), "db/volunteers/writes.py:83"),
    ("update_volunteer", "data.community_id", 2**70, (DataError, OverflowError,), "db/volunteers/writes.py:82"),
    ("update_volunteer", "data.organization_id", 2**70, (DataError, OverflowError,), "db/volunteers/writes.py:83"),
    ("update_volunteer", "data.tags", True, (TypeError,), "db/volunteers/writes.py:132"),
    ("update_volunteer", "data.team_ids", True, (TypeError,), "db/volunteers/writes.py:137"),
    ("award_star", "rank", Decimal("sNaN"), (InvalidOperation,), "db/volunteers/stars.py:440"),
    ("offer_resource", "data.street_id", Decimal("sNaN"), (InvalidOperation,), "db/charity/writes.py:188"),
    ("record_donation", "data.street_id", Decimal("sNaN"), (InvalidOperation,), "db/charity/writes.py:188"),
    ("create_organization", "data.street_id", Decimal("sNaN"), (InvalidOperation,), "db/projects/writes.py:61"),
    ("update_organization", "data.street_id", Decimal("sNaN"), (InvalidOperation,), "db/projects/writes.py:61"),
    ("create_social_worker", "data.street_id", Decimal("sNaN"), (InvalidOperation,), "db/projects/writes.py:61"),
    ("update_social_worker", "data.street_id", Decimal("sNaN"), (InvalidOperation,), "db/projects/writes.py:61"),
    ("create_training", "data.street_id", Decimal("sNaN"), (InvalidOperation,), "db/projects/writes.py:65"),
    ("create_mediation_case", "data.street_id", Decimal("sNaN"), (InvalidOperation,), "db/projects/writes.py:61"),
    ("create_project", "data.street_id", Decimal("sNaN"), (InvalidOperation,), "db/projects/writes.py:61"),
    ("update_project", "data.street_id", Decimal("sNaN"), (InvalidOperation,), "db/projects/writes.py:61"),
    ("create_indicator", "data.street_id", Decimal("sNaN"), (InvalidOperation,), "db/projects/writes.py:61"),
]


def known_slots(backend: str) -> set[tuple[str, str]]:
    return {(k[0], k[1]) for k in KNOWN if len(k) == 5 or k[5] == backend}


@pytest.fixture(scope="module")
def ctx(databases) -> Ctx:
    import db.auth

    saved, db.auth._hasher = db.auth._hasher, PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    engine = databases.new()
    upgrade(engine)
    try:
        yield build(engine)
    finally:
        db.auth._hasher = saved
        engine.dispose()


def _fuzzable(spec_name: str, path: tuple, base: dict, backend: str) -> bool:
    value = get(base, path)
    if hasattr(value, "__dataclass_fields__"):  # the form's dataclass (or a row of it) is the contract
        return False
    return (spec_name, label(path)) not in known_slots(backend)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_any_input_is_refused_with_a_write_error_or_written_validly(ctx, spec):
    state = {"base": spec.prepare(ctx, "A"), "written": 0, "refused": 0}
    state["fingerprint"] = fingerprint(ctx.engine)
    paths = [p for p in slots(state["base"]) if _fuzzable(spec.name, p, state["base"], ctx.engine.dialect.name)]
    if not paths:
        pytest.skip(f"every input of {spec.name} is a known failure here (KNOWN)")
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


@pytest.mark.parametrize(("name", "slot", "value", "raises", "where", "backend_only"),
                         [(*k, None) if len(k) == 5 else k for k in KNOWN],
                         ids=[f"{k[0]}-{k[1]}" for k in KNOWN])
def test_known_failure(ctx, request, name, slot, value, raises, where, backend_only):
    if backend_only in (None, ctx.engine.dialect.name):
        request.applymarker(pytest.mark.xfail(strict=True, raises=raises,
                                              reason=f"{name}: {slot}={value!r} raises {raises} at {where}"))
    spec = BY_NAME[name]
    base = spec.prepare(ctx, "A")
    path = next(p for p in slots(base) if label(p) == slot)
    before = fingerprint(ctx.engine)
    try:
        call(ctx, spec, ctx.admin, replaced(base, path, value))
    except WriteError:
        assert changed_tables(before, fingerprint(ctx.engine)) == []
