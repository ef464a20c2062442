"""Limits are defined once (coordinator.policy.limits) and every message states its own."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coordinator.domain.validation import (
    check_completion,
    check_due_at,
    check_title,
    people_reached_valid,
)
from coordinator.errors import InvalidInput
from coordinator.policy.limits import MAX_NOTE_LENGTH, MAX_PEOPLE_REACHED, MAX_TITLE_LENGTH


def _number(n: int) -> str:
    return f"{n:,}"


def test_people_reached_runs_from_zero_to_the_limit() -> None:
    assert people_reached_valid(0) and people_reached_valid(MAX_PEOPLE_REACHED)
    for bad in (-1, MAX_PEOPLE_REACHED + 1, True, 2.5, "7"):
        assert not people_reached_valid(bad)
    with pytest.raises(InvalidInput) as error:
        check_completion(None, MAX_PEOPLE_REACHED + 1)
    assert _number(MAX_PEOPLE_REACHED) in error.value.fields["people_reached"][0]


def test_a_note_up_to_the_limit_and_never_a_nul() -> None:
    check_completion("x" * MAX_NOTE_LENGTH, None)
    for bad in ("x" * (MAX_NOTE_LENGTH + 1), "ok\x00"):
        with pytest.raises(InvalidInput) as error:
            check_completion(bad, None)
        assert _number(MAX_NOTE_LENGTH) in error.value.fields["note"][0]


def test_titles_and_due_times() -> None:
    assert check_title("x" * MAX_TITLE_LENGTH) == {}
    assert str(MAX_TITLE_LENGTH) in check_title("x" * (MAX_TITLE_LENGTH + 1))["title"][0]
    assert check_title("   ")
    assert check_due_at(datetime(2022, 3, 1)) != {}  # naive: whose clock?
    assert check_due_at(datetime(9999, 12, 31, tzinfo=UTC)) != {}
    assert check_due_at(datetime(2022, 3, 1, tzinfo=UTC)) == {}
