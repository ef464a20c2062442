"""Links in the outbox: usable (and marked) where the outbox is the only channel, masked where
messages really leave, so staff cannot act as a cadre by copying one."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from coordinator.extensions import db
from coordinator.messages import compose
from coordinator.models import Notification
from tests.web.conftest import World, login


def _stored_sms(world: World) -> str:
    """An SMS as the outbox keeps it, with the cadre's link; returns the link's path."""
    body = compose("assigned", world.cadre, action=world.action).sms
    db.session.add(Notification(recipient_id=world.cadre.id, channel="sms", kind="assigned",
                                action_id=world.action.id, dedupe_key="outbox-link-test",
                                body=body, status="sent", provider_status="outbox"))
    db.session.commit()
    return body[body.index("/t/"):]


def test_the_embedded_outbox_shows_links_that_open_and_says_so(client, world: World) -> None:  # type: ignore[no-untyped-def]
    path = _stored_sms(world)
    login(client, world.coordinator.email)
    page = client.get("/outbox/")
    assert page.status_code == 200
    assert "Demo: tautan dapat dibuka" in page.text
    assert f'{path}" rel="noreferrer"' in page.text  # a link to click, not only text
    assert client.get(path).status_code == 200
    assert client.get("/outbox/", query_string={"q": path[3:]}).text.count('class="card" id="n') == 1


@pytest.mark.parametrize("settings", [
    {"sms_provider": "http", "sms_gateway_url": "http://127.0.0.1:9/send"},
    {"smtp_host": "127.0.0.1"},
], ids=["sms-provider", "smtp"])
def test_where_messages_leave_staff_see_links_masked(
        world: World, make_app: Callable[..., Flask], settings: dict[str, str]) -> None:
    path = _stored_sms(world)
    key = path[len("/t/"):]
    leaving = make_app(**settings)
    client = leaving.test_client()
    login(client, world.coordinator.email)
    page = client.get("/outbox/")
    assert page.status_code == 200
    assert key not in page.text and "/t/••••••" in page.text
    assert "Tautan dalam pesan disembunyikan" in page.text
    assert "Demo: tautan dapat dibuka" not in page.text
    # The search cannot spell a key out either: it does not look into message texts.
    for fragment in (key, key[:3], "/t/" + key[:1]):
        found = client.get("/outbox/", query_string={"q": fragment})
        assert 'class="card" id="n' not in found.text, fragment
    assert 'class="card" id="n' in client.get("/outbox/", query_string={"q": "Ibu Sari"}).text
