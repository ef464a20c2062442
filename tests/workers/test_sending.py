"""Sending over a real SMTP server on loopback: once only, retries with backoff, dead, retry button."""
from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import DeliveryAttempt, Notification
from coordinator.notifications.attempts import (
    UncertainCounts,
    claim,
    recover_interrupted,
    retry_dead,
    send_lease,
    uncertain_counts,
)
from coordinator.notifications.dispatch import MAX_ATTEMPTS, prepare_and_list_due, send_batches
from coordinator.notifications.planning import Planned, Recipient, plan
from coordinator.notifications.sending import (
    backoff_seconds,
    send_notification,
    send_notifications,
)
from tests.support import daytime
from tests.workers import workers_factories as make
from tests.workers.test_send_cost import database_work


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ScriptedSMTP:
    """Answers DATA with the next scripted reply (then 250) and keeps what it accepted."""

    def __init__(self) -> None:
        self.replies: list[str] = []
        self.accepted: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.replies:
            return self.replies.pop(0)
        self.accepted.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[ScriptedSMTP, int]]:
    handler = ScriptedSMTP()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp: tuple[ScriptedSMTP, int]) -> Iterator[Flask]:
    from coordinator.seeding.regions import seed_dki_jakarta

    app = make_app(smtp_host="127.0.0.1", smtp_port=smtp[1], smtp_tls="none")
    with app.app_context():
        seed_dki_jakarta()
        yield app


@pytest.fixture
def app(mail_app: Flask) -> Flask:  # the autouse cleanup empties the database after the test
    return mail_app


def email_notification(now: datetime) -> int:
    lead = make.person("lead", make.CITY)
    cadre = make.person(channel_preference="email", language="en")
    act = make.action(make.program(lead), cadre)
    [note_id] = plan([Planned(Recipient.of(cadre), "assigned", "e1", now, act.id)], now=now)
    db.session.commit()
    return note_id


def test_an_email_is_sent_once_even_when_the_task_runs_twice(
    app: Flask, smtp: tuple[ScriptedSMTP, int]
) -> None:
    now = datetime.now(UTC)
    note_id = email_notification(now)
    assert send_notification(note_id, now).status == "sent"
    assert send_notification(note_id, now).status == "skipped"
    assert len(smtp[0].accepted) == 1
    note = db.session.get(Notification, note_id)
    assert note.status == "sent" and note.provider_id and "New task" in (note.subject or "")
    assert b"/t/" in smtp[0].accepted[0]  # the signed link


def test_a_transient_failure_retries_with_backoff_then_sends(
    app: Flask, smtp: tuple[ScriptedSMTP, int]
) -> None:
    now = datetime.now(UTC)
    note_id = email_notification(now)
    smtp[0].replies = ["451 4.3.0 try again later"]
    outcome = send_notification(note_id, now)
    assert outcome.status == "retry" and 15 <= (outcome.retry_in or 0) <= 30
    note = db.session.get(Notification, note_id)
    assert note.status == "failed" and note.scheduled_for > now and "451" in (note.last_error or "")
    assert prepare_and_list_due(now) == []
    later = note.scheduled_for
    assert prepare_and_list_due(later) == [note_id]
    assert send_notification(note_id, later).status == "sent"
    assert len(smtp[0].accepted) == 1


def test_a_permanent_failure_is_dead_at_once_and_the_retry_button_revives_it(
    app: Flask, smtp: tuple[ScriptedSMTP, int]
) -> None:
    now = datetime.now(UTC)
    note_id = email_notification(now)
    smtp[0].replies = ["550 5.1.1 no such mailbox"]
    assert send_notification(note_id, now).status == "dead"
    assert db.session.get(Notification, note_id).attempts == 1
    assert retry_dead(note_id, now) is True
    assert retry_dead(note_id, now) is False
    assert send_notification(note_id, now).status == "sent"
    assert len(smtp[0].accepted) == 1


def test_after_the_maximum_attempts_a_notification_is_dead(
    app: Flask, smtp: tuple[ScriptedSMTP, int]
) -> None:
    now = datetime.now(UTC)
    note_id = email_notification(now)
    smtp[0].replies = ["421 4.3.2 busy"] * MAX_ATTEMPTS
    outcomes = []
    for _ in range(MAX_ATTEMPTS):
        outcomes.append(send_notification(note_id, now).status)
        now = db.session.get(Notification, note_id).scheduled_for
    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["dead"]
    assert smtp[0].accepted == []


