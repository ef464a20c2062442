"""Who may do what to an action, now: the policy's answers and its reasons, without a database."""
from __future__ import annotations

from datetime import timedelta

import pytest

from coordinator.policy import LinkPurpose, Reason, Via, decide
from coordinator.policy import actions as rules
from coordinator.policy.limits import CADRE_UNDO_WINDOW
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
    P,
    reason,
)


@pytest.mark.parametrize(("person", "via", "expected"), [
    (CADRE, Via.WEB, None), (CADRE, Via.SMS, None), (CADRE, Via.LINK, None),
    (OTHER_CADRE, Via.WEB, Reason.NOT_YOURS), (OTHER_CADRE, Via.SMS, Reason.NOT_YOURS),
    (COORDINATOR, Via.WEB, None), (COORDINATOR, Via.LINK, None),  # on the cadre's behalf
    (COORDINATOR, Via.SMS, Reason.NOT_YOURS),  # only the assignee's phone counts
    (KEC_LEAD, Via.API, None), (CITY_LEAD, Via.WEB, None), (ADMIN, Via.WEB, None),
    (OUTSIDER, Via.WEB, Reason.NOT_FOUND),  # outside one's region the action does not exist
    (P(1, "cadre", CADRE.region_code, active=False), Via.WEB, Reason.NOT_FOUND),
])
def test_who_may_complete_an_open_action(person: P, via: Via, expected: Reason | None) -> None:
    assert reason(rules.complete(person, A(), via)) == expected


@pytest.mark.parametrize(("status", "expected"), [
    ("open", None), ("done", Reason.ALREADY_DONE), ("cancelled", Reason.CANCELLED)])
def test_completing_depends_on_the_status(status: str, expected: Reason | None) -> None:
    assert reason(rules.complete(CADRE, A(status=status, completed_at=NOW))) == expected


@pytest.mark.parametrize(("person", "by", "age", "expected"), [
    (CADRE, CADRE.id, timedelta(hours=1), None),
    (CADRE, CADRE.id, CADRE_UNDO_WINDOW, None),  # the window's last moment still counts
    (CADRE, CADRE.id, CADRE_UNDO_WINDOW + timedelta(seconds=1), Reason.UNDO_WINDOW_PASSED),
    (CADRE, COORDINATOR.id, timedelta(hours=1), Reason.NOT_YOUR_COMPLETION),
    (COORDINATOR, CADRE.id, timedelta(days=30), None),  # staff reopen any time
    (CITY_LEAD, None, timedelta(days=30), None),
    (OTHER_CADRE, OTHER_CADRE.id, timedelta(hours=1), Reason.NOT_YOURS),
    (OUTSIDER, CADRE.id, timedelta(hours=1), Reason.NOT_FOUND),
])
def test_the_undo_window(person: P, by: int | None, age: timedelta,
                         expected: Reason | None) -> None:
    done = A(status="done", completed_at=NOW - age, completed_by_id=by)
    assert reason(rules.reopen(person, done, NOW)) == expected


def test_only_a_completed_action_can_be_reopened() -> None:
    assert reason(rules.reopen(COORDINATOR, A(), NOW)) == Reason.NOT_DONE


@pytest.mark.parametrize(("person", "status", "expected"), [
    (COORDINATOR, "open", None), (CITY_LEAD, "open", None),
    (CADRE, "open", Reason.NOT_ALLOWED), (OUTSIDER, "open", Reason.NOT_FOUND),
    (COORDINATOR, "done", Reason.NOT_OPEN), (COORDINATOR, "cancelled", Reason.ALREADY_CANCELLED),
])
def test_who_may_cancel(person: P, status: str, expected: Reason | None) -> None:
    assert reason(rules.cancel(person, A(status=status))) == expected


@pytest.mark.parametrize("rule", [rules.reassign, rules.reschedule, rules.remind,
                                  rules.resend_link])
