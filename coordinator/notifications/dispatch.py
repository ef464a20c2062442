"""What goes out now: folding floods into digests, the SMS daily cap, and the due list.

- More than ``FOLD_THRESHOLD`` messages due at once for one person on one channel become one
  ``digest`` message listing them (the originals become ``folded``).
- SMS beyond ``config.sms_daily_cap`` in one WIB day are folded into a digest for the next
  morning (the digest itself is exempt from the cap).
- The due messages go out in send jobs of ``config.send_batch_size`` where a resend is harmless
  (SMS, outbox), and one each where it is not (e-mail over SMTP: each message's outcome is
  committed as soon as its server took it).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Exists, exists, func, or_, select, update

from coordinator.channels import resend_is_safe
from coordinator.domain.calendar import local_datetime, to_local
from coordinator.extensions import db
from coordinator.jobs import in_chunks
from coordinator.models import DeliveryAttempt, DigestItem, Notification
from coordinator.notifications.planning import dedupe_key, insert_ignoring_duplicates

FOLD_THRESHOLD = 3
MAX_ATTEMPTS = 5
SENDABLE = ("pending", "failed")


def in_flight(notification_id: Any) -> Exists:
    """Whether the notification (an id, or a column to correlate) has an attempt under way."""
    return exists().where(DeliveryAttempt.notification_id == notification_id,
                          DeliveryAttempt.finished_at.is_(None))


def send_task_expiry() -> timedelta:
    """A send task not run within this time expires (a backlog does not pile up copies), and a
    message enqueued this long ago and still unsent (its task lost or expired) is enqueued
    again: one number for both (``SEND_TASK_EXPIRES_SECONDS``), so an expired task's message
    waits for no further minute."""
    return timedelta(seconds=current_app.extensions["sinergi"].send_task_expires_seconds)


def prepare_and_list_due(now: datetime, limit: int = 1000) -> list[int]:
    """Fold floods, apply the SMS cap, then mark and return the ids ready to send (oldest first).

    Each due message is returned once (``queued_at``), so frequent dispatches do not flood the
    queue with copies; it is returned again when it was rescheduled (a retry) or went stale.
    """
    fold_floods(now)
    apply_sms_cap(now)
    db.session.commit()
    query = (
        select(Notification.id)
        .where(Notification.status.in_(SENDABLE), Notification.scheduled_for <= now,
               Notification.attempts < MAX_ATTEMPTS, ~in_flight(Notification.id),
               or_(Notification.queued_at.is_(None),
                   Notification.queued_at < Notification.scheduled_for,
                   Notification.queued_at < now - send_task_expiry()))
        .order_by(Notification.scheduled_for, Notification.id)
        .limit(limit)
    )
    ids = list(db.session.scalars(query))
    if ids:
        db.session.execute(
            update(Notification).where(Notification.id.in_(ids)).values(queued_at=now)
        )
    db.session.commit()
    return ids


def send_batches(ids: Sequence[int]) -> list[list[int]]:
    """The ids as send jobs, in order: ``SEND_BATCH_SIZE`` a job where a resend is harmless,
    one a job where it is not."""
    channels = {row.id: row.channel for row in db.session.execute(
        select(Notification.id, Notification.channel).where(Notification.id.in_(ids)))}
    together = [i for i in ids if resend_is_safe(channels.get(i, ""))]
    alone = [[i] for i in ids if not resend_is_safe(channels.get(i, ""))]
    size = current_app.extensions["sinergi"].send_batch_size
    return [*in_chunks(together, size), *alone]


def _due_plain(now: datetime, channel: str | None = None) -> list[Any]:
    query = select(Notification.id, Notification.recipient_id, Notification.channel).where(
        Notification.status == "pending", Notification.attempts == 0,
        Notification.scheduled_for <= now, Notification.kind != "digest",
        Notification.channel != "outbox",
    )
    if channel:
        query = query.where(Notification.channel == channel)
    return list(db.session.execute(query.order_by(Notification.scheduled_for, Notification.id)))


def fold_floods(now: datetime) -> int:
    """Replace each person's flood of due messages on one channel by one digest."""
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row in _due_plain(now):
        groups[(row.recipient_id, row.channel)].append(row.id)
    folded = 0
    for (recipient_id, channel), ids in groups.items():
        if len(ids) <= FOLD_THRESHOLD:
            continue
        digest_id = _digest(recipient_id, channel, f"flood{min(ids)}", now, now)
        if digest_id is not None:
            folded += _fold_into(digest_id, ids)
    return folded


def apply_sms_cap(now: datetime) -> int:
    """Fold the SMS beyond the person's daily cap into tomorrow morning's digest."""
    cap = current_app.extensions["sinergi"].sms_daily_cap
    due: dict[int, list[int]] = defaultdict(list)
    for row in _due_plain(now, "sms"):
        due[row.recipient_id].append(row.id)
    if not due:
        return 0
    sent = _sms_sent_today(list(due), now)
    morning = _next_morning(now)
    folded = 0
    for recipient_id, ids in due.items():
        allowed = max(cap - sent.get(recipient_id, 0), 0)
        excess = ids[allowed:]
        if excess:
            occurrence = f"cap{morning.date().isoformat()}"
            digest_id = _digest(recipient_id, "sms", occurrence, morning, now)
            if digest_id is not None:
                folded += _fold_into(digest_id, excess)
    return folded


def sms_cap_reached(recipient_id: int, now: datetime) -> bool:
    """Whether the person already had today's ``SMS_DAILY_CAP`` SMS: a new one waits for the
    next morning's digest."""
    cap = current_app.extensions["sinergi"].sms_daily_cap
    return _sms_sent_today([recipient_id], now).get(recipient_id, 0) >= cap


def _sms_sent_today(recipient_ids: list[int], now: datetime) -> dict[int, int]:
    start = local_datetime(to_local(now).date(), time(0))
    rows = db.session.execute(
        select(Notification.recipient_id, func.count())
        .where(Notification.channel == "sms", Notification.kind != "digest",
               Notification.recipient_id.in_(recipient_ids),
               Notification.status.in_(("sent", "failed")), Notification.sent_at >= start)
        .group_by(Notification.recipient_id)
    )
    return {r[0]: r[1] for r in rows}


def _next_morning(now: datetime) -> datetime:
    end = current_app.extensions["sinergi"].quiet_hours_end
    return local_datetime(to_local(now).date() + timedelta(days=1), time(end))


def _digest(recipient_id: int, channel: str, occurrence: str, at: datetime,
            now: datetime) -> int | None:
    """The id of the (pending) digest with this occurrence, created if needed."""
    key = dedupe_key("digest", None, recipient_id, channel, occurrence)
    insert_ignoring_duplicates([{
        "recipient_id": recipient_id, "channel": channel, "kind": "digest", "dedupe_key": key,
        "body": "", "status": "pending", "attempts": 0, "scheduled_for": at, "created_at": now,
    }])
    row = db.session.execute(
        select(Notification.id, Notification.status, Notification.attempts)
        .where(Notification.dedupe_key == key)
    ).one()
    return row.id if row.status == "pending" and row.attempts == 0 else None


def _fold_into(digest_id: int, ids: list[int]) -> int:
    taken = set(db.session.scalars(select(DigestItem.item_id).where(DigestItem.item_id.in_(ids))))
    fresh = [i for i in ids if i not in taken]
    if fresh:
        db.session.add_all(DigestItem(digest_id=digest_id, item_id=i) for i in fresh)
        db.session.execute(
            update(Notification).where(Notification.id.in_(fresh), Notification.status == "pending")
            .values(status="folded")
        )
        db.session.flush()
    return len(fresh)