def test_a_send_cut_off_mid_delivery_is_retried_once_its_lease_expires(
    app: Flask, smtp: tuple[ScriptedSMTP, int]
) -> None:
    now = datetime.now(UTC)
    note_id = email_notification(now)
    claimed = claim(note_id, now)  # a worker claimed it and was killed before recording
    assert claimed is not None and claimed.attempts == 1
    db.session.commit()
    db.session.remove()
    assert send_notification(note_id, now).status == "skipped"  # the redelivered task
    assert prepare_and_list_due(now) == []
    assert recover_interrupted(now + timedelta(seconds=10)) == 0  # the lease still holds
    later = now + send_lease() + timedelta(seconds=1)
    assert recover_interrupted(later) == 1
    note = db.session.get(Notification, note_id)
    assert note.status == "failed" and note.uncertain_since == now
    assert "interrupted" in (note.last_error or "")
    assert prepare_and_list_due(later) == [note_id]
    assert send_notification(note_id, later).status == "sent"
    assert len(smtp[0].accepted) == 1
    assert b"sinergi-notification-%d@" % note_id in smtp[0].accepted[0]  # the stable Message-ID
    outcomes = db.session.scalars(select(DeliveryAttempt.outcome).order_by(DeliveryAttempt.attempt))
    assert list(outcomes) == ["interrupted", "sent"]
    assert db.session.get(Notification, note_id).uncertain_since is None
    assert uncertain_counts(now) == UncertainCounts(attempts=1, confirmed=0, resent=1,
                                                    unresolved=0)


def test_an_unreachable_smtp_server_is_a_transient_failure(make_app: Callable[..., Flask]) -> None:
    app = make_app(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_tls="none")
    with app.app_context():
        from coordinator.seeding.regions import seed_dki_jakarta

        seed_dki_jakarta()
        now = datetime.now(UTC)
        note_id = email_notification(now)
        assert send_notification(note_id, now).status == "retry"
        from tests.support import clean_tables

        clean_tables()


def test_backoff_grows_exponentially_with_jitter() -> None:
    import random

    rng = random.Random(4)
    delays = [backoff_seconds(n, rng) for n in (1, 2, 3, 4, 5, 12)]
    assert 15 <= delays[0] <= 30 and 30 <= delays[1] <= 60 and 60 <= delays[2] <= 120
    assert 1800 <= delays[-1] <= 3600


def test_a_due_message_is_enqueued_once_however_often_dispatch_runs(app: Flask) -> None:
    from datetime import timedelta

    from coordinator.notifications.dispatch import send_task_expiry

    now = datetime.now(UTC)
    note_id = email_notification(now)
    assert prepare_and_list_due(now) == [note_id]
    # Every handled event asks for a dispatch: the message is not enqueued a second time...
    assert prepare_and_list_due(now + timedelta(seconds=5)) == []
    # ...unless its task was lost: a stale one goes on the queue again.
    assert prepare_and_list_due(now + send_task_expiry() + timedelta(seconds=1)) == [note_id]


def test_dispatch_sends_sms_in_batches_and_each_smtp_email_alone(
    make_app: Callable[..., Flask], smtp: tuple[ScriptedSMTP, int], app: Flask
) -> None:
    now = daytime()  # SMS wait out the quiet hours
    mails = [email_notification(now) for _ in range(3)]
    program = make.program(make.person("lead", make.CITY))
    texts = []
    for _ in range(5):
        cadre = make.person(channel_preference="sms")
        act = make.action(program, cadre)
        texts += plan([Planned(Recipient.of(cadre), "assigned", "s1", now, act.id)], now=now)
    db.session.commit()
    due = prepare_and_list_due(now)
    assert due == mails + texts  # as planned: the same time, by id
    with make_app(smtp_host="127.0.0.1", smtp_port=smtp[1], smtp_tls="none",
                  send_batch_size=2).app_context():
        batches = send_batches(due)
    assert batches == [texts[0:2], texts[2:4], texts[4:], *([mail] for mail in mails)]


