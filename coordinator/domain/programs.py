"""Rules for programs: create, edit, activate, close. One transaction each."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from coordinator import policy
from coordinator.domain.changes import changing, load_for_change, record_changes
from coordinator.domain.discretion import public_title_errors
from coordinator.domain.events import (
    ActionCancelled,
    ProgramActivated,
    ProgramClosed,
    ProgramCreated,
    ProgramUpdated,
)
from coordinator.domain.reminder_policy import DEFAULT_POLICY, ReminderPolicy, validate_policy
from coordinator.domain.validation import check_title
from coordinator.errors import N_, Conflict, InvalidInput
from coordinator.extensions import db
from coordinator.models import Action, Person, Program, Region, utcnow
from coordinator.models.programs import PROGRAM_CATEGORIES

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


def close_program(program_id: int, *, actor: Person | None) -> Program:
    """Close a program and cancel its open actions, set-based, with their events and audit."""
    program = _load_for_edit(program_id, actor)
    if program.status == "closed":
        db.session.rollback()
        return program
    with changing(actor, "close", program, program_snapshot) as change:
        cancelled = _cancel_open_actions(program.id, actor)
        program.status = "closed"
        change.audit_extra["cancelled_actions"] = cancelled
        change.tell(ProgramClosed(program_id=program.id, cancelled_actions=cancelled))
    return program


def _cancel_open_actions(program_id: int, actor: Person | None) -> int:
    """Cancel the program's open actions in one UPDATE, audited and evented like one by one."""
    rows = db.session.execute(
        select(Action.id, Action.kelurahan_code)
        .where(Action.program_id == program_id, Action.status == "open")
        .with_for_update()
    ).all()
    if not rows:
        return 0
    db.session.execute(
        update(Action)
        .where(Action.program_id == program_id, Action.status == "open")
        .values(status="cancelled", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    record_changes(actor, "cancel", "action",
                   [(r.id, {"status": "open"}, {"status": "cancelled"}) for r in rows],
                   [ActionCancelled(action_id=r.id, program_id=program_id,
                                    kelurahan_code=r.kelurahan_code,
                                    cancelled_by_id=actor.id if actor else None)
                    for r in rows])
    return len(rows)


def set_reminder_policy(program_id: int, *, actor: Person | None,
                        data: dict[str, Any] | None) -> ReminderPolicy:
    """Store a validated reminder policy on the program (``None`` restores the defaults)."""
    reminders = validate_policy(data) if data is not None else DEFAULT_POLICY
    program = _load_for_edit(program_id, actor)
    with changing(actor, "set_reminder_policy", program,
                  lambda p: {"reminder_policy": p.reminder_policy}):
        program.reminder_policy = None if data is None else reminders.as_json()
    return reminders
