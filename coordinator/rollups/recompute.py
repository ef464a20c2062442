"""The full recompute: rebuild every rollup set-based, compare, correct and count the drift.

One transaction: the action state mirror is rebuilt from ``actions`` with one INSERT ... SELECT
(actions whose events the incremental handler has not applied yet keep their mirror row, so
work in flight is not mistaken for drift, but only within the handling bound
``EVENT_HANDLING_BOUND_SECONDS``: an event older than that and still not applied was lost or
stuck, and what it left out is drift, reported and corrected like any other); each region level is then one INSERT ... SELECT ...
GROUP BY over the level below, into staging tables. Staging and live rows that differ are
drift (a bug): each is logged loudly, stored in ``rollup_drifts`` and counted in ``rollup_runs``.
Finally the live tables are replaced by the staging ones.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import text

from coordinator.extensions import db
from coordinator.models import RollupDrift, RollupRun, utcnow
from coordinator.models.rollups import PROGRAM_COUNTS
from coordinator.rollups.incremental import HANDLER, INDICATOR_KEYS, PROGRAM_KEYS

log = logging.getLogger(__name__)
MAX_STORED_DRIFTS = 500
LEVEL_PARENTS = ("kelurahan", "kecamatan", "city")

PENDING_ACTIONS = (
    "SELECT e.aggregate_id FROM events e WHERE e.aggregate_type = 'action' "
    "AND e.created_at >= :in_flight_since AND NOT EXISTS "
    "(SELECT 1 FROM processed_events p WHERE p.event_id = e.id AND p.handler = :handler)"
)
# coordinator.domain.overdue.declared_clause, in this module's raw SQL.
OVERDUE_DECLARED = (
    "EXISTS (SELECT 1 FROM action_overdue_marks m WHERE m.action_id = a.id "
    "AND m.due_at = a.due_at)"
)
PROGRAM_SUMS = (
    "COUNT(*), SUM(CASE WHEN s.status = 'open' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN s.status = 'done' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN s.status = 'done' AND s.on_time THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN s.status = 'open' AND s.overdue THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN s.status = 'cancelled' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN s.status = 'done' THEN s.people_reached ELSE 0 END)"
)
COUNTS = ", ".join(PROGRAM_COUNTS)
SUMMED = ", ".join(f"SUM(s.{c})" for c in PROGRAM_COUNTS)
# An indicator row's count and how many kelurahan reported it (1 for each case_stats row).
INDICATOR_VALUES = ("count", "reported")
INDICATOR_SUMS = ", ".join(INDICATOR_VALUES)


@dataclass(frozen=True)
class RecomputeResult:
    run_id: int
    drift_count: int
    program_rows: int
    indicator_rows: int


# action mirror, program staging, indicator staging, drift check, live tables written
RECOMPUTE_STEPS = 5


def _run(sql: str, **params: Any) -> Any:
    return db.session.execute(text(sql), params)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def in_flight_since(now: datetime) -> datetime:
    """Events created since then and not yet applied are in flight; older ones are lost.

    Naive UTC, as the column stores it (raw SQL bypasses ``UTCDateTime``)."""
    bound = timedelta(seconds=current_app.extensions["sinergi"].event_handling_bound_seconds)
    return (now - bound).astimezone(UTC).replace(tzinfo=None)


def _rebuild_action_states(building: bool, since: datetime) -> None:
    if building:  # nothing is in flight: every action's mirror comes from its row
        _run("DELETE FROM rollup_action_states")
    else:
        _run(f"DELETE FROM rollup_action_states WHERE action_id NOT IN ({PENDING_ACTIONS})",
             handler=HANDLER, in_flight_since=since)
    _run(
        "INSERT INTO rollup_action_states (action_id, program_id, kelurahan_code, network_id, "
        "status, on_time, overdue, people_reached) "
        "SELECT a.id, a.program_id, a.kelurahan_code, a.network_id, a.status, "
        "(a.status = 'done' AND a.completed_at <= a.due_at), "
        f"(a.status = 'open' AND {OVERDUE_DECLARED}), "
        "CASE WHEN a.status = 'done' THEN COALESCE(a.people_reached, 0) ELSE 0 END "
        f"FROM actions a WHERE a.id NOT IN ({'SELECT 0' if building else PENDING_ACTIONS}) "
        "AND a.id NOT IN (SELECT action_id FROM rollup_action_states)",
        handler=HANDLER, in_flight_since=since,
    )


def _stage_program_rollups() -> None:
    insert = f"INSERT INTO program_rollups_staging (program_id, region_code, network_key, {COUNTS}) "
    _run(insert + f"SELECT s.program_id, s.kelurahan_code, 0, {PROGRAM_SUMS} "
         "FROM rollup_action_states s GROUP BY s.program_id, s.kelurahan_code")
    _run(insert + f"SELECT s.program_id, s.kelurahan_code, s.network_id, {PROGRAM_SUMS} "
         "FROM rollup_action_states s WHERE s.network_id IS NOT NULL "
         "GROUP BY s.program_id, s.kelurahan_code, s.network_id")
    for level in LEVEL_PARENTS:
        _run(insert + f"SELECT s.program_id, r.parent_code, s.network_key, {SUMMED} "
             "FROM program_rollups_staging s JOIN regions r ON r.code = s.region_code "
             "WHERE r.level = :level AND r.parent_code IS NOT NULL "
             "GROUP BY s.program_id, r.parent_code, s.network_key", level=level)
    _run(insert + f"SELECT s.program_id, 'ID', s.network_key, {SUMMED} "
         "FROM program_rollups_staging s JOIN regions r ON r.code = s.region_code "
         "WHERE r.level = 'province' GROUP BY s.program_id, s.network_key")


def _year_month() -> tuple[str, str]:
    if _dialect() == "postgresql":
        return ("CAST(EXTRACT(YEAR FROM c.month) AS INTEGER)",
                "CAST(EXTRACT(MONTH FROM c.month) AS INTEGER)")
    return "CAST(strftime('%Y', c.month) AS INTEGER)", "CAST(strftime('%m', c.month) AS INTEGER)"


def _stage_indicator_rollups() -> None:
    insert = ("INSERT INTO indicator_rollups_staging "
              f"(indicator_id, region_code, year, month, {INDICATOR_SUMS}) ")
    year, month = _year_month()
    _run(insert + f"SELECT c.indicator_id, c.kelurahan_code, {year}, {month}, c.count, 1 "
         "FROM case_stats c")
    for level in LEVEL_PARENTS:
        _run(insert + "SELECT s.indicator_id, r.parent_code, s.year, s.month, SUM(s.count), "
             "SUM(s.reported) "
             "FROM indicator_rollups_staging s JOIN regions r ON r.code = s.region_code "
             "WHERE r.level = :level AND r.parent_code IS NOT NULL "
             "GROUP BY s.indicator_id, r.parent_code, s.year, s.month", level=level)
    _run(insert + "SELECT s.indicator_id, 'ID', s.year, s.month, SUM(s.count), SUM(s.reported) "
         "FROM indicator_rollups_staging s JOIN regions r ON r.code = s.region_code "
         "WHERE r.level = 'province' GROUP BY s.indicator_id, s.year, s.month")


def _drifts(table: str, keys: tuple[str, ...], values: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows where staging (expected) and live (found) differ; absent rows count as zeros."""
    on = " AND ".join(f"s.{k} = l.{k}" for k in keys)
    differ = " OR ".join(f"s.{v} <> l.{v}" for v in values)
    nonzero = " OR ".join(f"l.{v} <> 0" for v in values)
    cols = ", ".join([f"s.{c}" for c in keys + values] + [f"l.{c}" for c in keys + values])
    rows = _run(
        f"SELECT {cols} FROM {table}_staging s LEFT JOIN {table} l ON {on} "
        f"WHERE l.{keys[0]} IS NULL OR {differ} "
        f"UNION ALL SELECT {cols} FROM {table} l LEFT JOIN {table}_staging s ON {on} "
        f"WHERE s.{keys[0]} IS NULL AND ({nonzero})"
    ).all()
    width = len(keys) + len(values)
    found = []
    for row in rows:
        expected, live = row[:width], row[width:]
        key_source = expected if expected[0] is not None else live
        found.append({
            "table": table,
            "key": dict(zip(keys, key_source[: len(keys)], strict=True)),
            "expected": _values(values, expected[len(keys):]) if expected[0] is not None else None,
            "found": _values(values, live[len(keys):]) if live[0] is not None else None,
        })
    return found


