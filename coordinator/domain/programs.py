"""Rules for programs: create, edit, activate, close, reopen. One transaction each."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from coordinator import policy
from coordinator.domain.changes import changing, load_for_change, load_unless_already
from coordinator.domain.discretion import public_title_errors
from coordinator.domain.events import (
    ProgramActivated,
    ProgramClosed,
    ProgramCreated,
    ProgramReopened,
    ProgramUpdated,
)
from coordinator.domain.program_closing import cancel_open_actions, restore_closed_actions
from coordinator.domain.reminder_policy import DEFAULT_POLICY, ReminderPolicy, validate_policy
from coordinator.domain.validation import check_title
from coordinator.errors import N_, Conflict, InvalidInput
from coordinator.extensions import db
from coordinator.models import Person, Program, Region, utcnow
from coordinator.models.programs import PROGRAM_CATEGORIES
from coordinator.policy import Reason

EDITABLE = ("title", "public_title", "description", "category", "year", "region_code")


def program_snapshot(program: Program) -> dict[str, Any]:
    """The audited fields of a program, JSON-ready."""
    return {
        "title": program.title, "public_title": program.public_title,
        "description": program.description,
        "category": program.category, "year": program.year,
        "region_code": program.region_code, "status": program.status,
    }


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out = dict(values)
    if "title" in values:
        out["title"] = " ".join(str(values["title"] or "").split())
        if not out["title"] or len(out["title"]) > 200:
            errors["title"] = [N_("Title is required (at most 200 characters).")]
    if "public_title" in values:
        out["public_title"] = " ".join(str(values["public_title"] or "").split())
        errors.update(check_title(out["public_title"], "public_title")
                      or public_title_errors("public_title", out["public_title"]))
    if "description" in values:
        out["description"] = str(values["description"] or "").strip()
        if len(out["description"]) > 10_000:
            errors["description"] = [N_("At most 10,000 characters.")]
    if "category" in values and values["category"] not in PROGRAM_CATEGORIES:
        errors["category"] = [f"Must be one of {', '.join(PROGRAM_CATEGORIES)}."]
    if "year" in values and (not isinstance(values["year"], int) or not 2000 <= values["year"] <= 2100):
        errors["year"] = [N_("Must be a year between 2000 and 2100.")]
    if "region_code" in values and db.session.get(Region, values["region_code"] or "") is None:
        errors["region_code"] = [N_("Unknown region.")]
    if errors:
        raise InvalidInput("invalid program", errors)
    return out


def _check_region_scope(actor: Person | None, region_code: str) -> None:
    if actor is not None and not policy.in_scope(actor, region_code):
        raise InvalidInput("region out of scope", {"region_code": [N_("Unknown region.")]})
    policy.require(actor, "program.create", region_code)


def create_program(
    *, actor: Person | None, title: str, public_title: str, description: str, category: str,
    year: int, region_code: str, owner_id: int | None = None,
) -> Program:
    """Create a draft program owned by ``actor`` (or ``owner_id`` when the system creates it).

    ``public_title`` is what messages and cadre pages show: required, and free of case words."""
    values = _clean({"title": title, "public_title": public_title, "description": description, "category": category, "year": year,
                     "region_code": region_code})
    _check_region_scope(actor, values["region_code"])
    owner = actor.id if actor is not None else owner_id
    if owner is None:
        raise InvalidInput("no owner", {"owner_id": [N_("A program needs an owner.")]})
    program = Program(**values, owner_id=owner, status="draft")
    db.session.add(program)
    with changing(actor, "create", program, program_snapshot, created=True) as change:
        db.session.flush()
        change.tell(ProgramCreated(program_id=program.id, region_code=program.region_code,
                                   owner_id=owner))
    return program


def _load_for_edit(program_id: int, actor: Person | None) -> Program:
    """The program, locked, if ``actor`` may edit it (404 outside their scope)."""
    return load_for_change(Program, program_id, actor, "program.edit")


def update_program(program_id: int, *, actor: Person | None, **changes: Any) -> Program:
    """Edit a draft or active program; a closed one is read-only."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput("unknown fields", {k: [N_("Unknown field.")] for k in unknown})
    program = _load_for_edit(program_id, actor)
    if program.status == "closed":
        raise Conflict(N_("a closed program cannot be edited"), status=program.status)
    values = _clean(changes)
    if "region_code" in values and values["region_code"] != program.region_code:
        _check_region_scope(actor, values["region_code"])
        if program.status != "draft":
            raise Conflict(N_("the region of an active program cannot change"), status=program.status)
    before = program_snapshot(program)
    changed = tuple(k for k, v in values.items() if before.get(k) != v)
    if not changed:
        db.session.rollback()
        return program
    with changing(actor, "update", program, program_snapshot) as change:
        for key in changed:
            setattr(program, key, values[key])
        change.tell(ProgramUpdated(program_id=program.id, changed=changed))
    return program


def activate_program(program_id: int, *, actor: Person | None) -> Program:
    """Draft -> active; activating an active program changes nothing."""
    program = _load_for_edit(program_id, actor)
    if program.status == "active":
        db.session.rollback()
        return program
    if program.status == "closed":
        raise Conflict(N_("a closed program cannot be activated again"), status=program.status)
    with changing(actor, "activate", program, program_snapshot) as change:
        program.status = "active"
        change.tell(ProgramActivated(program_id=program.id))
    return program


def close_program(program_id: int, *, actor: Person | None,
                  now: datetime | None = None) -> Program:
    """Close a program and cancel its open actions (set-based, audited, evented); they are
    remembered so that reopening the program within its window restores exactly them."""
    now = now or utcnow()
    program = load_for_change(Program, program_id, actor, "program.close", now=now)
    if program.status == "closed":
        db.session.rollback()
        return program
    with changing(actor, "close", program, program_snapshot) as change:
        cancelled = cancel_open_actions(program.id, actor, now)
        program.status, program.closed_at = "closed", now
        change.audit_extra["cancelled_actions"] = cancelled
        change.tell(ProgramClosed(program_id=program.id, cancelled_actions=cancelled))
    return program


def reopen_program(program_id: int, *, actor: Person | None,
                   now: datetime | None = None) -> Program:
    """Reopen a closed program within the window (:mod:`coordinator.policy.programs`) and open
    again exactly the actions its closing cancelled; reopening an active program changes nothing."""
    now = now or utcnow()
    program, to_change = load_unless_already(Program, program_id, actor, "program.reopen",
                                             Reason.PROGRAM_NOT_CLOSED, now=now)
    if not to_change:
        return program
    if program.status != "closed":  # the system may ask too: same answer
        db.session.rollback()
        return program
    with changing(actor, "reopen", program, program_snapshot) as change:
        restored = restore_closed_actions(program.id, actor, now)
        program.status, program.closed_at = "active", None
        change.audit_extra["restored_actions"] = restored
        change.tell(ProgramReopened(program_id=program.id, restored_actions=restored))
    return program


def set_reminder_policy(program_id: int, *, actor: Person | None,
                        data: dict[str, Any] | None) -> ReminderPolicy:
    """Store a validated reminder policy on the program (``None`` restores the defaults)."""
    reminders = validate_policy(data) if data is not None else DEFAULT_POLICY
    program = _load_for_edit(program_id, actor)
    with changing(actor, "set_reminder_policy", program,
                  lambda p: {"reminder_policy": p.reminder_policy}):
        program.reminder_policy = None if data is None else reminders.as_json()
    return reminders
