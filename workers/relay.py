"""The outbox relay: hand events to Celery, and hand them again until they are handled.

Each event id goes to every handler's job: the notification handler (``HANDLE_EVENTS``) and the
rollups (``APPLY_TO_ROLLUPS``), in one message per handler for up to ``IDS_PER_MESSAGE`` ids (a
Celery publish costs a broker round trip and milliseconds of kombu work; one per event and
handler held the relay far below 1,000 events/s). Rows are read in id order in batches; on
PostgreSQL with ``FOR UPDATE SKIP LOCKED`` so concurrent relays take different rows. A row is
marked published only after the broker accepted its messages; if the broker is down the
transaction rolls back and the rows wait for the next run.

Published is not done: an event is done when every handler has processed it (a
``processed_events`` row each; ``handled_at`` is then set). ``republish_unhandled`` hands an
event published longer ago than the bound, and still not handled, to its missing handlers
again, so a broker that lost its queues loses nothing; after ``MAX_DELIVERIES`` it becomes a
dead letter for staff instead of going round for ever.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import Celery
from sqlalchemy import and_, exists, func, select, update

from coordinator.domain.dead_letters import record_dead_letter
from coordinator.extensions import db
from coordinator.jobs import APPLY_TO_ROLLUPS, HANDLE_EVENTS, Job, enqueue, in_chunks
from coordinator.models import DeadLetter, Event, ProcessedEvent, utcnow
from coordinator.rollups.incremental import HANDLER as ROLLUPS_HANDLER
from workers.handlers import HANDLER_NAME as NOTIFICATIONS_HANDLER

BATCH = 500
# One message's ids: the rollups apply them in one transaction, so it also bounds its length.
IDS_PER_MESSAGE = 100
MAX_DELIVERIES = 5
# handler name (as written in processed_events) -> the job that runs it
HANDLER_JOBS: dict[str, Job] = {NOTIFICATIONS_HANDLER: HANDLE_EVENTS, ROLLUPS_HANDLER: APPLY_TO_ROLLUPS}


@dataclass(frozen=True)
class RecheckResult:
    settled: int
    republished: int
    dead_lettered: int


def publish_outbox(celery: Celery, batch: int = BATCH, max_batches: int = 100) -> int:
    """Publish pending events in batches; returns how many were published."""
    total = 0
    for _ in range(max_batches):
        published = _publish_batch(celery, batch)
        total += published
        if published < batch:
            break
    return total


def _locked(query):  # type: ignore[no-untyped-def]
    if db.engine.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def _publish_batch(celery: Celery, batch: int) -> int:
    query = select(Event.id).where(Event.published_at.is_(None)).order_by(Event.id).limit(batch)
    ids = list(db.session.scalars(_locked(query)))
    if not ids:
        db.session.rollback()
        return 0
    _send(celery, {job: ids for job in HANDLER_JOBS.values()})
    db.session.execute(
        update(Event).where(Event.id.in_(ids), Event.published_at.is_(None))
        .values(published_at=utcnow(), deliveries=Event.deliveries + 1)
    )
    db.session.commit()
    return len(ids)


def _send(celery: Celery, work: dict[Job, list[int]]) -> None:
    """One message per job and chunk of its event ids, over one connection."""
    try:
        with celery.producer_or_acquire() as producer:
            for job, ids in work.items():
                for chunk in in_chunks(ids, IDS_PER_MESSAGE):
                    enqueue(celery, job, chunk, producer=producer)
    except Exception:
        db.session.rollback()
        raise


def _processed(handler: str) -> object:
    return exists().where(ProcessedEvent.event_id == Event.id, ProcessedEvent.handler == handler)


def settle_handled(now: datetime) -> int:
    """Mark every published event that all handlers processed as handled; returns how many."""
    every_handler = and_(*(_processed(name) for name in HANDLER_JOBS))  # type: ignore[arg-type]
    result = db.session.execute(
        update(Event).where(Event.handled_at.is_(None), Event.published_at.is_not(None),
                            every_handler).values(handled_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def republish_unhandled(celery: Celery, bound: timedelta, now: datetime | None = None,
                        batch: int = BATCH) -> RecheckResult:
    """Settle handled events, then publish again those unhandled for longer than ``bound``."""
    now = now or utcnow()
    settled = settle_handled(now)
    open_letter = exists().where(DeadLetter.event_id == Event.id, DeadLetter.status == "dead")
    query = (select(Event.id, Event.deliveries)
             .where(Event.handled_at.is_(None), Event.published_at < now - bound, ~open_letter)
             .order_by(Event.id).limit(batch))
    rows = list(db.session.execute(_locked(query)))
    if not rows:
        db.session.rollback()
        return RecheckResult(settled, 0, 0)
    missing = _missing_handlers([row.id for row in rows])
    again = [(r.id, missing[r.id]) for r in rows if r.deliveries < MAX_DELIVERIES]
    given_up = [(r.id, missing[r.id]) for r in rows if r.deliveries >= MAX_DELIVERIES]
    _send(celery, _by_job(again))
    if again:
        db.session.execute(
            update(Event).where(Event.id.in_([event_id for event_id, _ in again]))
            .values(published_at=now, deliveries=Event.deliveries + 1)
        )
    for event_id, jobs in given_up:
        for job in jobs:
            record_dead_letter(job.name, [event_id], f"not handled after {MAX_DELIVERIES} "
                               "deliveries (the task was lost or never finished)", now,
                               event_id=event_id)
    db.session.commit()
    return RecheckResult(settled, len(again), len(given_up))


def _by_job(work: list[tuple[int, list[Job]]]) -> dict[Job, list[int]]:
    ids: dict[Job, list[int]] = {}
    for event_id, jobs in work:
        for job in jobs:
            ids.setdefault(job, []).append(event_id)
    return ids


def _missing_handlers(event_ids: list[int]) -> dict[int, list[Job]]:
    done: dict[int, set[str]] = {event_id: set() for event_id in event_ids}
    for event_id, handler in db.session.execute(
        select(ProcessedEvent.event_id, ProcessedEvent.handler)
        .where(ProcessedEvent.event_id.in_(event_ids))
    ):
        done[event_id].add(handler)
    return {event_id: [job for name, job in HANDLER_JOBS.items() if name not in handlers]
            or list(HANDLER_JOBS.values())
            for event_id, handlers in done.items()}


def unhandled_count() -> int:
    """Events not yet processed by every handler (published or not)."""
    return int(db.session.scalar(
        select(func.count()).select_from(Event).where(Event.handled_at.is_(None))
    ) or 0)
