"""Published is not done: events are handed out again until every handler processed them,
the rollup recompute counts a lost event as drift, and poison work becomes a dead letter."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Celery
from flask import Flask, current_app
from sqlalchemy import func, select

from coordinator import rollups
from coordinator.extensions import db
from coordinator.jobs import APPLY_TO_ROLLUPS, HANDLE_EVENTS
from coordinator.models import DeadLetter, Event, ProcessedEvent, ProgramRollup
from tests.workers import workers_factories as make
from workers import get_celery_for
from workers.celery_app import broker_settings
from workers.handlers import MalformedEvent, handle_event
from workers.relay import IDS_PER_MESSAGE, MAX_DELIVERIES, publish_outbox, republish_unhandled

BOUND = timedelta(minutes=5)


class RecordingCelery(Celery):  # type: ignore[misc]
    """A Celery app on the in-memory broker that remembers what it was asked to send."""

    def __init__(self) -> None:
        super().__init__("recording", broker="memory://", set_as_current=False)
        self.sent: list[tuple[str, list[Any]]] = []

    def send_task(self, name: str, args: Any = None, **options: Any) -> None:  # type: ignore[override]
        self.sent.append((name, list(args or [])))


def sent_to(broker: RecordingCelery, task_name: str) -> list[int]:
    """The event ids in every message sent to the task (each message's one argument: a list)."""
    return [event_id for name, args in broker.sent if name == task_name for event_id in args[0]]


def an_assignment() -> int:
    lead = make.person("lead", make.CITY)
    make.action(make.program(lead), make.person())
    return db.session.scalars(select(Event.id).where(Event.type == "ActionAssigned")).one()


def test_an_event_lost_by_the_broker_is_published_again_to_the_handler_that_missed_it(
    seeded: Flask,
) -> None:
    event_id = an_assignment()
    broker = RecordingCelery()
    assert publish_outbox(broker) >= 1
    rollups.apply_event(event_id)  # the rollups got it; the notification task was lost
    now = datetime.now(UTC)
    assert republish_unhandled(broker, BOUND, now).republished == 0  # within the bound
    broker.sent.clear()
    result = republish_unhandled(broker, BOUND, now + BOUND + timedelta(seconds=1))
    assert result.republished >= 1
    assert event_id in sent_to(broker, HANDLE_EVENTS.name)
    assert event_id not in sent_to(broker, APPLY_TO_ROLLUPS.name)
    assert db.session.get(Event, event_id).deliveries == 2
    handle_event(event_id, now)
    later = now + 3 * BOUND
    assert republish_unhandled(broker, BOUND, later).settled >= 1
    assert db.session.get(Event, event_id).handled_at is not None
    broker.sent.clear()
    republish_unhandled(broker, BOUND, later + 2 * BOUND)
    assert event_id not in sent_to(broker, HANDLE_EVENTS.name) + sent_to(broker, APPLY_TO_ROLLUPS.name)


def test_the_relay_sends_one_message_per_handler_for_each_hundred_events(seeded: Flask) -> None:
    an_assignment()
    already = db.session.scalar(select(func.count()).select_from(Event))
    db.session.add_all([Event(type="ActionCompleted", aggregate_type="action", aggregate_id=n,
                              payload={"action_id": n}, created_at=datetime.now(UTC))
                        for n in range(250 - already)])
    db.session.commit()
    every_id = sorted(db.session.scalars(select(Event.id)))
    broker = RecordingCelery()
    assert publish_outbox(broker) == len(every_id) == 250
    for job in (HANDLE_EVENTS, APPLY_TO_ROLLUPS):
        messages = [args for name, args in broker.sent if name == job.name]
        assert [len(ids) for [ids] in messages] == [IDS_PER_MESSAGE, IDS_PER_MESSAGE, 50]
        assert sent_to(broker, job.name) == every_id
    assert len(broker.sent) == 6


def test_an_event_never_handled_becomes_a_dead_letter_and_stops_going_round(seeded: Flask) -> None:
    event_id = an_assignment()
    broker = RecordingCelery()
    publish_outbox(broker)
    moment = datetime.now(UTC)
    for _ in range(MAX_DELIVERIES + 1):
        moment += BOUND + timedelta(seconds=1)
        republish_unhandled(broker, BOUND, moment)
    letters = db.session.scalars(select(DeadLetter).where(DeadLetter.event_id == event_id)).all()
    assert sorted(letter.task_name for letter in letters) == sorted(
        [HANDLE_EVENTS.name, APPLY_TO_ROLLUPS.name])
    assert all("not handled after" in letter.error for letter in letters)
    broker.sent.clear()
    republish_unhandled(broker, BOUND, moment + 10 * BOUND)
    assert broker.sent == []  # staff decide now (the retry button)


def test_a_malformed_event_fails_loudly_instead_of_vanishing(seeded: Flask) -> None:
    event_id = an_assignment()
    event = db.session.get(Event, event_id)
    event.payload = {"kelurahan_code": make.KELURAHAN}  # no action_id
    db.session.commit()
    try:
        handle_event(event_id, datetime.now(UTC))
    except MalformedEvent as exc:
        assert "malformed payload" in str(exc)
    else:
        raise AssertionError("a malformed event was handled silently")
    db.session.rollback()
    assert db.session.get(ProcessedEvent, (event_id, "notifications")) is None


def test_a_poison_event_in_a_batch_becomes_one_dead_letter_and_the_others_are_handled(
    seeded: Flask,
) -> None:
    first = an_assignment()
    poison = Event(type="ActionTeleported", aggregate_type="action", aggregate_id=1,
                   payload={}, created_at=datetime.now(UTC))
    db.session.add(poison)
    db.session.commit()
    poison_id = poison.id
    lead = make.person("lead", make.CITY)
    make.action(make.program(lead), make.person())
    ids = sorted(db.session.scalars(select(Event.id)))
    celery = get_celery_for(current_app._get_current_object())  # type: ignore[attr-defined]
    celery.tasks[HANDLE_EVENTS.name].apply(args=[ids]).get()
    letters = db.session.scalars(select(DeadLetter)).all()
    assert [(letter.task_name, letter.event_id, letter.args) for letter in letters] == [
        (HANDLE_EVENTS.name, poison_id, [poison_id])]
    assert "unknown type 'ActionTeleported'" in letters[0].error
    handled = set(db.session.scalars(select(ProcessedEvent.event_id).where(
        ProcessedEvent.handler == "notifications")))
    assert handled == set(ids) - {poison_id} and first in handled


def test_the_recompute_counts_an_event_unapplied_past_the_bound_as_drift(seeded: Flask) -> None:
    event_id = an_assignment()
    in_flight = rollups.recompute_all()
    assert in_flight.drift_count == 0  # just written: in flight, not drift
    assert db.session.scalar(select(func.count()).select_from(ProgramRollup)) == 0
    db.session.get(Event, event_id).created_at = datetime.now(UTC) - BOUND - timedelta(minutes=1)
    db.session.commit()
    lost = rollups.recompute_all()
    assert lost.drift_count > 0  # reported...
    assert db.session.scalar(select(func.sum(ProgramRollup.total)).where(
        ProgramRollup.region_code == make.KELURAHAN, ProgramRollup.network_key == 0)) == 1
    assert rollups.recompute_all().drift_count == 0  # ...and corrected
    assert rollups.apply_event(event_id) is True  # the late event changes nothing more
    assert rollups.recompute_all().drift_count == 0


def test_redis_gives_back_a_dead_workers_messages_after_a_few_minutes() -> None:
    options = broker_settings("redis://127.0.0.1:6379/0", 600)["broker_transport_options"]
    assert options["visibility_timeout"] == 600 and options["unacked_restore_throttle"] == 1
    assert "broker_transport_options" not in broker_settings("sqla+sqlite:////tmp/b.db")
