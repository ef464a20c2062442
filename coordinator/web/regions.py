"""Region choices for forms, limited to what the person may use."""
from __future__ import annotations

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Person, Region
from coordinator.policy import region_filter, scope_code

CITY_CODE = "31.73"
HOME_PROVINCE = "31"  # DKI Jakarta


def regions_in_scope(person: Person, levels: tuple[str, ...]) -> list[Region]:
    """Regions of ``levels`` inside ``person``'s subtree (the whole DKI tree for an admin:
    pickers of every kelurahan of Indonesia would be unusable)."""
    query = select(Region).where(Region.level.in_(levels)).order_by(Region.code)
    query = query.where(region_filter(Region.code, scope_code(person) or HOME_PROVINCE))
    return list(db.session.scalars(query).all())


def region_choices(person: Person, levels: tuple[str, ...]) -> list[tuple[str, str]]:
    indent = {"province": "", "city": "", "kecamatan": "· ", "kelurahan": "·· "}
    return [(r.code, f"{indent.get(r.level, '')}{r.name} ({r.code})")
            for r in regions_in_scope(person, levels)]
