"""The outbox page, the failed-messages page with its retry button, the reminder-policy form."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from coordinator.extensions import db
from coordinator.models import Notification, Person, Program
from coordinator.notifications.planning import Planned, Recipient, plan
from coordinator.notifications.sending import send_notification
from tests.support import daytime
from tests.workers import workers_factories as make

PASSWORD = "kata-sandi-uji-123"
FAST_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class FreshGClient(FlaskClient):
    """Every request starts with an empty ``g`` (the test keeps one app context pushed)."""

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        from flask import g

        for name in list(vars(g)):
            delattr(g, name)
        return super().open(*args, **kwargs)


def user(role: str, region: str, **fields: Any) -> Person:
    return make.person(role, region, password_hash=FAST_HASH, **fields)


def logged_in(app: Flask, person: Person) -> FlaskClient:
    app.test_client_class = FreshGClient
    client = app.test_client()
    page = client.get("/login")
    token = CSRF.search(page.text).group(1)
    response = client.post("/login", data={"email": person.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 303, response.text[:500]
    return client


def post(client: FlaskClient, form_url: str, url: str, data: dict[str, Any]) -> Any:
    token = CSRF.search(client.get(form_url).text).group(1)
    return client.post(url, data={**data, "csrf_token": token})


@pytest.fixture
def world(seeded: Flask) -> dict[str, Any]:
    lead = user("lead", make.CITY)
    cadre = make.person(name="Ibu Sari")
    act = make.action(make.program(lead), cadre, title="Penyuluhan di RPTRA")
    now = daytime()
    [note_id] = plan([Planned(Recipient.of(cadre), "assigned", "e1", now, act.id, act.program_id)],
                     now=now)
    db.session.commit()
    send_notification(note_id, now)
    return {"lead": lead, "cadre": cadre, "action": act, "note_id": note_id,
            "admin": user("admin", "31")}


def test_the_outbox_shows_what_would_have_been_sent(seeded: Flask, world: dict[str, Any]) -> None:
    client = logged_in(seeded, world["admin"])
    page = client.get("/outbox/?stored=1&channel=sms")
    assert page.status_code == 200
    assert "Kotak keluar" in page.text and "Ibu Sari" in page.text
    assert world["action"].public_code in page.text
    assert client.get("/outbox/?channel=email").text.count('class="card" id="n') == 0


def test_bad_outbox_filters_are_named_in_indonesian(seeded: Flask, world: dict[str, Any]) -> None:
    client = logged_in(seeded, world["lead"])
    page = client.get("/outbox/?status=bogus&month=2022-13&page=x")
    assert page.status_code == 400
    assert "Status “bogus” tidak dikenal." in page.text
    assert "Bulan harus" in page.text and "2022-03" in page.text
    assert "Halaman harus bilangan bulat" in page.text


def test_a_cadre_cannot_open_the_outbox(seeded: Flask, world: dict[str, Any]) -> None:
    cadre = user("cadre", make.KELURAHAN)
    client = logged_in(seeded, cadre)
    assert client.get("/outbox/").status_code == 404
    assert client.get("/notifications/dead").status_code == 404


def test_a_dead_message_is_listed_and_sent_again_with_the_button(
    seeded: Flask, world: dict[str, Any]
) -> None:
    note = db.session.get(Notification, world["note_id"])
    note.status, note.last_error = "dead", "provider refused the number"
    db.session.commit()
    client = logged_in(seeded, world["lead"])
    page = client.get("/notifications/dead")
    assert page.status_code == 200 and "provider refused the number" in page.text
    assert "SMS terkirim pada" in page.text
    url = f"/notifications/{note.id}/retry"
    response = post(client, "/notifications/dead", url, {})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Notification, note.id).status == "pending"
    again = post(client, "/notifications/dead", url, {})
    assert again.status_code == 303
    assert "tidak lagi gagal" in client.get("/notifications/dead").text
    assert client.post(url, data={}).status_code == 400  # no CSRF token: nothing changes


def test_sms_counts_per_program_and_city(seeded: Flask, world: dict[str, Any]) -> None:
    client = logged_in(seeded, world["lead"])
    month = datetime.now(UTC).strftime("%Y-%m")
    page = client.get(f"/notifications/dead?month={month}")
    from coordinator.models import Region

    city = db.session.get(Region, make.CITY).name
    assert "Sosialisasi pencegahan" in page.text and city in page.text
    assert page.text.count("<td>1</td>") >= 2  # one message of at least one part, twice
    assert client.get("/notifications/dead?month=maret").status_code == 400


def test_the_lead_edits_the_reminder_policy(seeded: Flask, world: dict[str, Any]) -> None:
    program = db.session.scalars(select(Program)).one()
    client = logged_in(seeded, world["lead"])
    url = f"/program/{program.id}/reminders"
    form = {"on_assignment": "1", "before_due_hours": "48", "morning_hour": "8",
            "when_overdue": "1", "step_to_0": "kelurahan_coordinator", "step_days_0": "2",
            "step_to_1": "program_owner", "step_days_1": "10", "notify_completed": "1"}
    assert post(client, url, url, form).status_code == 303
    db.session.expire_all()
    stored = db.session.get(Program, program.id).reminder_policy
    assert stored["before_due_hours"] == 48 and stored["morning_of_due_day"] is False
    assert stored["escalation"] == [{"to": "kelurahan_coordinator", "after_days": 2},
                                    {"to": "program_owner", "after_days": 10}]
    assert stored["notify_coordinator_on"] == ["completed"]


def test_a_bad_reminder_policy_is_refused_field_by_field(
    seeded: Flask, world: dict[str, Any]
) -> None:
    program = db.session.scalars(select(Program)).one()
    client = logged_in(seeded, world["lead"])
    url = f"/program/{program.id}/reminders"
    form = {"before_due_hours": "999", "morning_hour": "3", "step_to_0": "kelurahan_coordinator",
            "step_days_0": "tiga"}
    page = post(client, url, url, form)
    assert page.status_code == 400
    assert "Harus bilangan bulat jam dari 1 sampai 168" in page.text
    assert "Harus jam antara 5 dan 12." in page.text
    assert "Harus bilangan bulat hari dari 1 sampai 365." in page.text
    db.session.expire_all()
    assert db.session.get(Program, program.id).reminder_policy is None


def test_a_coordinator_sees_the_policy_but_cannot_change_it(
    seeded: Flask, world: dict[str, Any]
) -> None:
    program = db.session.scalars(select(Program)).one()
    coordinator = user("coordinator", make.KELURAHAN)
    client = logged_in(seeded, coordinator)
    url = f"/program/{program.id}/reminders"
    assert client.get(url).status_code == 200
    assert post(client, url, url, {"before_due_hours": "1"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Program, program.id).reminder_policy is None


def test_a_failed_job_is_shown_with_its_error_and_run_again_with_the_button(
    seeded: Flask, world: dict[str, Any]
) -> None:
    from coordinator.domain.dead_letters import record_dead_letter
    from coordinator.models import DeadLetter

    record_dead_letter("sinergi.ping", [77], "ValueError: poison", datetime.now(UTC))
    db.session.commit()
    letter = db.session.scalars(select(DeadLetter)).one()
    client = logged_in(seeded, world["lead"])
    page = client.get("/notifications/dead")
    assert "Pekerjaan latar yang gagal" in page.text and "ValueError: poison" in page.text
    assert "Kiriman tak pasti" in page.text
    url = f"/notifications/jobs/{letter.id}/retry"
    # The test app's broker is the embedded SQLite one in the instance folder: it is reachable.
    seeded.extensions["sinergi"].instance_dir.mkdir(parents=True, exist_ok=True)
    assert post(client, "/notifications/dead", url, {}).status_code == 303
    db.session.expire_all()
    assert db.session.get(DeadLetter, letter.id).status == "retried"
    assert "Tidak ada pekerjaan latar yang gagal." in client.get("/notifications/dead").text
    coordinator = user("coordinator", make.KELURAHAN)
    other = logged_in(seeded, coordinator)
    assert "Pekerjaan latar yang gagal" not in other.get("/notifications/dead").text
    assert post(other, "/notifications/dead", url, {}).status_code == 403
