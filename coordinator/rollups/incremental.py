"""Incremental rollups: apply outbox events, touching only their regions and the ancestors.

Exact and idempotent: the event ids are claimed in ``processed_events`` (handler ``rollups``) in
the same transaction as the change, so a redelivered event is skipped; and the change applied is
the difference between what an action (or case statistic) is now and what the rollups count
for it, so even an unclaimed replay would add nothing. A batch of events is one transaction:
one claim, the actions locked in id order, their changes summed per rollup row and written in
one upsert (rows in key order: concurrent batches lock shared rows in one global order), one
commit; that amortises the commit, the cost of an event applied alone.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import String, bindparam, select

from coordinator.database import dialect_insert, without_waiting_for_disk
from coordinator.domain.events import MalformedEvent
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
from coordinator.models.base import UTCDateTime
from coordinator.models.regions import ancestor_codes
from coordinator.models.rollups import COUNTRY_CODE, PROGRAM_COUNTS
from coordinator.rollups.facts import (
    ProgramDeltas,
    add_contribution,
    contribution_from_state,
    contribution_of,
)
from coordinator.rollups.freshness import mark_applied
from coordinator.rollups.upsert import add_to_rows, put_rows

HANDLER = "rollups"
PROGRAM_KEYS = ("program_id", "region_code", "network_key")
INDICATOR_KEYS = ("indicator_id", "region_code", "year", "month")
log = logging.getLogger(__name__)
CaseStatKey = tuple[int, str, date]


def apply_event(event_id: int) -> bool:
    """Apply one event to the rollups (one transaction); False if already applied or unknown."""
    return bool(apply_events([event_id]))


def apply_events(event_ids: Iterable[int]) -> list[int]:
    """Apply a batch of events to the rollups in one transaction; returns the ids applied now
    (an id already applied, or of no event, is skipped). A payload it cannot read raises
    :class:`MalformedEvent` and the whole batch rolls back."""
    ids = sorted(set(event_ids))
    if not ids:
        return []
    # Not waiting for the disk: the claim commits with the change, and a crash loses only the
    # last commits, never a later one without them, so a lost change is an unclaimed event,
    # which the outbox republishes to this handler past the handling bound.
    without_waiting_for_disk(db.session)
    claimed = _claim(ids)
    if not claimed:
        db.session.rollback()
        return []
    if len(claimed) < len(ids):
        log.debug("rollups: events %s were applied already or do not exist",
                  sorted(set(ids) - set(claimed)))
    events = db.session.scalars(select(Event).where(Event.id.in_(claimed)).order_by(Event.id))
    action_ids: set[int] = set()
    case_stats: set[CaseStatKey] = set()
    for event in events:
        if event.aggregate_type == "action":
            action_ids.add(event.aggregate_id)
        elif event.type == "CaseStatsRecorded":
            case_stats.add(_case_stat_key(event))
    refresh_actions(sorted(action_ids))
    refresh_case_stats(sorted(case_stats))
    mark_applied()
    db.session.commit()
    return claimed


def _claim(ids: list[int]) -> list[int]:
    """Claim the events of ``ids`` not claimed yet, in id order; returns the ids claimed.

    The claim is the transaction's first write: on SQLite it takes the write lock before
    anything else is read (a read first could not upgrade after another commit). Ids of no
    event are left out by the SELECT, not refused by the foreign key.
    """
    statement = _claim_statement(db.session.get_bind().dialect.name)
    return list(db.session.scalars(statement, {"ids": ids, "handler": HANDLER, "now": utcnow()}))


@cache
def _claim_statement(dialect: str) -> Any:
    table = ProcessedEvent.__table__
    handler, now = bindparam("handler", type_=String()), bindparam("now", type_=UTCDateTime())
    rows = (select(Event.id, handler, now).where(Event.id.in_(bindparam("ids", expanding=True)))
            .order_by(Event.id))
    return (dialect_insert(table).from_select(["event_id", "handler", "processed_at"], rows)
            .on_conflict_do_nothing().returning(table.c.event_id))


def _case_stat_key(event: Event) -> CaseStatKey:
    payload = event.payload
    try:
        return (int(payload["indicator_id"]), str(payload["kelurahan_code"]),
                date.fromisoformat(str(payload["month"])))
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedEvent(
            f"event {event.id} ({event.type}) has a malformed payload: {exc!r}") from exc


def refresh_actions(action_ids: list[int]) -> None:
    """Bring the rollups in line with these actions' present states (in the current
    transaction): the actions locked in id order, their changes summed, one upsert."""
    if not action_ids:
        return
    actions = db.session.scalars(
        select(Action).where(Action.id.in_(action_ids)).order_by(Action.id).with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    states = {state.action_id: state for state in db.session.scalars(
        select(RollupActionState).where(RollupActionState.action_id.in_(action_ids))
        .execution_options(populate_existing=True))}
    deltas: ProgramDeltas = defaultdict(lambda: dict.fromkeys(PROGRAM_COUNTS, 0))
    mirror = []
    for action in actions:
        state = states.get(action.id)
        old = contribution_from_state(state) if state else None
        new = contribution_of(action)
        if old == new:
            continue
        add_contribution(deltas, old, -1)
        add_contribution(deltas, new, 1)
        mirror.append({"action_id": action.id, **vars(new)})
    # Sorted keys: concurrent handlers lock shared rows in one global order (no deadlocks).
    add_to_rows(ProgramRollup.__table__, PROGRAM_KEYS, [
        {**dict(zip(PROGRAM_KEYS, key, strict=True)), **deltas[key]}
        for key in sorted(deltas) if any(deltas[key].values())])
    put_rows(RollupActionState.__table__, ("action_id",), mirror)
    for state in states.values():  # written in SQL above: not from these objects
        db.session.expire(state)


def refresh_case_stats(keys: list[CaseStatKey]) -> None:
    """Bring the indicator rollups in line with these (indicator, kelurahan, month) counts (in
    the current transaction): their changes summed per row, one upsert in key order."""
    deltas: dict[tuple[int, str, int, int], dict[str, int]] = defaultdict(
        lambda: {"count": 0, "reported": 0})
    for indicator_id, kelurahan_code, month in keys:
        change = _case_stat_change(indicator_id, kelurahan_code, month)
        if change is None:
            continue
        for code in ancestor_codes(kelurahan_code) + [COUNTRY_CODE]:
            row = deltas[(indicator_id, code, month.year, month.month)]
            row["count"] += change[0]
            row["reported"] += change[1]
    add_to_rows(IndicatorRollup.__table__, INDICATOR_KEYS, [
        {**dict(zip(INDICATOR_KEYS, key, strict=True)), **deltas[key]}
        for key in sorted(deltas) if any(deltas[key].values())])


def _case_stat_change(indicator_id: int, kelurahan_code: str,
                      month: date) -> tuple[int, int] | None:
    """How one kelurahan's count for one month, and whether it reported at all (a recorded
    zero is a report; no row is none), differ from what its rollup row counts."""
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
    return None if delta == 0 and reported_delta == 0 else (delta, reported_delta)
