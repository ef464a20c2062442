"""Outputs next to outcomes: people reached against each program's outreach targets, and by
network, in one region. People reached are read from the program rollups only."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from coordinator import policy
from coordinator.extensions import db
from coordinator.models import Network, OutreachTarget, Program, ProgramRollup
from coordinator.models.rollups import ALL_NETWORKS, COUNTRY_CODE


@dataclass(frozen=True)
class OutreachRow:
    program: Program
    region_code: str
    region_name: str
    network: Network | None
    target: int
    reached: int

    @property
    def percent(self) -> float:
        return round(100 * self.reached / self.target, 1) if self.target else 0.0


@dataclass(frozen=True)
class NetworkReach:
    network: Network
    reached: int
    target: int | None  # the sum of this network's targets shown here, if any


def outreach_targets(region_code: str, programs: list[Program]) -> list[OutreachRow]:
    """The targets of ``programs`` for ``region_code`` or an area inside it, with people reached."""
    ids = [p.id for p in programs]
    query = select(OutreachTarget).where(OutreachTarget.program_id.in_(ids or [-1]))
    if region_code != COUNTRY_CODE:
        query = query.where(policy.region_filter(OutreachTarget.region_code, region_code))
    targets = list(db.session.scalars(query))
    if not targets:
        return []
    rows = db.session.execute(
        select(ProgramRollup.program_id, ProgramRollup.region_code, ProgramRollup.network_key,
               ProgramRollup.people_reached)
        .where(ProgramRollup.program_id.in_({t.program_id for t in targets}),
               ProgramRollup.region_code.in_({t.region_code for t in targets}))
    )
    reached = {(p, r, n): int(v) for p, r, n, v in rows}
    by_id = {p.id: p for p in programs}
    found = [
        OutreachRow(by_id[t.program_id], t.region_code, t.region.name, t.network, t.people,
                    reached.get((t.program_id, t.region_code, t.network_id or ALL_NETWORKS), 0))
        for t in targets
    ]
    return sorted(found, key=lambda r: (r.program.title, r.region_code,
                                        r.network.name if r.network else ""))


def reach_by_network(region_code: str, programs: list[Program], targets: list[OutreachRow],
                     networks: list[Network]) -> list[NetworkReach]:
    """People reached in the region per network (over ``programs``), with the targets shown;
    ``networks``: every network, in the order to list them (the caller has read them)."""
    ids = [p.id for p in programs]
    rows = db.session.execute(
        select(ProgramRollup.network_key, ProgramRollup.people_reached)
        .where(ProgramRollup.program_id.in_(ids or [-1]), ProgramRollup.region_code == region_code,
               ProgramRollup.network_key != ALL_NETWORKS)
    )
    reached: dict[int, int] = {}
    for network_id, people in rows:
        reached[network_id] = reached.get(network_id, 0) + int(people)
    aims: dict[int, int] = {}
    for row in targets:
        if row.network is not None and row.region_code == region_code:
            aims[row.network.id] = aims.get(row.network.id, 0) + row.target
    return [NetworkReach(n, reached.get(n.id, 0), aims.get(n.id)) for n in networks
            if n.id in reached or n.id in aims]
