"""The API takes a public title for programs, actions and bulk assignments, and refuses one
with a case word in its one error envelope (422), writing nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Action, Program
from tests.api.conftest import World

HOSTILE = ["Pendampingan korbannya", "TPPO2022", "perdagangan-orang", "k0rban",
           "коrban warga", "Kegiatan anti-trafficking"]


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)))


def _program_body(public_title: object) -> dict[str, object]:
    return {"title": "Penanganan korban TPPO", "public_title": public_title,
            "category": "handling", "year": 2022, "region_code": "31.73.04"}


def test_a_program_needs_a_public_title_and_keeps_it_apart_from_its_title(world: World) -> None:
    missing = world.call("kec_lead", "POST", "/programs", json={
        k: v for k, v in _program_body("x").items() if k != "public_title"})
    assert missing.status_code == 422 and "public_title" in missing.json["error"]["fields"]
    created = world.call("kec_lead", "POST", "/programs", json=_program_body("Kegiatan warga"))
    assert created.status_code == 201, created.json
    assert created.json["title"] == "Penanganan korban TPPO"
    assert created.json["public_title"] == "Kegiatan warga"


def test_a_public_title_with_a_case_word_is_refused_and_nothing_is_written(world: World) -> None:
    before = _count(Program)
    for title in HOSTILE:
        response = world.call("kec_lead", "POST", "/programs", json=_program_body(title))
        assert response.status_code == 422, title
        error = response.json["error"]
        assert error["code"] == "invalid_input" and list(error["fields"]) == ["public_title"]
        assert "case words" in error["fields"]["public_title"][0]
    changed = world.call("kec_lead", "PATCH", f"/programs/{world.program_a.id}",
                         json={"public_title": "Sosialisasi TPPO"})
    assert changed.status_code == 422 and "public_title" in changed.json["error"]["fields"]
    assert _count(Program) == before
    db.session.refresh(world.program_a)
    assert "TPPO" not in world.program_a.public_title


def test_an_action_takes_its_programs_public_title_unless_given_one(world: World) -> None:
    base = {"program_id": world.program_a.id, "kelurahan_code": world.kel_a,
            "title": "Pendampingan korban di RW 05", "due_at": "2030-03-15T10:00:00+07:00"}
    default = world.call("kec_lead", "POST", "/actions", json=base)
    assert default.status_code == 201, default.json
    assert default.json["public_title"] == world.program_a.public_title
    given = world.call("kec_lead", "POST", "/actions", json={**base, "public_title": "Rapat RW"})
    assert given.json["public_title"] == "Rapat RW"
    before = _count(Action)
    refused = world.call("kec_lead", "POST", "/actions",
                         json={**base, "public_title": "Rapat korban_kekerasan"})
    assert refused.status_code == 422 and "public_title" in refused.json["error"]["fields"]
    assert _count(Action) == before


def test_bulk_assignment_refuses_a_public_title_with_a_case_word(world: World) -> None:
    body = {"program_id": world.program_a.id, "network_ids": [1], "region_codes": [world.kel_a],
            "due_date": "2030-03-15", "title": "Sosialisasi TPPO",
            "public_title": "Sosialisasi perdagangan orang"}
    pkk = world.call("kec_lead", "GET", "/networks").json
    body["network_ids"] = [next(n["id"] for n in pkk if n["slug"] == "pkk")]
    before = _count(Action)
    for preview in (True, False):
        refused = world.call("kec_lead", "POST", "/actions/bulk", json={**body, "preview": preview})
        assert refused.status_code == 422, refused.json
        assert "public_title" in refused.json["error"]["fields"]
    assert _count(Action) == before
    accepted = world.call("kec_lead", "POST", "/actions/bulk",
                          json={**body, "public_title": "Sosialisasi warga"})
    assert accepted.status_code == 201, accepted.json
    titles = set(db.session.scalars(select(Action.public_title).where(
        Action.bulk_assignment_id == accepted.json["bulk_assignment_id"])))
    assert titles == {"Sosialisasi warga"}
