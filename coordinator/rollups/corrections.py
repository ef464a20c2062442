"""Correct the drift found under a snapshot, in a short transaction, without undoing or repeating
what the incremental handler applied since.

The handler never changes (live row - sum of the mirror rows in it): in one transaction it adds
an action's new contribution minus its mirror's and sets the mirror. So a row's drift seen at
the snapshot is the row's own error, which no later event changes (subtracted as it is), plus
the actions whose mirror disagreed with them (an event lost, or stuck past the handling bound).
Such an action is corrected (mirror set to its snapshot contribution, the difference added to
its rows) only if neither its row nor its mirror changed since the snapshot; otherwise the
handler has applied, or will apply, that difference itself and its share is left out. Indicator
rows have no mirror: a kelurahan's own row plays its part (the handler sets it to the case
statistic and adds the same change to every ancestor).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, text

from coordinator.extensions import db
from coordinator.models import IndicatorRollup, ProgramRollup, RollupActionState
from coordinator.models.regions import ancestor_codes
from coordinator.models.rollups import COUNTRY_CODE, PROGRAM_COUNTS
from coordinator.rollups.expected import (
    ACTION_CONTRIBUTION,
    INDICATOR_VALUES,
    MIRROR_CONTRIBUTION,
    PENDING_ACTIONS,
    Drift,
    version_column,
)
from coordinator.rollups.facts import Contribution, add_contribution
from coordinator.rollups.incremental import HANDLER, INDICATOR_KEYS, PROGRAM_KEYS
from coordinator.rollups.upsert import add_to_rows, put_rows

Deltas = dict[tuple[Any, ...], dict[str, int]]


@dataclass(frozen=True)
class StaleAction:
    """An action its mirror row counts otherwise than its row says (None: no such row)."""

    action_id: int
    actual: Contribution | None
    counted: Contribution | None
    versions: tuple[str | None, str | None]  # of the action row and the mirror row


def stale_actions(program_drifts: list[Drift], in_flight_since: Any) -> list[StaleAction]:
    """Actions not in flight, in the programs and kelurahan that drifted, whose mirror is wrong."""
    own = [d for d in program_drifts if d.kelurahan]
    if not own:
        return []
    where = "program_id IN :programs AND kelurahan_code IN :regions"
    rows = db.session.execute(text(
        f"SELECT i.id, {ACTION_CONTRIBUTION}, a.id, {MIRROR_CONTRIBUTION}, s.action_id, "
        f"{version_column('a')}, {version_column('s')} "
        f"FROM (SELECT id FROM actions WHERE {where} "
        f"UNION SELECT action_id FROM rollup_action_states WHERE {where}) i "
        "LEFT JOIN actions a ON a.id = i.id LEFT JOIN rollup_action_states s ON s.action_id = i.id "
        f"WHERE i.id NOT IN ({PENDING_ACTIONS})"
    ).bindparams(bindparam("programs", expanding=True), bindparam("regions", expanding=True)), {
        "programs": sorted({d.key[0] for d in own}), "regions": sorted({d.key[1] for d in own}),
        "handler": HANDLER, "in_flight_since": in_flight_since,
    }).all()
    found = [StaleAction(row[0], _contribution(row[1:8], row[8]), _contribution(row[9:16], row[16]),
                         (row[17], row[18])) for row in rows]
    return [s for s in found if s.actual != s.counted]


def _contribution(values: Any, present: Any) -> Contribution | None:
    if present is None:
        return None
    program_id, kelurahan_code, network_id, status, on_time, overdue, people = values
    return Contribution(int(program_id), str(kelurahan_code), network_id, str(status),
                        bool(on_time), bool(overdue), int(people or 0))


def correct(program_drifts: list[Drift], indicator_drifts: list[Drift],
            stale: list[StaleAction]) -> None:
    """Write the corrections (the caller holds the rollup lock, or SQLite's write lock)."""
    changed = _changed_actions(stale)
    program = _undo(program_drifts, PROGRAM_COUNTS)
    for action in stale:
        if action.action_id in changed:  # the handler moves it from `counted` to the truth
            add_contribution(program, action.counted, 1)
            add_contribution(program, action.actual, -1)
    _set_mirror([s for s in stale if s.action_id not in changed])
    add_to_rows(ProgramRollup.__table__, PROGRAM_KEYS, _rows(program, PROGRAM_KEYS))
    indicator = _undo(indicator_drifts, INDICATOR_VALUES)
    for drift in _changed_rows([d for d in indicator_drifts if d.kelurahan]):
        indicator_id, code, year, month = drift.key
        for region in ancestor_codes(code) + [COUNTRY_CODE]:
            for name, value in drift.difference().items():
                indicator[(indicator_id, region, year, month)][name] += value
    add_to_rows(IndicatorRollup.__table__, INDICATOR_KEYS, _rows(indicator, INDICATOR_KEYS))


def _undo(drifts: list[Drift], values: tuple[str, ...]) -> defaultdict[tuple[Any, ...], Any]:
    deltas: defaultdict[tuple[Any, ...], Any] = defaultdict(lambda: dict.fromkeys(values, 0))
    for drift in drifts:
        for name, value in drift.difference().items():
            deltas[drift.key][name] -= value
    return deltas


def _rows(deltas: Deltas, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    # Sorted keys: the order the incremental handler locks rows in (no deadlocks).
    return [{**dict(zip(keys, key, strict=True)), **deltas[key]}
            for key in sorted(deltas) if any(deltas[key].values())]


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _versions(table: str, key: str, ids: Iterable[Any]) -> dict[Any, str]:
    rows = db.session.execute(
        text(f"SELECT {key}, CAST(xmin AS TEXT) FROM {table} WHERE {key} IN :ids")
        .bindparams(bindparam("ids", expanding=True)), {"ids": sorted(set(ids))})
    return {row[0]: row[1] for row in rows}


def _changed_actions(stale: list[StaleAction]) -> set[int]:
    """Actions whose row or mirror changed since the snapshot (none can on SQLite)."""
    if not stale or not _postgres():
        return set()
    ids = [s.action_id for s in stale]
    now = (_versions("actions", "id", ids), _versions("rollup_action_states", "action_id", ids))
    return {s.action_id for s in stale
            if (now[0].get(s.action_id), now[1].get(s.action_id)) != s.versions}


def _changed_rows(drifts: list[Drift]) -> list[Drift]:
    """Kelurahan indicator rows an incremental update rewrote since the snapshot."""
    if not drifts or not _postgres():
        return []
    where = " AND ".join(f"{k} = :{k}" for k in INDICATOR_KEYS)
    query = text(f"SELECT CAST(xmin AS TEXT) FROM indicator_rollups WHERE {where}")
    return [d for d in drifts if d.version != db.session.execute(
        query, dict(zip(INDICATOR_KEYS, d.key, strict=True))).scalar()]


def _set_mirror(corrected: list[StaleAction]) -> None:
    gone = [s.action_id for s in corrected if s.actual is None]
    if gone:
        db.session.execute(delete(RollupActionState).where(RollupActionState.action_id.in_(gone)))
    put_rows(RollupActionState.__table__, ("action_id",), [
        {"action_id": s.action_id, **vars(s.actual)} for s in corrected if s.actual is not None])
