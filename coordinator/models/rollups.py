"""Rollup tables: program progress and indicator counts per region at every level.

Every dashboard number is read from these tables by region code; the actions and case
statistics tables are never scanned on a read. ``region_code`` has no foreign key because the
country row uses the code ``"ID"`` (all Indonesia), which is not a region of the wilayah tree.
``network_key`` is the network id, or ``ALL_NETWORKS`` (0) for the row over every network:
a sentinel instead of NULL so it can sit in the primary key.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.models.base import Base, UTCDateTime, utcnow

ALL_NETWORKS = 0
COUNTRY_CODE = "ID"
PROGRAM_COUNTS = (
    "total", "open", "done", "done_on_time", "overdue", "cancelled", "people_reached",
)


class _ProgramCounts:
    total: Mapped[int] = mapped_column(Integer, default=0)
    open: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    done_on_time: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    people_reached: Mapped[int] = mapped_column(Integer, default=0)


class ProgramRollup(_ProgramCounts, Base):
    """Progress of one program in one region (any level) for one network (or all)."""

    __tablename__ = "program_rollups"
    __table_args__ = (Index("ix_program_rollups_region_code", "region_code"),)

    program_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    network_key: Mapped[int] = mapped_column(Integer, primary_key=True)


class IndicatorRollup(Base):
    """The count of one indicator in one region (any level) for one month, and how many of the
    region's kelurahan reported it (``reported``: a recorded zero is a report, no row is none)."""

    __tablename__ = "indicator_rollups"
    __table_args__ = (Index("ix_indicator_rollups_region_code_year", "region_code", "year"),)

    indicator_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    reported: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RollupActionState(Base):
    """What one action currently contributes to the program rollups.

    The incremental handler diffs an action's present contribution against this row and
    applies only the difference, so a redelivered or out-of-order event changes nothing twice.
    """

    __tablename__ = "rollup_action_states"

    action_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    program_id: Mapped[int] = mapped_column(Integer)
    kelurahan_code: Mapped[str] = mapped_column(String(16))
    network_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    on_time: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    people_reached: Mapped[int] = mapped_column(Integer, default=0)


class RollupRun(Base):
    """One full recompute and how many drifted rollup rows it corrected."""

    __tablename__ = "rollup_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    drift_count: Mapped[int] = mapped_column(Integer, default=0)


class RollupDrift(Base):
    """A rollup row the recompute found wrong (a bug): its key, expected and found values."""

    __tablename__ = "rollup_drifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer, index=True)
    table_name: Mapped[str] = mapped_column(String(40))
    key: Mapped[dict[str, Any]] = mapped_column(JSON)
    expected: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    found: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RollupMark(Base):
    """When the rollups last changed (``name`` "applied": the minute of the last applied event),
    so every dashboard, print and export can say as of when its figures are."""

    __tablename__ = "rollup_marks"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
