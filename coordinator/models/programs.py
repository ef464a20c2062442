"""Programs of the gugus tugas, their actions, and bulk-assignment requests."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.models.base import Base, UTCDateTime, utcnow
from coordinator.models.networks import Network
from coordinator.models.people import Person
from coordinator.models.regions import Region

PROGRAM_CATEGORIES = ("prevention", "handling", "coordination", "sop")
PROGRAM_STATUSES = ("draft", "active", "closed")
ACTION_STATUSES = ("open", "done", "cancelled")
# What messages say when nothing better is known (rows written without a public title).
NEUTRAL_PUBLIC_TITLE = "Kegiatan gugus tugas"


class Program(Base):
    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint(
            "category IN ('prevention', 'handling', 'coordination', 'sop')", name="category_known"
        ),
        CheckConstraint("status IN ('draft', 'active', 'closed')", name="status_known"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_plausible"),
        Index("ix_programs_region_code_status", "region_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # The title messages and cadre pages show: neutral, checked for case words on entry.
    public_title: Mapped[str] = mapped_column(
        String(200), default=NEUTRAL_PUBLIC_TITLE, server_default=NEUTRAL_PUBLIC_TITLE)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    category: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="RESTRICT"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(8), default="draft", server_default="draft")
    # Per-program reminder policy (steps and escalation days); NULL means the defaults.
    reminder_policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # When it was last closed (NULL while draft or active): the reopen window counts from here.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship()
    owner: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<Program {self.id} {self.status} {self.title!r}>"


class BulkAssignment(Base):
    """One confirmed bulk-assignment request; its idempotency key makes a resubmit a no-op."""

    __tablename__ = "bulk_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    action_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Action(Base):
    """A unit of work of a program, for one person (or still unassigned) in one kelurahan.

    Overdue is not a status: :mod:`coordinator.domain.overdue` says what it means.
    """

    __tablename__ = "actions"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'cancelled')", name="status_known"),
        CheckConstraint(
            "people_reached IS NULL OR people_reached >= 0", name="people_reached_non_negative"
        ),
        CheckConstraint(
            "(status = 'done') = (completed_at IS NOT NULL)", name="completed_at_iff_done"
        ),
        CheckConstraint("length(public_code) >= 4", name="public_code_length"),
        Index("ix_actions_assignee_id_status", "assignee_id", "status"),
        Index("ix_actions_kelurahan_code_status", "kelurahan_code", "status"),
        Index("ix_actions_status_due_at", "status", "due_at"),
        # Lists in due order with a keyset cursor (due_at, id): all actions, one program's.
        Index("ix_actions_due_at_id", "due_at", "id"),
        Index("ix_actions_program_id_due_at_id", "program_id", "due_at", "id"),
        # The reminder sweep reconsiders actions changed since its previous run.
        Index("ix_actions_updated_at", "updated_at"),
        Index("ix_actions_program_id_status", "program_id", "status"),
        # SMS replies name an action by its code: unique among the open ones.
        Index(
            "uq_actions_public_code_open",
            "public_code",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_actions_public_code", "public_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    # The title messages and cadre pages show: neutral, checked for case words on entry.
    public_title: Mapped[str] = mapped_column(
        String(200), default=NEUTRAL_PUBLIC_TITLE, server_default=NEUTRAL_PUBLIC_TITLE)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="RESTRICT"))
    network_id: Mapped[int | None] = mapped_column(
        ForeignKey("networks.id", ondelete="RESTRICT")
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT")
    )
    note: Mapped[str | None] = mapped_column(Text)
    people_reached: Mapped[int | None] = mapped_column(Integer)
    # Why and when staff cancelled it (a cancelled action can be restored for a while).
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    public_code: Mapped[str] = mapped_column(String(8))
    bulk_assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("bulk_assignments.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    program: Mapped[Program] = relationship()
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[Person | None] = relationship(foreign_keys=[completed_by_id])
    kelurahan: Mapped[Region] = relationship()
    network: Mapped[Network | None] = relationship()

    def __repr__(self) -> str:
        return f"<Action {self.id} {self.public_code} {self.status}>"


class ProgramClosedAction(Base):
    """An action that closing its program cancelled: what reopening the program restores.

    One row per action and closing; ``restored_at`` is set when a reopening restored it.
    Actions cancelled before the closing have no row, so reopening leaves them cancelled.
    """

    __tablename__ = "program_closed_actions"
    __table_args__ = (Index("ix_program_closed_actions_program", "program_id", "closed_at"),)

    action_id: Mapped[int] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True
    )
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
