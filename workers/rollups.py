"""Rollup tasks: apply one event incrementally (queue ``rollups``) and the nightly recompute."""
from __future__ import annotations

import logging

from celery import Celery

from coordinator import rollups
from coordinator.extensions import db
from coordinator.jobs import APPLY_TO_ROLLUPS, RECOMPUTE_ROLLUPS
from workers.celery_app import DATABASE_ERRORS

log = logging.getLogger(__name__)


def register(celery: Celery) -> None:
    @celery.task(
        shared=False, name=APPLY_TO_ROLLUPS.name, queue=APPLY_TO_ROLLUPS.queue, max_retries=10,
        autoretry_for=DATABASE_ERRORS, retry_backoff=True, retry_backoff_max=60,
    )
    def apply_event(event_id: int) -> bool:
        """Apply one outbox event to the rollups; a redelivered event changes nothing."""
        try:
            return rollups.apply_event(int(event_id))
        finally:
            db.session.remove()

    @celery.task(shared=False, name=RECOMPUTE_ROLLUPS.name, queue=RECOMPUTE_ROLLUPS.queue)
    def recompute_all() -> dict[str, int]:
        """Rebuild every rollup set-based and report the drift corrected."""
        try:
            result = rollups.recompute_all()
        finally:
            db.session.remove()
        log.info("rollups recomputed: %s", result)
        return {"run_id": result.run_id, "drift_count": result.drift_count}
