"""As of when the rollups are: the minute of the last applied event, or the last full recompute.

The incremental handler marks the minute it applied an event in (one row, ``rollup_marks``); it
writes (and locks) the row only when the minute moves on, so concurrent handlers rarely meet on
it, and it does so in one statement.
"""
from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import String, bindparam, func, select

from coordinator.database import dialect_insert
from coordinator.extensions import db
from coordinator.models import RollupMark, RollupRun, utcnow
from coordinator.models.base import UTCDateTime

APPLIED = "applied"


def mark_applied(now: datetime | None = None) -> None:
    """Record, in the current transaction, that the rollups changed in this minute."""
    minute = (now or utcnow()).replace(second=0, microsecond=0)
    statement = _mark_statement(db.session.get_bind().dialect.name)
    db.session.execute(statement, {"name": APPLIED, "minute": minute})


@cache
def _mark_statement(dialect: str) -> Any:
    """Insert the mark, or move it on; nothing at all (no lock) when it is already current."""
    table = RollupMark.__table__
    name, minute = bindparam("name", type_=String()), bindparam("minute", type_=UTCDateTime())
    current = select(table.c.name).where(table.c.name == name, table.c.at >= minute).exists()
    insert = dialect_insert(table).from_select(["name", "at"], select(name, minute).where(~current))
    return insert.on_conflict_do_update(index_elements=["name"], set_={"at": insert.excluded.at},
                                        where=table.c.at < insert.excluded.at)


def rollups_as_of() -> datetime | None:
    """When the figures were computed: the later of the last applied event and recompute
    (both read in one statement)."""
    applied, recomputed = db.session.execute(select(
        select(RollupMark.at).where(RollupMark.name == APPLIED).scalar_subquery(),
        select(func.max(RollupRun.finished_at)).scalar_subquery(),
    )).one()
    moments = [m for m in (applied, recomputed) if m is not None]
    return max(moments) if moments else None
