"""Schemathesis on the API's writes (POST, PATCH, DELETE): see ``api_contract``."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings

from tests.api.conftest import World, world  # noqa: F401 - the fixture
from tests.security import api_contract

pytestmark = [pytest.mark.services, pytest.mark.slow]
CASES: dict[str, int] = {}  # operation -> cases run
OPERATIONS: set[str] = set()  # operation labels the schema has
MIN_CASES = 1_400  # 1,536 in 2026-12: 19 operations


@pytest.fixture
def api_schema(world: World, backend: str, make_app: Callable[..., Flask]) -> Any:  # noqa: F811
    schema = api_contract.schema_of(backend, make_app, reads=False)
    OPERATIONS.update(api_contract.labels(schema))
    return schema


@pytest.fixture(scope="module", autouse=True)
def enough_cases() -> Iterator[None]:
    yield from api_contract.cases_checked(CASES, OPERATIONS, MIN_CASES)


schema = schemathesis.pytest.from_fixture("api_schema").exclude(method=api_contract.READ_METHODS)


@schema.parametrize()
@pytest.mark.timeout(900)  # one test item for all its operations; a minute or two on 2 cores
@settings(max_examples=api_contract.EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_writes_hold_their_contract(case: schemathesis.Case, world: World) -> None:  # noqa: F811
    api_contract.call(case, world, CASES)
