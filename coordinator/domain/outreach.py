"""Outreach targets: how many people a program aims to reach, over its whole region or in one
area inside it (e.g. a kecamatan), for every network or one. Admins and the leads who may edit
the program set them; one transaction each, audited."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from coordinator.domain.changes import changing, load_for_change, record_audit
from coordinator.errors import N_, InvalidInput, NotFound
from coordinator.extensions import db
from coordinator.models import Network, OutreachTarget, Person, Program, Region
from coordinator.policy import in_subtree

MAX_PEOPLE = 10_000_000


def _snapshot(target: OutreachTarget) -> dict[str, Any]:
    return {"program_id": target.program_id, "region_code": target.region_code,
            "network_id": target.network_id, "people": target.people}


def _errors(program: Program, region_code: str, network_id: int | None,
            people: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if isinstance(people, bool) or not isinstance(people, int) or not 1 <= people <= MAX_PEOPLE:
        errors["people"] = [N_("Give the number of people to reach: a whole number from 1.")]
    if db.session.get(Region, region_code) is None or not in_subtree(program.region_code,
                                                                      region_code):
        errors["region_code"] = [N_("Choose the program's region or an area inside it.")]
    if network_id is not None and db.session.get(Network, network_id) is None:
        errors["network_id"] = [N_("Unknown network.")]
    return errors


def save_outreach_target(*, actor: Person | None, program_id: int, people: int,
                         region_code: str | None = None,
                         network_id: int | None = None) -> OutreachTarget:
    """Set how many people ``program`` aims to reach in an area (default: its whole region)."""
    program = load_for_change(Program, program_id, actor, "outreach.save")
    region_code = (region_code or "").strip() or program.region_code
    errors = _errors(program, region_code, network_id, people)
    if errors:
        db.session.rollback()
        raise InvalidInput("invalid outreach target", errors)
    target = db.session.scalars(select(OutreachTarget).where(
        OutreachTarget.program_id == program.id, OutreachTarget.region_code == region_code,
        OutreachTarget.network_id.is_(None) if network_id is None
        else OutreachTarget.network_id == network_id)).first()
    created = target is None
    if target is None:
        target = OutreachTarget(program_id=program.id, region_code=region_code,
                                network_id=network_id, people=people)
        db.session.add(target)
    with changing(actor, "save", target, _snapshot, created=created):
        target.people = people
    return target


def remove_outreach_target(*, actor: Person | None, target_id: int) -> None:
    """Remove one outreach target of a program the actor may edit."""
    target = db.session.get(OutreachTarget, target_id)
    if target is None:
        raise NotFound("outreach target not found")
    load_for_change(Program, target.program_id, actor, "outreach.save")
    record_audit(actor, "remove", "outreachtarget", target.id, _snapshot(target), None)
    db.session.delete(target)
    db.session.commit()
