"""Rules for actions: assign, complete. Each function is one transaction and records its event."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coordinator.domain.audit import record_audit
from coordinator.domain.codes import new_public_codes
from coordinator.domain.errors import Conflict, InvalidInput, NotFound
from coordinator.domain.events import ActionAssigned, ActionCompleted, record_event
from coordinator.extensions import db
from coordinator.models import Action, Person, Program, Region, utcnow


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


def assign_action(
    *,
    program_id: int,
    kelurahan_code: str,
    title: str,
    due_at: datetime,
    actor_id: int | None,
    assignee_id: int | None = None,
    network_id: int | None = None,
) -> Action:
    """Create one open action in an active program and record ``ActionAssigned``."""
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("program not found")
    if program.status != "active":
        raise Conflict("only an active program takes new actions", status=program.status)
    kelurahan = db.session.get(Region, kelurahan_code)
    if kelurahan is None or kelurahan.level != "kelurahan":
        raise InvalidInput("unknown kelurahan", {"kelurahan_code": ["Unknown kelurahan code."]})
    if assignee_id is not None and db.session.get(Person, assignee_id) is None:
        raise InvalidInput("unknown assignee", {"assignee_id": ["Unknown person."]})
    if not title.strip():
        raise InvalidInput("title is empty", {"title": ["Title must not be empty."]})
    action = Action(
        program_id=program_id,
        kelurahan_code=kelurahan_code,
        title=title.strip(),
        due_at=due_at,
        assignee_id=assignee_id,
        network_id=network_id,
        status="open",
        public_code=new_public_codes(1)[0],
    )
    db.session.add(action)
    db.session.flush()
    record_audit(actor_id, "assign", "action", action.id, None, action_snapshot(action))
    record_event(
        ActionAssigned(
            action_id=action.id,
            program_id=program_id,
            kelurahan_code=kelurahan_code,
            assignee_id=assignee_id,
            network_id=network_id,
        )
    )
    db.session.commit()
    return action


@dataclass(frozen=True)
class CompletionResult:
    action: Action
    changed: bool  # False when the action was already done: a no-op, no second event


def complete_action(
    action_id: int,
    *,
    actor_id: int | None,
    note: str | None = None,
    people_reached: int | None = None,
    now: datetime | None = None,
) -> CompletionResult:
    """Mark an open action done; completing a done action changes nothing and says so."""
    now = now or utcnow()
    action = db.session.get(Action, action_id, with_for_update=True)
    if action is None:
        raise NotFound("action not found")
    if action.status == "done":
        return CompletionResult(action, changed=False)
    if action.status == "cancelled":
        raise Conflict("a cancelled action cannot be completed")
    if people_reached is not None and people_reached < 0:
        raise InvalidInput(
            "people reached is negative", {"people_reached": ["Must be 0 or more."]}
        )
    before = action_snapshot(action)
    action.status = "done"
    action.completed_at = now
    action.completed_by_id = actor_id
    action.note = (note or "").strip() or None
    action.people_reached = people_reached
    record_audit(actor_id, "complete", "action", action.id, before, action_snapshot(action))
    record_event(
        ActionCompleted(
            action_id=action.id,
            program_id=action.program_id,
            kelurahan_code=action.kelurahan_code,
            completed_by_id=actor_id,
            people_reached=people_reached,
            on_time=now <= action.due_at,
        )
    )
    db.session.commit()
    return CompletionResult(action, changed=True)
