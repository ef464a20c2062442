"""Sending one notification: claim it, render it, hand it to its channel, record the outcome.

The claim is a conditional UPDATE (``attempts = seen``) plus an in-flight ``DeliveryAttempt``
row, committed before the channel is called: two workers never both deliver the same message,
and a task redelivered after a crash between delivery and commit finds the attempt in flight
and does not deliver again.

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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import InterfaceError, OperationalError

from coordinator.channels import (
    DeliveryResult,
    PermanentDeliveryError,
    TransientDeliveryError,
    UncertainDeliveryError,
    confirm_sent,
    transmit,
)
from coordinator.extensions import db
from coordinator.models import DeliveryAttempt, Notification
from coordinator.notifications.contents import render_into
from coordinator.notifications.dispatch import MAX_ATTEMPTS, SENDABLE

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


def backoff_seconds(attempt: int, rng: random.Random | None = None,
                    base: float = BACKOFF_BASE_SECONDS) -> float:
    """Exponential backoff with full jitter in its upper half: 30 s, 60 s, 120 s ... capped."""
    ceiling = min(base * 2 ** max(attempt - 1, 0), BACKOFF_CAP_SECONDS)
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def claim(notification_id: int, now: datetime) -> int | None:
    """Take the notification for one delivery attempt; returns the attempt number or None."""
    query = select(Notification.attempts, Notification.status, Notification.scheduled_for).where(
        Notification.id == notification_id
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = db.session.execute(query).one_or_none()
    if row is None or row.status not in SENDABLE or row.scheduled_for > now:
        db.session.rollback()
        return None
    if row.attempts >= MAX_ATTEMPTS or _in_flight(notification_id):
        db.session.rollback()
        return None
    attempt = row.attempts + 1
    won = _rowcount(db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.attempts == row.attempts,
               Notification.status.in_(SENDABLE))
        .values(attempts=attempt)
    ))
    if won != 1:
        db.session.rollback()
        return None
    db.session.add(DeliveryAttempt(notification_id=notification_id, attempt=attempt, started_at=now))
    db.session.commit()
    return attempt


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _in_flight(notification_id: int) -> bool:
    return db.session.scalar(
        select(DeliveryAttempt.attempt).where(
            DeliveryAttempt.notification_id == notification_id,
            DeliveryAttempt.finished_at.is_(None),
        ).limit(1)
    ) is not None


def send_notification(notification_id: int, now: datetime) -> SendOutcome:
    """Deliver one due notification once; transient failures come back with a retry delay."""
    attempt = claim(notification_id, now)
    if attempt is None:
        return SendOutcome("skipped")
    notification = db.session.get(Notification, notification_id)
    assert notification is not None
    try:
        if not notification.body:
            render_into(notification, now)
            db.session.commit()
    except (OperationalError, InterfaceError):
        raise  # the database went away, not the message: the task retries (the lease holds)
    except Exception as exc:  # noqa: BLE001 - a message that cannot be rendered never will be
        return _failed(notification_id, attempt, now, f"cannot render: {exc}", permanent=True)
    try:
        if notification.uncertain_since is not None:
            went = confirm_sent(notification, notification.uncertain_since)
            if went is not None:
                return _record_sent(notification_id, attempt, now, went, "confirmed")
        result = transmit(notification)
    except UncertainDeliveryError as exc:
        return _failed(notification_id, attempt, now, exc.message, permanent=False,
                       uncertain=True)
    except PermanentDeliveryError as exc:
        return _failed(notification_id, attempt, now, exc.message, permanent=True)
    except TransientDeliveryError as exc:
        return _failed(notification_id, attempt, now, exc.message, permanent=False)
    except Exception as exc:  # noqa: BLE001 - unknown adapter failure: retry, then dead
        return _failed(notification_id, attempt, now, f"{type(exc).__name__}: {exc}",
                       permanent=False)
    return _record_sent(notification_id, attempt, now, result, "sent")


def _record_sent(notification_id: int, attempt: int, now: datetime, result: DeliveryResult,
                 outcome: str) -> SendOutcome:
    """Record a message the provider took. The database may be restarting: the message has
    gone, so keep trying for a while rather than leave it to look interrupted."""
    notification = db.session.get(Notification, notification_id)
    assert notification is not None
    provider_status = notification.provider_status  # set by some channels (the outbox)
    for delay in (*RECORD_RETRY_DELAYS, None):
        try:
            notification.status = "sent"
            notification.sent_at = now
            notification.provider_id = result.provider_id or notification.provider_id
            notification.provider_status = provider_status
            notification.sms_parts = result.parts or notification.sms_parts
            notification.last_error = None
            notification.uncertain_since = None
            _finish(notification_id, attempt, now, outcome, None)
            db.session.commit()
            return SendOutcome("sent")
        except (OperationalError, InterfaceError):
            db.session.rollback()
            if delay is None:
                raise
            log.warning("notification %s went out; recording it failed, retrying", notification_id)
            time.sleep(delay)
            notification = db.session.get(Notification, notification_id)
            assert notification is not None
    raise AssertionError("unreachable")


def _failed(notification_id: int, attempt: int, now: datetime, error: str,
            *, permanent: bool, uncertain: bool = False) -> SendOutcome:
    db.session.rollback()
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
    db.session.commit()
    return outcome


def _finish(notification_id: int, attempt: int, now: datetime, outcome: str,
            error: str | None) -> None:
    db.session.execute(
        update(DeliveryAttempt)
        .where(DeliveryAttempt.notification_id == notification_id,
               DeliveryAttempt.attempt == attempt)
        .values(finished_at=now, outcome=outcome, error=(error or None) and error[:500])
    )


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
