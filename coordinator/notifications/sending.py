"""Sending one notification: claim it, render it, hand it to its channel, record the outcome.

Two transactions, one on each side of the provider. The first claims the message and renders
it: a conditional UPDATE (due, sendable, attempts left, row not locked by another claim) that
counts the attempt, and an in-flight ``DeliveryAttempt`` row inserted only if no other attempt
is in flight; then the text, if not rendered yet. It commits before the channel is called: two
workers never both deliver the same message, and a task redelivered after a crash between
delivery and recording finds the attempt in flight and does not deliver again. The channel gets
a plain copy of the message taken before that commit, so sending reads nothing more; the
second transaction records the outcome. That one commit alone does not wait for the disk
(PostgreSQL) where a resend is harmless (``resend_is_safe``: not SMTP): lost in a server crash,
the record leaves the attempt in flight, and the lease makes the message uncertain as if the
worker had died.

The in-flight attempt is a lease (``SEND_LEASE_SECONDS``). A worker killed mid-send leaves it
unfinished; once the lease has expired ``recover_interrupted`` ends it as ``interrupted`` and
the message becomes *uncertain* (``uncertain_since``) and due again, like one whose provider
timed out after the request left. Before an uncertain message goes again its channel is asked
whether it already went (``confirm_sent``): if so it is recorded as sent (``confirmed``),
otherwise it is sent again, which the SMS gateway's idempotency key makes safe.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from flask import current_app
from sqlalchemy import Integer, String, Table, bindparam, func, insert, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import aliased

from coordinator.channels import (
    DeliveryResult,
    PermanentDeliveryError,
    TransientDeliveryError,
    UncertainDeliveryError,
    confirm_sent,
    resend_is_safe,
    transmit,
)
from coordinator.database import without_waiting_for_disk
from coordinator.domain import short_links
from coordinator.extensions import db
from coordinator.models import Action, DeliveryAttempt, Notification, Person
from coordinator.models.base import UTCDateTime
from coordinator.models.people import addressee_columns
from coordinator.notifications.contents import action_columns, render_into
from coordinator.notifications.dispatch import MAX_ATTEMPTS, SENDABLE, in_flight

log = logging.getLogger(__name__)
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
# After the provider took the message, recording it survives a database restart this long.
RECORD_RETRY_DELAYS = (0.5, 1, 2, 4, 8, 15)
UNCERTAIN_OUTCOMES = ("uncertain", "interrupted")


@dataclass(frozen=True)
class SendOutcome:
    status: str  # sent / retry / dead / skipped
    retry_in: float | None = None


SKIPPED = SendOutcome("skipped")


@dataclass(frozen=True)
class Contact:
    """The recipient as the channels need them (``channels.Addressee``)."""

    id: int
    name: str
    phone: str | None
    email: str | None
    language: str


@dataclass(frozen=True)
class ClaimedMessage:
    """A claimed, rendered notification as its channel needs it (``channels.Outgoing``), with
    the attempt it is sent under, copied before the claim's commit."""

    id: int
    attempt: int
    channel: str
    subject: str | None
    body: str
    html_body: str | None
    recipient: Contact
    uncertain_since: datetime | None


def backoff_seconds(attempt: int, rng: random.Random | None = None,
                    base: float = BACKOFF_BASE_SECONDS) -> float:
    """Exponential backoff with full jitter in its upper half: 30 s, 60 s, 120 s ... capped."""
    ceiling = min(base * 2 ** max(attempt - 1, 0), BACKOFF_CAP_SECONDS)
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def claim(notification_id: int, now: datetime) -> Notification | None:
    """Take the notification for one delivery attempt, in the caller's transaction (who commits
    it): returns it with ``attempts`` counting this attempt, or None (rolled back) if it is not
    due, another claim holds it, it is out of attempts, or an attempt is still in flight."""
    return claim_all([notification_id], now).get(notification_id)


