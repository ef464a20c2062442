"""Who may do what to an action, now: pure decisions over the person, the action and the clock.

The one answer to "who may complete which action": the assignee (from the web, a link, an SMS
reply or the API), or staff whose region holds the action (on the cadre's behalf, from the web,
the API or a follow-up link; never by SMS, where only the assignee's phone counts). A cadre may
take back a completion they recorded within ``CADRE_UNDO_WINDOW``; staff may reopen any time.
Staff cancel an open action (with a reason) and may restore it within ``RESTORE_WINDOW`` while
its program is active; they remind its assignee, reassign it, or take it themselves when they
may be given actions of its kelurahan.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from coordinator.policy.audiences import may_be_assigned
from coordinator.policy.decisions import ALLOW, Decision, Reason, refuse
from coordinator.policy.limits import CADRE_UNDO_WINDOW, RESTORE_WINDOW
from coordinator.policy.roles import Someone, is_cadre, is_staff
from coordinator.policy.scope import in_scope

OPEN, DONE, CANCELLED = "open", "done", "cancelled"


class Via(StrEnum):
    """Where a request comes from, when that changes the answer."""

    WEB = "web"
    API = "api"
    LINK = "link"
    SMS = "sms"


class LinkPurpose(StrEnum):
    """What a link was sent for: doing the task, following it up, or assigning it."""

    DO = "do"
    FOLLOW_UP = "follow_up"
    ASSIGN = "assign"


class ActionFacts(Protocol):
    """What a decision needs to know of an action (an ``Action`` row or any look-alike)."""

    assignee_id: int | None
    kelurahan_code: str
    status: str
    completed_at: datetime | None
    completed_by_id: int | None


class CancelledFacts(ActionFacts, Protocol):
    """What restoring needs besides: when the action was cancelled (None: before it was kept)."""

    cancelled_at: datetime | None


def is_assignee(person: Someone, action: ActionFacts) -> bool:
    return action.assignee_id is not None and action.assignee_id == person.id


def _sees(person: Someone, action: ActionFacts) -> Decision:
    """Cadres see their own actions; staff those of their region; nobody inactive sees any."""
    if not person.active:
        return refuse(Reason.NOT_FOUND)
    if is_cadre(person):
        return ALLOW if is_assignee(person, action) else refuse(Reason.NOT_YOURS)
    return ALLOW if in_scope(person, action.kelurahan_code) else refuse(Reason.NOT_FOUND)


def _supervises(person: Someone, action: ActionFacts) -> Decision:
    """Staff whose region holds the action; a cadre sees but may not manage its own."""
    seen = _sees(person, action)
    if not seen:
        return seen
    return ALLOW if is_staff(person) else refuse(Reason.NOT_ALLOWED)


def view(person: Someone, action: ActionFacts) -> Decision:
    return _sees(person, action)


def complete(person: Someone, action: ActionFacts, via: Via = Via.WEB) -> Decision:
    """Mark done: the assignee anywhere; staff of its region on the cadre's behalf (not by SMS)."""
    if via == Via.SMS and not (person.active and is_assignee(person, action)):
        return refuse(Reason.NOT_YOURS)
    seen = _sees(person, action)
    if not seen:
        return seen
    if action.status == DONE:
        return refuse(Reason.ALREADY_DONE)
    if action.status == CANCELLED:
        return refuse(Reason.CANCELLED)
    return ALLOW


def reopen(person: Someone, action: ActionFacts, now: datetime,
           undo_window: timedelta = CADRE_UNDO_WINDOW) -> Decision:
    """Undo a completion: a cadre only their own, within the undo window; staff any time."""
    seen = _sees(person, action)
    if not seen:
        return seen
    if action.status != DONE or action.completed_at is None:
        return refuse(Reason.NOT_DONE)
    if is_staff(person):
        return ALLOW
    if action.completed_by_id != person.id:
        return refuse(Reason.NOT_YOUR_COMPLETION)
    if now - action.completed_at > undo_window:
        return refuse(Reason.UNDO_WINDOW_PASSED)
    return ALLOW


