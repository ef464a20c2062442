"""Domain events (facts, past tense) and the one helper that writes them to the outbox.

``record_event`` adds the row to the current session, so it commits or rolls back together
with the change it describes. ``record_events`` does the same for many at once, set-based.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import insert

from coordinator.extensions import db
from coordinator.models import Event, utcnow


class MalformedEvent(ValueError):
    """An outbox row this version cannot read: a person must look at it (a dead letter)."""


@dataclass(frozen=True)
class DomainEvent:
    aggregate_type: ClassVar[str] = ""

    @property
    def aggregate_id(self) -> int:
        return int(getattr(self, f"{self.aggregate_type}_id"))

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def payload(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class ActionAssigned(DomainEvent):
    aggregate_type: ClassVar[str] = "action"
    action_id: int
    program_id: int
    kelurahan_code: str
    assignee_id: int | None
    network_id: int | None


@dataclass(frozen=True)
class ActionReassigned(DomainEvent):
    aggregate_type: ClassVar[str] = "action"
    action_id: int
    program_id: int
    kelurahan_code: str
    previous_assignee_id: int | None
    assignee_id: int | None
    previous_kelurahan_code: str | None = None
    previous_network_id: int | None = None
    network_id: int | None = None


@dataclass(frozen=True)
class ActionCompleted(DomainEvent):
    aggregate_type: ClassVar[str] = "action"
    action_id: int
    program_id: int
    kelurahan_code: str
    completed_by_id: int | None
    people_reached: int | None
    on_time: bool


@dataclass(frozen=True)
class ActionReopened(DomainEvent):
    aggregate_type: ClassVar[str] = "action"
    action_id: int
    program_id: int
    kelurahan_code: str
    reopened_by_id: int | None
    people_reached: int | None
    was_on_time: bool


@dataclass(frozen=True)
class ActionCancelled(DomainEvent):
    aggregate_type: ClassVar[str] = "action"
    action_id: int
    program_id: int
    kelurahan_code: str
    cancelled_by_id: int | None


@dataclass(frozen=True)
class ActionRestored(DomainEvent):
    """A cancelled action is open again: staff undid its cancellation, or its program, whose
    closing cancelled it, was reopened."""

    aggregate_type: ClassVar[str] = "action"
    action_id: int
    program_id: int
    kelurahan_code: str
    restored_by_id: int | None
    with_program: bool = False  # restored by reopening its program (ProgramReopened tells people)


@dataclass(frozen=True)
class ActionRescheduled(DomainEvent):
    aggregate_type: ClassVar[str] = "action"
    action_id: int
    program_id: int
    kelurahan_code: str
    previous_due_at: str
    due_at: str


@dataclass(frozen=True)
class ActionOverdue(DomainEvent):
    aggregate_type: ClassVar[str] = "action"
    action_id: int
    program_id: int
    kelurahan_code: str


@dataclass(frozen=True)
class ProgramCreated(DomainEvent):
    aggregate_type: ClassVar[str] = "program"
    program_id: int
    region_code: str
    owner_id: int | None


@dataclass(frozen=True)
class ProgramUpdated(DomainEvent):
    aggregate_type: ClassVar[str] = "program"
    program_id: int
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonCreated(DomainEvent):
    aggregate_type: ClassVar[str] = "person"
    person_id: int
    role: str
    region_code: str


@dataclass(frozen=True)
class PersonUpdated(DomainEvent):
    aggregate_type: ClassVar[str] = "person"
    person_id: int
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonDeactivated(DomainEvent):
    aggregate_type: ClassVar[str] = "person"
    person_id: int


@dataclass(frozen=True)
class ProgramActivated(DomainEvent):
    aggregate_type: ClassVar[str] = "program"
    program_id: int


@dataclass(frozen=True)
class ProgramClosed(DomainEvent):
    aggregate_type: ClassVar[str] = "program"
    program_id: int
    cancelled_actions: int


@dataclass(frozen=True)
class ProgramReopened(DomainEvent):
    aggregate_type: ClassVar[str] = "program"
    program_id: int
    restored_actions: int


@dataclass(frozen=True)
class CaseStatsRecorded(DomainEvent):
    aggregate_type: ClassVar[str] = "indicator"
    indicator_id: int
    kelurahan_code: str
    month: str
    count: int
    previous_count: int | None


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.type_name(): cls
    for cls in (
        ActionAssigned, ActionReassigned, ActionCompleted, ActionReopened, ActionCancelled,
        ActionRescheduled, ActionOverdue, ActionRestored, ProgramActivated, ProgramClosed,
        ProgramReopened, CaseStatsRecorded,
        ProgramCreated, ProgramUpdated, PersonCreated, PersonUpdated, PersonDeactivated,
    )
}


def record_event(event: DomainEvent) -> Event:
    """Add ``event`` to the outbox in the current transaction (the caller commits)."""
    row = Event(
        type=event.type_name(),
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        payload=event.payload(),
        created_at=utcnow(),
    )
    db.session.add(row)
    return row


def record_events(events: Iterable[DomainEvent]) -> int:
    """Write many events with one bulk INSERT in the current transaction; returns the count."""
    now = utcnow()
    rows = [
        {
            "type": e.type_name(),
            "aggregate_type": e.aggregate_type,
            "aggregate_id": e.aggregate_id,
            "payload": e.payload(),
            "created_at": now,
        }
        for e in events
    ]
    if rows:
        db.session.execute(insert(Event), rows)
    return len(rows)


def event_from_row(row: Event) -> DomainEvent:
    """Rebuild the typed event from its outbox row (used by the workers)."""
    cls = EVENT_TYPES[row.type]
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in row.payload.items() if k in names})
