"""What a send costs the database, one message or a batch, and what the claims still
guarantee: statements counted with SQLAlchemy's cursor events (a count, never a timing)."""
from __future__ import annotations

import itertools
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from flask import Flask
from sqlalchemy import event, func, select

from coordinator.channels import resend_is_safe
from coordinator.extensions import db
from coordinator.models import DeliveryAttempt, Notification, Person
from coordinator.notifications.attempts import claim, claim_all
from coordinator.notifications.planning import Planned, Recipient, plan
from coordinator.notifications.sending import SendOutcome, send_notification, send_notifications
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
    [note_id] = planned_for(1, now, kind)
    return note_id


def planned_for(cadres: int | list[str], now: datetime, kind: str = "assigned") -> list[int]:
    """An SMS for each of ``cadres`` (a number, or their phones) about a new action of theirs
    in one program, in order. Default phones never end as the fake gateway's failing ones."""
    program = make.program(make.person("lead", make.CITY))
    phones = cadres if isinstance(cadres, list) else [
        f"+62857{next(_phones):08d}" for _ in range(cadres)]
    ids = []
    for cadre in (make.person(phone=phone) for phone in phones):
        act = make.action(program, cadre)
        ids += plan([Planned(Recipient.of(cadre), kind, f"a{act.id}", now, act.id)], now=now)
    db.session.commit()
    db.session.remove()  # a worker starts with nothing loaded
    return ids


_phones = itertools.count(100)


def statuses(outcomes: dict[int, SendOutcome]) -> dict[int, str]:
    return {notification_id: outcome.status for notification_id, outcome in outcomes.items()}


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


def test_a_batch_takes_as_many_statements_and_two_commits_whatever_its_size(
    app: Flask, gateway: tuple[FakeGateway, str]
) -> None:
    now = daytime()
    work = []
    for size in (2, 7):
        ids = planned_for(size, now)
        with database_work() as (seen, commits):
            assert set(statuses(send_notifications(ids, now)).values()) == {"sent"}
        work.append((len(seen), len(commits), seen))
    assert work[0][:2] == work[1][:2], "\n".join(work[1][2])
    assert work[1][1] == 2  # the claims with the texts; the outcomes
    assert len(gateway[0].delivered) == 9
    assert len({message["text"] for message in gateway[0].delivered}) == 9  # a link each


def test_a_batch_sends_what_can_go_and_records_every_other_message_once(
    app: Flask, gateway: tuple[FakeGateway, str]
) -> None:
    now = daytime()
    phones = ["+6285700000010", "+6281200000001",  # the gateway refuses this one
              "+6281200000003", "+6285700000011", "+6285700000012", "+6285700000013"]  # busy
    fine, refused, busy, broken, early, held = ids = planned_for(phones, now)
    db.session.get(Notification, broken).kind = "no_such_kind"
    db.session.get(Notification, early).scheduled_for = now + timedelta(hours=1)
    db.session.commit()
    assert claim(held, now) is not None  # another worker's attempt, in flight
    db.session.commit()
    assert statuses(send_notifications(ids, now)) == {
        fine: "sent", refused: "dead", busy: "retry", broken: "dead", early: "skipped",
        held: "skipped"}
    assert [m["msisdn"] for m in gateway[0].delivered] == ["085700000010"]
    attempts = {row.notification_id: (row.attempt, row.outcome) for row in db.session.execute(
        select(DeliveryAttempt.notification_id, DeliveryAttempt.attempt, DeliveryAttempt.outcome))}
    assert attempts == {fine: (1, "sent"), refused: (1, "dead"), busy: (1, "retry"),
                        broken: (1, "dead"), held: (1, None)}
    notes = {note.id: note for note in db.session.scalars(select(Notification))}
    assert "cannot render" in (notes[broken].last_error or "") and notes[broken].body == ""
    assert notes[held].attempts == 1 and notes[early].attempts == 0
    assert notes[busy].status == "failed" and notes[busy].scheduled_for > now
    assert notes[fine].status == "sent" and notes[fine].provider_id