def claim_all(notification_ids: Sequence[int], now: datetime) -> dict[int, Notification]:
    """Take each notification that can go now for one delivery attempt, in the caller's
    transaction (who commits it): those taken, by id, ``attempts`` counting this attempt.

    One UPDATE locks the rows (skipping those another claim has locked) and checks each row's
    own state; the attempt rows are inserted in one statement only where no attempt is in
    flight, read after the locks, so a claim committed in the meantime is seen; a row locked
    but not started gets its attempt back. Nothing taken: rolled back.
    """
    claimed = {notification.id: notification for notification in db.session.scalars(
        _claim_statement(), {"the_ids": list(notification_ids), "the_now": now})}
    started = set(db.session.scalars(_start_statement(), {
        "the_ids": list(claimed), "the_now": now})) if claimed else set()
    if not started:
        db.session.rollback()
        return {}
    if len(started) < len(claimed):
        db.session.execute(_unclaim_statement(), {"the_ids": list(set(claimed) - started)})
    return {notification_id: claimed[notification_id] for notification_id in started}


# The statements of every send are built once (``cache``) with bound parameters: building and
# keying a fresh construct for each message cost more than running it. Parameter names are
# not column names: an UPDATE would read such a parameter as a value to SET. The rows' own
# statements are on the tables, not the entities: an ORM UPDATE or INSERT given a list of
# parameters would be a bulk operation by primary key.
@cache
def _claim_statement() -> Any:
    mine = aliased(Notification)
    unlocked = (select(mine.id).where(mine.id.in_(bindparam("the_ids", expanding=True)))
                .with_for_update(skip_locked=True))
    return (
        update(Notification)
        .where(Notification.id.in_(unlocked), Notification.status.in_(SENDABLE),
               Notification.scheduled_for <= bindparam("the_now", type_=UTCDateTime()),
               Notification.attempts < MAX_ATTEMPTS)
        .values(attempts=Notification.attempts + 1)
        .returning(Notification)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


@cache
def _start_statement() -> Any:
    attempts = cast(Table, DeliveryAttempt.__table__)
    return insert(attempts).from_select(
        ["notification_id", "attempt", "started_at"],
        select(Notification.id, Notification.attempts,
               bindparam("the_now", type_=UTCDateTime()))
        .where(Notification.id.in_(bindparam("the_ids", expanding=True)),
               ~in_flight(Notification.id)),
    ).returning(attempts.c.notification_id)


@cache
def _unclaim_statement() -> Any:
    notifications = cast(Table, Notification.__table__)
    return (update(notifications)
            .where(notifications.c.id.in_(bindparam("the_ids", expanding=True)))
            .values(attempts=notifications.c.attempts - 1))


@cache
def _sent_statement() -> Any:
    """The message went: what the provider did not say is kept (an id from a confirmed
    earlier attempt, say)."""
    notifications = cast(Table, Notification.__table__)
    kept = {name: func.coalesce(bindparam(f"said_{name}", type_=notifications.c[name].type),
                                notifications.c[name])
            for name in ("provider_id", "sms_parts", "provider_status")}
    return (update(notifications)
            .where(notifications.c.id == bindparam("the_id", type_=Integer))
            .values(status="sent", sent_at=bindparam("the_now", type_=UTCDateTime()),
                    last_error=None, uncertain_since=None, **kept))


@cache
def _finish_statement() -> Any:
    attempts = cast(Table, DeliveryAttempt.__table__)
    return (update(attempts)
            .where(attempts.c.notification_id == bindparam("the_id", type_=Integer),
                   attempts.c.attempt == bindparam("the_attempt", type_=Integer))
            .values(finished_at=bindparam("the_now", type_=UTCDateTime()),
                    outcome=bindparam("the_outcome", type_=String()),
                    error=bindparam("the_error", type_=String())))


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def send_notification(notification_id: int, now: datetime) -> SendOutcome:
    """Deliver one due notification once; transient failures come back with a retry delay."""
    return send_notifications([notification_id], now)[notification_id]


def send_notifications(notification_ids: Sequence[int], now: datetime) -> dict[int, SendOutcome]:
    """Deliver each due notification of a batch once: the outcome of each id (``skipped``:
    not due, held by another claim, or in flight). The claims and texts commit together
    before the first provider call; the sent ones are recorded together after the last."""
    ids = list(dict.fromkeys(int(notification_id) for notification_id in notification_ids))
    messages, outcomes = _claim_and_render(ids, now)
    outcomes.update(_deliver_all(messages, now))
    return {notification_id: outcomes.get(notification_id, SKIPPED) for notification_id in ids}


def _claim_and_render(ids: list[int], now: datetime,
                      ) -> tuple[list[ClaimedMessage], dict[int, SendOutcome]]:
    """Claim the batch and render what is not rendered yet, in one transaction committed
    before any provider is called. A message that cannot be rendered is recorded dead in it,
    the others go on; one whose rendering broke the transaction is claimed again as dead."""
    poisoned: dict[int, str] = {}
    while True:
        try:
            claimed = claim_all(ids, now)
            messages, unrenderable = _render_all(claimed, poisoned, now)
            outcomes = {notification_id: _record_failure(notification_id,
                                                         claimed[notification_id].attempts,
                                                         now, error, permanent=True)
                        for notification_id, error in unrenderable.items()}
            db.session.commit()  # the claims and the texts, before the provider is called
            return messages, outcomes
        except (OperationalError, InterfaceError):
            raise  # the database went away, not a message: nothing was claimed, the task retries
        except short_links.KeyCollision:
            db.session.rollback()
        except _BrokenRendering as broken:
            db.session.rollback()
            poisoned[broken.notification_id] = broken.error


class _BrokenRendering(Exception):
    def __init__(self, notification_id: int, error: str) -> None:
        super().__init__(error)
        self.notification_id, self.error = notification_id, error


def _render_all(claimed: dict[int, Notification], poisoned: dict[int, str], now: datetime,
                ) -> tuple[list[ClaimedMessage], dict[int, str]]:
    """Plain copies of the claimed messages, rendered where needed, and the errors of those
    that cannot be. Recipients and actions are read for the whole batch first (rendering then
    finds them loaded), and the links' keys are issued together."""
    notifications = list(claimed.values())
    recipients = {person.id: person for person in db.session.scalars(
        select(Person).options(*addressee_columns())
        .where(Person.id.in_({n.recipient_id for n in notifications})))}
    to_render = [n for n in notifications if not n.body and n.id not in poisoned]
    action_ids = {n.action_id for n in to_render if n.action_id}
    # Held while rendering: the session keeps loaded rows only while someone refers to them.
    actions = db.session.scalars(select(Action).options(*action_columns()).where(
        Action.id.in_(action_ids))).unique().all() if action_ids else []
    messages: list[ClaimedMessage] = []
    errors = {i: error for i, error in poisoned.items() if i in claimed}
    unrendered = {n.id for n in to_render}
    with short_links.issued_together(
            {(n.recipient_id, n.action_id) for n in to_render if n.action_id}, now=now):
        for notification in notifications:
            if notification.id in errors:
                continue
            error = _rendered(notification, now) if notification.id in unrendered else None
            if error is None:
                messages.append(_copy(notification, recipients[notification.recipient_id]))
            else:
                errors[notification.id] = error
    del actions
    return messages, errors


def _rendered(notification: Notification, now: datetime) -> str | None:
    """Render the message; the error if it cannot be (a message that cannot be rendered never
    will be). Raises ``_BrokenRendering`` if the failure left the transaction unusable."""
    try:
        render_into(notification, now)  # finds the recipient and the action loaded
    except (OperationalError, InterfaceError):
        raise
    except DBAPIError as exc:
        raise _BrokenRendering(notification.id, f"cannot render: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - a message that cannot be rendered never will be
        return f"cannot render: {exc}"
    return None


def _copy(notification: Notification, person: Person) -> ClaimedMessage:
    return ClaimedMessage(
        id=notification.id, attempt=notification.attempts, channel=notification.channel,
        subject=notification.subject, body=notification.body, html_body=notification.html_body,
        recipient=Contact(id=person.id, name=person.name, phone=person.phone, email=person.email,
                          language=person.language),
        uncertain_since=notification.uncertain_since,
    )


def _deliver_all(messages: list[ClaimedMessage], now: datetime) -> dict[int, SendOutcome]:
    """Hand each message to its channel; failures are recorded one by one, the messages that
    went all together at the end."""
    outcomes: dict[int, SendOutcome] = {}
    went: list[tuple[ClaimedMessage, DeliveryResult, str]] = []
    for message in messages:
        delivered = _deliver(message, now)
        if isinstance(delivered, SendOutcome):
            outcomes[message.id] = delivered
        else:
            went.append((message, *delivered))
    if went:
        _record_sent(went, now)
        outcomes.update((message.id, SendOutcome("sent")) for message, _, _ in went)
    return outcomes


def _deliver(message: ClaimedMessage, now: datetime,
             ) -> tuple[DeliveryResult, str] | SendOutcome:
    """The provider's result and how it went (``sent``, ``confirmed``), or the failure's
    outcome, recorded."""
    try:
        if message.uncertain_since is not None:
            went = confirm_sent(message, message.uncertain_since)
            if went is not None:
                return went, "confirmed"
        return transmit(message), "sent"
    except UncertainDeliveryError as exc:
        return _failed(message.id, message.attempt, now, exc.message, permanent=False,
                       uncertain=True)
    except PermanentDeliveryError as exc:
        return _failed(message.id, message.attempt, now, exc.message, permanent=True)
    except TransientDeliveryError as exc:
        return _failed(message.id, message.attempt, now, exc.message, permanent=False)
    except Exception as exc:  # noqa: BLE001 - unknown adapter failure: retry, then dead
        return _failed(message.id, message.attempt, now, f"{type(exc).__name__}: {exc}",
                       permanent=False)


def _record_sent(went: list[tuple[ClaimedMessage, DeliveryResult, str]],
                 now: datetime) -> None:
    """Record the messages the provider took, in one round trip of each statement (psycopg
    pipelines an executemany) and one commit. The database may be restarting: the messages
    have gone, so keep trying for a while rather than leave them to look interrupted."""
    said = [{"the_id": message.id, "the_now": now,
             "said_provider_id": result.provider_id or None, "said_sms_parts": result.parts or None,
             "said_provider_status": result.provider_status or None}
            for message, result, _ in went]
    finished = [{"the_id": message.id, "the_attempt": message.attempt, "the_now": now,
                 "the_outcome": outcome, "the_error": None} for message, _, outcome in went]
    for delay in (*RECORD_RETRY_DELAYS, None):
        try:
            if all(resend_is_safe(message.channel) for message, _, _ in went):
                # Lost in a server crash, this record leaves the claims' attempts in flight:
                # past the lease the messages are uncertain, and their channel makes the
                # resend harmless.
                without_waiting_for_disk(db.session)
            db.session.execute(_sent_statement(), said)
            db.session.execute(_finish_statement(), finished)
            db.session.commit()
            return
        except (OperationalError, InterfaceError):
            db.session.rollback()
            if delay is None:
                raise
            log.warning("notifications %s went out; recording them failed, retrying",
                        [message.id for message, _, _ in went])
            time.sleep(delay)


def _failed(notification_id: int, attempt: int, now: datetime, error: str,
            *, permanent: bool, uncertain: bool = False) -> SendOutcome:
    outcome = _record_failure(notification_id, attempt, now, error, permanent=permanent,
                              uncertain=uncertain)
    db.session.commit()
    return outcome


def _record_failure(notification_id: int, attempt: int, now: datetime, error: str,
                    *, permanent: bool, uncertain: bool = False) -> SendOutcome:
    """The attempt failed: dead, or failed and due again after a backoff; the caller commits."""
    notification = db.session.get(Notification, notification_id)
    assert notification is not None
    notification.last_error = error[:500]
    if uncertain and notification.uncertain_since is None:
        notification.uncertain_since = now
    if permanent or attempt >= MAX_ATTEMPTS:
        notification.status = "dead"
        outcome = SendOutcome("dead")
    else:
        delay = backoff_seconds(
            attempt, base=current_app.extensions["sinergi"].send_backoff_base_seconds)
        notification.status = "failed"
        notification.scheduled_for = now + timedelta(seconds=delay)
        outcome = SendOutcome("retry", delay)
    _finish(notification.id, attempt, now, "uncertain" if uncertain else outcome.status, error)
    return outcome


def _finish(notification_id: int, attempt: int, now: datetime, outcome: str,
            error: str | None) -> None:
    db.session.execute(_finish_statement(), {
        "the_id": notification_id, "the_attempt": attempt, "the_now": now,
        "the_outcome": outcome, "the_error": (error or None) and error[:500]})


def send_lease() -> timedelta:
    """How long an attempt may stay in flight before it counts as interrupted."""
    return timedelta(seconds=current_app.extensions["sinergi"].send_lease_seconds)


def recover_interrupted(now: datetime) -> int:
    """Attempts in flight past the lease were cut off mid-delivery: their messages become
    uncertain and due now; the next attempt asks the channel before it sends again."""
    stale = list(db.session.execute(
        select(DeliveryAttempt.notification_id, DeliveryAttempt.attempt,
               DeliveryAttempt.started_at).where(
            DeliveryAttempt.finished_at.is_(None),
            DeliveryAttempt.started_at < now - send_lease(),
        )
    ))
    for row in stale:
        _finish(row.notification_id, row.attempt, now, "interrupted",
                "worker stopped during delivery")
        notification = db.session.get(Notification, row.notification_id)
        if notification is None or notification.status not in SENDABLE:
            continue
        notification.uncertain_since = notification.uncertain_since or row.started_at
        notification.last_error = "Delivery was interrupted; checking before sending again."
        if notification.attempts >= MAX_ATTEMPTS:
            notification.status = "dead"
        else:
            notification.status = "failed"
            notification.scheduled_for = now
    db.session.commit()
    return len(stale)


@dataclass(frozen=True)
class UncertainCounts:
    """Uncertain sends since a moment: how many, and how each was settled."""

    attempts: int  # attempts that ended without knowing (timeouts, interrupted workers)
    confirmed: int  # messages the provider said had gone: recorded, not sent again
    resent: int  # messages sent again (the provider said no, or its key drops repeats)
    unresolved: int  # messages still uncertain now


def uncertain_counts(since: datetime, notification_ids: Any = None) -> UncertainCounts:
    """Count uncertain sends since ``since`` (optionally among ``notification_ids``, a query)."""

    def count(*where: Any, distinct: bool = True) -> int:
        column = func.count(func.distinct(DeliveryAttempt.notification_id)) if distinct \
            else func.count()
        query = select(column).select_from(DeliveryAttempt).where(
            DeliveryAttempt.started_at >= since, *where)
        if notification_ids is not None:
            query = query.where(DeliveryAttempt.notification_id.in_(notification_ids))
        return int(db.session.scalar(query) or 0)

    was_uncertain = DeliveryAttempt.notification_id.in_(
        select(DeliveryAttempt.notification_id)
        .where(DeliveryAttempt.outcome.in_(UNCERTAIN_OUTCOMES)))
    unresolved = select(func.count()).select_from(Notification).where(
        Notification.uncertain_since.is_not(None), Notification.uncertain_since >= since)
    if notification_ids is not None:
        unresolved = unresolved.where(Notification.id.in_(notification_ids))
    return UncertainCounts(
        attempts=count(DeliveryAttempt.outcome.in_(UNCERTAIN_OUTCOMES), distinct=False),
        confirmed=count(DeliveryAttempt.outcome == "confirmed"),
        resent=count(DeliveryAttempt.outcome == "sent", was_uncertain),
        unresolved=int(db.session.scalar(unresolved) or 0),
    )


def retry_dead(notification_id: int, now: datetime) -> bool:
    """Put a dead notification back in the queue (the admin's retry button)."""
    changed = _rowcount(db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "dead")
        .values(status="pending", attempts=0, scheduled_for=now, last_error=None)
    ))
    if changed:
        db.session.execute(
            update(DeliveryAttempt).where(DeliveryAttempt.notification_id == notification_id,
                                          DeliveryAttempt.finished_at.is_(None))
            .values(finished_at=now, outcome="interrupted")
        )
    db.session.commit()
    return bool(changed)
