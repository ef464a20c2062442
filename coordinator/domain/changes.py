"""The change ritual every rule follows, written once:

load in scope (:func:`load_for_change`: 404 outside the actor's scope, the policy's refusal
otherwise, the row locked) → snapshot → change → audit entry + outbox events → commit
(:func:`changing`). Set-based changes (bulk assignment, closing a program, imports, the demo
loader) write the same audit and events for many rows at once (:func:`record_changes`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import insert

from coordinator import policy
from coordinator.domain.events import DomainEvent, record_event, record_events
from coordinator.errors import Conflict, NotFound
from coordinator.extensions import db
from coordinator.models import AuditEntry, Person, utcnow
from coordinator.policy import Reason, Via

Entity = TypeVar("Entity")
Snapshot = Callable[[Any], dict[str, Any]]


def actor_id(actor: Person | None) -> int | None:
    """The person behind a change; None is the system (workers, loaders)."""
    return actor.id if actor is not None else None


def record_audit(actor: Person | int | None, operation: str, entity_type: str, entity_id: int,
                 before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """Add one audit entry to the current transaction (the caller commits)."""
    who = actor if isinstance(actor, int) or actor is None else actor.id
    db.session.add(AuditEntry(actor_id=who, operation=operation, entity_type=entity_type,
                              entity_id=entity_id, before=before, after=after, at=utcnow()))


def load_for_change(model: type[Entity], entity_id: int, actor: Person | None, permission: str,
                    *, now: datetime | None = None, via: Via = Via.WEB) -> Entity:
    """The row, locked for update and fresh, if ``actor`` may do ``permission`` on it now."""
    entity = db.session.get(model, entity_id, with_for_update=True, populate_existing=True)
    if entity is None:
        raise NotFound(f"{model.__name__.lower()} not found")
    policy.require(actor, permission, entity, now=now, via=via)
    return entity


def load_unless_already(model: type[Entity], entity_id: int, actor: Person | None,
                        permission: str, already: Reason, *, now: datetime | None = None,
                        via: Via = Via.WEB) -> tuple[Entity, bool]:
    """As :func:`load_for_change`, for a change that is a no-op when already made: the policy's
    refusal ``already`` (completing a done action, cancelling a cancelled one, reopening an
    active program) answers the row as it is and False, after a rollback; any other refusal
    is raised."""
    try:
        return load_for_change(model, entity_id, actor, permission, now=now, via=via), True
    except Conflict as exc:
        if exc.reason != already:
            raise
        db.session.rollback()
        entity = db.session.get(model, entity_id)
        assert entity is not None  # the refusal came from reading it
        return entity, False


@dataclass
class Change:
    """What a change adds besides its audit entry: the events others must hear of."""

    events: list[DomainEvent] = field(default_factory=list)
    audit_extra: dict[str, Any] = field(default_factory=dict)

    def tell(self, event: DomainEvent) -> None:
        self.events.append(event)


@contextmanager
def changing(actor: Person | None, operation: str, entity: Any, snapshot: Snapshot,
             *, created: bool = False) -> Iterator[Change]:
    """Snapshot ``entity``, let the caller change it, then audit, record events and commit.

    Anything raised inside rolls the whole change back: nothing half-written.
    """
    before = None if created else snapshot(entity)
    change = Change()
    try:
        yield change
        db.session.flush()
        after = {**snapshot(entity), **change.audit_extra}
        record_audit(actor, operation, type(entity).__name__.lower(), entity.id, before, after)
        for event in change.events:
            record_event(event)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def record_changes(actor: Person | None, operation: str, entity_type: str,
                   rows: Sequence[tuple[int, dict[str, Any] | None, dict[str, Any] | None]],
                   events: Iterable[DomainEvent] = ()) -> int:
    """Audit many changed rows ``(id, before, after)`` and record their events, set-based.

    The caller commits (with the change itself, in one transaction).
    """
    now = utcnow()
    if rows:
        db.session.execute(insert(AuditEntry), [
            {"actor_id": actor_id(actor), "operation": operation, "entity_type": entity_type,
             "entity_id": entity_id, "before": before, "after": after, "at": now}
            for entity_id, before, after in rows
        ])
    record_events(events)
    return len(rows)
