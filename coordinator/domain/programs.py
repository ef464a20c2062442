"""Rules for programs: create, edit, activate, close. One transaction each."""
from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from coordinator import policy
from coordinator.domain.changes import record_audit
from coordinator.domain.events import (
    ActionCancelled,
    ProgramActivated,
    ProgramClosed,
    ProgramCreated,
    ProgramUpdated,
    record_event,
    record_events,
)
from coordinator.domain.reminder_policy import DEFAULT_POLICY, ReminderPolicy, validate_policy
from coordinator.errors import N_, Conflict, InvalidInput, NotFound
from coordinator.extensions import db
from coordinator.models import Action, AuditEntry, Person, Program, Region, utcnow
from coordinator.models.programs import PROGRAM_CATEGORIES

EDITABLE = ("title", "description", "category", "year", "region_code")


def program_snapshot(program: Program) -> dict[str, Any]:
    """The audited fields of a program, JSON-ready."""
    return {
        "title": program.title, "description": program.description,
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
    *, actor: Person | None, title: str, description: str, category: str, year: int,
    region_code: str, owner_id: int | None = None,
) -> Program:
    """Create a draft program owned by ``actor`` (or ``owner_id`` when the system creates it)."""
    values = _clean({"title": title, "description": description, "category": category, "year": year,
                         "region_code": region_code})
    _check_region_scope(actor, values["region_code"])
    owner = actor.id if actor is not None else owner_id
    if owner is None:
        raise InvalidInput("no owner", {"owner_id": [N_("A program needs an owner.")]})
    program = Program(**values, owner_id=owner, status="draft")
    db.session.add(program)
    db.session.flush()
    record_audit(_id(actor), "create", "program", program.id, None, program_snapshot(program))
    record_event(ProgramCreated(program_id=program.id, region_code=program.region_code,
                                owner_id=owner))
    db.session.commit()
    return program


def _id(actor: Person | None) -> int | None:
    return actor.id if actor is not None else None


def _load_for_edit(program_id: int, actor: Person | None) -> Program:
    if actor is None:
        program = db.session.get(Program, program_id)
        if program is None:
            raise NotFound("program not found")
    else:
        program = policy.get_program_or_404(actor, program_id)
        policy.require(actor, "program.edit", program)
    return program


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
    for key, value in values.items():
        setattr(program, key, value)
    after = program_snapshot(program)
    changed = tuple(k for k in after if after[k] != before[k])
    if changed:
        record_audit(_id(actor), "update", "program", program.id, before, after)
        record_event(ProgramUpdated(program_id=program.id, changed=changed))
    db.session.commit()
    return program


def activate_program(program_id: int, *, actor: Person | None) -> Program:
    """Draft -> active; activating an active program changes nothing."""
    program = _load_for_edit(program_id, actor)
    if program.status == "active":
        return program
    if program.status == "closed":
        raise Conflict(N_("a closed program cannot be activated again"), status=program.status)
    before = program_snapshot(program)
    program.status = "active"
    record_audit(_id(actor), "activate", "program", program.id, before, program_snapshot(program))
    record_event(ProgramActivated(program_id=program.id))
    db.session.commit()
    return program


def close_program(program_id: int, *, actor: Person | None) -> Program:
    """Close a program and cancel its open actions, set-based, with their events and audit."""
    program = _load_for_edit(program_id, actor)
    if program.status == "closed":
        return program
    before = program_snapshot(program)
    cancelled = _cancel_open_actions(program.id, actor)
    program.status = "closed"
    record_audit(_id(actor), "close", "program", program.id, before,
                 {**program_snapshot(program), "cancelled_actions": cancelled})
    record_event(ProgramClosed(program_id=program.id, cancelled_actions=cancelled))
    db.session.commit()
    return program


def _cancel_open_actions(program_id: int, actor: Person | None) -> int:
    rows = db.session.execute(
        select(Action.id, Action.kelurahan_code, Action.status)
        .where(Action.program_id == program_id, Action.status == "open")
        .with_for_update()
    ).all()
    if not rows:
        return 0
    now = utcnow()
    db.session.execute(
        update(Action)
        .where(Action.program_id == program_id, Action.status == "open")
        .values(status="cancelled", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(insert(AuditEntry), [
        {"actor_id": _id(actor), "operation": "cancel", "entity_type": "action",
         "entity_id": r.id, "before": {"status": "open"}, "after": {"status": "cancelled"},
         "at": now}
        for r in rows
    ])
    record_events(
        ActionCancelled(action_id=r.id, program_id=program_id, kelurahan_code=r.kelurahan_code,
                        cancelled_by_id=_id(actor))
        for r in rows
    )
    db.session.expire_all()
    return len(rows)


def set_reminder_policy(program_id: int, *, actor: Person | None,
                        data: dict[str, Any] | None) -> ReminderPolicy:
    """Store a validated reminder policy on the program (``None`` restores the defaults)."""
    program = _load_for_edit(program_id, actor)
    reminders = validate_policy(data) if data is not None else DEFAULT_POLICY
    before = program.reminder_policy
    program.reminder_policy = None if data is None else reminders.as_json()
    record_audit(_id(actor), "set_reminder_policy", "program", program.id,
                 {"reminder_policy": before}, {"reminder_policy": program.reminder_policy})
    db.session.commit()
    return reminders
