"""The outbox page in a real browser at phone size: a lead logs in and reads the SMS text."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.security import generate_password_hash

from coordinator.extensions import db
from coordinator.notifications.planning import Planned, Recipient, plan
from coordinator.notifications.sending import send_notification
from tests.support import daytime
from tests.workers import workers_factories as make

PASSWORD = "kata-sandi-uji-123"


@pytest.mark.browser
def test_a_lead_reads_the_outbox_on_a_phone(
    seeded: Flask, live_server: str, phone_page: Any, artifacts_dir: Path, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("one browser run is enough")
    lead = make.person("lead", make.CITY, password_hash=generate_password_hash(
        PASSWORD, method="pbkdf2:sha256:1"))
    cadre = make.person(name="Ibu Sari")
    act = make.action(make.program(lead), cadre, title="Penyuluhan di RPTRA")
    now = daytime()
    [note_id] = plan([Planned(Recipient.of(cadre), "assigned", "e1", now, act.id,
                              act.program_id)], now=now)
    db.session.commit()
    assert send_notification(note_id, now).status == "sent"
    phone_page.goto(live_server + "/login")
    phone_page.fill("input[name=email]", lead.email)
    phone_page.fill("input[name=password]", PASSWORD)
    phone_page.click("form.card button[type=submit]")
    phone_page.wait_for_load_state()
    phone_page.goto(live_server + "/outbox/?stored=1")
    text = phone_page.inner_text("main")
    assert "Kotak keluar" in text and "Ibu Sari" in text and act.public_code in text
    assert "tugas baru" in text
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360 + 1, "the outbox page scrolls sideways on a phone"
    phone_page.screenshot(path=str(artifacts_dir / "outbox-phone.png"), full_page=True)
