"""Sending notifications: claim a batch, render it, hand each to its channel, record outcomes.

Set-based, two transactions, one on each side of the providers (``send_notification`` is the
batch of one). The first claims the batch and renders it: one conditional UPDATE (due,
sendable, attempts left, row not locked by another claim) counts an attempt of each message it
takes, one INSERT … SELECT adds an in-flight ``DeliveryAttempt`` row for each where no other
attempt is in flight (one that has gets its attempt back); then the texts not rendered yet,
their recipients and actions read in one statement each and the links' new keys inserted in
one. It commits before any channel is called: two workers never both deliver the same message,
and a batch redelivered after a crash between delivery and recording finds the attempts in
flight and does not deliver again. The channel gets a plain copy of each message taken before
that commit, so sending reads nothing more. A failure is recorded as it happens (its own
commit); the messages that went are recorded after the last provider call, in one round trip of
each statement and one commit (an e-mail over SMTP at once, on its own). That commit alone does
not wait for the disk (PostgreSQL) where a resend is harmless (``resend_is_safe``: not SMTP,
which dispatch sends one at a time): lost in a server crash, the record leaves the attempts in
flight, and the lease makes the messages uncertain as if the worker had died. A message that
cannot be rendered is dead with its attempt on record; the rest of its batch goes on.

The in-flight attempt is a lease (``SEND_LEASE_SECONDS``, at least one provider call's
timeouts). A batch hands a message over only while its calls could still end within the lease
and the task's time at their timeouts; the claims it does not get to are released, due again
at once for another job, so a slow provider shortens batches instead of outliving their
leases. A worker killed mid-send leaves the attempts of its batch unfinished; once the lease
has expired ``recover_interrupted`` ends each as ``interrupted`` and its message becomes
*uncertain* (``uncertain_since``) and due again, like one whose provider timed out after the
request left. Before an uncertain message goes again its channel is asked whether it already
went (``confirm_sent``): if so it is recorded as sent (``confirmed``), otherwise it is sent
again, which the SMS gateway's idempotency key makes safe.
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

from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app
from sqlalchemy import Integer, Table, bindparam, func, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from coordinator.channels import (
    DeliveryResult,
    PermanentDeliveryError,
    TransientDeliveryError,
    UncertainDeliveryError,
    confirm_sent,
    resend_is_safe,
    transmit,
)
from coordinator.config import SEND_LEASE_MARGIN_SECONDS
from coordinator.database import without_waiting_for_disk
from coordinator.domain import short_links
from coordinator.extensions import db
from coordinator.models import Action, Notification, Person
from coordinator.models.base import UTCDateTime
from coordinator.models.people import addressee_columns
from coordinator.notifications.attempts import claim_all, finish, finish_statement, release
from coordinator.notifications.contents import action_columns, render_into
from coordinator.notifications.dispatch import MAX_ATTEMPTS

log = logging.getLogger(__name__)
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
# After the provider took the message, recording it survives a database restart this long.
RECORD_RETRY_DELAYS = (0.5, 1, 2, 4, 8, 15)
_clock = time.monotonic  # the budget's clock (tests move it by hand)


@dataclass(frozen=True)
class SendOutcome:
    status: str  # sent / retry / dead / skipped / released (claimed, then given back unsent)
    retry_in: float | None = None


SKIPPED = SendOutcome("skipped")
RELEASED = SendOutcome("released")


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


# Built once, like the claim's statements (``attempts``), and on the table: given a list of
# parameters, an ORM UPDATE would be a bulk update by primary key.
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


def send_notification(notification_id: int, now: datetime) -> SendOutcome:
    """Deliver one due notification once; transient failures come back with a retry delay."""
    return send_notifications([notification_id], now)[notification_id]


def send_notifications(notification_ids: Sequence[int], now: datetime, *,
                       seconds: float | None = None) -> dict[int, SendOutcome]:
    """Deliver each due notification of a batch once: the outcome of each id (``skipped``:
    not due, held by another claim, or in flight). The claims and texts commit together
    before the first provider call; the sent ones are recorded together after the last.

    The batch hands a message over only if its provider calls can end, at their timeouts,
    within the lease and within ``seconds`` (what the caller has left, e.g. a task's soft
    time limit): the messages it does not get to are ``released`` for another job to take.
    The first message always goes, so every batch makes progress."""
    budget = _Budget.starting(seconds)
    ids = list(dict.fromkeys(int(notification_id) for notification_id in notification_ids))
    messages, outcomes = _claim_and_render(ids, now)
    outcomes.update(_deliver_all(messages, now, budget))
    return {notification_id: outcomes.get(notification_id, SKIPPED) for notification_id in ids}


@dataclass(frozen=True)
class _Budget:
    """How long a batch may go on calling providers, from its start: the lease of its
    attempts less the time to record them, and at most what its caller has."""

    started: float
    seconds: float
    call_seconds: float  # one provider call at its worst: connect and read timeouts

    @classmethod
    def starting(cls, seconds: float | None) -> _Budget:
        config = current_app.extensions["sinergi"]
        limit = float(config.send_lease_seconds - SEND_LEASE_MARGIN_SECONDS)
        return cls(_clock(), limit if seconds is None else min(limit, seconds),
                   2.0 * config.channel_timeout_seconds)

    def allows(self, message: ClaimedMessage) -> bool:
        """Whether the message's provider calls would end within the budget at their worst
        (an uncertain message first asks its provider whether it went: two calls)."""
        calls = 1 if message.uncertain_since is None else 2
        return _clock() - self.started + calls * self.call_seconds <= self.seconds


def _claim_and_render(ids: list[int], now: datetime,
                      ) -> tuple[list[ClaimedMessage], dict[int, SendOutcome]]:
    """Claim the batch and render what is not rendered yet, in one transaction committed
    before any provider is called. A message that cannot be rendered is recorded dead in it,
    the others go on; one whose rendering broke the transaction is claimed again as dead."""
    poisoned: dict[int, str] = {}
    while True:
        try:
            claimed = claim_all(ids, now)
            if not claimed:
                return [], {}
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
        _recipients_statement(), {"the_ids": list({n.recipient_id for n in notifications})})}
    to_render = [n for n in notifications if not n.body and n.id not in poisoned]
    action_ids = list({n.action_id for n in to_render if n.action_id})
    # Held while rendering: the session keeps loaded rows only while someone refers to them.
    actions = db.session.scalars(_actions_statement(), {"the_ids": action_ids}).unique().all() \
        if action_ids else []
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


@cache
def _recipients_statement() -> Any:
    return select(Person).options(*addressee_columns()).where(
        Person.id.in_(bindparam("the_ids", expanding=True)))


@cache
def _actions_statement() -> Any:
    return select(Action).options(*action_columns()).where(
        Action.id.in_(bindparam("the_ids", expanding=True)))


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


def _deliver_all(messages: list[ClaimedMessage], now: datetime,
                 budget: _Budget) -> dict[int, SendOutcome]:
    """Hand each message to its channel while the budget allows; failures are recorded one by
    one, the messages that went all together at the end, those left over released."""
    outcomes: dict[int, SendOutcome] = {}
    went: list[tuple[ClaimedMessage, DeliveryResult, str]] = []
    try:
        for index, message in enumerate(messages):
            if index and not budget.allows(message):
                left = messages[index:]
                release([(left_over.id, left_over.attempt) for left_over in left])
                outcomes.update((left_over.id, RELEASED) for left_over in left)
                break
            delivered = _deliver(message, now)
            if isinstance(delivered, SendOutcome):
                outcomes[message.id] = delivered
            elif resend_is_safe(message.channel):
                went.append((message, *delivered))
            else:  # SMTP: sent again it would arrive twice, so its record cannot wait
                _record_sent([(message, *delivered)], now)
                outcomes[message.id] = SendOutcome("sent")
    finally:
        if went:  # also when the batch was cut short: what went is on record
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
    except SoftTimeLimitExceeded:
        # The task's time ran out during the call, which may have reached the provider: the
        # message is uncertain, and the batch stops (its later messages wait for the lease).
        _failed(message.id, message.attempt, now, "the send task ran out of time",
                permanent=False, uncertain=True)
        raise
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
            db.session.execute(finish_statement(), finished)
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
    finish(notification.id, attempt, now, "uncertain" if uncertain else outcome.status, error)
    return outcome
