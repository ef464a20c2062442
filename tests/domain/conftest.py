"""Domain-test fixtures: the shared ones (tests/conftest.py) and tests/domain/factories.py."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest


@pytest.fixture
def early_2022():  # type: ignore[no-untyped-def]
    """The clock at 3 January 2022, so the 2022 due dates below lie in the future."""
    import time_machine

    with time_machine.travel(datetime(2022, 1, 3, 2, 0, tzinfo=UTC), tick=True):
        yield
