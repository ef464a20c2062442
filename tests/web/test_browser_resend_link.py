"""A coordinator sends a cadre's link again from the action page on a 360-px phone."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Notification
from tests.web.conftest import PASSWORD, World

pytestmark = pytest.mark.browser


def test_coordinator_resends_a_link_on_a_phone(
    world: World, live_server: str, phone_page: Any, artifacts_dir: Path, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("one browser run is enough")
    phone_page.goto(live_server + "/login")
    phone_page.fill("input[name=email]", world.coordinator.email)
    phone_page.fill("input[name=password]", PASSWORD)
    phone_page.click("form.card button[type=submit]")
    phone_page.wait_for_load_state()
    phone_page.goto(f"{live_server}/aksi/{world.action.id}")
    phone_page.click("text=Kirim ulang tautan")
    phone_page.wait_for_selector(".flash")
    assert phone_page.url.endswith(f"/aksi/{world.action.id}")  # redirected back (303)
    assert "Tautan baru dikirim ke kader" in phone_page.inner_text("main")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    phone_page.screenshot(path=str(artifacts_dir / "resend-link-phone.png"), full_page=True)
    kinds = db.session.scalars(select(Notification.kind)).all()
    assert "link_resent" in kinds
