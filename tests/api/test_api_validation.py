"""Every validation error class answers in the one error shape and writes nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Program
from tests.api.conftest import World


def programs() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Program)))


GOOD = {"title": "Sosialisasi", "public_title": "Kegiatan sosialisasi", "category": "prevention", "year": 2022, "region_code": "31.73.04"}


BAD_BODIES = [
    ({"colour": "red"}, "colour"),                 # unknown field
    ({"year": "twenty"}, "year"),                  # wrong type
    ({"title": None}, "title"),                    # null where a value is required
    ({"year": 1900}, "year"),                      # out of range
    ({"category": "party"}, "category"),           # not one of the choices
    ({"region_code": "Tambora"}, "region_code"),   # malformed code
]


def test_bad_program_bodies_are_422_with_the_field(world: World) -> None:
    before = programs()
    for change, field in BAD_BODIES:
        response = world.call("admin", "POST", "/programs", json={**GOOD, **change})
        assert response.status_code == 422, change
        error = response.json["error"]
        assert error["code"] == "invalid_input" and field in error["fields"], error
    assert programs() == before


def test_missing_fields_are_each_named(world: World) -> None:
    response = world.call("admin", "POST", "/programs", json={})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"title", "public_title", "category", "year",
                                                     "region_code"}


def test_a_body_that_is_not_json_is_an_error_not_a_crash(world: World) -> None:
    response = world.call("admin", "POST", "/programs", data="{not json",
                          content_type="application/json")
    assert response.status_code in (400, 422)
    assert "error" in response.json


BAD_QUERIES = [
    ("status=lost", 422, "status"),
    ("overdue=perhaps", 422, "overdue"),
    ("kecamatan=Tambora", 422, "kecamatan"),
    ("limit=0", 422, "limit"),
    ("limit=201", 422, "limit"),
    ("sort=due", 422, "sort"),
    ("cursor=not-a-cursor", 400, "cursor"),
    ("cursor=WzEsMl0", 400, "cursor"),  # valid base64 of [1,2]: wrong shape
]


def test_bad_query_strings(world: World) -> None:
    for query, status, field in BAD_QUERIES:
        response = world.call("admin", "GET", f"/actions?{query}")
        assert response.status_code == status, query
        assert field in response.json["error"]["fields"], query


def test_domain_conflicts_are_409(world: World) -> None:
    action = world.action_a.id
    assert world.call("admin", "POST", f"/actions/{action}/cancel").status_code == 200
    response = world.call("admin", "POST", f"/actions/{action}/complete", json={})
    assert response.status_code == 409 and response.json["error"]["code"] == "conflict"


def test_people_reached_must_be_a_non_negative_integer(world: World) -> None:
    path = f"/actions/{world.action_a.id}/complete"
    for value in (-1, 2.5, "12", True):
        response = world.call("cadre", "POST", path, json={"people_reached": value})
        assert response.status_code == 422, value
        assert "people_reached" in response.json["error"]["fields"]


def test_an_unknown_api_path_is_a_json_404(world: World) -> None:
    response = world.call("admin", "GET", "/programmes")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_unexpected_errors_are_500_without_internals(world: World) -> None:
    from flask import Flask
    from flask_smorest import Api, Blueprint

    from coordinator.api.errors import install_error_handlers

    app = Flask("crash")
    app.config.update(API_TITLE="t", API_VERSION="1", OPENAPI_VERSION="3.0.3")
    blp = Blueprint("crash", __name__)

    @blp.route("/boom")
    def boom() -> None:
        raise RuntimeError("password=hunter2 in /srv/secret.py")

    install_error_handlers(blp)
    Api(app).register_blueprint(blp)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.json == {"error": {"code": "internal_error", "message": "Internal server error."}}
