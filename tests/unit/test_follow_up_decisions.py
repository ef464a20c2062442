"""Follow-up decisions: who may remind, take, restore an action; what each link is for."""
from __future__ import annotations

from datetime import timedelta

import pytest

from coordinator.policy import LinkPurpose, Reason
from coordinator.policy import actions as rules
from coordinator.policy.limits import RESTORE_WINDOW
from tests.unit.facts import (
    ADMIN,
    CADRE,
    CITY_LEAD,
    COORDINATOR,
    KEC_LEAD,
    NOW,
    OTHER_CADRE,
    OUTSIDER,
    A,
    reason,
)


@pytest.mark.parametrize(("person", "action", "expected"), [
    (COORDINATOR, A(), None), (KEC_LEAD, A(), None), (ADMIN, A(), None),
    (COORDINATOR, A(assignee_id=None), Reason.NO_ASSIGNEE),  # nobody to remind: assign first
    (COORDINATOR, A(status="done", completed_at=NOW), Reason.NOT_OPEN),
    (CADRE, A(), Reason.NOT_ALLOWED), (OTHER_CADRE, A(), Reason.NOT_YOURS),
    (OUTSIDER, A(), Reason.NOT_FOUND),
])
def test_who_may_remind_the_assignee(person, action, expected) -> None:  # type: ignore[no-untyped-def]
    assert reason(rules.remind(person, action)) == expected


@pytest.mark.parametrize(("person", "action", "expected"), [
    (COORDINATOR, A(assignee_id=None), None),  # "Saya kerjakan sendiri"
    (COORDINATOR, A(), None),  # taking over from a cadre who cannot do it
    (COORDINATOR, A(assignee_id=COORDINATOR.id), Reason.NOT_OPEN),  # already hers
    (KEC_LEAD, A(assignee_id=None), Reason.NOT_ASSIGNABLE),  # leads assign, they are not assigned
    (ADMIN, A(assignee_id=None), Reason.NOT_ASSIGNABLE),
    (OUTSIDER, A(assignee_id=None), Reason.NOT_FOUND),
    (CADRE, A(), Reason.NOT_ALLOWED),
    (COORDINATOR, A(status="cancelled"), Reason.NOT_OPEN),
])
def test_who_may_take_an_action_themselves(person, action, expected) -> None:  # type: ignore[no-untyped-def]
    assert reason(rules.take(person, action)) == expected


@pytest.mark.parametrize(("person", "age", "program", "expected"), [
    (COORDINATOR, timedelta(hours=1), "active", None),
    (CITY_LEAD, RESTORE_WINDOW, "active", None),  # the window's last moment still counts
    (COORDINATOR, RESTORE_WINDOW + timedelta(seconds=1), "active", Reason.RESTORE_WINDOW_PASSED),
    (COORDINATOR, timedelta(hours=1), "closed", Reason.PROGRAM_NOT_ACTIVE),
    (CADRE, timedelta(hours=1), "active", Reason.NOT_ALLOWED),
    (OUTSIDER, timedelta(hours=1), "active", Reason.NOT_FOUND),
])
def test_who_may_restore_a_cancelled_action_and_until_when(person, age, program, expected) -> None:  # type: ignore[no-untyped-def]
    cancelled = A(status="cancelled", cancelled_at=NOW - age)
    assert reason(rules.restore(person, cancelled, NOW, program)) == expected


def test_only_a_cancelled_action_can_be_restored() -> None:
    assert reason(rules.restore(COORDINATOR, A(), NOW, "active")) == Reason.NOT_CANCELLED
    # Cancelled before the time was kept: no window to check, staff may still restore.
    assert rules.restore(COORDINATOR, A(status="cancelled"), NOW, "active")
    assert rules.restore_deadline(A(status="cancelled", cancelled_at=NOW)) == NOW + RESTORE_WINDOW


@pytest.mark.parametrize(("person", "action", "purpose"), [
    (CADRE, A(), LinkPurpose.DO),
    (COORDINATOR, A(), LinkPurpose.FOLLOW_UP),  # an escalation about a cadre's task
    (COORDINATOR, A(assignee_id=None), LinkPurpose.ASSIGN),  # nobody has it yet
    (KEC_LEAD, A(assignee_id=None), LinkPurpose.ASSIGN),
])
def test_each_recipient_gets_a_link_for_what_they_must_do(person, action, purpose) -> None:  # type: ignore[no-untyped-def]
    assert rules.link_purpose_for(person, action) == purpose
    assert rules.open_link(person, action, purpose)
