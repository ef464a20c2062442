"""A small hand-built world for rollup tests: one active program in Jakarta Barat,
cadres in three kelurahan (two in Cengkareng, one in Grogol Petamburan)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Event, Network, Person, Program

CENGKARENG_BARAT = "31.73.01.1001"
DURI_KOSAMBI = "31.73.01.1002"
GROGOL = "31.73.02.1001"
CENGKARENG = "31.73.01"
GROGOL_PETAMBURAN = "31.73.02"
JAKARTA_BARAT = "31.73"
DKI = "31"


@dataclass
class World:
    lead: Person
    program: Program
    cadres: dict[str, Person]
    networks: dict[str, int]


def add_person(name: str, role: str, region_code: str) -> Person:
    person = Person(name=name, role=role, region_code=region_code, language="id")
    db.session.add(person)
    db.session.flush()
    return person


def make_world() -> World:
    lead = add_person("Lead Jakbar", "lead", JAKARTA_BARAT)
    cadres = {
        code: add_person(f"Kader {code}", "cadre", code)
        for code in (CENGKARENG_BARAT, DURI_KOSAMBI, GROGOL)
    }
    program = Program(
        title="Sosialisasi pencegahan", description="", category="prevention", year=2022,
        region_code=JAKARTA_BARAT, owner_id=lead.id, status="active",
    )
    db.session.add(program)
    networks = {n.slug: n.id for n in db.session.scalars(select(Network))}
    db.session.commit()
    return World(lead, program, cadres, networks)


@pytest.fixture
def world(seeded: Flask) -> World:
    return make_world()


def apply_pending_events() -> int:
    """What the relay and the rollup worker do: apply every event, oldest first."""
    from coordinator.rollups import apply_event

    ids = db.session.scalars(select(Event.id).order_by(Event.id)).all()
    return sum(apply_event(event_id) for event_id in ids)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
