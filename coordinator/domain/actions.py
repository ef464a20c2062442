"""Rules for actions: assign, reassign, reschedule, complete, reopen, cancel.

Each follows the change ritual (:mod:`coordinator.domain.changes`): the policy decides who may
(:mod:`coordinator.policy.actions`), the state machine what follows
(:mod:`coordinator.domain.action_states`), one transaction writes the change, its audit entry
and its outbox event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from coordinator import policy
from coordinator.domain import action_states
from coordinator.domain.changes import changing, load_for_change, load_unless_already
from coordinator.domain.codes import new_public_codes
from coordinator.domain.discretion import public_title_errors
from coordinator.domain.events import (
    ActionAssigned,
    ActionCancelled,
    ActionCompleted,
    ActionReassigned,
    ActionReopened,
    ActionRescheduled,
    ActionRestored,
)
from coordinator.domain.validation import check_completion, check_due_at, check_title
from coordinator.errors import N_, Conflict, InvalidInput, NotFound
from coordinator.extensions import db
from coordinator.models import Action, Network, Person, Program, Region, utcnow
from coordinator.policy import Reason, Via
from coordinator.policy.audiences import may_be_assigned


def action_snapshot(action: Action) -> dict[str, Any]:
    """The audited fields of an action, JSON-ready."""
    return {
        "status": action.status,
        "assignee_id": action.assignee_id,
        "kelurahan_code": action.kelurahan_code,
        "due_at": action.due_at.isoformat() if action.due_at else None,
        "note": action.note,
        "people_reached": action.people_reached,
        "completed_at": action.completed_at.isoformat() if action.completed_at else None,
        "completed_by_id": action.completed_by_id,
    }


def _check_assignee(assignee_id: int | None, kelurahan_code: str) -> None:
    """An assignee is an active cadre or coordinator of the action's kelurahan."""
    if assignee_id is None:
        return
    person = db.session.get(Person, assignee_id)
    # One answer for "no such person", "inactive" and "works elsewhere": an id from another
    # region must not tell whether it exists.
    if person is None or not person.active or not may_be_assigned(person, kelurahan_code):
        raise InvalidInput(
            "not an assignee here",
            {"assignee_id": [N_("No active person of this kelurahan has this id.")]},
        )


