"""API-test fixtures: a small world in two kecamatan with a person of every role and tokens."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from coordinator.api.auth import hash_token
from coordinator.extensions import db
from coordinator.models import Action, ApiToken, Person, Program, utcnow
from tests.domain.factories import (
    CENGKARENG,
    TAMBORA,
    kelurahan_of,
    make_action,
    make_person,
    make_program,
)

ROLES = ("admin", "city_lead", "kec_lead", "coordinator", "cadre", "anonymous")


def give_token(person: Person) -> str:
    secret = f"test-token-{person.id}"
    db.session.add(ApiToken(person_id=person.id, name="test", token_hash=hash_token(secret),
                            created_at=utcnow()))
    db.session.commit()
    return secret


@dataclass
class World:
    client: FlaskClient
    kel_a: str
    kel_b: str
    people: dict[str, Person]
    tokens: dict[str, str]
    program_a: Program
    program_b: Program
    action_a: Action
    action_b: Action
    extra: dict[str, Any] = field(default_factory=dict)

    def call(self, role: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if role != "anonymous":
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)


@pytest.fixture
def world(seeded: Flask) -> World:
    kel_a, kel_b = kelurahan_of(TAMBORA)[0], kelurahan_of(CENGKARENG)[0]
    people = {
        "admin": make_person("admin", "31"),
        "city_lead": make_person("lead", "31.73"),
        "kec_lead": make_person("lead", TAMBORA),
        "coordinator": make_person("coordinator", kel_a),
        "cadre": make_person("cadre", kel_a, networks=("pkk",)),
        "other_cadre_a": make_person("cadre", kel_a, networks=("pkk",)),
        "cadre_b": make_person("cadre", kel_b, networks=("pkk",)),
        "other_cadre_b": make_person("cadre", kel_b, networks=("pkk",)),
    }
    tokens = {role: give_token(people[role]) for role in ROLES if role != "anonymous"}
    program_a = make_program(people["kec_lead"], TAMBORA, title="Program Tambora")
    program_b = make_program(people["city_lead"], CENGKARENG, title="Program Cengkareng")
    action_a = make_action(program_a, kel_a, people["cadre"])
    action_b = make_action(program_b, kel_b, people["cadre_b"])
    return World(seeded.test_client(), kel_a, kel_b, people, tokens, program_a, program_b,
                 action_a, action_b)
