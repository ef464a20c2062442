"""Rollup tasks: apply a batch of events incrementally (queue ``rollups``) and the nightly
recompute. A batch is one transaction; if it fails for a reason other than the database, its
events are applied one by one, so that exactly the poison one becomes a dead letter."""
from __future__ import annotations

import logging

from celery import Celery

from coordinator import rollups
from coordinator.extensions import db
from coordinator.jobs import APPLY_TO_ROLLUPS, RECOMPUTE_ROLLUPS, job_ids
from workers.batches import NOT_POISON, each_alone
from workers.celery_app import DATABASE_ERRORS

log = logging.getLogger(__name__)


def register(celery: Celery) -> None:
    @celery.task(
        shared=False, name=APPLY_TO_ROLLUPS.name, queue=APPLY_TO_ROLLUPS.queue, max_retries=10,
        autoretry_for=DATABASE_ERRORS, retry_backoff=True, retry_backoff_max=60,
    )
    def apply_events(ids: int | list[int]) -> int:
        """Apply a batch of outbox events (or one) to the rollups; returns how many were applied
        now (a redelivered event changes nothing)."""
        batch = job_ids(ids)
        try:
            return len(rollups.apply_events(batch))
        except NOT_POISON:
            raise
        except Exception:  # one event's fault, but which: applied alone, each tells
            db.session.rollback()
            log.warning("rollups: a batch of %d events failed; applying them one by one",
                        len(batch), exc_info=True)
            applied = each_alone(APPLY_TO_ROLLUPS, batch, lambda i: rollups.apply_events([i]))
            return sum(len(ids) for ids in applied)
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
