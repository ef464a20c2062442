"""Sessions and tokens end when they should: logout, password change, deactivation, an admin's
"sign out everywhere", expiry; and a token costs one SELECT and no write per request."""
from __future__ import annotations

from datetime import timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from coordinator.domain.people import deactivate_person, set_password
from coordinator.domain.sessions import person_for_token
from coordinator.extensions import db
from coordinator.models import ApiToken, Person, WebSession, utcnow
from tests.api.conftest import World, world  # noqa: F401 - the fixture
from tests.support import FreshGClient, logged_in_session
from tests.web.conftest import csrf_token

NEW_PASSWORD = "sebuah-kata-sandi-baru"


def browser(app: Flask, person: Person) -> FlaskClient:
    client = FreshGClient(app, app.response_class, use_cookies=True)
    with client.session_transaction() as session:
        session.update(logged_in_session(person))
    return client


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = FreshGClient(app, app.response_class, use_cookies=True)
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    return thief


def signed_in(client: FlaskClient) -> bool:
    return client.get("/api/v1/programs").status_code == 200


def test_logout_kills_a_copied_cookie_but_not_the_other_devices(world: World) -> None:  # noqa: F811
    app, lead = world.client.application, world.people["kec_lead"]
    laptop, phone = browser(app, lead), browser(app, lead)
    copied = copy_of(app, laptop)
    assert signed_in(copied)
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop.get("/aksi/").text)})
    assert not signed_in(copied) and not signed_in(laptop)
    assert signed_in(phone)  # logging out here ends this session only


def test_a_password_change_ends_every_other_session_and_every_token(world: World) -> None:  # noqa: F811
    app, lead = world.client.application, world.people["kec_lead"]
    lead.password_hash = None
    set_password(lead, "kata-sandi-lama-123")
    here, elsewhere = browser(app, lead), browser(app, lead)
    token = world.tokens["kec_lead"]
    page = here.get("/password")
    response = here.post("/password", data={
        "csrf_token": csrf_token(page.text), "current_password": "kata-sandi-lama-123",
        "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert signed_in(here)  # this browser got a fresh session
    assert not signed_in(elsewhere)
    assert world.call("kec_lead", "GET", "/programs").status_code == 401
    assert db.session.scalars(select(ApiToken).where(ApiToken.person_id == lead.id)).one().revoked_at
    assert token


def test_deactivation_ends_sessions_and_revokes_tokens_for_good(world: World) -> None:  # noqa: F811
    app, cadre = world.client.application, world.people["coordinator"]
    device = browser(app, cadre)
    assert signed_in(device)
    deactivate_person(cadre.id, actor=world.people["admin"])
    assert not signed_in(device)
    cadre.active = True  # reactivated later: the old session and token stay dead
    db.session.commit()
    assert not signed_in(device)
    assert world.call("coordinator", "GET", "/programs").status_code == 401


def test_an_admin_signs_a_person_out_everywhere(world: World) -> None:  # noqa: F811
    app, admin, lead = world.client.application, world.people["admin"], world.people["kec_lead"]
    victim = browser(app, lead)
    console = browser(app, admin)
    page = console.get(f"/orang/{lead.id}")
    assert "Sign out everywhere" in page.text or "Keluarkan" in page.text
    response = console.post(f"/orang/{lead.id}/keluar-semua",
                            data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 303
    assert not signed_in(victim)
    assert world.call("kec_lead", "GET", "/programs").status_code == 401
    assert signed_in(console)


def test_nobody_else_may_sign_a_person_out(world: World) -> None:  # noqa: F811
    app, lead, other = world.client.application, world.people["kec_lead"], world.people["city_lead"]
    attacker = browser(app, other)
    page = attacker.get("/aksi/")
    response = attacker.post(f"/orang/{lead.id}/keluar-semua",
                             data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 404
    assert world.call("kec_lead", "GET", "/programs").status_code == 200


def test_a_session_expires_after_its_lifetime(world: World) -> None:  # noqa: F811
    app, lead = world.client.application, world.people["kec_lead"]
    device = browser(app, lead)
    hours = app.extensions["sinergi"].session_lifetime_hours
    with time_machine.travel(utcnow() + timedelta(hours=hours, minutes=1)):
        assert not signed_in(device)


def test_tokens_expire_after_api_token_days(world: World) -> None:  # noqa: F811
    created = world.call("cadre", "POST", "/tokens", json={"name": "integration"})
    assert created.status_code == 201
    days = world.client.application.extensions["sinergi"].api_token_days
    assert days == 90
    headers = {"Authorization": f"Bearer {created.json['token']}"}
    assert world.client.get("/api/v1/networks", headers=headers).status_code == 200
    with time_machine.travel(utcnow() + timedelta(days=days, minutes=1)):
        response = world.client.get("/api/v1/networks", headers=headers)
        assert response.status_code == 401
        assert "expired" in response.json["error"]["message"]


def test_a_token_costs_one_select_and_no_write_per_request(world: World) -> None:  # noqa: F811
    token = world.tokens["cadre"]
    person_for_token(token)  # the first use of the hour writes last_used_at once
    statements: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        db.session.expire_all()
        for _ in range(5):
            found = person_for_token(token)
            assert found is not None and found.person.id == world.people["cadre"].id
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == 5, statements
    assert all(s.lstrip().upper().startswith("SELECT") for s in statements)
    assert all("people" in s and "api_tokens" in s for s in statements)


def test_last_used_is_written_at_most_hourly(world: World) -> None:  # noqa: F811
    token = world.tokens["cadre"]
    person_for_token(token)
    first = db.session.scalars(select(ApiToken).where(
        ApiToken.person_id == world.people["cadre"].id)).one().last_used_at
    person_for_token(token)
    db.session.expire_all()
    row = db.session.scalars(select(ApiToken).where(
        ApiToken.person_id == world.people["cadre"].id)).one()
    assert row.last_used_at == first
    with time_machine.travel(utcnow() + timedelta(hours=2)):
        person_for_token(token)
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at > first  # type: ignore[union-attr]


def test_every_login_is_a_server_side_row(world: World) -> None:  # noqa: F811
    lead = world.people["kec_lead"]
    browser(world.client.application, lead)
    rows = db.session.scalars(select(WebSession).where(WebSession.person_id == lead.id)).all()
    assert len(rows) == 1 and rows[0].revoked_at is None and len(rows[0].token_hash) == 64
