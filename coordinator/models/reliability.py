"""Reliability bookkeeping: dead letters (work that failed past its retries) and the stored
answers of API requests sent with an ``Idempotency-Key``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.models.base import Base, UTCDateTime, utcnow

DEAD_LETTER_STATUSES = ("dead", "retried")


class DeadLetter(Base):
    """A background job (task name + arguments) that failed past its retries, for staff to see
    and retry. One row per job and arguments: a repeated failure updates it."""

    __tablename__ = "dead_letters"
    __table_args__ = (
        Index("ix_dead_letters_open", "last_failed_at",
              sqlite_where=text("status = 'dead'"), postgresql_where=text("status = 'dead'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    task_name: Mapped[str] = mapped_column(String(100))
    args: Mapped[list[Any]] = mapped_column(JSON)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    error: Mapped[str] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(default=1, server_default="1")
    status: Mapped[str] = mapped_column(String(10), default="dead", server_default="dead")
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retried_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )


class IdempotentRequest(Base):
    """The first answer to an API request carrying ``Idempotency-Key``, stored in the same
    transaction as the change it answers, so a retry gets that answer back."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("person_id", "endpoint", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column()
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