def _check_new_action(program: Program, kelurahan_code: str, title: str, public_title: str,
                      due_at: datetime, network_id: int | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    kelurahan = db.session.get(Region, kelurahan_code)
    if kelurahan is None or kelurahan.level != "kelurahan":
        errors["kelurahan_code"] = [N_("Unknown kelurahan code.")]
    elif not policy.in_subtree(program.region_code, kelurahan_code):
        errors["kelurahan_code"] = [N_("This kelurahan is outside the program's region.")]
    errors.update(check_title(title))
    errors.update(check_title(public_title, "public_title")
                  or public_title_errors("public_title", public_title))
    errors.update(check_due_at(due_at))
    if network_id is not None and db.session.get(Network, network_id) is None:
        errors["network_id"] = [N_("Unknown network.")]
    return errors


def _program_for(actor: Person | None, program_id: int) -> Program:
    program = (db.session.get(Program, program_id) if actor is None
               else policy.get_program_or_404(actor, program_id))
    if program is None:
        raise NotFound("program not found")
    return program


def assign_action(
    *,
    actor: Person | None,
    program_id: int,
    kelurahan_code: str,
    title: str,
    due_at: datetime,
    assignee_id: int | None = None,
    network_id: int | None = None,
    public_title: str | None = None,
) -> Action:
    """Create one open action in an active program and record ``ActionAssigned``.

    Without a ``public_title`` the action takes its program's."""
    program = _program_for(actor, program_id)
    public_title = " ".join((public_title or program.public_title).split())
    errors = _check_new_action(program, kelurahan_code, title, public_title, due_at, network_id)
    if errors:
        raise InvalidInput("invalid action", errors)
    if actor is not None and not policy.in_scope(actor, kelurahan_code):
        raise InvalidInput("out of scope", {"kelurahan_code": [N_("Unknown kelurahan code.")]})
    policy.require(actor, "action.assign", kelurahan_code)
    if program.status != "active":
        raise Conflict(N_("only an active program takes new actions"), status=program.status)
    _check_assignee(assignee_id, kelurahan_code)
    action = Action(
        program_id=program.id, kelurahan_code=kelurahan_code, title=title.strip(),
        public_title=public_title, due_at=due_at, assignee_id=assignee_id, network_id=network_id, status="open",
        public_code=new_public_codes(1)[0],
    )
    db.session.add(action)
    with changing(actor, "assign", action, action_snapshot, created=True) as change:
        db.session.flush()
        change.tell(ActionAssigned(
            action_id=action.id, program_id=program.id, kelurahan_code=kelurahan_code,
            assignee_id=assignee_id, network_id=network_id,
        ))
    return action


# How a completion recorded on the cadre's behalf reached the staff member who records it.
REPORTED_HOW = ("phone", "in_person")


@dataclass(frozen=True)
class CompletionResult:
    action: Action
    changed: bool  # False when the action was already done: a no-op, no second event


def complete_action(
    action_id: int,
    *,
    actor: Person | None,
    note: str | None = None,
    people_reached: int | None = None,
    now: datetime | None = None,
    via: Via = Via.WEB,
    reported: str | None = None,
) -> CompletionResult:
    """Mark an open action done; completing a done action changes nothing and says so.

    Staff who record a completion reported by phone or in person complete "on behalf": the
    audit entry and ``completed_by_id`` say who recorded it, ``via`` from where and
    ``reported`` (one of ``REPORTED_HOW``) how the news reached them.
    """
    if reported is not None and reported not in REPORTED_HOW:
        raise InvalidInput("unknown report", {"reported": [N_("Choose how it was reported.")]})
    now = now or utcnow()
    check_completion(note, people_reached)
    action, to_change = load_unless_already(Action, action_id, actor, "action.complete",
                                            Reason.ALREADY_DONE, now=now, via=via)
    if not to_change:
        return CompletionResult(action, changed=False)
    with changing(actor, "complete", action, action_snapshot) as change:
        action_states.complete(action, by=actor.id if actor else None, now=now, note=note,
                               people_reached=people_reached)
        change.audit_extra["via"] = str(via)
        if reported is not None:
            change.audit_extra["reported"] = reported
        change.tell(ActionCompleted(
            action_id=action.id, program_id=action.program_id,
            kelurahan_code=action.kelurahan_code, completed_by_id=action.completed_by_id,
            people_reached=people_reached, on_time=action_states.on_time(action),
        ))
    return CompletionResult(action, changed=True)


def reopen_action(action_id: int, *, actor: Person | None, now: datetime | None = None,
                  via: Via = Via.WEB) -> Action:
    """Undo a completion: a cadre their own within the undo window; staff any time."""
    now = now or utcnow()
    action = load_for_change(Action, action_id, actor, "action.reopen", now=now, via=via)
    needs_new_code = _code_taken_by_open(action)
    with changing(actor, "reopen", action, action_snapshot) as change:
        was_on_time, reached = action_states.on_time(action), action.people_reached
        if needs_new_code:  # drawn before the status changes, which autoflush would write
            action.public_code = new_public_codes(1)[0]
        action_states.reopen(action)
        change.tell(ActionReopened(
            action_id=action.id, program_id=action.program_id,
            kelurahan_code=action.kelurahan_code, reopened_by_id=actor.id if actor else None,
            people_reached=reached, was_on_time=was_on_time,
        ))
    return action


def _code_taken_by_open(action: Action) -> bool:
    query = select(Action.id).where(
        Action.public_code == action.public_code, Action.status == "open", Action.id != action.id
    )
    return db.session.scalars(query).first() is not None


def cancel_action(action_id: int, *, actor: Person | None, reason: str | None = None,
                  now: datetime | None = None) -> Action:
    """Cancel an open action, keeping why (the web asks for a reason); cancelling a cancelled
    one changes nothing."""
    now = now or utcnow()
    action, to_change = load_unless_already(Action, action_id, actor, "action.cancel",
                                            Reason.ALREADY_CANCELLED, now=now)
    if not to_change:
        return action
    with changing(actor, "cancel", action, action_snapshot) as change:
        action_states.cancel(action, now=now, reason=reason)
        if action.cancel_reason:
            change.audit_extra["reason"] = action.cancel_reason
        change.tell(ActionCancelled(
            action_id=action.id, program_id=action.program_id,
            kelurahan_code=action.kelurahan_code, cancelled_by_id=actor.id if actor else None,
        ))
    return action


def restore_action(action_id: int, *, actor: Person | None, now: datetime | None = None) -> Action:
    """Undo a cancellation: the action is open again (with a fresh code if its code was taken)."""
    now = now or utcnow()
    action = load_for_change(Action, action_id, actor, "action.restore", now=now)
    needs_new_code = _code_taken_by_open(action)
    with changing(actor, "restore", action, action_snapshot) as change:
        change.audit_extra["cancel_reason_was"] = action.cancel_reason
        if needs_new_code:  # drawn before the status changes, which autoflush would write
            action.public_code = new_public_codes(1)[0]
        action_states.restore(action)
        change.tell(ActionRestored(
            action_id=action.id, program_id=action.program_id,
            kelurahan_code=action.kelurahan_code, restored_by_id=actor.id if actor else None,
        ))
    return action


def reassign_action(action_id: int, *, actor: Person | None, assignee_id: int | None) -> Action:
    """Give an open action to another cadre or coordinator of its kelurahan (or to nobody)."""
    action = load_for_change(Action, action_id, actor, "action.reassign")
    _check_assignee(assignee_id, action.kelurahan_code)
    if assignee_id == action.assignee_id:
        db.session.rollback()
        return action
    with changing(actor, "reassign", action, action_snapshot) as change:
        previous = action.assignee_id
        action.assignee_id = assignee_id
        change.tell(ActionReassigned(
            action_id=action.id, program_id=action.program_id,
            kelurahan_code=action.kelurahan_code, previous_assignee_id=previous,
            assignee_id=assignee_id, network_id=action.network_id,
            previous_network_id=action.network_id,
        ))
    return action


def reschedule_action(action_id: int, *, actor: Person | None, due_at: datetime) -> Action:
    """Move an open action's due time; overdue counts and reminders follow the new one."""
    errors = check_due_at(due_at)
    if errors:
        raise InvalidInput("invalid due time", errors)
    action = load_for_change(Action, action_id, actor, "action.reschedule")
    if action.due_at == due_at:
        db.session.rollback()
        return action
    with changing(actor, "reschedule", action, action_snapshot) as change:
        previous = action.due_at
        action.due_at = due_at
        change.tell(ActionRescheduled(
            action_id=action.id, program_id=action.program_id,
            kelurahan_code=action.kelurahan_code, previous_due_at=previous.isoformat(),
            due_at=due_at.isoformat(),
        ))
    return action
