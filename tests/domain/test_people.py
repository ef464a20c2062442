"""People: phone and email normalisation, scope of who may create whom, passwords."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from coordinator.domain.people import (
    check_password,
    create_person,
    deactivate_person,
    normalise_phone,
    set_password,
    update_person,
)
from coordinator.errors import Conflict, Forbidden, InvalidInput, NotFound
from coordinator.extensions import db
from coordinator.models import Event
from tests.domain.factories import CENGKARENG, TAMBORA, kelurahan_of, make_person, network


@pytest.mark.parametrize("raw", ["0812-3456-7890", "6281234567890", "+62 812 3456 7890",
                                 "(0812) 3456.7890", "812 3456 7890"])
def test_indonesian_mobile_forms_become_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+6281234567890"


@pytest.mark.parametrize("raw", ["", "12", "021-5551234", "abc", "+1 202 555 0101", "0812"])
def test_junk_and_landlines_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidInput) as err:
        normalise_phone(raw)
    assert "phone" in err.value.fields


def test_a_coordinator_creates_cadres_only_in_its_kelurahan(seeded) -> None:  # type: ignore[no-untyped-def]
    kel, far = kelurahan_of(TAMBORA)[0], kelurahan_of(CENGKARENG)[0]
    coordinator = make_person("coordinator", kel)
    cadre = create_person(actor=coordinator, name="  Siti   Aminah ", role="cadre",
                          region_code=kel, phone="0812 1111 2222", email="Siti@Example.COM",
                          network_ids=[network("pkk").id], rt="3", rw="12")
    assert (cadre.name, cadre.phone, cadre.email, cadre.rt) == (
        "Siti Aminah", "+6281211112222", "siti@example.com", "003")
    assert db.session.scalars(select(Event.type)).all() == ["PersonCreated"]
    with pytest.raises(InvalidInput):
        create_person(actor=coordinator, name="X", role="cadre", region_code=far)
    with pytest.raises(Forbidden):
        create_person(actor=coordinator, name="X", role="lead", region_code=kel)
    with pytest.raises(Conflict):
        create_person(actor=coordinator, name="Dup", role="cadre", region_code=kel,
                      email="siti@example.com")


def test_bad_fields_are_reported_together(seeded) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as err:
        create_person(actor=None, name="", role="boss", region_code="99", phone="12",
                      email="not-an-email", rt="1234")
    assert set(err.value.fields) == {"name", "role", "region_code", "phone", "email", "rt"}


def test_update_and_deactivate_respect_scope(seeded) -> None:  # type: ignore[no-untyped-def]
    kel = kelurahan_of(TAMBORA)[0]
    lead = make_person("lead", TAMBORA)
    cadre = make_person("cadre", kel)
    other_lead = make_person("lead", CENGKARENG)
    update_person(cadre.id, actor=lead, phone="081299998888", network_ids=[network("pkk").id])
    assert cadre.phone == "+6281299998888" and [n.slug for n in cadre.networks] == ["pkk"]
    with pytest.raises(NotFound):
        update_person(cadre.id, actor=other_lead, name="Hijacked")
    with pytest.raises(InvalidInput):
        update_person(cadre.id, actor=lead, password_hash="x")
    deactivate_person(cadre.id, actor=lead)
    assert not cadre.active
    with pytest.raises(Conflict):
        deactivate_person(lead.id, actor=lead)


def test_passwords_are_scrypt_and_have_a_minimum_length(seeded) -> None:  # type: ignore[no-untyped-def]
    person = make_person("lead", "31.73")
    with pytest.raises(InvalidInput):
        set_password(person, "short")
    set_password(person, "a long enough secret")
    assert person.password_hash.startswith("scrypt:")
    assert check_password(person, "a long enough secret")
    assert not check_password(person, "wrong password!")
