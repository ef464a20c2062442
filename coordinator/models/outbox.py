"""The outbox: domain events written in the same transaction as the change they describe."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.models.base import Base, UTCDateTime, utcnow


class Event(Base):
    """A fact that happened (``ActionCompleted`` ...).

    ``published_at`` is set by the relay each time it hands the event to the broker
    (``deliveries`` counts those); ``handled_at`` once every handler has processed it. An event
    published but not handled within the bound is published again: the broker may have lost it.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index(
            "ix_events_unpublished",
            "id",
            sqlite_where=text("published_at IS NULL"),
            postgresql_where=text("published_at IS NULL"),
        ),
        Index("ix_events_aggregate", "aggregate_type", "aggregate_id"),
        Index(
            "ix_events_unhandled",
            "published_at",
            sqlite_where=text("handled_at IS NULL"),
            postgresql_where=text("handled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    aggregate_type: Mapped[str] = mapped_column(String(20))
    aggregate_id: Mapped[int] = mapped_column()
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deliveries: Mapped[int] = mapped_column(default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.type} {self.aggregate_type}:{self.aggregate_id}>"


class ProcessedEvent(Base):
    """Marks that ``handler`` has handled ``event_id``: a redelivered event is skipped."""

    __tablename__ = "processed_events"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    handler: Mapped[str] = mapped_column(String(60), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
