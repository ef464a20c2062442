"""What one send costs the database, and what the one-transaction claim still guarantees:
statements counted with SQLAlchemy's cursor events (a count, never a timing)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from coordinator.channels import resend_is_safe
from coordinator.extensions import db
from coordinator.models import DeliveryAttempt, Notification
from coordinator.notifications.planning import Planned, Recipient, plan
from coordinator.notifications.sending import claim, send_notification
from tests.channels.fakes import FakeGateway, serve
from tests.channels.test_sms_providers import gateway_config
from tests.support import daytime
from tests.workers import workers_factories as make


@contextmanager
def database_work() -> Iterator[tuple[list[str], list[str]]]:
    """The statements run and the commits made meanwhile."""
    seen: list[str] = []
    commits: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    def committed(conn: Any) -> None:
        commits.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", record)
    event.listen(db.engine, "commit", committed)
    try:
        yield seen, commits
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        event.remove(db.engine, "commit", committed)


@pytest.fixture
def gateway() -> Iterator[tuple[FakeGateway, str]]:
    fake = FakeGateway()
    with serve(fake) as base:
        yield fake, base


@pytest.fixture
def app(make_app: Callable[..., Flask], gateway: tuple[FakeGateway, str]) -> Iterator[Flask]:
    from coordinator.seeding.regions import seed_dki_jakarta

    sms_app = make_app(**gateway_config(gateway[1]))
    with sms_app.app_context():
        seed_dki_jakarta()
        yield sms_app


def planned_sms(now: datetime, kind: str = "assigned") -> int:
    """An SMS planned for a cadre's new action, not rendered yet (as the planner leaves it)."""
    lead = make.person("lead", make.CITY)
    cadre = make.person()
    act = make.action(make.program(lead), cadre)
    [note_id] = plan([Planned(Recipient.of(cadre), kind, f"a{act.id}", now, act.id)], now=now)
    db.session.commit()
    db.session.remove()  # a worker starts with nothing loaded
    return note_id


def test_sending_one_sms_takes_two_commits_and_reads_only_what_the_message_needs(
    app: Flask, gateway: tuple[FakeGateway, str]
) -> None:
    now = daytime()
    note_id = planned_sms(now)
    with database_work() as (seen, commits):
        assert send_notification(note_id, now).status == "sent"
    assert len(gateway[0].delivered) == 1
    assert len(commits) == 2, seen  # the claim with the text; the outcome
    # claim (UPDATE .. RETURNING, attempt row), recipient, action with its program, kelurahan
    # and assignee, the link's key (live one? insert unless the key is taken), the text; the
    # outcome (two rows)
    unhurried = [s for s in seen if "synchronous_commit" in s]
    assert len(seen) - len(unhurried) == 9, "\n".join(seen)
    if db.engine.dialect.name == "postgresql":
        # Only the outcome's commit skips the disk flush; the claim's must be on disk before
        # the provider is called.
        assert len(unhurried) == 1 and seen.index(unhurried[0]) > seen.index(
            next(s for s in seen if s.startswith("UPDATE notifications SET subject")))
    else:
        assert unhurried == []
    people = [s for s in seen if s.startswith("SELECT people.")]
    assert len(people) == 1 and "regions" not in people[0] and "password_hash" not in people[0]
    assert not [s for s in seen if "person_networks" in s]


def test_a_claim_is_not_taken_while_another_worker_holds_it_nor_after_it_committed(
    app: Flask, make_app: Callable[..., Flask], gateway: tuple[FakeGateway, str]
) -> None:
    now = daytime()
    note_id = planned_sms(now)
    first = claim(note_id, now)
    assert first is not None and first.attempts == 1
    other = make_app(**gateway_config(gateway[1]))
    if db.engine.dialect.name == "postgresql":  # SQLite has no row locks: one writer at a time
        with other.app_context():
            assert claim(note_id, now) is None  # locked by the first: skipped, not waited for
    db.session.commit()
    with other.app_context():
        assert claim(note_id, now) is None  # its attempt is in flight
        assert send_notification(note_id, now).status == "skipped"
    assert gateway[0].delivered == []
    assert db.session.get(Notification, note_id).attempts == 1


def test_a_message_that_cannot_be_rendered_is_dead_with_its_attempt_on_record(
    app: Flask, gateway: tuple[FakeGateway, str]
) -> None:
    now = daytime()
    note_id = planned_sms(now)
    db.session.get(Notification, note_id).kind = "no_such_kind"
    db.session.commit()
    assert send_notification(note_id, now).status == "dead"
    note = db.session.get(Notification, note_id)
    assert note.status == "dead" and note.attempts == 1
    assert "cannot render" in (note.last_error or "") and note.body == ""
    attempts = db.session.execute(select(DeliveryAttempt.attempt, DeliveryAttempt.outcome).where(
        DeliveryAttempt.notification_id == note_id)).all()
    assert [tuple(row) for row in attempts] == [(1, "dead")]
    assert gateway[0].delivered == []


def test_only_a_message_whose_resend_cannot_double_it_records_without_waiting_for_the_disk(
    make_app: Callable[..., Flask], gateway: tuple[FakeGateway, str]
) -> None:
    with make_app(**gateway_config(gateway[1])).app_context():
        assert resend_is_safe("sms") and resend_is_safe("outbox")
        assert resend_is_safe("email")  # no SMTP: e-mail goes to the outbox
    with make_app(smtp_host="127.0.0.1", smtp_port=2525).app_context():
        assert not resend_is_safe("email")  # SMTP cannot be asked; it would arrive twice
        assert resend_is_safe("sms")
