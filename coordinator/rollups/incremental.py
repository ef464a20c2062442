"""Incremental rollups: apply one outbox event, touching only its region and the ancestors.

Exact and idempotent: the event id is claimed in ``processed_events`` (handler ``rollups``) in
the same transaction as the change, so a redelivered event is skipped; and the change applied is
the difference between what the action (or case statistic) is now and what the rollups count
for it, so even an unclaimed replay would add nothing.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from coordinator.extensions import db
from coordinator.models import (
    Action,
    CaseStat,
    Event,
    IndicatorRollup,
    ProcessedEvent,
    ProgramRollup,
    RollupActionState,
    utcnow,
)
from coordinator.models.regions import ancestor_codes
from coordinator.models.rollups import COUNTRY_CODE, PROGRAM_COUNTS
from coordinator.rollups.facts import (
    Contribution,
    ProgramDeltas,
    add_contribution,
    contribution_from_state,
    contribution_of,
)
from coordinator.rollups.freshness import mark_applied
from coordinator.rollups.upsert import add_to_rows, insert_ignoring_duplicate

HANDLER = "rollups"
ASYNCHRONOUS_COMMIT = text("SET LOCAL synchronous_commit TO OFF")
PROGRAM_KEYS = ("program_id", "region_code", "network_key")
INDICATOR_KEYS = ("indicator_id", "region_code", "year", "month")
log = logging.getLogger(__name__)


def apply_event(event_id: int) -> bool:
    """Apply one event to the rollups (one transaction); False if already applied or unknown."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Not waiting for the disk (2-8 ms here): the claim commits with the change, and a crash
        # loses only the last commits, never a later one without them, so a lost change is an
        # unclaimed event, which the outbox republishes to this handler past the handling bound.
        db.session.execute(ASYNCHRONOUS_COMMIT)
    # The claim is the transaction's first write: on SQLite it takes the write lock before
    # anything is read (a read first could not upgrade after another commit).
    try:
        claimed = insert_ignoring_duplicate(
            ProcessedEvent.__table__,
            {"event_id": event_id, "handler": HANDLER, "processed_at": utcnow()},
        )
    except IntegrityError:  # no such event (the foreign key refused the claim)
        db.session.rollback()
        log.warning("rollups: event %s does not exist", event_id)
        return False
    if not claimed:
        db.session.rollback()
        return False
    event = db.session.get(Event, event_id)
    assert event is not None  # the claim's foreign key guarantees it
    if event.aggregate_type == "action":
        refresh_action(event.aggregate_id)
    elif event.type == "CaseStatsRecorded":
        payload = event.payload
        refresh_case_stat(
            int(payload["indicator_id"]), str(payload["kelurahan_code"]),
            date.fromisoformat(str(payload["month"])),
        )
    mark_applied()
    db.session.commit()
    return True


def refresh_action(action_id: int) -> None:
    """Bring the rollups in line with the action's present state (in the current transaction)."""
    action = db.session.scalars(
        select(Action).where(Action.id == action_id).with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if action is None:
        return
    state = db.session.get(RollupActionState, action_id, populate_existing=True)
    old = contribution_from_state(state) if state else None
    new = contribution_of(action)
    if old == new:
        return
    _apply_program_delta(old, new)
    if state is None:
        state = RollupActionState(action_id=action_id)
        db.session.add(state)
    for name, value in vars(new).items():
        setattr(state, name, value)


def _apply_program_delta(old: Contribution | None, new: Contribution) -> None:
    deltas: ProgramDeltas = defaultdict(lambda: dict.fromkeys(PROGRAM_COUNTS, 0))
    add_contribution(deltas, old, -1)
    add_contribution(deltas, new, 1)
    # Sorted keys: concurrent handlers lock shared rows in one global order (no deadlocks).
    rows = [
        {"program_id": p, "region_code": r, "network_key": n, **deltas[(p, r, n)]}
        for (p, r, n) in sorted(deltas)
        if any(deltas[(p, r, n)].values())
    ]
    add_to_rows(ProgramRollup.__table__, PROGRAM_KEYS, rows)


def refresh_case_stat(indicator_id: int, kelurahan_code: str, month: date) -> None:
    """Bring the indicator rollups in line with one kelurahan's count for one month: its count,
    and whether it reported at all (a recorded zero is a report; no row is none)."""
    stat = db.session.scalars(
        select(CaseStat).where(
            CaseStat.indicator_id == indicator_id,
            CaseStat.kelurahan_code == kelurahan_code,
            CaseStat.month == month,
        ).with_for_update().execution_options(populate_existing=True)
    ).first()
    counted = db.session.execute(
        select(IndicatorRollup.count, IndicatorRollup.reported).where(
            IndicatorRollup.indicator_id == indicator_id,
            IndicatorRollup.region_code == kelurahan_code,
            IndicatorRollup.year == month.year,
            IndicatorRollup.month == month.month,
        )
    ).first()
    count, reported = (int(counted[0]), int(counted[1])) if counted else (0, 0)
    delta = (stat.count if stat else 0) - count
    reported_delta = (1 if stat else 0) - reported
    if delta == 0 and reported_delta == 0:
        return
    rows = [
        {"indicator_id": indicator_id, "region_code": code, "year": month.year,
         "month": month.month, "count": delta, "reported": reported_delta}
        for code in sorted(ancestor_codes(kelurahan_code) + [COUNTRY_CODE])
    ]
    add_to_rows(IndicatorRollup.__table__, INDICATOR_KEYS, rows)
