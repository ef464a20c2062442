"""Tasks: send a batch of notifications, and dispatch the due ones (queue ``notifications``).

Dispatch enqueues the due messages in batches (``dispatch.send_batches``: ``SEND_BATCH_SIZE``
a job for SMS and the outbox, one a job for e-mail over SMTP); the messages a batch had no time
for (a slow provider) are enqueued again in new batches at once. Transient failures retry with
exponential backoff and jitter: a short delay (below the broker's visibility timeout) as a
send job of that message alone with a ``countdown``, longer ones by ``scheduled_for`` and the
dispatch sweep (never an ETA hours away). Quiet-hour SMS go out the same way in the morning. A
database that went away retries the whole batch with backoff: the claim and the lease
(``coordinator.notifications.sending``) keep a retried batch from sending anything twice.
"""
from __future__ import annotations

from collections import Counter

from celery import Celery

from coordinator.jobs import DISPATCH_DUE, SEND_NOTIFICATION, enqueue, job_ids
from coordinator.models import utcnow
from coordinator.notifications.attempts import recover_interrupted
from coordinator.notifications.dispatch import (
    prepare_and_list_due,
    send_batches,
    send_task_expiry,
)
from coordinator.notifications.sending import send_notifications
from workers.celery_app import DATABASE_ERRORS, MAX_COUNTDOWN_SECONDS, TASK_SOFT_TIME_LIMIT

SHORT_RETRY_SECONDS = MAX_COUNTDOWN_SECONDS
# What a batch may spend on provider calls: recording and releasing fit in the rest of the
# task's soft time limit.
BATCH_SECONDS = TASK_SOFT_TIME_LIMIT - 20


def register(celery: Celery) -> None:
    @celery.task(shared=False, name=SEND_NOTIFICATION.name, queue=SEND_NOTIFICATION.queue,
                 max_retries=30, autoretry_for=DATABASE_ERRORS, retry_backoff=True,
                 retry_backoff_max=MAX_COUNTDOWN_SECONDS)
    def send(notification_ids: int | list[int]) -> dict[str, int]:
        """Deliver each notification of the batch at most once by us; one that failed for a
        moment is sent again soon, alone; those the batch had no time for go in new batches.
        How many of each outcome."""
        outcomes = send_notifications(job_ids(notification_ids), utcnow(),
                                      seconds=BATCH_SECONDS)
        for notification_id, outcome in outcomes.items():
            if outcome.status == "retry" and (outcome.retry_in or 0) <= SHORT_RETRY_SECONDS:
                enqueue(celery, SEND_NOTIFICATION, [notification_id],
                        countdown=outcome.retry_in)
        released = [i for i, outcome in outcomes.items() if outcome.status == "released"]
        if released:
            for batch in send_batches(released):
                enqueue(celery, SEND_NOTIFICATION, batch)
        return dict(Counter(outcome.status for outcome in outcomes.values()))

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
            for batch in send_batches(ids):
                # Expiring copies keep a backlog from piling up duplicates: the next
                # dispatch re-enqueues whatever is still pending (the claim dedupes anyway).
                enqueue(celery, SEND_NOTIFICATION, batch, producer=producer, expires=expires)
        return len(ids)
