"""End to end with a real Celery worker, on Redis and on the embedded SQLite broker."""
from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from flask import Flask
from kombu.exceptions import OperationalError
from sqlalchemy import func, select

from coordinator.domain.actions import complete_action
from coordinator.extensions import db
from coordinator.models import AuditEntry, DeliveryAttempt, Event, Notification, ProcessedEvent
from tests.workers import workers_factories as make
from workers import get_celery_for
from workers.relay import publish_outbox


def wait_for(condition: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll ``condition`` (a fresh read each time) until it is truthy or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=["redis", "sqla"])
def broker_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """The embedded default (SQLite + SQLite broker) and production's (PostgreSQL + Redis)."""
    if request.param == "redis":
        if backend != "postgresql":
            pytest.skip("Redis runs with PostgreSQL, as in production")
        return str(request.getfixturevalue("redis_url"))
    if backend != "sqlite":
        pytest.skip("the embedded broker runs with SQLite, as in the embedded default")
    return f"sqla+sqlite:///{tmp_path / 'broker.db'}"


@pytest.fixture
def worker_app(make_app: Callable[..., Flask], broker_url: str) -> Iterator[Flask]:
    from coordinator.seeding.reference import seed_reference_data
    from coordinator.seeding.regions import seed_dki_jakarta

    # No quiet hours: the worker plans SMS at the wall clock's time, which may be 21:00 WIB.
    app = make_app(broker_url=broker_url, relay_on_commit=True, quiet_hours_start=0,
                   quiet_hours_end=0)
    with app.app_context():
        seed_dki_jakarta()
        seed_reference_data()
        yield app


@pytest.fixture
def app(worker_app: Flask) -> Flask:  # the autouse cleanup empties the database afterwards
    return worker_app


@pytest.fixture
def worker(app: Flask) -> Iterator[Any]:
    celery = get_celery_for(app)
    if app.extensions["sinergi"].broker_url.startswith("redis"):
        celery.connection_for_write().default_channel.client.flushdb()
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield celery


def test_assigning_an_action_puts_a_message_in_the_outbox_within_seconds(
    app: Flask, worker: Any
) -> None:
    lead = make.person("lead", make.CITY)
    cadre = make.person()
    act = make.action(make.program(lead), cadre)
    sent = wait_for(lambda: db.session.scalars(select(Notification).where(
        Notification.action_id == act.id, Notification.status == "sent")).first())
    assert sent is not None, "no message reached the outbox"
    assert sent.kind == "assigned" and sent.channel == "sms"
    assert sent.provider_status == "outbox" and act.public_code in sent.body
    handled = wait_for(lambda: db.session.scalar(select(func.count()).select_from(ProcessedEvent)
                                                 .where(ProcessedEvent.handler == "notifications")))
    assert handled >= 1
    assert db.session.scalar(select(func.count()).where(Event.published_at.is_(None))) == 0


def test_with_the_broker_down_a_completion_succeeds_and_its_events_go_out_later(
    make_app: Callable[..., Flask], app: Flask, worker: Any
) -> None:
    lead = make.person("lead", make.CITY)
    coordinator = make.person("coordinator", channel_preference="email")
    cadre = make.person()
    prog = make.program(lead, policy={"notify_coordinator_on": ["completed"]})
    act = make.action(prog, cadre)
    wait_for(lambda: db.session.scalar(select(func.count()).where(Event.published_at.is_(None)))
             == 0)
    down = make_app(broker_url=f"redis://127.0.0.1:{closed_port()}/0", relay_on_commit=True)
    with down.app_context():
        started = time.monotonic()
        result = complete_action(act.id, actor=None, people_reached=12)
        assert result.changed and time.monotonic() - started < 10
        # Beat's relay with the broker down: nothing is marked published.
        unreachable = Celery("beat", broker=down.extensions["sinergi"].broker_url,
                             set_as_current=False)
        unreachable.conf.broker_connection_retry = False
        with pytest.raises(OperationalError):
            publish_outbox(unreachable)
        pending = db.session.scalar(select(func.count()).where(Event.published_at.is_(None)))
        assert pending == 1
    # The broker is back: beat's relay (here called directly) hands the event to the worker.
    assert publish_outbox(worker) == 1
    notice = wait_for(lambda: db.session.scalars(select(Notification).where(
        Notification.kind == "action_completed", Notification.status == "sent")).first())
    assert notice is not None and notice.recipient_id == coordinator.id
    assert act.public_code in notice.body


def test_replaying_every_event_sends_nothing_twice(app: Flask, worker: Any) -> None:
    lead = make.person("lead", make.CITY)
    cadre = make.person()
    act = make.action(make.program(lead), cadre, due_at=datetime.now(UTC) + timedelta(hours=2))
    wait_for(lambda: db.session.scalars(select(Notification).where(
        Notification.action_id == act.id, Notification.status == "sent")).first())
    act.created_at = datetime.now(UTC) - timedelta(days=2)  # so the 24 h reminder is due now
    db.session.commit()
    for event_id in db.session.scalars(select(Event.id)):
        worker.send_task("sinergi.events.handle", args=[event_id], queue="default")
    for _ in range(2):
        worker.send_task("sinergi.reminders.sweep", queue="default")
        worker.send_task("sinergi.notifications.dispatch_due", queue="notifications")
    worker.send_task("sinergi.ping", args=[4242], queue="default")
    assert wait_for(lambda: db.session.scalar(select(func.count()).where(
        AuditEntry.entity_type == "worker", AuditEntry.entity_id == 4242)))
    assert wait_for(lambda: db.session.scalar(select(func.count()).where(
        Notification.status == "pending")) == 0)
    rows = db.session.execute(select(Notification.id, Notification.kind, Notification.status)).all()
    assert {"assigned", "reminder_24h"} <= {kind for _, kind, _ in rows}
    assert {status for _, _, status in rows} == {"sent"}
    # Each message was handed to its channel once, however often its events came back.
    handed = dict(db.session.execute(
        select(DeliveryAttempt.notification_id, func.count())
        .where(DeliveryAttempt.outcome == "sent").group_by(DeliveryAttempt.notification_id)).all())
    assert handed == {notification_id: 1 for notification_id, _, _ in rows}
