"""Dead letters: background work that failed past its retries, kept for staff to see and retry.

A job is named by its task name and arguments; the same job failing again updates its one row
(``failures``, the latest error) instead of adding another. Work on an outbox event carries the
event id, so the relay's republish check leaves an event with an open dead letter alone.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from coordinator.database import dialect_insert
from coordinator.errors import Conflict, NotFound
from coordinator.extensions import db
from coordinator.models import DeadLetter, Event, Person

ERROR_LIMIT = 4000


def job_key(task_name: str, args: list[Any]) -> str:
    """The identity of a job: its task name and JSON arguments, hashed."""
    text = json.dumps([task_name, args], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def record_dead_letter(task_name: str, args: list[Any], error: str, now: datetime,
                       event_id: int | None = None) -> None:
    """Add (or refresh) the dead letter of one job in the current transaction (caller commits)."""
    key = job_key(task_name, args)
    if event_id is not None and db.session.get(Event, event_id) is None:
        event_id = None  # a poison task may name an event that does not exist
    inserted = db.session.execute(
        dialect_insert(DeadLetter).values(
            key=key, task_name=task_name[:100], args=args, event_id=event_id,
            error=error[:ERROR_LIMIT], failures=1, status="dead",
            first_failed_at=now, last_failed_at=now,
        ).on_conflict_do_nothing(index_elements=["key"]).returning(DeadLetter.id)
    ).first()
    if inserted is None:
        db.session.execute(
            update(DeadLetter).where(DeadLetter.key == key).values(
                error=error[:ERROR_LIMIT], failures=DeadLetter.failures + 1, status="dead",
                last_failed_at=now,
            )
        )


def open_dead_letters(limit: int = 200) -> list[DeadLetter]:
    """The jobs waiting for a person, newest failure first."""
    return list(db.session.scalars(
        select(DeadLetter).where(DeadLetter.status == "dead")
        .order_by(DeadLetter.last_failed_at.desc(), DeadLetter.id.desc()).limit(limit)
    ))


def count_open_dead_letters() -> int:
    return int(db.session.scalar(
        select(func.count()).select_from(DeadLetter).where(DeadLetter.status == "dead")
    ) or 0)


def take_for_retry(letter_id: int, actor: Person | None, now: datetime) -> DeadLetter:
    """Mark a dead letter retried (one transaction) and return it: the caller enqueues the job.

    A retried event job restarts the event's delivery count, so the republish check watches
    it again instead of dead-lettering it at once.
    """
    letter = db.session.get(DeadLetter, letter_id)
    if letter is None:
        raise NotFound("no such failed job")
    if letter.status != "dead":
        db.session.rollback()
        raise Conflict("this job is no longer failed", status=letter.status)
    letter.status = "retried"
    letter.retried_at = now
    letter.retried_by_id = actor.id if actor is not None else None
    if letter.event_id is not None:
        db.session.execute(
            update(Event).where(Event.id == letter.event_id, Event.handled_at.is_(None))
            .values(published_at=now, deliveries=0)
        )
    db.session.commit()
    return letter


def undo_retry(letter_id: int, error: str) -> None:
    """The broker refused the retried job: the letter stays dead, with why."""
    db.session.rollback()
    db.session.execute(
        update(DeadLetter).where(DeadLetter.id == letter_id)
        .values(status="dead", retried_at=None, error=error[:ERROR_LIMIT])
    )
    db.session.commit()
