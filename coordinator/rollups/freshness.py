"""As of when the rollups are: the minute of the last applied event, or the last full recompute.

The incremental handler marks the minute it applied an event in (one row, ``rollup_marks``); it
writes the row only when the minute moves on, so concurrent handlers rarely meet on it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, func, select, update

from coordinator.extensions import db
from coordinator.models import RollupMark, RollupRun, utcnow
from coordinator.rollups.upsert import insert_ignoring_duplicate

APPLIED = "applied"


def mark_applied(now: datetime | None = None) -> None:
    """Record, in the current transaction, that the rollups changed in this minute."""
    minute = (now or utcnow()).replace(second=0, microsecond=0)
    result: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(RollupMark).where(RollupMark.name == APPLIED, RollupMark.at < minute)
        .values(at=minute)
    )
    if not result.rowcount:
        insert_ignoring_duplicate(RollupMark.__table__, {"name": APPLIED, "at": minute})


def rollups_as_of() -> datetime | None:
    """When the figures were computed: the later of the last applied event and recompute
    (both read in one statement)."""
    applied, recomputed = db.session.execute(select(
        select(RollupMark.at).where(RollupMark.name == APPLIED).scalar_subquery(),
        select(func.max(RollupRun.finished_at)).scalar_subquery(),
    )).one()
    moments = [m for m in (applied, recomputed) if m is not None]
    return max(moments) if moments else None
