"""A link's page kept while nothing is written (``read_cache.kept_page``), as the cadre and
the staff who open links meet it: the kept page reads nothing, yet each visitor's form carries
their own CSRF token; completing through it, revoking the link or any other write shows at
once; a link about to stop working is never kept; flashed messages are never kept."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask

from coordinator import read_cache
from coordinator.domain import short_links
from coordinator.extensions import db
from coordinator.messages.links import action_key, max_age
from coordinator.models import utcnow
from tests.dashboard.test_queries_once_per_request import statements
from tests.support import FreshGClient
from tests.web.conftest import World, csrf_token


@pytest.fixture
def app(make_app: Callable[..., Flask], redis_url: str) -> Iterator[Flask]:
    """The test app with Redis, so pages are kept (without it nothing is)."""
    app = make_app(redis_url=redis_url)
    app.test_client_class = FreshGClient  # each request its own ``g`` (CSRF token), as served
    with app.app_context():
        yield app
        db.session.rollback()


def _path(world: World, **issued: object) -> str:
    key = action_key(world.cadre.id, world.action.id, **issued)  # type: ignore[arg-type]
    db.session.commit()
    return f"/t/{key}"


def test_a_kept_link_page_reads_nothing_and_each_visitor_gets_their_own_csrf_token(
    app: Flask, world: World
) -> None:
    path = _path(world)
    phone, other_phone = app.test_client(), app.test_client()
    first = phone.get(path)
    assert first.status_code == 200 and "Tandai selesai" in first.text
    with statements() as seen:
        again = phone.get(path)
    assert again.status_code == 200 and seen == [], "the whole page was kept"
    other = other_phone.get(path)
    assert "csrf-slot" not in again.text + other.text
    mine, theirs = csrf_token(again.text), csrf_token(other.text)
    assert mine != theirs
    assert again.text.replace(mine, "") == other.text.replace(theirs, "")

    done = other_phone.post(path, data={"csrf_token": theirs, "people_reached": "12"})
    assert done.status_code == 303
    thanked = other_phone.get(path)
    assert "Terima kasih" in thanked.text  # the flash, shown once ...
    after = other_phone.get(path)
    assert "Terima kasih" not in after.text  # ... and never kept
    assert "Tandai selesai" not in after.text, "the completion retired the kept page"
    assert "Tandai selesai" not in phone.get(path).text  # for every visitor


def test_a_revoked_link_stops_at_once_though_its_page_was_kept(app: Flask,
                                                              world: World) -> None:
    path = _path(world)
    client = app.test_client()
    client.get(path)
    assert client.get(path).status_code == 200
    short_links.revoke(world.action.id, now=utcnow(), person_id=world.cadre.id)
    db.session.commit()
    assert client.get(path).status_code == 410


def test_a_link_that_ends_before_a_kept_page_would_is_never_kept(app: Flask,
                                                                world: World) -> None:
    ends_in = timedelta(seconds=read_cache.max_age() / 2)
    with app.test_request_context():
        issued = utcnow() - max_age() + ends_in  # the link works for half a kept page's life
    path = _path(world, now=issued)
    client = app.test_client()
    assert client.get(path).status_code == 200
    with statements() as seen:
        assert client.get(path).status_code == 200
    assert seen, "built again: a kept copy would outlive the link"
