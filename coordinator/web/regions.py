"""Region choices for forms, limited to what the person may use."""
from __future__ import annotations

from sqlalchemy import select

from coordinator.access import region_filter, scope_code
from coordinator.extensions import db
from coordinator.models import Person, Region

CITY_CODE = "31.73"


def regions_in_scope(person: Person, levels: tuple[str, ...]) -> list[Region]:
    """Regions of ``levels`` inside ``person``'s subtree (the whole DKI tree for an admin)."""
    query = select(Region).where(Region.level.in_(levels)).order_by(Region.code)
    scope = scope_code(person)
    if scope is not None:
        query = query.where(region_filter(Region.code, scope))
    return list(db.session.scalars(query).all())


def region_choices(person: Person, levels: tuple[str, ...]) -> list[tuple[str, str]]:
    indent = {"province": "", "city": "", "kecamatan": "· ", "kelurahan": "·· "}
    return [(r.code, f"{indent.get(r.level, '')}{r.name} ({r.code})")
            for r in regions_in_scope(person, levels)]
