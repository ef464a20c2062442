"""The one meaning of "overdue": an open action whose due time has passed (``due_at < now``).

Readers that know the clock (lists, filters, the program page, digests and summaries, exports,
the API) ask :func:`is_overdue` or filter with :func:`overdue_clause`. The rollups count stored
facts, not the clock, so the reminder sweep *declares* every open past-due action within its
interval, whatever its program's status (:func:`declare_overdue`: an ``OverdueMark`` for the
action's current due time and an ``ActionOverdue`` event). A declaration counts only while the
action is open and its due time is still the declared one (:func:`declared_clause`): moving the
due date (``ActionRescheduled``) undeclares it, and the next sweep declares the new one if it
has passed too. So after a sweep at ``now`` every reader gives the same count for one scope.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from coordinator.domain.events import ActionOverdue, record_events
from coordinator.extensions import db
from coordinator.models import Action, Event, OverdueMark, utcnow
from coordinator.models.base import UTCDateTime

OPEN = "open"


def is_overdue(status: str, due_at: datetime, now: datetime) -> bool:
    """Open and past its due time."""
    return status == OPEN and due_at < now


def action_is_overdue(action: Action, now: datetime) -> bool:
    return is_overdue(action.status, action.due_at, now)


def days_overdue(status: str, due_at: datetime, now: datetime) -> int:
    """Whole days an overdue action is late (0 when it is not overdue, or late by hours)."""
    return (now - due_at).days if is_overdue(status, due_at, now) else 0


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """SQL: the action is overdue at ``now``."""
    return and_(Action.status == OPEN, Action.due_at < now)


def declared_clause() -> ColumnElement[bool]:
    """SQL: the action is open and declared overdue for its current due time (what rollups count)."""
    marked = exists().where(OverdueMark.action_id == Action.id, OverdueMark.due_at == Action.due_at)
    return and_(Action.status == OPEN, marked)


def is_declared(action: Action) -> bool:
    """Whether the rollups count ``action`` as overdue (one indexed read)."""
    if action.status != OPEN:
        return False
    return db.session.get(OverdueMark, (action.id, action.due_at)) is not None


def declare_overdue(now: datetime, since: tuple[datetime, datetime] | None = None) -> int:
    """Declare every overdue action not yet declared for its due time; returns how many.

    ``since`` = (the previous sweep's clock, a time before which nothing changed unseen) limits
    the read to actions that fell due or changed since then (an index range each); without it
    every open past-due action is checked.

    Set-based: one read of the undeclared overdue actions (index on status, due_at), one
    insert of their marks (a concurrent sweep's marks win: ``ON CONFLICT DO NOTHING``), one
    insert of their events. The caller commits.
    """
    undeclared = [overdue_clause(now), ~exists().where(OverdueMark.action_id == Action.id,
                                                       OverdueMark.due_at == Action.due_at)]
    if since is not None:
        swept_until, changed_after = since
        undeclared.append(or_(Action.due_at >= swept_until, Action.updated_at > changed_after))
    if db.engine.dialect.name == "postgresql":
        return _declare_in_one_statement(undeclared, now)
    found = db.session.execute(
        select(Action.id, Action.program_id, Action.kelurahan_code, Action.due_at)
        .where(*undeclared)).all()
    if not found:
        return 0
    by_id = {row.id: row for row in found}
    statement = sqlite.insert(OverdueMark).on_conflict_do_nothing().returning(
        OverdueMark.action_id)
    fresh = list(db.session.scalars(statement, [
        {"action_id": row.id, "due_at": row.due_at, "marked_at": now} for row in found
    ]))
    return record_events(
        ActionOverdue(action_id=i, program_id=by_id[i].program_id,
                      kelurahan_code=by_id[i].kelurahan_code)
        for i in fresh
    )


def _declare_in_one_statement(undeclared: list[ColumnElement[bool]], now: datetime) -> int:
    """PostgreSQL: the marks, and an ``ActionOverdue`` for each mark this statement wrote
    (``WITH fresh AS (INSERT ... RETURNING) INSERT INTO events SELECT ...``): no row travels."""
    marks = (
        postgresql.insert(OverdueMark)
        .from_select(["action_id", "due_at", "marked_at"],
                     select(Action.id, Action.due_at, literal(now, UTCDateTime)).where(*undeclared))
        .on_conflict_do_nothing()
        .returning(OverdueMark.action_id)
        .cte("fresh")
    )
    payload = func.json_build_object(
        literal_column("'action_id'"), Action.id, literal_column("'program_id'"),
        Action.program_id, literal_column("'kelurahan_code'"), Action.kelurahan_code)
    events = insert(Event).from_select(
        ["type", "aggregate_type", "aggregate_id", "payload", "created_at", "deliveries"],
        select(literal(ActionOverdue.type_name()), literal(ActionOverdue.aggregate_type),
               Action.id, payload, literal(utcnow(), UTCDateTime), literal(0))
        .join_from(marks, Action, Action.id == marks.c.action_id),
    ).add_cte(marks).returning(Event.id)
    return len(db.session.scalars(events).all())
