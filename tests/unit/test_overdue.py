"""One meaning of overdue: open and past its due time, by the clock given."""
from __future__ import annotations

from datetime import timedelta

import pytest

from coordinator.domain.overdue import is_overdue
from tests.unit.facts import NOW


@pytest.mark.parametrize(("status", "due", "expected"), [
    ("open", NOW - timedelta(seconds=1), True),
    ("open", NOW, False),  # due now: not yet past
    ("open", NOW + timedelta(days=1), False),
    ("done", NOW - timedelta(days=3), False),
    ("cancelled", NOW - timedelta(days=3), False),
])
def test_open_and_past_due_is_overdue(status: str, due, expected: bool) -> None:  # type: ignore[no-untyped-def]
    assert is_overdue(status, due, NOW) is expected


def test_days_overdue_counts_whole_days_of_an_open_late_action() -> None:
    from coordinator.domain.overdue import days_overdue

    assert days_overdue("open", NOW - timedelta(days=3, hours=2), NOW) == 3
    assert days_overdue("open", NOW - timedelta(hours=5), NOW) == 0
    assert days_overdue("done", NOW - timedelta(days=3), NOW) == 0
    assert days_overdue("open", NOW + timedelta(days=1), NOW) == 0
