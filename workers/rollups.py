"""Rollup tasks: apply one event incrementally (queue ``rollups``) and the nightly recompute."""
from __future__ import annotations

import logging

from celery import Celery
from sqlalchemy.exc import OperationalError

from coordinator.extensions import db

APPLY_EVENT = "sinergi.rollups.apply_event"
RECOMPUTE_ALL = "sinergi.rollups.recompute_all"
log = logging.getLogger(__name__)


def register(celery: Celery) -> None:
    @celery.task(
        shared=False, name=APPLY_EVENT, queue="rollups", bind=True, max_retries=10,
        autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=60,
    )
    def apply_event(self: object, event_id: int) -> bool:
        """Apply one outbox event to the rollups; a redelivered event changes nothing."""
        from coordinator.rollups import apply_event as apply

        try:
            return apply(int(event_id))
        finally:
            db.session.remove()

    @celery.task(shared=False, name=RECOMPUTE_ALL, queue="rollups")
    def recompute_all() -> dict[str, int]:
        """Rebuild every rollup set-based and report the drift corrected."""
        from coordinator.rollups import recompute_all as recompute

        try:
            result = recompute()
        finally:
            db.session.remove()
        log.info("rollups recomputed: %s", result)
        return {"run_id": result.run_id, "drift_count": result.drift_count}
