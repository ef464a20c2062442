"""The four roles and what each is: the only place that names them in a decision.

admin: everything, everywhere. lead: its region subtree (city or kecamatan). coordinator: the
actions and cadres of its kelurahan. cadre: only its own actions.
"""
from __future__ import annotations

from typing import Protocol

from coordinator.models.people import ROLES

ADMIN, LEAD, COORDINATOR, CADRE = ROLES
STAFF = (ADMIN, LEAD, COORDINATOR)
DEFAULT_NEW_ROLE = CADRE  # most people added are cadres
# Who may create whom: a lead cannot make admins, a coordinator only cadres of its kelurahan.
CREATABLE_ROLES = {
    ADMIN: (ADMIN, LEAD, COORDINATOR, CADRE),
    LEAD: (LEAD, COORDINATOR, CADRE),
    COORDINATOR: (CADRE,),
    CADRE: (),
}


class Someone(Protocol):
    """What a decision needs to know of a person (a ``Person`` row or any look-alike)."""

    id: int
    role: str
    region_code: str
    active: bool


def is_admin(person: Someone) -> bool:
    return person.role == ADMIN


def is_staff(person: Someone) -> bool:
    """Admins, leads and coordinators: they plan, assign and follow up."""
    return person.role in STAFF


def is_cadre(person: Someone) -> bool:
    return person.role == CADRE


def plans_programs(person: Someone) -> bool:
    """Admins and leads plan programs, bulk-assign, set targets and annotate."""
    return person.role in (ADMIN, LEAD)


def creatable_roles(person: Someone) -> tuple[str, ...]:
    """The roles ``person`` may give to a new person."""
    return CREATABLE_ROLES.get(person.role, ())
