"""Published is not done: events are handed out again until every handler processed them,
the rollup recompute counts a lost event as drift, and poison work becomes a dead letter."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Celery
from flask import Flask
from sqlalchemy import func, select

from coordinator import rollups
from coordinator.extensions import db
from coordinator.jobs import APPLY_TO_ROLLUPS, HANDLE_EVENT
from coordinator.models import DeadLetter, Event, ProcessedEvent, ProgramRollup
from tests.workers import workers_factories as make
from workers.celery_app import broker_settings
from workers.handlers import MalformedEvent, handle_event
from workers.relay import MAX_DELIVERIES, publish_outbox, republish_unhandled

BOUND = timedelta(minutes=5)


class RecordingCelery(Celery):  # type: ignore[misc]
    """A Celery app on the in-memory broker that remembers what it was asked to send."""

    def __init__(self) -> None:
        super().__init__("recording", broker="memory://", set_as_current=False)
        self.sent: list[tuple[str, list[Any]]] = []

    def send_task(self, name: str, args: Any = None, **options: Any) -> None:  # type: ignore[override]
        self.sent.append((name, list(args or [])))


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
    assert (HANDLE_EVENT.name, [event_id]) in broker.sent
    assert (APPLY_TO_ROLLUPS.name, [event_id]) not in broker.sent
    assert db.session.get(Event, event_id).deliveries == 2
    handle_event(event_id, now)
    later = now + 3 * BOUND
    assert republish_unhandled(broker, BOUND, later).settled >= 1
    assert db.session.get(Event, event_id).handled_at is not None
    broker.sent.clear()
    republish_unhandled(broker, BOUND, later + 2 * BOUND)
    assert not [s for s in broker.sent if s[1] == [event_id]]


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
        [HANDLE_EVENT.name, APPLY_TO_ROLLUPS.name])
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
