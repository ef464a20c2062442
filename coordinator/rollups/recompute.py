"""The full recompute: compare every rollup with the source tables, correct and count the drift.

It does not hold the rollup lock while it reads (``apply_event`` keeps running): under one
snapshot (REPEATABLE READ) it computes what every rollup row should be (:mod:`.expected`) and
keeps only the rows that differ, with the actions whose mirror row is wrong in them; then, in
a short transaction holding the lock, it writes those differences as additions, leaving out
what events applied since the snapshot already changed (:mod:`.corrections`). Actions with an
event still in flight count as the rollups count them, but only within the handling bound
``EVENT_HANDLING_BOUND_SECONDS``: an event older than that and still not applied was lost or
stuck, and what it left out is drift, reported and corrected like any other. Drift is a bug:
each row is logged loudly, stored in ``rollup_drifts`` and counted in ``rollup_runs``. On
SQLite, which has one writer at a time, the same steps run in one transaction.
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
from coordinator.rollups.corrections import correct, stale_actions
from coordinator.rollups.expected import (
    ACTION_CONTRIBUTION,
    INDICATOR_VALUES,
    Drift,
    drifts,
    expected_indicators,
    expected_programs,
)
from coordinator.rollups.incremental import HANDLER, INDICATOR_KEYS, PROGRAM_KEYS

log = logging.getLogger(__name__)
MAX_STORED_DRIFTS = 500
# Per transaction; the server's defaults stay for everything else. The snapshot's grouping of
# every action: in memory rather than spilled to disk in batches. No JIT: the planner's cost
# for the expected rows (over 10^6) passes every JIT threshold, and compiling the plan with
# inlining and optimisation took 1.7 s of a 5.5 s statement at 250,000 actions, for a
# statement run once (the raw GROUP BY ROLLUP stays under the threshold: it pays none of it).
SNAPSHOT_SETTINGS = ("SET LOCAL work_mem = '64MB'", "SET LOCAL jit = off")
LOCK = ("LOCK TABLE program_rollups, indicator_rollups, rollup_action_states "
        "IN EXCLUSIVE MODE")
# Another recompute's corrections landing between our snapshot and our lock: start again.
ATTEMPTS = 3


@dataclass(frozen=True)
class RecomputeResult:
    run_id: int
    drift_count: int
    program_rows: int
    indicator_rows: int


# program rollups compared, indicator rollups compared, stale mirrors found, corrected, recorded
RECOMPUTE_STEPS = 5


def _run(sql: str, **params: Any) -> Any:
    return db.session.execute(text(sql), params)


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def in_flight_since(now: datetime) -> datetime:
    """Events created since then and not yet applied are in flight; older ones are lost.

    Naive UTC, as the column stores it (raw SQL bypasses ``UTCDateTime``)."""
    bound = timedelta(seconds=current_app.extensions["sinergi"].event_handling_bound_seconds)
    return (now - bound).astimezone(UTC).replace(tzinfo=None)


def recompute_all(*, building: bool = False, now: datetime | None = None,
                  progress: Callable[[int, int], None] | None = None) -> RecomputeResult:
    """Compare every rollup with the source tables; returns how many drifted rows it corrected.

    ``building=True`` is for a loader that wrote source rows set-based without events (the
    demo): the rollups are built from them, and the differences found are not drift.
    ``progress(step, RECOMPUTE_STEPS)`` hears of each step done (the CLI shows it).
    """
    tell = progress or (lambda step, total: None)
    started = utcnow()
    db.session.commit()  # the snapshot must begin with this transaction
    if building:
        return _build(started, tell)
    since = in_flight_since(now or started)
    for _ in range(ATTEMPTS):
        result = _recompute_once(started, since, tell)
        if result is not None:
            return result
        log.warning("rollups: another recompute corrected the rollups meanwhile; again")
    raise RuntimeError("rollups: other recomputes kept correcting the rollups meanwhile")


def _recompute_once(started: datetime, since: datetime,
                    tell: Callable[[int, int], None]) -> RecomputeResult | None:
    postgres = _postgres()
    if postgres:
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        for setting in SNAPSHOT_SETTINGS:
            _run(setting)
    else:  # a write first takes SQLite's write lock before anything is read
        _run("UPDATE rollup_runs SET id = id WHERE id IS NULL")
    last_run = _run("SELECT MAX(id) FROM rollup_runs").scalar()
    programs = drifts("program_rollups", expected_programs(in_flight=True),
                      handler=HANDLER, in_flight_since=since)
    tell(1, RECOMPUTE_STEPS)
    indicators = drifts("indicator_rollups", expected_indicators())
    tell(2, RECOMPUTE_STEPS)
    stale = stale_actions(programs, since)
    tell(3, RECOMPUTE_STEPS)
    if postgres:
        db.session.commit()  # the snapshot ends; it held no lock
        _run(LOCK)
        if _run("SELECT MAX(id) FROM rollup_runs").scalar() != last_run:
            db.session.rollback()
            return None
    correct(programs, indicators, stale)
    tell(4, RECOMPUTE_STEPS)
    found = programs + indicators
    run = _record(started, found)
    tell(5, RECOMPUTE_STEPS)
    return _result(run, len(found))


def _build(started: datetime, tell: Callable[[int, int], None]) -> RecomputeResult:
    """Replace every rollup and mirror row from the source tables (nothing else runs)."""
    if _postgres():
        _run(LOCK)
    _run("DELETE FROM rollup_action_states")
    _run("INSERT INTO rollup_action_states (action_id, program_id, kelurahan_code, network_id, "
         f"status, on_time, overdue, people_reached) SELECT a.id, {ACTION_CONTRIBUTION} "
         "FROM actions a")
    tell(1, RECOMPUTE_STEPS)
    _replace("program_rollups", PROGRAM_KEYS + PROGRAM_COUNTS, expected_programs(False))
    tell(2, RECOMPUTE_STEPS)
    _replace("indicator_rollups", INDICATOR_KEYS + INDICATOR_VALUES, expected_indicators())
    tell(4, RECOMPUTE_STEPS)
    run = _record(started, [])
    tell(5, RECOMPUTE_STEPS)
    return _result(run, 0)


def _replace(table: str, columns: tuple[str, ...], with_expected: str) -> None:
    names = ", ".join(columns)
    _run(f"DELETE FROM {table}")
    _run(f"{with_expected} INSERT INTO {table} ({names}) SELECT {names} FROM expected")


def _record(started: datetime, found: list[Drift]) -> RollupRun:
    run = RollupRun(started_at=started, finished_at=utcnow(), drift_count=len(found))
    db.session.add(run)
    db.session.flush()
    _record_drifts(run.id, found)
    db.session.commit()
    return run


def _result(run: RollupRun, drift_count: int) -> RecomputeResult:
    count = "SELECT COUNT(*) FROM {}"
    return RecomputeResult(run.id, drift_count,
                           int(_run(count.format("program_rollups")).scalar_one()),
                           int(_run(count.format("indicator_rollups")).scalar_one()))


def _record_drifts(run_id: int, found: list[Drift]) -> None:
    for drift in found:
        log.error("ROLLUP DRIFT corrected in %s at %s: expected %s, found %s",
                  drift.table, drift.key, drift.expected, drift.found)
    if found:
        log.error("ROLLUP DRIFT: %d rollup rows were wrong and have been corrected", len(found))
    db.session.add_all(
        RollupDrift(run_id=run_id, table_name=d.table, key=_key(d), expected=d.expected,
                    found=d.found)
        for d in found[:MAX_STORED_DRIFTS]
    )


def _key(drift: Drift) -> dict[str, Any]:
    keys = PROGRAM_KEYS if drift.table == "program_rollups" else INDICATOR_KEYS
    return dict(zip(keys, drift.key, strict=True))
