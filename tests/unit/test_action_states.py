"""The life of an action: open -> done -> open, open -> cancelled -> open; nothing else."""
from __future__ import annotations

from datetime import timedelta

import pytest

from coordinator.domain import action_states
from tests.unit.facts import NOW, A


@pytest.mark.parametrize(("operation", "status", "result"), [
    ("complete", "open", "done"), ("reopen", "done", "open"), ("cancel", "open", "cancelled"),
    ("restore", "cancelled", "open"),
])
def test_each_allowed_transition(operation: str, status: str, result: str) -> None:
    assert action_states.next_status(operation, status) == result


@pytest.mark.parametrize(("operation", "status"), [
    ("complete", "done"), ("complete", "cancelled"), ("reopen", "open"),
    ("reopen", "cancelled"), ("cancel", "done"), ("cancel", "cancelled"),
    ("restore", "open"), ("restore", "done"),
])
def test_every_other_transition_is_refused(operation: str, status: str) -> None:
    with pytest.raises(ValueError, match=operation):
        action_states.next_status(operation, status)


def test_completing_records_who_when_and_what_and_reopening_forgets_it() -> None:
    action = A()
    action_states.complete(action, by=1, now=NOW, note="  di balai warga ", people_reached=12)
    assert (action.status, action.completed_by_id, action.note, action.people_reached) == (
        "done", 1, "di balai warga", 12)
    assert action.completed_at == NOW and action_states.on_time(action)
    action_states.reopen(action)
    assert (action.status, action.completed_at, action.completed_by_id, action.people_reached) == (
        "open", None, None, None)


def test_on_time_is_done_at_or_before_the_due_time() -> None:
    late = A(status="done", completed_at=NOW + timedelta(seconds=1))
    exact = A(status="done", completed_at=NOW)
    assert not action_states.on_time(late) and action_states.on_time(exact)
    assert not action_states.on_time(A(status="open"))


def test_cancelling_keeps_why_and_when_and_restoring_forgets_it() -> None:
    action = A()
    action_states.cancel(action, now=NOW, reason="  dobel dengan tugas lain ")
    assert (action.status, action.cancelled_at, action.cancel_reason) == (
        "cancelled", NOW, "dobel dengan tugas lain")
    action_states.restore(action)
    assert (action.status, action.cancelled_at, action.cancel_reason) == ("open", None, None)


def test_a_cancel_reason_is_kept_trimmed_to_its_limit_and_blank_is_none() -> None:
    from coordinator.policy.limits import MAX_CANCEL_REASON_LENGTH

    action = A(status="open")
    action_states.cancel(action, now=NOW, reason="  " + "x" * (MAX_CANCEL_REASON_LENGTH + 50))
    assert action.cancel_reason == "x" * MAX_CANCEL_REASON_LENGTH
    blank = A(status="open")
    action_states.cancel(blank, now=NOW, reason=" \n ")
    assert blank.cancel_reason is None
