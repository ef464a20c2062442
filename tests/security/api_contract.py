"""Schemathesis over ``/api/v1/openapi.json`` on PostgreSQL: every operation, with every check,
as an admin (who may reach every rule), and no server error anywhere.

``EXAMPLES`` per operation and phase (positive and negative data, and the coverage phase):
about 2,400 cases in all, split between two test files (the reads and the writes) so that
two test processes share them. Domain rules beyond the schema (an unknown kelurahan, a closed
program, a duplicate e-mail) are refusals, so "positive" data may also be answered 400, 404,
409 or 422.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask

from coordinator.domain.sessions import new_api_token, secret_hash
from coordinator.extensions import db
from coordinator.models import ApiToken, utcnow
from tests.api.conftest import World

EXAMPLES = 25  # per operation and phase
MIN_CASES_PER_OPERATION = 30  # 34-100 run; an operation with few inputs runs out first
CONFIG = schemathesis.Config.from_dict({
    "checks": {
        "enabled": True,
        "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "404", "409", "422"]},
    },
})
READ_METHODS = ["GET"]


def schema_of(backend: str, make_app: Callable[..., Flask], reads: bool) -> Any:
    """The API's schema served by a test app with no rate limits, on PostgreSQL only, with
    only its read (GET) or write operations: the operations a file must have covered. (The
    file's own ``from_fixture(...).include`` decides what runs: a filter on the fixture's
    schema is not applied.)"""
    if backend != "postgresql":
        pytest.skip("schemathesis runs on PostgreSQL (integer ranges, NUL, text limits are real)")
    app = make_app(api_rate_limit_per_minute=1_000_000,
                   api_anonymous_rate_limit_per_minute=1_000_000)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    return schema.include(method=READ_METHODS) if reads else schema.exclude(method=READ_METHODS)


def labels(schema: Any) -> set[str]:
    """Every operation of ``schema``, by label (``GET /api/v1/actions``)."""
    return {result.ok().label for result in schema.get_all_operations()}


def call(case: schemathesis.Case, world: World, cases: dict[str, int]) -> None:
    """One case as the admin, with every check; counted per operation."""
    # A token of its own per case: a generated DELETE /tokens/{id} may revoke the previous one.
    token = new_api_token()
    db.session.add(ApiToken(person_id=world.people["admin"].id, name="schemathesis",
                            token_hash=secret_hash(token), created_at=utcnow()))
    db.session.commit()
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
    cases[case.operation.label] = cases.get(case.operation.label, 0) + 1


def cases_checked(cases: dict[str, int], expected: set[str], minimum: int) -> Iterator[None]:
    """After a file's run: every operation it covers ran, each with enough cases, and at
    least ``minimum`` in all (the data are derandomized: the same cases every run)."""
    yield
    if cases:
        print(f"\nschemathesis: {sum(cases.values())} cases over {len(cases)} operations, "
              "0 server errors")
        assert set(cases) == expected, sorted(set(cases) ^ expected)
        thin = {label: n for label, n in cases.items() if n < MIN_CASES_PER_OPERATION}
        assert not thin, thin
        assert sum(cases.values()) >= minimum, cases
