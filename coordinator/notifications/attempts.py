"""Delivery attempts: the claim that starts them, their end, and the lease over them.

A claim takes notifications for one attempt each: one conditional UPDATE (due, sendable,
attempts left, row not locked by another claim) counts the attempt, one INSERT … SELECT adds
the in-flight ``DeliveryAttempt`` row only where no attempt is in flight; a batch out of time
releases the claims it did not get to (``release``). The attempt in flight is a lease
(``SEND_LEASE_SECONDS``): past it ``recover_interrupted`` ends it as ``interrupted`` and the
message becomes uncertain (``coordinator.notifications.sending`` says what happens then).
Also here: how uncertain sends were settled, and the admin's retry button.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from flask import current_app
from sqlalchemy import Integer, String, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import aliased

from coordinator.extensions import db
from coordinator.models import DeliveryAttempt, Notification
from coordinator.models.base import UTCDateTime
from coordinator.notifications.dispatch import MAX_ATTEMPTS, SENDABLE, in_flight

UNCERTAIN_OUTCOMES = ("uncertain", "interrupted")


def claim(notification_id: int, now: datetime) -> Notification | None:
    """Take the notification for one delivery attempt, in the caller's transaction (who commits
    it): returns it with ``attempts`` counting this attempt, or None (rolled back) if it is not
    due, another claim holds it, it is out of attempts, or an attempt is still in flight."""
    return claim_all([notification_id], now).get(notification_id)


def claim_all(notification_ids: Sequence[int], now: datetime) -> dict[int, Notification]:
    """Take each notification that can go now for one delivery attempt, in the caller's
    transaction (who commits it): those taken, by id, ``attempts`` counting this attempt.

    One UPDATE locks the rows (skipping those another claim has locked) and checks each row's
    own state; the attempt rows are inserted in one statement only where no attempt is in
    flight, read after the locks, so a claim committed in the meantime is seen; a row locked
    but not started gets its attempt back. Nothing taken: rolled back.
    """
    claimed = {notification.id: notification for notification in db.session.scalars(
        _claim_statement(), {"the_ids": list(notification_ids), "the_now": now})}
    started = set(db.session.scalars(_start_statement(), {
        "the_ids": list(claimed), "the_now": now})) if claimed else set()
    if not started:
        db.session.rollback()
        return {}
    if len(started) < len(claimed):
        db.session.execute(_unclaim_statement(), {"the_ids": list(set(claimed) - started)})
    return {notification_id: claimed[notification_id] for notification_id in started}


# The statements of every send are built once (``cache``) with bound parameters: building and
# keying a fresh construct for each message cost more than running it. Parameter names are
# not column names: an UPDATE would read such a parameter as a value to SET. The rows' own
# statements are on the tables, not the entities: an ORM UPDATE or INSERT given a list of
# parameters would be a bulk operation by primary key.
@cache
def _claim_statement() -> Any:
    mine = aliased(Notification)
    unlocked = (select(mine.id).where(mine.id.in_(bindparam("the_ids", expanding=True)))
                .with_for_update(skip_locked=True))
    return (
        update(Notification)
        .where(Notification.id.in_(unlocked), Notification.status.in_(SENDABLE),
               Notification.scheduled_for <= bindparam("the_now", type_=UTCDateTime()),
               Notification.attempts < MAX_ATTEMPTS)
        .values(attempts=Notification.attempts + 1)
        .returning(Notification)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


@cache
def _start_statement() -> Any:
    attempts = cast(Table, DeliveryAttempt.__table__)
    return insert(attempts).from_select(
        ["notification_id", "attempt", "started_at"],
        select(Notification.id, Notification.attempts,
               bindparam("the_now", type_=UTCDateTime()))
        .where(Notification.id.in_(bindparam("the_ids", expanding=True)),
               ~in_flight(Notification.id)),
    ).returning(attempts.c.notification_id)


@cache
def _unclaim_statement() -> Any:
    notifications = cast(Table, Notification.__table__)
    return (update(notifications)
            .where(notifications.c.id.in_(bindparam("the_ids", expanding=True)))
            .values(attempts=notifications.c.attempts - 1))


def release(claims: Sequence[tuple[int, int]]) -> None:
    """Give back claims (notification id, attempt) whose messages never reached a provider: the
    attempt in flight is removed and counted back, as if never claimed, so the messages are
    due again at once. Commits."""
    if not claims:
        return
    db.session.execute(_release_statement(), [{"the_id": notification_id, "the_attempt": attempt}
                                               for notification_id, attempt in claims])
    db.session.execute(_unclaim_statement(), {"the_ids": [i for i, _ in claims]})
    db.session.commit()


@cache
def _release_statement() -> Any:
    attempts = cast(Table, DeliveryAttempt.__table__)
    return (delete(attempts)
            .where(attempts.c.notification_id == bindparam("the_id", type_=Integer),
                   attempts.c.attempt == bindparam("the_attempt", type_=Integer),
                   attempts.c.finished_at.is_(None)))


@cache
def finish_statement() -> Any:
    attempts = cast(Table, DeliveryAttempt.__table__)
    return (update(attempts)
            .where(attempts.c.notification_id == bindparam("the_id", type_=Integer),
                   attempts.c.attempt == bindparam("the_attempt", type_=Integer))
            .values(finished_at=bindparam("the_now", type_=UTCDateTime()),
                    outcome=bindparam("the_outcome", type_=String()),
                    error=bindparam("the_error", type_=String())))


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def finish(notification_id: int, attempt: int, now: datetime, outcome: str,
           error: str | None) -> None:
    db.session.execute(finish_statement(), {
        "the_id": notification_id, "the_attempt": attempt, "the_now": now,
        "the_outcome": outcome, "the_error": (error or None) and error[:500]})


def send_lease() -> timedelta:
    """How long an attempt may stay in flight before it counts as interrupted."""
    return timedelta(seconds=current_app.extensions["sinergi"].send_lease_seconds)


def recover_interrupted(now: datetime) -> int:
    """Attempts in flight past the lease were cut off mid-delivery: their messages become
    uncertain and due now; the next attempt asks the channel before it sends again."""
    stale = list(db.session.execute(
        select(DeliveryAttempt.notification_id, DeliveryAttempt.attempt,
               DeliveryAttempt.started_at).where(
            DeliveryAttempt.finished_at.is_(None),
            DeliveryAttempt.started_at < now - send_lease(),
        )
    ))
    for row in stale:
        finish(row.notification_id, row.attempt, now, "interrupted",
               "worker stopped during delivery")
        notification = db.session.get(Notification, row.notification_id)
        if notification is None or notification.status not in SENDABLE:
            continue
        notification.uncertain_since = notification.uncertain_since or row.started_at
        notification.last_error = "Delivery was interrupted; checking before sending again."
        if notification.attempts >= MAX_ATTEMPTS:
            notification.status = "dead"
        else:
            notification.status = "failed"
            notification.scheduled_for = now
    db.session.commit()
    return len(stale)


@dataclass(frozen=True)
class UncertainCounts:
    """Uncertain sends since a moment: how many, and how each was settled."""

    attempts: int  # attempts that ended without knowing (timeouts, interrupted workers)
    confirmed: int  # messages the provider said had gone: recorded, not sent again
    resent: int  # messages sent again (the provider said no, or its key drops repeats)
    unresolved: int  # messages still uncertain now


def uncertain_counts(since: datetime, notification_ids: Any = None) -> UncertainCounts:
    """Count uncertain sends since ``since`` (optionally among ``notification_ids``, a query)."""

    def count(*where: Any, distinct: bool = True) -> int:
        column = func.count(func.distinct(DeliveryAttempt.notification_id)) if distinct \
            else func.count()
        query = select(column).select_from(DeliveryAttempt).where(
            DeliveryAttempt.started_at >= since, *where)
        if notification_ids is not None:
            query = query.where(DeliveryAttempt.notification_id.in_(notification_ids))
        return int(db.session.scalar(query) or 0)

    was_uncertain = DeliveryAttempt.notification_id.in_(
        select(DeliveryAttempt.notification_id)
        .where(DeliveryAttempt.outcome.in_(UNCERTAIN_OUTCOMES)))
    unresolved = select(func.count()).select_from(Notification).where(
        Notification.uncertain_since.is_not(None), Notification.uncertain_since >= since)
    if notification_ids is not None:
        unresolved = unresolved.where(Notification.id.in_(notification_ids))
    return UncertainCounts(
        attempts=count(DeliveryAttempt.outcome.in_(UNCERTAIN_OUTCOMES), distinct=False),
        confirmed=count(DeliveryAttempt.outcome == "confirmed"),
        resent=count(DeliveryAttempt.outcome == "sent", was_uncertain),
        unresolved=int(db.session.scalar(unresolved) or 0),
    )


def retry_dead(notification_id: int, now: datetime) -> bool:
    """Put a dead notification back in the queue (the admin's retry button)."""
    changed = _rowcount(db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "dead")
        .values(status="pending", attempts=0, scheduled_for=now, last_error=None)
    ))
    if changed:
        db.session.execute(
            update(DeliveryAttempt).where(DeliveryAttempt.notification_id == notification_id,
                                          DeliveryAttempt.finished_at.is_(None))
            .values(finished_at=now, outcome="interrupted")
        )
    db.session.commit()
    return bool(changed)
