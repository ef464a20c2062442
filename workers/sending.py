"""Tasks: send one notification, and dispatch the due ones (queue ``notifications``).

Transient failures retry with exponential backoff and jitter: short delays through Celery's
``retry(countdown=...)`` (below the broker's visibility timeout), longer ones by
``scheduled_for`` and the dispatch sweep (never an ETA hours away). Quiet-hour SMS go out the
same way in the morning. A database that went away is retried with backoff: the claim and the
lease (``coordinator.notifications.sending``) keep a retried send from going out twice.
"""
from __future__ import annotations

from typing import Any

from celery import Celery

from coordinator.jobs import DISPATCH_DUE, SEND_NOTIFICATION, enqueue
from coordinator.models import utcnow
from coordinator.notifications.dispatch import prepare_and_list_due, send_task_expiry
from coordinator.notifications.sending import recover_interrupted, send_notification
from workers.celery_app import DATABASE_ERRORS, MAX_COUNTDOWN_SECONDS

SHORT_RETRY_SECONDS = MAX_COUNTDOWN_SECONDS


def register(celery: Celery) -> None:
    @celery.task(shared=False, name=SEND_NOTIFICATION.name, queue=SEND_NOTIFICATION.queue,
                 bind=True, max_retries=30, autoretry_for=DATABASE_ERRORS, retry_backoff=True,
                 retry_backoff_max=MAX_COUNTDOWN_SECONDS)
    def send(self: Any, notification_id: int) -> str:
        """Deliver one notification at most once by us; retry soon on a transient failure."""
        outcome = send_notification(int(notification_id), utcnow())
        if outcome.status == "retry" and (outcome.retry_in or 0) <= SHORT_RETRY_SECONDS:
            raise self.retry(countdown=outcome.retry_in, expires=None)
        return outcome.status

    @celery.task(shared=False, name=DISPATCH_DUE.name, queue=DISPATCH_DUE.queue,
                 autoretry_for=DATABASE_ERRORS, retry_backoff=True,
                 retry_backoff_max=MAX_COUNTDOWN_SECONDS, max_retries=5)
    def dispatch_due() -> int:
        """Fold floods, apply the SMS cap, and enqueue every notification that is due."""
        now = utcnow()
        recover_interrupted(now)
        ids = prepare_and_list_due(now)
        expires = send_task_expiry().total_seconds()
        with celery.producer_or_acquire() as producer:
            for notification_id in ids:
                # Expiring copies keep a backlog from piling up duplicates: the next
                # dispatch re-enqueues whatever is still pending (the claim dedupes anyway).
                enqueue(celery, SEND_NOTIFICATION, notification_id, producer=producer,
                        expires=expires)
        return len(ids)
