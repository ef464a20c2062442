"""Integrations push and read case statistics through the API, with the domain's checks."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from coordinator.api.auth import hash_token, new_token
from coordinator.extensions import db
from coordinator.models import ApiToken, CaseStat, Event, Person
from tests.dashboard.conftest import World
from tests.rollups.conftest import (
    CENGKARENG,
    CENGKARENG_BARAT,
    GROGOL,
    add_person,
    apply_pending_events,
)


def bearer(person: Person) -> dict[str, str]:
    token = new_token()
    db.session.add(ApiToken(person_id=person.id, name="sudin", token_hash=hash_token(token)))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def stored() -> int:
    return int(db.session.scalar(select(func.count()).select_from(CaseStat)))


def test_an_integration_pushes_a_month_and_reads_it_back(dash_world: World, seeded: Flask) -> None:
    client, headers = seeded.test_client(), bearer(dash_world.lead)
    body = {"month": "2022-06", "counts": [
        {"kelurahan_code": CENGKARENG_BARAT, "indicator": "ktpa_women", "count": 2},
        {"kelurahan_code": GROGOL, "indicator": "tppo_victims", "count": 1}]}
    pushed = client.post("/api/v1/case-stats", json=body, headers=headers)
    assert pushed.status_code == 200, pushed.text
    assert pushed.get_json() == {"month": "2022-06", "changed": 2}
    assert client.post("/api/v1/case-stats", json=body, headers=headers).get_json()["changed"] == 0
    events = db.session.scalar(select(func.count()).select_from(Event).where(
        Event.type == "CaseStatsRecorded", Event.payload["month"].as_string() == "2022-06-01"))
    assert events == 2
    apply_pending_events()
    read = client.get("/api/v1/case-stats?month=2022-06&region=31.73.01", headers=headers).get_json()
    assert read["counts"] == [{"kelurahan_code": CENGKARENG_BARAT, "indicator": "ktpa_women", "count": 2}]


def test_bad_batches_are_refused_whole(dash_world: World, seeded: Flask) -> None:
    client = seeded.test_client()
    headers = bearer(add_person("Lead Cengkareng", "lead", CENGKARENG))
    before = stored()
    good = {"kelurahan_code": CENGKARENG_BARAT, "indicator": "ktpa_women", "count": 2}
    for counts, month in (
        ([good, {**good, "count": -1}], "2022-06"),
        ([good, {**good, "count": "3"}], "2022-06"),
        ([good, {**good, "indicator": "unicorns"}], "2022-06"),
        ([good, {**good, "kelurahan_code": GROGOL}], "2022-06"),  # outside Cengkareng
        ([good], "2999-01"),
        ([good], "June"),
        ([], "2022-06"),
    ):
        response = client.post("/api/v1/case-stats", json={"month": month, "counts": counts},
                               headers=headers)
        assert response.status_code in (400, 422), (counts, month, response.text)
        assert response.get_json()["error"]["code"] in ("invalid_input", "validation_error",
                                                        "unprocessable_entity", "bad_request")
    assert stored() == before
