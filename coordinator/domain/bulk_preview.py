"""What a bulk assignment will do, by name: per kelurahan (grouped by kecamatan) the cadres it
assigns and the networks left without a cadre, with the coordinators who will be asked to
assign them.

A read over the plan's slots: three queries (regions, people, networks) whatever its size.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import aliased

from coordinator.extensions import db
from coordinator.models import Network, Person, Region, person_networks
from coordinator.policy import audiences

Slot = tuple[int | None, str, int]  # (assignee or None, kelurahan code, network id)


@dataclass(frozen=True)
class CadreSlot:
    name: str
    network: str


@dataclass
class KelurahanPlan:
    code: str
    name: str
    cadres: list[CadreSlot] = field(default_factory=list)
    unassigned_networks: list[str] = field(default_factory=list)
    coordinators: list[str] = field(default_factory=list)
    actions: int = 0


@dataclass
class KecamatanPlan:
    code: str
    name: str
    kelurahan: list[KelurahanPlan] = field(default_factory=list)

    @property
    def unassigned_kelurahan(self) -> list[KelurahanPlan]:
        return [k for k in self.kelurahan if k.unassigned_networks]

    @property
    def cadre_count(self) -> int:
        return len({(k.code, c.name) for k in self.kelurahan for c in k.cadres})


def describe_slots(slots: Sequence[Slot], kelurahan_codes: Sequence[str],
                   network_ids: Iterable[int], occurrence_count: int) -> list[KecamatanPlan]:
    """The plan by kecamatan and kelurahan (code order), with names."""
    networks = {network_id: name for network_id, name in db.session.execute(
        select(Network.id, Network.name).where(Network.id.in_(list(network_ids))))}
    unassigned = sorted({k for person, k, _ in slots if person is None})
    names, coordinators = _people(kelurahan_codes, list(networks), unassigned)
    areas = _areas(kelurahan_codes)
    by_code = {k.code: k for area in areas for k in area.kelurahan}
    for person, code, network in slots:
        plan = by_code[code]
        plan.actions += occurrence_count
        if person is None:
            plan.unassigned_networks.append(networks.get(network, "?"))
        else:
            plan.cadres.append(CadreSlot(names.get(person, "?"), networks.get(network, "?")))
    for plan in by_code.values():
        plan.cadres.sort(key=lambda c: (c.name.casefold(), c.network))
        plan.unassigned_networks.sort()
        plan.coordinators = sorted(coordinators.get(plan.code, []), key=str.casefold)
    return areas


def _areas(kelurahan_codes: Sequence[str]) -> list[KecamatanPlan]:
    kecamatan = aliased(Region)
    rows = db.session.execute(
        select(Region.code, Region.name, kecamatan.code, kecamatan.name)
        .join(kecamatan, kecamatan.code == Region.parent_code)
        .where(Region.code.in_(list(kelurahan_codes))).order_by(Region.code))
    areas: dict[str, KecamatanPlan] = {}
    for code, name, kec_code, kec_name in rows:
        area = areas.setdefault(kec_code, KecamatanPlan(kec_code, kec_name))
        area.kelurahan.append(KelurahanPlan(code, name))
    return list(areas.values())


def _people(kelurahan_codes: Sequence[str], network_ids: list[int],
            unassigned: list[str]) -> tuple[dict[int, str], dict[str, list[str]]]:
    """Names of the cadres the slots name (same selection as the plan's) and of the
    coordinators of the kelurahan left unassigned, in one query."""
    members = select(person_networks.c.person_id).where(
        person_networks.c.network_id.in_(network_ids))
    is_coordinator = audiences.coordinators_in(unassigned)
    rows = db.session.execute(
        select(Person.id, Person.name, Person.region_code, case((is_coordinator, 1), else_=0))
        .where(or_(and_(audiences.cadres_in(kelurahan_codes), Person.id.in_(members)),
                   is_coordinator)))
    names: dict[int, str] = {}
    coordinators: dict[str, list[str]] = defaultdict(list)
    for person_id, name, region, coordinator in rows:
        if coordinator:
            coordinators[region].append(name)
        else:
            names[person_id] = name
    return names, coordinators