def _values(names: tuple[str, ...], row: Any) -> dict[str, int]:
    return {name: int(value) for name, value in zip(names, row, strict=True)}


def _replace(table: str, columns: tuple[str, ...]) -> int:
    names = ", ".join(columns)
    _run(f"DELETE FROM {table}")
    _run(f"INSERT INTO {table} ({names}) SELECT {names} FROM {table}_staging")
    count = int(_run(f"SELECT COUNT(*) FROM {table}").scalar_one())
    _run(f"DELETE FROM {table}_staging")
    return count


def recompute_all(*, building: bool = False, now: datetime | None = None,
                  progress: Callable[[int, int], None] | None = None) -> RecomputeResult:
    """Rebuild every rollup from the source tables; returns how many drifted rows it corrected.

    ``building=True`` is for a loader that wrote source rows set-based without events (the
    demo): the rollups are built from them, and the differences found are not drift.
    ``progress(step, RECOMPUTE_STEPS)`` hears of each step done (the CLI shows it).
    """
    tell = progress or (lambda step, total: None)
    started = utcnow()
    since = in_flight_since(now or started)
    # A write first: on SQLite it takes the write lock before anything is read.
    _run("DELETE FROM program_rollups_staging")
    _run("DELETE FROM indicator_rollups_staging")
    if _dialect() == "postgresql":
        _run("LOCK TABLE program_rollups, indicator_rollups, rollup_action_states "
             "IN EXCLUSIVE MODE")
    _rebuild_action_states(building, since)
    tell(1, RECOMPUTE_STEPS)
    _stage_program_rollups()
    tell(2, RECOMPUTE_STEPS)
    _stage_indicator_rollups()
    tell(3, RECOMPUTE_STEPS)
    drifts = [] if building else (
        _drifts("program_rollups", PROGRAM_KEYS, PROGRAM_COUNTS)
        + _drifts("indicator_rollups", INDICATOR_KEYS, INDICATOR_VALUES)
    )
    tell(4, RECOMPUTE_STEPS)
    program_rows = _replace("program_rollups", PROGRAM_KEYS + PROGRAM_COUNTS)
    indicator_rows = _replace("indicator_rollups", INDICATOR_KEYS + INDICATOR_VALUES)
    tell(5, RECOMPUTE_STEPS)
    run = RollupRun(started_at=started, finished_at=utcnow(), drift_count=len(drifts))
    db.session.add(run)
    db.session.flush()
    _record_drifts(run.id, drifts)
    db.session.commit()
    return RecomputeResult(run.id, len(drifts), program_rows, indicator_rows)


def _record_drifts(run_id: int, drifts: list[dict[str, Any]]) -> None:
    for drift in drifts:
        log.error("ROLLUP DRIFT corrected in %s at %s: expected %s, found %s",
                  drift["table"], drift["key"], drift["expected"], drift["found"])
    if drifts:
        log.error("ROLLUP DRIFT: %d rollup rows were wrong and have been corrected", len(drifts))
    db.session.add_all(
        RollupDrift(run_id=run_id, table_name=d["table"], key=d["key"],
                    expected=d["expected"], found=d["found"])
        for d in drifts[:MAX_STORED_DRIFTS]
    )