def undo_deadline(action: ActionFacts, undo_window: timedelta = CADRE_UNDO_WINDOW) -> datetime | None:
    """Until when a cadre may take back the action's completion."""
    return action.completed_at + undo_window if action.completed_at else None


def _supervised_while(state: str, person: Someone, action: ActionFacts) -> Decision:
    managed = _supervises(person, action)
    if not managed:
        return managed
    return ALLOW if action.status == state else refuse(Reason.NOT_OPEN)


def cancel(person: Someone, action: ActionFacts) -> Decision:
    """Staff cancel an open action; a done one must be reopened first."""
    managed = _supervises(person, action)
    if not managed:
        return managed
    if action.status == CANCELLED:
        return refuse(Reason.ALREADY_CANCELLED)
    return ALLOW if action.status == OPEN else refuse(Reason.NOT_OPEN)


def reassign(person: Someone, action: ActionFacts) -> Decision:
    return _supervised_while(OPEN, person, action)


def reschedule(person: Someone, action: ActionFacts) -> Decision:
    return _supervised_while(OPEN, person, action)


def remind(person: Someone, action: ActionFacts) -> Decision:
    """Staff of its region remind the assignee of an open action (there must be one)."""
    managed = _supervised_while(OPEN, person, action)
    if not managed:
        return managed
    return ALLOW if action.assignee_id is not None else refuse(Reason.NO_ASSIGNEE)


def take(person: Someone, action: ActionFacts) -> Decision:
    """Staff take an open action themselves ("Saya kerjakan sendiri"): only someone who may be
    given actions of its kelurahan (its coordinator), not a lead or an admin."""
    managed = reassign(person, action)
    if not managed:
        return managed
    if is_assignee(person, action):
        return refuse(Reason.NOT_OPEN)
    return ALLOW if may_be_assigned(person, action.kelurahan_code) else refuse(Reason.NOT_ASSIGNABLE)


def restore(person: Someone, action: CancelledFacts, now: datetime, program_status: str,
            window: timedelta = RESTORE_WINDOW) -> Decision:
    """Undo a cancellation: staff of its region, within ``window`` of it, while the program is
    active (a closed program's actions come back only by reopening the program)."""
    managed = _supervises(person, action)
    if not managed:
        return managed
    if action.status != CANCELLED:
        return refuse(Reason.NOT_CANCELLED)
    if program_status != "active":
        return refuse(Reason.PROGRAM_NOT_ACTIVE)
    if action.cancelled_at is not None and now - action.cancelled_at > window:
        return refuse(Reason.RESTORE_WINDOW_PASSED)
    return ALLOW


def restore_deadline(action: CancelledFacts, window: timedelta = RESTORE_WINDOW) -> datetime | None:
    """Until when a cancelled action may be restored (None: no time is known)."""
    return action.cancelled_at + window if action.cancelled_at else None


def resend_link(person: Someone, action: ActionFacts) -> Decision:
    """Send the assignee a new task link (the old one revoked): staff of its region, while
    the action is open and has an assignee."""
    managed = _supervised_while(OPEN, person, action)
    if not managed:
        return managed
    return ALLOW if action.assignee_id is not None else refuse(Reason.NO_ASSIGNEE)


def open_link(person: Someone, action: ActionFacts, purpose: LinkPurpose) -> Decision:
    """May the person a link was sent to open it for its purpose?

    A task link works for its assignee while the task is theirs and not cancelled; a follow-up
    or assign link works for staff whose region holds the action (an escalation's coordinator,
    lead, owner), whatever its status: they see what became of it, and may restore a cancelled
    one from there.
    """
    if purpose == LinkPurpose.DO:
        if not (person.active and is_assignee(person, action)):
            return refuse(Reason.NOT_YOURS)
        return refuse(Reason.CANCELLED) if action.status == CANCELLED else ALLOW
    return _supervises(person, action)


def link_purpose_for(person: Someone, action: ActionFacts) -> LinkPurpose:
    """What a link about ``action`` sent to ``person`` is for: the assignee does the task;
    anyone else was told so they can assign it (nobody has it yet) or follow it up."""
    if is_assignee(person, action):
        return LinkPurpose.DO
    return LinkPurpose.ASSIGN if action.assignee_id is None else LinkPurpose.FOLLOW_UP
