"""The outbox relay: hand unpublished events to Celery, mark them published once accepted.

Each event id goes to the notification handler (``HANDLE_EVENT``) and to the rollups
(``APPLY_TO_ROLLUPS``). Rows are read in id order in batches; on
PostgreSQL with ``FOR UPDATE SKIP LOCKED`` so concurrent relays take different rows. A row is
marked published only after the broker accepted both messages (no exception from publish);
if the broker is down the transaction rolls back and the rows wait for the next run.
"""
from __future__ import annotations

from celery import Celery
from sqlalchemy import select, update

from coordinator.extensions import db
from coordinator.jobs import APPLY_TO_ROLLUPS, HANDLE_EVENT, enqueue
from coordinator.models import Event, utcnow

BATCH = 500


def publish_outbox(celery: Celery, batch: int = BATCH, max_batches: int = 100) -> int:
    """Publish pending events in batches; returns how many were published."""
    total = 0
    for _ in range(max_batches):
        published = _publish_batch(celery, batch)
        total += published
        if published < batch:
            break
    return total


def _publish_batch(celery: Celery, batch: int) -> int:
    query = select(Event.id).where(Event.published_at.is_(None)).order_by(Event.id).limit(batch)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    if not ids:
        db.session.rollback()
        return 0
    try:
        with celery.producer_or_acquire() as producer:
            for event_id in ids:
                enqueue(celery, HANDLE_EVENT, event_id, producer=producer)
                enqueue(celery, APPLY_TO_ROLLUPS, event_id, producer=producer)
    except Exception:
        db.session.rollback()
        raise
    db.session.execute(
        update(Event).where(Event.id.in_(ids), Event.published_at.is_(None))
        .values(published_at=utcnow())
    )
    db.session.commit()
    return len(ids)
