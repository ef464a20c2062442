"""Tasks: the outbox relay, event handling and the reminder sweep (queue ``default``)."""
from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from sqlalchemy.exc import OperationalError

from coordinator.models import utcnow

log = logging.getLogger(__name__)
DISPATCH_TASK = "sinergi.notifications.dispatch_due"
# Events handled within this many seconds of each other are dispatched together, so a bulk
# assignment of five actions to one cadre folds into one digest instead of five messages.
DISPATCH_GATHER_SECONDS = 2


def register(celery: Celery) -> None:
    @celery.task(shared=False, name="sinergi.relay.publish_outbox", queue="default")
    def publish_outbox() -> int:
        """Publish unpublished outbox events (right after commits, and on beat as safety net)."""
        from workers.relay import publish_outbox as publish

        return publish(celery)

    @celery.task(shared=False, name="sinergi.events.handle", queue="default",
                 autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=60,
                 max_retries=10)
    def handle(event_id: int) -> int:
        """Run the notification handler of one event (idempotent)."""
        from workers.handlers import handle_event

        created = handle_event(int(event_id), utcnow())
        if created:
            celery.send_task(DISPATCH_TASK, queue="notifications",
                             countdown=DISPATCH_GATHER_SECONDS)
        return len(created)

    @celery.task(shared=False, name="sinergi.reminders.sweep", queue="default",
                 soft_time_limit=900, time_limit=960)
    def sweep() -> dict[str, Any]:
        """Plan every reminder and escalation due now (set-based, streamed, idempotent)."""
        from coordinator.notifications.reminders import sweep_reminders

        result = sweep_reminders(utcnow())
        if result.notifications:
            celery.send_task(DISPATCH_TASK, queue="notifications")
        if result.overdue_events:
            celery.send_task("sinergi.relay.publish_outbox", queue="default")
        log.info("reminder sweep: %s", result)
        return vars(result)
