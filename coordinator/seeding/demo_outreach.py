"""Demo outreach targets for the demo program: people to reach over Jakarta Barat, by the PKK
network, and in Kecamatan Tambora (outputs shown beside the case indicators)."""
from __future__ import annotations

from sqlalchemy import select

from coordinator.domain.outreach import save_outreach_target
from coordinator.extensions import db
from coordinator.models import Network, OutreachTarget, Program
from coordinator.seeding.demo import CITY, PROGRAM_TITLE, TAMBORA

# (area, network slug or None, people): the program's whole region, one network, one kecamatan.
DEMO_TARGETS = ((CITY, None, 6000), (CITY, "pkk", 1500), (TAMBORA, None, 900))


def seed_demo_outreach() -> int:
    """Set the demo program's outreach targets (once); returns how many were added."""
    program = db.session.scalars(select(Program).where(Program.title == PROGRAM_TITLE)).first()
    if program is None or db.session.scalars(
            select(OutreachTarget).where(OutreachTarget.program_id == program.id)).first():
        return 0
    networks = {n.slug: n.id for n in db.session.scalars(select(Network))}
    for region, network, people in DEMO_TARGETS:
        save_outreach_target(actor=None, program_id=program.id, people=people,
                             region_code=region, network_id=networks.get(network or ""))
    return len(DEMO_TARGETS)
