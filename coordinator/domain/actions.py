"""Rules for actions: assign, reassign, complete, reopen, cancel. One transaction each,
each writing its audit entry and its outbox event together with the change."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from coordinator import access
from coordinator.domain.audit import record_audit
from coordinator.domain.codes import new_public_codes
from coordinator.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from coordinator.domain.events import (
    ActionAssigned,
    ActionCancelled,
    ActionCompleted,
    ActionReassigned,
    ActionReopened,
    record_event,
)
from coordinator.extensions import db
from coordinator.models import Action, Network, Person, Program, Region, utcnow
from coordinator.models.regions import ancestor_codes

CADRE_UNDO_WINDOW = timedelta(hours=24)
MAX_PEOPLE_REACHED = 1_000_000
MAX_NOTE_LENGTH = 2_000


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
    }


def _id(actor: Person | None) -> int | None:
    return actor.id if actor is not None else None


def _check_assignee(assignee_id: int | None, kelurahan_code: str) -> None:
    """An assignee is an active person living in the kelurahan or above it (a coordinator)."""
    if assignee_id is None:
        return
    person = db.session.get(Person, assignee_id)
    if person is None or not person.active:
        raise InvalidInput("unknown assignee", {"assignee_id": ["Unknown or inactive person."]})
    if person.region_code not in ancestor_codes(kelurahan_code):
        raise InvalidInput(
            "assignee elsewhere", {"assignee_id": ["This person does not work in this kelurahan."]}
        )


def _check_new_action(program: Program, kelurahan_code: str, title: str, due_at: datetime,
                      network_id: int | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    kelurahan = db.session.get(Region, kelurahan_code)
    if kelurahan is None or kelurahan.level != "kelurahan":
        errors["kelurahan_code"] = ["Unknown kelurahan code."]
    elif not access.in_scope_of_code(program.region_code, kelurahan_code):
        errors["kelurahan_code"] = ["This kelurahan is outside the program's region."]
    if not (title or "").strip() or len(title.strip()) > 200:
        errors["title"] = ["Title is required (at most 200 characters)."]
    if not isinstance(due_at, datetime) or due_at.tzinfo is None:
        errors["due_at"] = ["A date and time with a time zone is required."]
    if network_id is not None and db.session.get(Network, network_id) is None:
        errors["network_id"] = ["Unknown network."]
    return errors


def assign_action(
    *,
    actor: Person | None,
    program_id: int,
    kelurahan_code: str,
    title: str,
    due_at: datetime,
    assignee_id: int | None = None,
    network_id: int | None = None,
) -> Action:
    """Create one open action in an active program and record ``ActionAssigned``."""
    program = _program_for(actor, program_id)
    errors = _check_new_action(program, kelurahan_code, title, due_at, network_id)
    if errors:
        raise InvalidInput("invalid action", errors)
    if actor is not None and not access.in_scope(actor, kelurahan_code):
        raise InvalidInput("out of scope", {"kelurahan_code": ["Unknown kelurahan code."]})
    access.require(actor, "action.assign", kelurahan_code)
    if program.status != "active":
        raise Conflict("only an active program takes new actions", status=program.status)
    _check_assignee(assignee_id, kelurahan_code)
    action = Action(
        program_id=program.id, kelurahan_code=kelurahan_code, title=title.strip(),
        due_at=due_at, assignee_id=assignee_id, network_id=network_id, status="open",
        public_code=new_public_codes(1)[0],
    )
    db.session.add(action)
    db.session.flush()
    record_audit(_id(actor), "assign", "action", action.id, None, action_snapshot(action))
    record_event(ActionAssigned(
        action_id=action.id, program_id=program.id, kelurahan_code=kelurahan_code,
        assignee_id=assignee_id, network_id=network_id,
    ))
    db.session.commit()
    return action


def _program_for(actor: Person | None, program_id: int) -> Program:
    program = (db.session.get(Program, program_id) if actor is None
               else access.get_program_or_404(actor, program_id))
    if program is None:
        raise NotFound("program not found")
    return program


def _load(action_id: int, actor: Person | None, permission: str) -> Action:
    """The action, locked for update, if ``actor`` sees it (else 404) and may act (else 403)."""
    if actor is not None:
        access.get_action_or_404(actor, action_id)
    action = db.session.get(Action, action_id, with_for_update=True, populate_existing=True)
    if action is None:
        raise NotFound("action not found")
    access.require(actor, permission, action)
    return action


@dataclass(frozen=True)
class CompletionResult:
    action: Action
    changed: bool  # False when the action was already done: a no-op, no second event


def _check_completion(note: str | None, people_reached: int | None) -> None:
    errors: dict[str, list[str]] = {}
    if people_reached is not None and (
        isinstance(people_reached, bool) or not isinstance(people_reached, int)
        or not 0 <= people_reached <= MAX_PEOPLE_REACHED
    ):
        errors["people_reached"] = [f"Must be a whole number from 0 to {MAX_PEOPLE_REACHED:,}."]
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        errors["note"] = [f"At most {MAX_NOTE_LENGTH} characters."]
    if errors:
        raise InvalidInput("invalid completion", errors)


def complete_action(
    action_id: int,
    *,
    actor: Person | None,
    note: str | None = None,
    people_reached: int | None = None,
    now: datetime | None = None,
) -> CompletionResult:
    """Mark an open action done; completing a done action changes nothing and says so."""
    now = now or utcnow()
    _check_completion(note, people_reached)
    action = _load(action_id, actor, "action.complete")
    if action.status == "done":
        db.session.rollback()
        return CompletionResult(action, changed=False)
    if action.status == "cancelled":
        raise Conflict("a cancelled action cannot be completed", status=action.status)
    before = action_snapshot(action)
    action.status = "done"
    action.completed_at = now
    action.completed_by_id = _id(actor)
    action.note = (note or "").strip() or None
    action.people_reached = people_reached
    record_audit(_id(actor), "complete", "action", action.id, before, action_snapshot(action))
    record_event(ActionCompleted(
        action_id=action.id, program_id=action.program_id, kelurahan_code=action.kelurahan_code,
        completed_by_id=_id(actor), people_reached=people_reached, on_time=now <= action.due_at,
    ))
    db.session.commit()
    return CompletionResult(action, changed=True)


def reopen_action(action_id: int, *, actor: Person | None, now: datetime | None = None) -> Action:
    """Undo a completion: a cadre within 24 h of it, a coordinator, lead or admin any time."""
    now = now or utcnow()
    action = _load(action_id, actor, "action.reopen")
    if action.status != "done" or action.completed_at is None:
        raise Conflict("only a completed action can be reopened", status=action.status)
    if actor is not None and actor.role == "cadre" and now - action.completed_at > CADRE_UNDO_WINDOW:
        raise Forbidden("the 24-hour undo window has passed; ask your coordinator")
    before = action_snapshot(action)
    was_on_time = action.completed_at <= action.due_at
    reached = action.people_reached
    if _code_taken_by_open(action):  # checked before the change, which autoflush would write
        action.public_code = new_public_codes(1)[0]
    action.status = "open"
    action.completed_at = None
    action.completed_by_id = None
    action.people_reached = None
    record_audit(_id(actor), "reopen", "action", action.id, before, action_snapshot(action))
    record_event(ActionReopened(
        action_id=action.id, program_id=action.program_id, kelurahan_code=action.kelurahan_code,
        reopened_by_id=_id(actor), people_reached=reached, was_on_time=was_on_time,
    ))
    db.session.commit()
    return action


def _code_taken_by_open(action: Action) -> bool:
    query = select(Action.id).where(
        Action.public_code == action.public_code, Action.status == "open", Action.id != action.id
    )
    return db.session.scalars(query).first() is not None


def cancel_action(action_id: int, *, actor: Person | None) -> Action:
    """Cancel an open action; cancelling a cancelled one changes nothing."""
    action = _load(action_id, actor, "action.cancel")
    if action.status == "cancelled":
        db.session.rollback()
        return action
    if action.status == "done":
        raise Conflict("a completed action cannot be cancelled; reopen it first", status="done")
    before = action_snapshot(action)
    action.status = "cancelled"
    record_audit(_id(actor), "cancel", "action", action.id, before, action_snapshot(action))
    record_event(ActionCancelled(
        action_id=action.id, program_id=action.program_id, kelurahan_code=action.kelurahan_code,
        cancelled_by_id=_id(actor),
    ))
    db.session.commit()
    return action


def reassign_action(action_id: int, *, actor: Person | None, assignee_id: int | None) -> Action:
    """Give an open action to another person of its kelurahan (or to nobody)."""
    action = _load(action_id, actor, "action.reassign")
    if action.status != "open":
        raise Conflict("only an open action can be reassigned", status=action.status)
    _check_assignee(assignee_id, action.kelurahan_code)
    if assignee_id == action.assignee_id:
        db.session.rollback()
        return action
    before = action_snapshot(action)
    previous = action.assignee_id
    action.assignee_id = assignee_id
    record_audit(_id(actor), "reassign", "action", action.id, before, action_snapshot(action))
    record_event(ActionReassigned(
        action_id=action.id, program_id=action.program_id, kelurahan_code=action.kelurahan_code,
        previous_assignee_id=previous, assignee_id=assignee_id, network_id=action.network_id,
        previous_network_id=action.network_id,
    ))
    db.session.commit()
    return action