def test_in_a_batch_each_smtp_email_is_recorded_as_soon_as_the_server_took_it(
    app: Flask, smtp: tuple[ScriptedSMTP, int]
) -> None:
    now = datetime.now(UTC)
    mails = [email_notification(now) for _ in range(3)]
    db.session.remove()
    with database_work() as (seen, commits):
        assert {o.status for o in send_notifications(mails, now).values()} == {"sent"}
    assert len(smtp[0].accepted) == 3
    assert len(commits) == 1 + 3, "\n".join(seen)  # the claims; each outcome on its own


class SteppingClock:
    """A clock that moves ``step`` seconds each time it is read after its first reading."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        now = self.now
        self.now += self.step
        return now


def sms_notifications(now: datetime, count: int) -> list[int]:
    program = make.program(make.person("lead", make.CITY))
    ids: list[int] = []
    for _ in range(count):
        cadre = make.person(channel_preference="sms")
        act = make.action(program, cadre)
        ids += plan([Planned(Recipient.of(cadre), "assigned", "s1", now, act.id)], now=now)
    db.session.commit()
    return ids


def in_flight_attempts(ids: list[int]) -> int:
    return len(db.session.scalars(select(DeliveryAttempt).where(
        DeliveryAttempt.notification_id.in_(ids), DeliveryAttempt.finished_at.is_(None))).all())


def test_a_batch_that_would_outlive_its_lease_releases_the_rest_unsent(
    app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = daytime()
    ids = sms_notifications(now, 5)
    # 15 s timeouts: a message may take 30 s; the lease (300 s) leaves 295 s to the batch.
    # The clock moves 100 s a message: the 4th would start at 300 s, past what is left.
    monkeypatch.setattr("coordinator.notifications.sending._clock", SteppingClock(100))
    outcomes = send_notifications(ids, now)
    assert [outcomes[i].status for i in ids] == ["sent"] * 3 + ["released"] * 2
    db.session.expire_all()
    released = [db.session.get(Notification, i) for i in ids[3:]]
    assert [(n.status, n.attempts) for n in released] == [("pending", 0)] * 2  # as if untouched
    assert in_flight_attempts(ids) == 0
    assert prepare_and_list_due(now) == ids[3:]  # due again at once, for another job
    monkeypatch.setattr("coordinator.notifications.sending._clock", SteppingClock(0))
    assert {o.status for o in send_notifications(ids[3:], now).values()} == {"sent"}


def test_the_first_message_goes_however_short_the_time(
    app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = daytime()
    ids = sms_notifications(now, 2)
    monkeypatch.setattr("coordinator.notifications.sending._clock", SteppingClock(0))
    outcomes = send_notifications(ids, now, seconds=1)  # less than one call's timeouts
    assert [outcomes[i].status for i in ids] == ["sent", "released"]
    assert in_flight_attempts(ids) == 0


def test_an_uncertain_message_needs_time_for_the_question_and_the_send(
    app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = daytime()
    ids = sms_notifications(now, 2)
    db.session.get(Notification, ids[1]).uncertain_since = now - timedelta(minutes=10)
    db.session.commit()
    # 40 s spent after the first message: one more call (30 s) fits the 75 s left, two do not.
    monkeypatch.setattr("coordinator.notifications.sending._clock", SteppingClock(40))
    outcomes = send_notifications(ids, now, seconds=75)
    assert [outcomes[i].status for i in ids] == ["sent", "released"]
    db.session.expire_all()
    assert db.session.get(Notification, ids[1]).uncertain_since is not None  # still to ask


def test_the_send_task_enqueues_what_its_batch_released_as_new_batches(
    app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from coordinator.jobs import SEND_NOTIFICATION
    from workers import get_celery_for

    now = daytime()
    ids = sms_notifications(now, 5)
    monkeypatch.setattr("coordinator.notifications.sending._clock", SteppingClock(100))
    monkeypatch.setattr("workers.sending.utcnow", lambda: now)
    enqueued: list[tuple[str, list[int]]] = []
    monkeypatch.setattr("workers.sending.enqueue", lambda _celery, job, ids, **_: enqueued.append(
        (job.name, list(ids))))
    celery = get_celery_for(app)
    counts = celery.tasks[SEND_NOTIFICATION.name].apply(args=[ids]).get()
    # The task's own time (its soft limit less 20 s: 100 s) is shorter than the lease's.
    assert counts == {"sent": 1, "released": 4}
    assert enqueued == [(SEND_NOTIFICATION.name, ids[1:])]
