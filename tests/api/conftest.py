"""Domain-test fixtures."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.domain.cleanup import clean_after_test


@pytest.fixture(autouse=True)
def _clean_regions_bottom_up(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" in request.fixturenames:
        request.getfixturevalue("app")  # set up before us, so torn down after our cleanup
    yield
    clean_after_test(request)
