"""Delivery bookkeeping beside ``Notification``: digest membership, delivery attempts, overdue marks.

- ``DigestItem``: a notification folded into a digest notification (same-morning flood or
  over the SMS daily cap). A folded notification without an item waits for the next digest.
- ``DeliveryAttempt``: one try to hand a notification to its channel. An attempt without
  ``finished_at`` is in flight; a retried task that finds one does not deliver again.
- ``OverdueMark``: the natural key that makes ``ActionOverdue`` fire once per action and due time.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.models.base import Base, UTCDateTime, utcnow


class DigestItem(Base):
    __tablename__ = "notification_digest_items"

    digest_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True, unique=True
    )


class DeliveryAttempt(Base):
    __tablename__ = "notification_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(12))
    error: Mapped[str | None] = mapped_column(Text)


class OverdueMark(Base):
    __tablename__ = "action_overdue_marks"

    action_id: Mapped[int] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SweepMark(Base):
    """How far a periodic sweep got: the clock it swept up to and when (wall clock) it started,
    so the next run reconsiders only what fell due or changed since (the reminder sweep)."""

    __tablename__ = "sweep_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    swept_until: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
