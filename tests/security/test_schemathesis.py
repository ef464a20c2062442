"""Schemathesis over ``/api/v1/openapi.json`` on PostgreSQL: every operation, with every check,
as an admin (who may reach every rule), and no server error anywhere.

About 2,400 cases (``EXAMPLES`` per operation, positive and negative data) in a few minutes.
Domain rules beyond the schema (an unknown kelurahan, a closed program, a duplicate e-mail) are
refusals, so "positive" data may also be answered 400, 409 or 422.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings

from coordinator.domain.sessions import new_api_token, secret_hash
from coordinator.extensions import db
from coordinator.models import ApiToken, utcnow
from tests.api.conftest import World, world  # noqa: F401 - the fixture

EXAMPLES = 25  # per operation and phase; with the coverage phase about 2,400 cases
MIN_CASES = 2000
CONFIG = schemathesis.Config.from_dict({
    "checks": {
        "enabled": True,
        "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "404", "409", "422"]},
    },
})
pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def api_schema(world: World, backend: str, make_app: Callable[..., Flask]) -> object:  # noqa: F811
    if backend != "postgresql":
        pytest.skip("schemathesis runs on PostgreSQL (integer ranges, NUL, text limits are real)")
    app = make_app(api_rate_limit_per_minute=1_000_000, api_anonymous_rate_limit_per_minute=1_000_000)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")
CASES: dict[str, int] = {}  # operation -> cases run


@pytest.fixture(scope="module", autouse=True)
def enough_cases() -> Iterator[None]:
    """After the run: at least ``MIN_CASES`` cases, over every operation."""
    yield
    if CASES:
        total = sum(CASES.values())
        print(f"\nschemathesis: {total} cases over {len(CASES)} operations, 0 server errors")
        assert total >= MIN_CASES, CASES


@schema.parametrize()
@pytest.mark.timeout(1200)  # one test item for all 30 operations; a few minutes on 2 cores
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_holds_its_contract(case: schemathesis.Case, world: World) -> None:  # noqa: F811
    # A token of its own per case: a generated DELETE /tokens/{id} may revoke the previous one.
    token = new_api_token()
    db.session.add(ApiToken(person_id=world.people["admin"].id, name="schemathesis",
                            token_hash=secret_hash(token), created_at=utcnow()))
    db.session.commit()
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
    CASES[case.operation.label] = CASES.get(case.operation.label, 0) + 1
