"""Sending one notification: claim it, render it, hand it to its channel, record the outcome.

The claim is a conditional UPDATE (``attempts = seen``) plus an in-flight ``DeliveryAttempt``
row, committed before the channel is called: two workers never both deliver the same message,
and a task redelivered after a crash between delivery and commit finds the attempt in flight
and does not deliver again (``recover_interrupted`` later marks such messages dead for a
person to check and retry).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from coordinator.channels import PermanentDeliveryError, TransientDeliveryError, transmit
from coordinator.extensions import db
from coordinator.models import DeliveryAttempt, Notification
from coordinator.notifications.contents import render_into
from coordinator.notifications.dispatch import MAX_ATTEMPTS, SENDABLE

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
IN_FLIGHT_LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class SendOutcome:
    status: str  # sent / retry / dead / skipped
    retry_in: float | None = None


def backoff_seconds(attempt: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter in its upper half: 30 s, 60 s, 120 s ... capped."""
    ceiling = min(BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_CAP_SECONDS)
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
            render_into(notification)
            db.session.commit()
    except Exception as exc:  # noqa: BLE001 - a message that cannot be rendered never will be
        return _failed(notification_id, attempt, now, f"cannot render: {exc}", permanent=True)
    try:
        result = transmit(notification)
    except PermanentDeliveryError as exc:
        return _failed(notification_id, attempt, now, exc.message, permanent=True)
    except TransientDeliveryError as exc:
        return _failed(notification_id, attempt, now, exc.message, permanent=False)
    except Exception as exc:  # noqa: BLE001 - unknown adapter failure: retry, then dead
        return _failed(notification_id, attempt, now, f"{type(exc).__name__}: {exc}",
                       permanent=False)
    notification.status = "sent"
    notification.sent_at = now
    notification.provider_id = result.provider_id or notification.provider_id
    notification.sms_parts = result.parts or notification.sms_parts
    notification.last_error = None
    _finish(notification_id, attempt, now, "sent", None)
    db.session.commit()
    return SendOutcome("sent")


def _failed(notification_id: int, attempt: int, now: datetime, error: str,
            *, permanent: bool) -> SendOutcome:
    db.session.rollback()
    notification = db.session.get(Notification, notification_id)
    assert notification is not None
    notification.last_error = error[:500]
    if permanent or attempt >= MAX_ATTEMPTS:
        notification.status = "dead"
        outcome = SendOutcome("dead")
    else:
        delay = backoff_seconds(attempt)
        notification.status = "failed"
        notification.scheduled_for = now + timedelta(seconds=delay)
        outcome = SendOutcome("retry", delay)
    _finish(notification.id, attempt, now, outcome.status, error)
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


def recover_interrupted(now: datetime) -> int:
    """Attempts in flight past the lease were cut off mid-delivery: mark those messages dead.

    Whether the provider got the message is unknown, so a person decides (retry button):
    sending it again automatically could reach the cadre twice.
    """
    stale = list(db.session.execute(
        select(DeliveryAttempt.notification_id, DeliveryAttempt.attempt).where(
            DeliveryAttempt.finished_at.is_(None),
            DeliveryAttempt.started_at < now - IN_FLIGHT_LEASE,
        )
    ))
    for row in stale:
        _finish(row.notification_id, row.attempt, now, "interrupted",
                "worker stopped during delivery")
        db.session.execute(
            update(Notification).where(Notification.id == row.notification_id,
                                       Notification.status.in_(SENDABLE))
            .values(status="dead", last_error="Delivery was interrupted; check and retry.")
        )
    db.session.commit()
    return len(stale)


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
