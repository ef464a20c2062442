"""Small factories for domain tests: people, programs and actions on the seeded regions."""
from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from coordinator.domain.actions import assign_action
from coordinator.domain.programs import activate_program, create_program
from coordinator.extensions import db
from coordinator.models import Action, Network, Person, Program

JAKARTA_BARAT = "31.73"
TAMBORA = "31.73.04"
CENGKARENG = "31.73.01"
_serial = itertools.count(1)


def kelurahan_of(kecamatan: str) -> list[str]:
    from coordinator.models import Region

    return list(db.session.scalars(select(Region.code).where(
        Region.parent_code == kecamatan, Region.level == "kelurahan").order_by(Region.code)))


def network(slug: str) -> Network:
    return db.session.scalars(select(Network).where(Network.slug == slug)).one()


def make_person(role: str, region_code: str, *, networks: tuple[str, ...] = (),
                name: str | None = None, active: bool = True, **fields: object) -> Person:
    """Insert a person directly (no domain rules): test data, not the code under test."""
    n = next(_serial)
    person = Person(
        name=name or f"{role.title()} {n}", role=role, region_code=region_code,
        email=fields.pop("email", f"{role}{n}@example.test"),
        phone=fields.pop("phone", f"+62812{n:08d}"), active=active, **fields,
    )
    person.networks = [network(s) for s in networks]
    db.session.add(person)
    db.session.commit()
    return person


def make_program(owner: Person, region_code: str = JAKARTA_BARAT, *, active: bool = True,
                 title: str = "Sosialisasi pencegahan",
                 public_title: str = "Kegiatan sosialisasi") -> Program:
    program = create_program(actor=None, owner_id=owner.id, title=title,
                             public_title=public_title, description="",
                             category="prevention", year=2022, region_code=region_code)
    return activate_program(program.id, actor=None) if active else program


def make_action(program: Program, kelurahan_code: str, assignee: Person | None = None, *,
                due_in: timedelta = timedelta(days=3)) -> Action:
    return assign_action(
        actor=None, program_id=program.id, kelurahan_code=kelurahan_code, title="Penyuluhan warga",
        due_at=datetime.now(UTC) + due_in,
        assignee_id=assignee.id if assignee else None,
    )