def test_a_batch_sent_again_after_a_failure_skips_what_it_recorded(
    app: Flask, gateway: tuple[FakeGateway, str]
) -> None:
    now = daytime()
    ids = planned_for(4, now)
    assert set(statuses(send_notifications(ids[:2], now)).values()) == {"sent"}
    assert statuses(send_notifications(ids, now)) == {
        ids[0]: "skipped", ids[1]: "skipped", ids[2]: "sent", ids[3]: "sent"}
    assert len(gateway[0].delivered) == 4


def test_a_batch_skips_the_messages_another_worker_holds_and_takes_the_rest(
    app: Flask, make_app: Callable[..., Flask], gateway: tuple[FakeGateway, str]
) -> None:
    now = daytime()
    ids = planned_for(5, now)
    assert sorted(claim_all(ids[:3], now)) == ids[:3]  # worker one, not committed yet
    other = make_app(**gateway_config(gateway[1]))
    if db.engine.dialect.name == "postgresql":  # SQLite has no row locks: one writer at a time
        with other.app_context():  # locked by worker one: skipped, not waited for
            assert statuses(send_notifications(ids[1:], now)) == {
                ids[1]: "skipped", ids[2]: "skipped", ids[3]: "sent", ids[4]: "sent"}
    db.session.commit()
    with other.app_context():  # worker one's attempts are in flight
        assert set(statuses(send_notifications(ids, now)).values()) <= {"skipped", "sent"}
    sent_to = [m["msisdn"] for m in gateway[0].delivered]
    assert len(sent_to) == len(set(sent_to)) == 2
    assert db.session.scalar(select(func.count()).select_from(DeliveryAttempt)) == 5


def test_two_workers_sending_overlapping_batches_at_once_send_each_message_once(
    app: Flask, make_app: Callable[..., Flask], gateway: tuple[FakeGateway, str]
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: SQLite lets one writer at a time")
    now = daytime()
    ids = planned_for(12, now)
    workers = [make_app(**gateway_config(gateway[1])), make_app(**gateway_config(gateway[1]))]
    batches = [[ids[:8], ids[4:]], [ids[8:] + ids[:4], ids[2:10]]]
    results: list[dict[int, str]] = []

    def work(worker: Flask, mine: list[list[int]]) -> None:
        with worker.app_context():
            for batch in mine:
                results.append(statuses(send_notifications(batch, now)))

    threads = [threading.Thread(target=work, args=pair) for pair in zip(workers, batches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    sent = [i for result in results for i, status in result.items() if status == "sent"]
    assert sorted(sent) == sorted(ids)  # each by exactly one of them
    assert len(gateway[0].delivered) == 12
    assert {m["msisdn"] for m in gateway[0].delivered} == {
        p.replace("+62", "0") for p in db.session.scalars(select(Person.phone).join(
            Notification, Notification.recipient_id == Person.id))}


class CutOffGateway(FakeGateway):
    """Takes the second message, and meanwhile the task's soft time limit fires (Celery raises
    it from a signal handler in the task's thread, as here)."""

    def __call__(self, request: Any) -> Any:
        if len(self.requests) == 1:
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGUSR1)
        return super().__call__(request)


def test_a_batch_cut_off_by_the_time_limit_records_what_went_and_leaves_the_rest_to_the_lease(
    make_app: Callable[..., Flask]
) -> None:
    from coordinator.seeding.regions import seed_dki_jakarta

    def time_is_up(*_: Any) -> None:
        raise SoftTimeLimitExceeded()

    fake = CutOffGateway()
    previous = signal.signal(signal.SIGUSR1, time_is_up)
    try:
        with serve(fake) as base, make_app(**gateway_config(base)).app_context():
            seed_dki_jakarta()
            now = daytime()
            first, cut, later = planned_for(3, now)
            with pytest.raises(SoftTimeLimitExceeded):
                send_notifications([first, cut, later], now)
            attempts = {row.notification_id: row.outcome for row in db.session.execute(
                select(DeliveryAttempt.notification_id, DeliveryAttempt.outcome))}
            assert attempts == {first: "sent", cut: "uncertain", later: None}
            assert db.session.get(Notification, cut).uncertain_since == now
    finally:
        signal.signal(signal.SIGUSR1, previous)
