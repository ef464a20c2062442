"""What closing a program does to its actions, and what reopening it undoes, set-based.

Closing cancels the program's open actions in one UPDATE and records each in
``program_closed_actions``; reopening (within the window :mod:`coordinator.policy.programs`
sets) opens exactly those again: not the ones cancelled one by one before the closing. Both
write the audit entries and the action events rollups follow, in the caller's transaction
(:func:`coordinator.domain.programs.close_program` / ``reopen_program`` commit).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, distinct, func, insert, literal, select, update
from sqlalchemy.orm import aliased

from coordinator.domain.changes import actor_id, record_changes
from coordinator.domain.codes import new_public_codes
from coordinator.domain.events import ActionCancelled, ActionRestored
from coordinator.extensions import db
from coordinator.models import Action, Person, ProgramClosedAction, Region


@dataclass(frozen=True)
class KelurahanClosing:
    code: str
    name: str
    actions: int  # open actions closing will cancel
    unassigned: int
    people_told: int  # distinct assignees: each hears of it in one message


@dataclass(frozen=True)
class ClosingPreview:
    actions: int
    unassigned: int
    people_told: int
    by_kelurahan: list[KelurahanClosing]
    people: list[str]  # the names of the people told, A to Z


def closing_preview(program_id: int) -> ClosingPreview:
    """What closing the program would cancel, per kelurahan, and how many people hear of it."""
    return _preview(select(Action.id).where(Action.program_id == program_id,
                                            Action.status == "open"))


def reopening_preview(program_id: int) -> ClosingPreview:
    """What reopening the program would open again, per kelurahan, and whose tasks they are."""
    return _preview(closed_by_last_closing(program_id).with_only_columns(Action.id))


def _preview(ids: Select[Any]) -> ClosingPreview:
    chosen = Action.id.in_(ids)
    rows = db.session.execute(
        select(Region.code, Region.name, func.count(Action.id),
               func.count(Action.id) - func.count(Action.assignee_id),
               func.count(distinct(Action.assignee_id)))
        .join(Region, Region.code == Action.kelurahan_code).where(chosen)
        .group_by(Region.code, Region.name).order_by(Region.name)
    ).all()
    people = list(db.session.scalars(
        select(Person.name).where(Person.id.in_(select(Action.assignee_id).where(chosen)))
        .order_by(Person.name)))
    by_kelurahan = [KelurahanClosing(*row) for row in rows]
    return ClosingPreview(
        actions=sum(k.actions for k in by_kelurahan),
        unassigned=sum(k.unassigned for k in by_kelurahan),
        people_told=len(people), by_kelurahan=by_kelurahan, people=people,
    )


def cancel_open_actions(program_id: int, actor: Person | None, now: datetime) -> int:
    """Cancel the program's open actions, remembering them as cancelled by this closing."""
    rows = db.session.execute(
        select(Action.id, Action.kelurahan_code)
        .where(Action.program_id == program_id, Action.status == "open")
        .order_by(Action.id).with_for_update()
    ).all()
    if not rows:
        return 0
    db.session.execute(insert(ProgramClosedAction).from_select(
        ["action_id", "closed_at", "program_id"],
        select(Action.id, literal(now, ProgramClosedAction.closed_at.type), Action.program_id)
        .where(Action.program_id == program_id, Action.status == "open"),
    ))
    db.session.execute(
        update(Action).where(Action.program_id == program_id, Action.status == "open")
        .values(status="cancelled", cancelled_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    record_changes(actor, "cancel", "action",
                   [(r.id, {"status": "open"}, {"status": "cancelled", "program_closed": True})
                    for r in rows],
                   [ActionCancelled(action_id=r.id, program_id=program_id,
                                    kelurahan_code=r.kelurahan_code,
                                    cancelled_by_id=actor_id(actor)) for r in rows])
    return len(rows)


def closed_by_last_closing(program_id: int | None) -> Select[Action]:
    """The actions the program's last closing cancelled and no reopening restored."""
    last = (select(func.max(ProgramClosedAction.closed_at))
            .where(ProgramClosedAction.program_id == program_id).scalar_subquery())
    return select(Action).join(ProgramClosedAction, ProgramClosedAction.action_id == Action.id).where(
        ProgramClosedAction.program_id == program_id, ProgramClosedAction.closed_at == last,
        ProgramClosedAction.restored_at.is_(None), Action.status == "cancelled")


def restored_by_last_reopening(program_id: int | None) -> Select[Action]:
    """The actions the program's last reopening restored."""
    last = (select(func.max(ProgramClosedAction.restored_at))
            .where(ProgramClosedAction.program_id == program_id).scalar_subquery())
    return select(Action).join(ProgramClosedAction, ProgramClosedAction.action_id == Action.id).where(
        ProgramClosedAction.program_id == program_id, ProgramClosedAction.restored_at == last)


def restore_closed_actions(program_id: int, actor: Person | None, now: datetime) -> int:
    """Open again the actions the program's last closing cancelled, set-based; one whose code
    another open action took meanwhile gets a fresh code, so SMS replies still name one action."""
    rows = db.session.execute(
        closed_by_last_closing(program_id).with_only_columns(
            Action.id, Action.kelurahan_code, ProgramClosedAction.closed_at)
        .order_by(Action.id).with_for_update(of=Action)
    ).all()
    if not rows:
        return 0
    closing = and_(ProgramClosedAction.program_id == program_id,
                   ProgramClosedAction.closed_at == rows[0].closed_at,
                   ProgramClosedAction.restored_at.is_(None))
    restoring = select(ProgramClosedAction.action_id).where(closing)
    clashing = _clashing(restoring)
    db.session.execute(
        update(Action).where(Action.id.in_(restoring), Action.status == "cancelled",
                             Action.id.not_in(clashing))
        .values(status="open", cancelled_at=None, cancel_reason=None, updated_at=now)
        .execution_options(synchronize_session=False))
    if clashing:  # drawn now that the others are open: a fresh code is free among them too
        db.session.execute(update(Action), [
            {"id": action_id, "public_code": code, "status": "open", "cancelled_at": None,
             "cancel_reason": None, "updated_at": now}
            for action_id, code in zip(clashing, new_public_codes(len(clashing)), strict=True)])
    db.session.execute(update(ProgramClosedAction).where(closing).values(restored_at=now)
                       .execution_options(synchronize_session=False))
    record_changes(actor, "restore", "action",
                   [(r.id, {"status": "cancelled"}, {"status": "open", "program_reopened": True})
                    for r in rows],
                   [ActionRestored(action_id=r.id, program_id=program_id,
                                   kelurahan_code=r.kelurahan_code,
                                   restored_by_id=actor_id(actor), with_program=True)
                    for r in rows])
    return len(rows)


def _clashing(restoring: Select[Any]) -> list[int]:
    """Actions about to reopen whose code an open action now holds. (They were all open at
    once before the closing, when codes were unique among open actions: not among themselves.)"""
    holder = aliased(Action)
    return list(db.session.scalars(select(Action.id).join(holder, and_(
        holder.public_code == Action.public_code, holder.status == "open", holder.id != Action.id,
    )).where(Action.id.in_(restoring)).order_by(Action.id)))