def test_supervising_an_open_action_is_for_staff_of_its_region(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule(COORDINATOR, A())
    assert reason(rule(CADRE, A())) == Reason.NOT_ALLOWED
    assert reason(rule(OUTSIDER, A())) == Reason.NOT_FOUND
    assert reason(rule(COORDINATOR, A(status="done"))) == Reason.NOT_OPEN


def test_a_link_is_sent_again_only_to_an_assignee_by_staff_of_the_region() -> None:
    assert rules.resend_link(KEC_LEAD, A()) and rules.resend_link(ADMIN, A())
    assert reason(rules.resend_link(COORDINATOR, A(assignee_id=None))) == Reason.NO_ASSIGNEE
    assert reason(rules.resend_link(COORDINATOR, A(status="cancelled"))) == Reason.NOT_OPEN
    assert reason(decide(CADRE, "action.resend_link", A())) == Reason.NOT_ALLOWED  # type: ignore[arg-type]


@pytest.mark.parametrize(("person", "purpose", "action", "expected"), [
    (CADRE, LinkPurpose.DO, A(), None),
    (CADRE, LinkPurpose.DO, A(assignee_id=OTHER_CADRE.id), Reason.NOT_YOURS),  # reassigned
    (CADRE, LinkPurpose.DO, A(status="cancelled"), Reason.CANCELLED),
    (CADRE, LinkPurpose.DO, A(status="done"), None),  # shows it done, with the undo button
    (COORDINATOR, LinkPurpose.FOLLOW_UP, A(), None),  # the escalation's reader
    (KEC_LEAD, LinkPurpose.FOLLOW_UP, A(), None),
    (COORDINATOR, LinkPurpose.ASSIGN, A(assignee_id=None), None),
    # Staff see what became of a cancelled action, and may restore it from their link.
    (COORDINATOR, LinkPurpose.FOLLOW_UP, A(status="cancelled"), None),
    (OUTSIDER, LinkPurpose.FOLLOW_UP, A(), Reason.NOT_FOUND),
    (CADRE, LinkPurpose.FOLLOW_UP, A(), Reason.NOT_ALLOWED),  # a cadre follows up nobody
    (COORDINATOR, LinkPurpose.DO, A(), Reason.NOT_YOURS),
])
def test_a_link_opens_for_the_person_and_purpose_it_was_sent_for(
        person: P, purpose: LinkPurpose, action: A, expected: Reason | None) -> None:
    assert reason(rules.open_link(person, action, purpose)) == expected


@pytest.mark.parametrize(("person", "action", "purpose"), [
    (CADRE, A(), LinkPurpose.DO),
    (COORDINATOR, A(), LinkPurpose.FOLLOW_UP),
    (COORDINATOR, A(assignee_id=None), LinkPurpose.ASSIGN),
])
def test_the_purpose_of_a_link_follows_its_reader(person: P, action: A,
                                                  purpose: LinkPurpose) -> None:
    assert rules.link_purpose_for(person, action) == purpose


@pytest.mark.parametrize(("person", "permission", "obj", "expected"), [
    (CITY_LEAD, "target.save", "31.73.04", None),
    (KEC_LEAD, "target.save", "31.73", Reason.NOT_FOUND),
    (COORDINATOR, "target.save", COORDINATOR.region_code, Reason.NOT_ALLOWED),
    (CADRE, "case_stats.record", None, Reason.NOT_ALLOWED),
    (COORDINATOR, "case_stats.record", COORDINATOR.region_code, None),
    (CITY_LEAD, "annotation.add", "31.73", None),
    (COORDINATOR, "annotation.add", COORDINATOR.region_code, Reason.NOT_ALLOWED),
    (KEC_LEAD, "indicator.edit", None, Reason.NOT_ALLOWED),
    (ADMIN, "indicator.edit", None, None),
    (CITY_LEAD, "notification.retry", None, None),
    (COORDINATOR, "notification.retry", None, Reason.NOT_ALLOWED),
    (CADRE, "staff.area", None, Reason.NOT_ALLOWED),
    (COORDINATOR, "person.give_role", "cadre", None),
    (COORDINATOR, "person.give_role", "lead", Reason.NOT_ALLOWED),
    (CITY_LEAD, "person.give_role", "admin", Reason.NOT_ALLOWED),
])
def test_named_permissions(person: P, permission: str, obj: str | None,
                           expected: Reason | None) -> None:
    assert reason(decide(person, permission, obj, now=NOW)) == expected  # type: ignore[arg-type]


def test_the_system_may_and_an_unknown_permission_is_a_bug() -> None:
    assert decide(None, "action.cancel", A())
    with pytest.raises(KeyError):
        decide(CADRE, "action.fly", A())  # type: ignore[arg-type]
