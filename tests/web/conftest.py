"""Web fixtures: a small West Jakarta world with one person of every role, and a CSRF-aware login."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from coordinator.domain.people import create_person
from coordinator.extensions import db
from coordinator.models import Action, Network, Person, Program

PASSWORD = "rahasia-sekali-123"
# Tests log in hundreds of times: a one-iteration hash keeps them fast (production uses scrypt).
FAST_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
TAMBORA = "31.73.04"  # Kecamatan Tambora
TAMBORA_KEL = "31.73.04.1001"
TAMBORA_KEL_2 = "31.73.04.1002"
KEMBANGAN_KEL = "31.73.08.1001"  # another kecamatan: out of a Tambora person's scope
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, Any], *, form_url: str | None = None,
              **kwargs: Any) -> Any:
    """Fetch the page holding the form, read its CSRF token, post ``data`` with it."""
    page = client.get(form_url or url)
    assert page.status_code == 200, (form_url or url, page.status_code)
    return client.post(url, data={**data, "csrf_token": csrf_token(page.text)}, **kwargs)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return post_form(client, "/login", {"email": email, "password": password})


@dataclass
class World:
    admin: Person
    lead: Person            # city lead, 31.73
    kec_lead: Person        # Kecamatan Tambora lead
    coordinator: Person     # one Tambora kelurahan
    cadre: Person           # PKK cadre in that kelurahan
    other_cadre: Person     # a cadre in Kembangan (another kecamatan)
    other_coordinator: Person
    program: Program
    action: Action          # the cadre's open action in Tambora
    other_action: Action    # an action in Kembangan

    def by_role(self, role: str) -> Person:
        return getattr(self, role)


def _person(role: str, region: str, name: str, email: str | None, networks: list[int] = (),
            phone: str | None = None) -> Person:
    person = create_person(actor=None, name=name, role=role, region_code=region, email=email,
                           phone=phone, network_ids=list(networks))
    if email:
        person.password_hash = FAST_HASH
        db.session.commit()
    return person


def make_action(program: Program, kelurahan: str, assignee: Person | None, *,
                due_in: timedelta = timedelta(days=3), title: str = "Sosialisasi di posyandu",
                network_id: int | None = None) -> Action:
    from coordinator.domain.actions import assign_action

    return assign_action(
        actor=None, program_id=program.id, kelurahan_code=kelurahan, title=title,
        due_at=datetime.now(UTC) + due_in, assignee_id=assignee.id if assignee else None,
        network_id=network_id,
    )


@pytest.fixture
def web_seeded(app: Flask) -> Flask:
    """Jakarta Barat's regions (not all of DKI: faster), the networks, indicators and targets;
    the database is emptied before each test by ``app``."""
    from coordinator.seeding.reference import seed_reference_data
    from coordinator.seeding.regions import DKI_JAKARTA_CSV, read_region_csv, upsert_regions

    rows = read_region_csv(DKI_JAKARTA_CSV)
    upsert_regions([r for r in rows if r.code == "31" or r.code.startswith("31.73")])
    seed_reference_data()
    return app


@pytest.fixture
def world(web_seeded: Flask) -> World:
    from coordinator.domain.programs import activate_program, create_program

    pkk = db.session.scalar(select(Network).where(Network.slug == "pkk"))
    assert pkk is not None
    admin = _person("admin", "31", "Admin DKI", "admin@example.org")
    lead = _person("lead", "31.73", "Ketua Gugus Tugas", "lead@example.org")
    kec_lead = _person("lead", TAMBORA, "Ketua Tambora", "tambora@example.org")
    coordinator = _person("coordinator", TAMBORA_KEL, "Kasi Kesra", "kasi@example.org")
    cadre = _person("cadre", TAMBORA_KEL, "Ibu Sari", "sari@example.org", [pkk.id],
                    phone="081234567890")
    other_cadre = _person("cadre", KEMBANGAN_KEL, "Ibu Rina", "rina@example.org", [pkk.id])
    other_coordinator = _person("coordinator", KEMBANGAN_KEL, "Kasi Kembangan", "kk@example.org")
    program = create_program(actor=lead, title="Kampanye Stop TPPO", description="Sosialisasi",
                             public_title="Kampanye warga",
                             category="prevention", year=2022, region_code="31.73")
    activate_program(program.id, actor=lead)
    action = make_action(program, TAMBORA_KEL, cadre, network_id=pkk.id)
    other_action = make_action(program, KEMBANGAN_KEL, other_cadre, network_id=pkk.id)
    return World(admin, lead, kec_lead, coordinator, cadre, other_cadre, other_coordinator,
                 program, action, other_action)
