"""Event jobs over a batch of ids: each event on its own, so a poison one cannot block the rest.

A batch names many events; an event whose work fails for a reason that retrying the batch
cannot cure (a malformed payload, an unknown type, a bug) becomes its own dead letter, as if
its job had been sent for it alone (``job(event_id)``: the republish check leaves it to staff,
and *Run again* sends just it), and the others are done. A database that went away fails the
whole batch instead, which Celery retries: the events done already are skipped then.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app

from coordinator.extensions import db
from coordinator.jobs import Job
from workers.celery_app import DATABASE_ERRORS
from workers.dead_letters import describe, store

T = TypeVar("T")
# Not the event's fault: the batch's task fails and is retried (or times out) as a whole.
NOT_POISON = (*DATABASE_ERRORS, SoftTimeLimitExceeded)


def each_alone(job: Job, event_ids: list[int], work: Callable[[int], T]) -> list[T]:
    """``work(event_id)`` for each id in turn (each its own transaction); the results of those
    that succeeded. One that fails becomes the dead letter of ``job`` for that event alone."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    results = []
    for event_id in event_ids:
        try:
            results.append(work(event_id))
        except NOT_POISON:
            raise
        except Exception as exc:  # noqa: BLE001 - any other failure is this event's own
            db.session.rollback()
            store(app, job.name, [event_id], describe(exc, exc.__traceback__))
    return results
