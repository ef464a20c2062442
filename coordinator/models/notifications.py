"""One message to one person over one channel; the dedupe key makes it exactly-once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.models.base import Base, UTCDateTime, utcnow
from coordinator.models.people import Person

CHANNELS = ("email", "sms", "outbox")
NOTIFICATION_STATUSES = ("pending", "sent", "failed", "dead", "undeliverable", "folded")


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'sms', 'outbox')", name="channel_known"),
        CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'dead', 'undeliverable', 'folded')",
            name="status_known",
        ),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        CheckConstraint("sms_parts IS NULL OR sms_parts >= 1", name="sms_parts_positive"),
        Index(
            "ix_notifications_pending",
            "scheduled_for",
            sqlite_where=text("status IN ('pending', 'failed')"),
            postgresql_where=text("status IN ('pending', 'failed')"),
        ),
        Index("ix_notifications_recipient_id_created_at", "recipient_id", "created_at"),
        Index("ix_notifications_provider_id", "provider_id"),
        Index("ix_notifications_action_id", "action_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(40))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"))
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="SET NULL")
    )
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(14), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(80))
    provider_status: Mapped[str | None] = mapped_column(String(40))
    sms_parts: Mapped[int | None] = mapped_column(Integer)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the dispatcher last put it on the queue: each due message is enqueued once.
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a delivery attempt ended without knowing whether the provider took the message
    # (a timeout after the request left, a worker killed mid-send); cleared once it is known.
    uncertain_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recipient: Mapped[Person] = relationship()
