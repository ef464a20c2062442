"""What one action contributes to the program rollups, and the rules both paths follow.

The incremental handler and the full recompute count an action the same way:

* ``total`` 1 for every action, whatever its status; ``open`` / ``done`` / ``cancelled`` by status.
* ``done_on_time``: done and ``completed_at <= due_at`` (the rule ``complete_action`` uses).
  Reopening clears it with the completion; completing again decides it anew.
* ``overdue``: open AND declared overdue for its current due time
  (:mod:`coordinator.domain.overdue`, the one meaning of overdue: the sweep declares every
  open past-due action within its interval). Completing or cancelling it stops the count;
  reopening a declared action counts it again; moving its due time undeclares it.
* ``people_reached``: the action's ``people_reached`` while done, else 0.

Both paths derive these from the current rows, never from event payloads, so a redelivered,
late or out-of-order event cannot make them disagree.
"""
from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass

from coordinator.domain import action_states
from coordinator.domain.overdue import is_declared
from coordinator.models import Action, RollupActionState
from coordinator.models.regions import ancestor_codes
from coordinator.models.rollups import ALL_NETWORKS, COUNTRY_CODE


@dataclass(frozen=True)
class Contribution:
    program_id: int
    kelurahan_code: str
    network_id: int | None
    status: str
    on_time: bool
    overdue: bool
    people_reached: int

    def counts(self) -> dict[str, int]:
        done = self.status == "done"
        return {
            "total": 1,
            "open": int(self.status == "open"),
            "done": int(done),
            "done_on_time": int(done and self.on_time),
            "overdue": int(self.status == "open" and self.overdue),
            "cancelled": int(self.status == "cancelled"),
            "people_reached": self.people_reached if done else 0,
        }

    def rollup_keys(self) -> list[tuple[int, str, int]]:
        """Every (program, region, network) row this action counts in: its kelurahan and up."""
        networks = [ALL_NETWORKS] + ([self.network_id] if self.network_id else [])
        regions = ancestor_codes(self.kelurahan_code) + [COUNTRY_CODE]
        return [(self.program_id, r, n) for r in regions for n in networks]


ProgramDeltas = MutableMapping[tuple[int, str, int], MutableMapping[str, int]]


def add_contribution(deltas: ProgramDeltas, contribution: Contribution | None, sign: int) -> None:
    """Add ``sign`` times the contribution's counts to each of its rollup rows in ``deltas``
    (a mapping that makes a row's counts, all at zero, on first use); None adds nothing."""
    if contribution is None:
        return
    counts = contribution.counts()
    for key in contribution.rollup_keys():
        row = deltas[key]
        for name, value in counts.items():
            row[name] += sign * value


def contribution_of(action: Action) -> Contribution:
    """The action's present contribution, from its row and the outbox."""
    done = action.status == "done"
    return Contribution(
        program_id=action.program_id,
        kelurahan_code=action.kelurahan_code,
        network_id=action.network_id,
        status=action.status,
        on_time=action_states.on_time(action),
        overdue=is_declared(action),
        people_reached=(action.people_reached or 0) if done else 0,
    )


def contribution_from_state(state: RollupActionState) -> Contribution:
    """What the rollups currently count for the action."""
    return Contribution(
        program_id=state.program_id,
        kelurahan_code=state.kelurahan_code,
        network_id=state.network_id,
        status=state.status,
        on_time=bool(state.on_time),
        overdue=bool(state.overdue),
        people_reached=state.people_reached,
    )
