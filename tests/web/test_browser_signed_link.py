"""A cadre opens a signed link on a 360-px phone and completes the action in Chromium."""
from __future__ import annotations

import pytest

from coordinator.extensions import db
from coordinator.messages.links import action_link
from coordinator.models import Action
from tests.web.conftest import World

pytestmark = pytest.mark.browser


def test_cadre_completes_an_action_from_a_signed_link_on_a_phone(
    world: World, live_server: str, phone_page, artifacts_dir  # type: ignore[no-untyped-def]
) -> None:
    link = action_link(world.cadre.id, world.action.id)
    db.session.commit()  # the server reads the key's row on its own connection
    phone_page.goto(live_server + link[link.index("/t/"):])
    assert world.action.public_title in phone_page.inner_text("h2")
    # Nothing overflows the phone's width.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    phone_page.fill("input[name=people_reached]", "15")
    phone_page.fill("textarea[name=note]", "Di posyandu RW 05")
    phone_page.click("button[type=submit]")
    phone_page.wait_for_selector(".done-note")
    assert "Terima kasih" in phone_page.inner_text("main")
    phone_page.screenshot(path=str(artifacts_dir / "cadre-signed-link.png"), full_page=True)
    action = db.session.get(Action, world.action.id)
    db.session.refresh(action)
    assert action.status == "done" and action.people_reached == 15
    assert action.note == "Di posyandu RW 05" and action.completed_by_id == world.cadre.id
