"""Tasks: send one notification, and dispatch the due ones (queue ``notifications``).

Transient failures retry with exponential backoff and jitter: short delays through Celery's
``retry(countdown=...)``, longer ones by ``scheduled_for`` and the every-minute dispatch
sweep (never an ETA hours away). Quiet-hour SMS go out the same way in the morning.
"""
from __future__ import annotations

from typing import Any

from celery import Celery

from coordinator.models import utcnow

SEND_TASK = "sinergi.notifications.send"
SHORT_RETRY_SECONDS = 300
SEND_EXPIRES_SECONDS = 120


def register(celery: Celery) -> None:
    @celery.task(shared=False, name=SEND_TASK, queue="notifications", bind=True, max_retries=None)
    def send(self: Any, notification_id: int) -> str:
        """Deliver one notification at most once; retry soon on a transient failure."""
        from coordinator.notifications.delivery import send_notification

        outcome = send_notification(int(notification_id), utcnow())
        if outcome.status == "retry" and (outcome.retry_in or 0) <= SHORT_RETRY_SECONDS:
            raise self.retry(countdown=outcome.retry_in, expires=None)
        return outcome.status

    @celery.task(shared=False, name="sinergi.notifications.dispatch_due", queue="notifications")
    def dispatch_due() -> int:
        """Fold floods, apply the SMS cap, and enqueue every notification that is due."""
        from coordinator.notifications.delivery import recover_interrupted
        from coordinator.notifications.dispatch import prepare_and_list_due

        now = utcnow()
        recover_interrupted(now)
        ids = prepare_and_list_due(now)
        with celery.producer_or_acquire() as producer:
            for notification_id in ids:
                # Expiring copies keep a backlog from piling up duplicates: the next
                # dispatch re-enqueues whatever is still pending (the claim dedupes anyway).
                celery.send_task(SEND_TASK, args=[notification_id], queue="notifications",
                                 producer=producer, expires=SEND_EXPIRES_SECONDS)
        return len(ids)
