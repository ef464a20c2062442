"""Small factories for the workers tests: people, an active program, actions (via the domain)."""
from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from coordinator.domain.actions import assign_action
from coordinator.domain.programs import activate_program, create_program
from coordinator.extensions import db
from coordinator.models import Action, Person, Program

CITY = "31.73"
KECAMATAN = "31.73.04"  # Tambora
KELURAHAN = "31.73.04.1001"
_serial = itertools.count(1)


def person(role: str = "cadre", region_code: str = KELURAHAN, **fields: Any) -> Person:
    """Insert a person directly: test data, not the code under test."""
    n = next(_serial)
    values: dict[str, Any] = {
        "name": f"{role.title()} {n}", "email": f"{role}{n}@example.test",
        "phone": f"+62812{n:08d}", "language": "id", "channel_preference": "sms",
    }
    values.update(fields)
    someone = Person(role=role, region_code=region_code, **values)
    db.session.add(someone)
    db.session.commit()
    return someone


def program(owner: Person, *, policy: dict[str, Any] | None = None) -> Program:
    created = create_program(actor=None, owner_id=owner.id, title="Sosialisasi pencegahan",
                             public_title="Kegiatan sosialisasi", description="",
                             category="prevention", year=2022, region_code=CITY)
    if policy is not None:
        created.reminder_policy = policy
        db.session.commit()
    return activate_program(created.id, actor=None)


def action(prog: Program, assignee: Person | None, *, due_at: datetime | None = None,
           kelurahan_code: str = KELURAHAN, title: str = "Penyuluhan warga") -> Action:
    return assign_action(
        actor=None, program_id=prog.id, kelurahan_code=kelurahan_code, title=title,
        due_at=due_at or datetime.now(UTC) + timedelta(days=3),
        assignee_id=assignee.id if assignee else None,
    )
