"""Tasks: the outbox relay (queue ``relay``), event handling and the reminder sweep (``default``)."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import Celery
from flask import current_app

from coordinator.jobs import (
    DISPATCH_DUE,
    HANDLE_EVENTS,
    RELAY_OUTBOX,
    REPUBLISH_UNHANDLED,
    SWEEP_REMINDERS,
    enqueue,
    job_ids,
)
from coordinator.models import utcnow
from coordinator.notifications.reminders import sweep_reminders
from coordinator.queue import relay_started
from workers.celery_app import DATABASE_ERRORS
from workers.handlers import handle_events
from workers.relay import publish_outbox as publish
from workers.relay import republish_unhandled

log = logging.getLogger(__name__)
# Events handled within this many seconds of each other are dispatched together, so a bulk
# assignment of five actions to one cadre folds into one digest instead of five messages.
DISPATCH_GATHER_SECONDS = 2


def register(celery: Celery) -> None:
    @celery.task(shared=False, name=RELAY_OUTBOX.name, queue=RELAY_OUTBOX.queue)
    def publish_outbox() -> int:
        """Publish unpublished outbox events (right after commits, and on beat as safety net)."""
        relay_started()  # a commit from now on asks for another relay
        return publish(celery)

    @celery.task(shared=False, name=REPUBLISH_UNHANDLED.name, queue=REPUBLISH_UNHANDLED.queue)
    def republish() -> dict[str, int]:
        """Hand events that their handlers have not processed within the bound out again."""
        bound = timedelta(seconds=current_app.extensions["sinergi"].event_handling_bound_seconds)
        result = republish_unhandled(celery, bound)
        if result.republished or result.dead_lettered:
            log.warning("outbox recheck: %s", result)
        return vars(result)

    @celery.task(shared=False, name=HANDLE_EVENTS.name, queue=HANDLE_EVENTS.queue,
                 autoretry_for=DATABASE_ERRORS, retry_backoff=True, retry_backoff_max=60,
                 max_retries=10)
    def handle(ids: int | list[int]) -> int:
        """Run the notification handler of a batch of events (or one), idempotent."""
        created = handle_events(job_ids(ids), utcnow())
        if created:
            enqueue(celery, DISPATCH_DUE, countdown=DISPATCH_GATHER_SECONDS)
        return len(created)

    @celery.task(shared=False, name=SWEEP_REMINDERS.name, queue=SWEEP_REMINDERS.queue,
                 soft_time_limit=900, time_limit=960)
    def sweep() -> dict[str, Any]:
        """Plan every reminder and escalation due now (set-based, streamed, idempotent)."""
        result = sweep_reminders(utcnow())
        if result.notifications:
            enqueue(celery, DISPATCH_DUE)
        if result.overdue_events:
            enqueue(celery, RELAY_OUTBOX)
        log.info("reminder sweep: %s", result)
        return vars(result)
