"""Tasks: send one notification, and dispatch the due ones (queue ``notifications``).

Transient failures retry with exponential backoff and jitter: short delays through Celery's
``retry(countdown=...)``, longer ones by ``scheduled_for`` and the every-minute dispatch
sweep (never an ETA hours away). Quiet-hour SMS go out the same way in the morning.
"""
from __future__ import annotations

from typing import Any

from celery import Celery

from coordinator.jobs import DISPATCH_DUE, SEND_NOTIFICATION, enqueue
from coordinator.models import utcnow
from coordinator.notifications.dispatch import prepare_and_list_due
from coordinator.notifications.sending import recover_interrupted, send_notification

SHORT_RETRY_SECONDS = 300
SEND_EXPIRES_SECONDS = 120


def register(celery: Celery) -> None:
    @celery.task(shared=False, name=SEND_NOTIFICATION.name, queue=SEND_NOTIFICATION.queue,
                 bind=True, max_retries=None)
    def send(self: Any, notification_id: int) -> str:
        """Deliver one notification at most once; retry soon on a transient failure."""
        outcome = send_notification(int(notification_id), utcnow())
        if outcome.status == "retry" and (outcome.retry_in or 0) <= SHORT_RETRY_SECONDS:
            raise self.retry(countdown=outcome.retry_in, expires=None)
        return outcome.status

    @celery.task(shared=False, name=DISPATCH_DUE.name, queue=DISPATCH_DUE.queue)
    def dispatch_due() -> int:
        """Fold floods, apply the SMS cap, and enqueue every notification that is due."""
        now = utcnow()
        recover_interrupted(now)
        ids = prepare_and_list_due(now)
        with celery.producer_or_acquire() as producer:
            for notification_id in ids:
                # Expiring copies keep a backlog from piling up duplicates: the next
                # dispatch re-enqueues whatever is still pending (the claim dedupes anyway).
                enqueue(celery, SEND_NOTIFICATION, notification_id, producer=producer,
                        expires=SEND_EXPIRES_SECONDS)
        return len(ids)
