"""Changing a program's reminder policy: one transaction with its audit entry."""
from __future__ import annotations

from typing import Any

from coordinator import access
from coordinator.domain.audit import record_audit
from coordinator.domain.errors import NotFound
from coordinator.extensions import db
from coordinator.models import Person, Program
from coordinator.notifications.policy import DEFAULT_POLICY, ReminderPolicy, validate_policy


def set_reminder_policy(program_id: int, *, actor: Person | None,
                        data: dict[str, Any] | None) -> ReminderPolicy:
    """Store a validated policy on the program (``None`` restores the defaults)."""
    program = (db.session.get(Program, program_id) if actor is None
               else access.get_program_or_404(actor, program_id))
    if program is None:
        raise NotFound("program not found")
    access.require(actor, "program.edit", program)
    policy = validate_policy(data) if data is not None else DEFAULT_POLICY
    before = program.reminder_policy
    program.reminder_policy = None if data is None else policy.as_json()
    record_audit(actor.id if actor else None, "set_reminder_policy", "program", program.id,
                 {"reminder_policy": before}, {"reminder_policy": program.reminder_policy})
    db.session.commit()
    return policy
