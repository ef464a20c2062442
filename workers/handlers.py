"""Event handlers: one function per event type, registered in ``HANDLERS`` at the bottom.

Each handler takes the outbox row and returns the ids of the notifications it created.
``handle_event`` runs a handler at most once per event (``ProcessedEvent(event_id, handler)``,
written in the same transaction as the notifications), so a redelivered event changes nothing;
the notifications' dedupe keys guard the same again. An event type without a handler is still
marked processed (the relay waits for every handler's mark); an unknown type is an error, so
the task fails into a dead letter instead of vanishing.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from coordinator.domain.events import EVENT_TYPES, MalformedEvent
from coordinator.domain.program_closing import closed_by_last_closing, restored_by_last_reopening
from coordinator.domain.reminder_policy import policy_from_json
from coordinator.extensions import db
from coordinator.jobs import HANDLE_EVENTS
from coordinator.models import (
    Action,
    Event,
    Notification,
    ProcessedEvent,
    Program,
    ProgramClosedAction,
)
from coordinator.notifications.planning import Planned, coordinators_of, plan, recipients
from workers.batches import each_alone

HANDLER_NAME = "notifications"
Handler = Callable[[Event, datetime], list[int]]


def handle_event(event_id: int, now: datetime) -> list[int]:
    """Run the notification handler of one event once; returns new notification ids."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise MalformedEvent(f"event {event_id} does not exist")
    if db.session.get(ProcessedEvent, (event_id, HANDLER_NAME)) is not None:
        return []
    if event.type not in EVENT_TYPES:
        raise MalformedEvent(f"event {event_id} has an unknown type {event.type!r}")
    handler = HANDLERS.get(event.type)
    try:
        created = handler(event, now) if handler else []
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedEvent(
            f"event {event_id} ({event.type}) has a malformed payload: {exc!r}") from exc
    db.session.add(ProcessedEvent(event_id=event_id, handler=HANDLER_NAME, processed_at=now))
    try:
        db.session.commit()
    except IntegrityError:  # another worker handled the same delivery first
        db.session.rollback()
        return []
    return created


def handle_events(event_ids: list[int], now: datetime) -> list[int]:
    """Run the notification handler of each event once, one transaction each (a poison event
    becomes its own dead letter, the others are handled); returns new notification ids."""
    created = each_alone(HANDLE_EVENTS, event_ids, lambda event_id: handle_event(event_id, now))
    return [notification_id for ids in created for notification_id in ids]


def _open_action(action_id: int) -> tuple[Action, Program] | None:
    action = db.session.get(Action, action_id)
    if action is None or action.status != "open" or action.program.status != "active":
        return None
    return action, action.program


def on_action_assigned(event: Event, now: datetime) -> list[int]:
    """Tell the assignee of the new task, or, for an unassigned action, ask the kelurahan's
    coordinators to choose a cadre (``unassigned``, with an assign link)."""
    found = _open_action(event.payload["action_id"])
    if found is None:
        return []
    action, program = found
    if not policy_from_json(program.reminder_policy).on_assignment:
        return []
    if action.assignee_id is not None:
        kind, people = "assigned", list(recipients([action.assignee_id]).values())
    else:
        kind = "unassigned"
        people = coordinators_of([action.kelurahan_code]).get(action.kelurahan_code, [])
    return plan([
        Planned(p, kind, f"e{event.id}", now, action.id, program.id, action.kelurahan_code)
        for p in people
    ], now=now)


def on_action_restored(event: Event, now: datetime) -> list[int]:
    """A cancellation undone is the assignee's task again: told as for a new one. Actions
    restored by reopening their program are told once, by ``ProgramReopened``."""
    if event.payload.get("with_program"):
        return []
    return on_action_assigned(event, now)


def _coordinator_notice(kind: str, policy_key: str) -> Handler:
    def handler(event: Event, now: datetime) -> list[int]:
        action = db.session.get(Action, event.payload["action_id"])
        if action is None:
            return []
        policy = policy_from_json(action.program.reminder_policy)
        if policy_key not in policy.notify_coordinator_on:
            return []
        people = coordinators_of([action.kelurahan_code]).get(action.kelurahan_code, [])
        return plan([
            Planned(p, kind, f"e{event.id}", now, action.id, action.program_id,
                    action.kelurahan_code)
            for p in people
        ], now=now)

    handler.__name__ = f"on_action_{policy_key}"
    return handler


def on_program_closed(event: Event, now: datetime) -> list[int]:
    """One message to each assignee whose open actions the closing cancelled."""
    program_id = event.payload["program_id"]
    if not event.payload.get("cancelled_actions"):
        return []
    cancelled = closed_by_last_closing(program_id).subquery()
    assignee_ids = set(db.session.scalars(
        select(cancelled.c.assignee_id).where(cancelled.c.assignee_id.is_not(None))
    ))
    people = recipients(assignee_ids)
    return plan([
        Planned(p, "program_closed", f"e{event.id}", now, None, program_id)
        for p in people.values()
    ], now=now)


def on_program_reopened(event: Event, now: datetime) -> list[int]:
    """Reopening tells whom closing told: each assignee of a restored action who was sent
    "program closed" for that closing hears that their tasks are open again."""
    program_id = event.payload["program_id"]
    if not event.payload.get("restored_actions"):
        return []
    restored = restored_by_last_reopening(program_id).add_columns(
        ProgramClosedAction.closed_at.label("closed_at")).subquery()
    told_of_closing = exists().where(
        Notification.kind == "program_closed", Notification.program_id == program_id,
        Notification.recipient_id == restored.c.assignee_id,
        Notification.created_at >= restored.c.closed_at)
    assignee_ids = set(db.session.scalars(
        select(restored.c.assignee_id).where(restored.c.assignee_id.is_not(None), told_of_closing)
    ))
    return plan([
        Planned(p, "program_reopened", f"e{event.id}", now, None, program_id)
        for p in recipients(assignee_ids).values()
    ], now=now)


HANDLERS: dict[str, Handler] = {
    "ActionAssigned": on_action_assigned,
    "ActionReassigned": on_action_assigned,
    "ActionRestored": on_action_restored,
    "ActionCompleted": _coordinator_notice("action_completed", "completed"),
    "ActionReopened": _coordinator_notice("action_reopened", "reopened"),
    "ActionCancelled": _coordinator_notice("action_cancelled", "cancelled"),
    "ProgramClosed": on_program_closed,
    "ProgramReopened": on_program_reopened,
}
