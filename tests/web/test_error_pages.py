"""Every error page a person can meet (400, 403, 404, 405, 410, 413, 429, 500) is the site's
page in the reader's language, never Werkzeug's English one; the API keeps its JSON envelope.
A GET on a POST-only address goes back to the page its form belongs to (every such route)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException

from coordinator import create_app
from coordinator.extensions import db
from tests.conftest import test_config
from tests.support import FreshGClient
from tests.web.conftest import World, csrf_token, login

WERKZEUG_WORDS = ("The requested URL", "Method Not Allowed", "Internal Server Error",
                  "The browser (or proxy)", "is not allowed for the requested URL")
TITLES = {
    "id": {400: "Permintaan tidak diterima", 403: "Tidak diizinkan", 404: "Halaman tidak ditemukan",
           405: "Tidak dapat dilakukan di alamat ini", 410: "Tidak tersedia lagi",
           413: "Terlalu besar", 429: "Terlalu banyak permintaan", 500: "Terjadi kesalahan"},
    "en": {400: "Request not accepted", 403: "Not allowed", 404: "Page not found",
           405: "Not possible at this address", 410: "No longer available", 413: "Too large",
           429: "Too many requests", 500: "Something went wrong"},
}


@pytest.fixture
def error_app(world: World, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app of its own (routes are added before its first request) with small limits and two
    routes that fail on purpose: a withdrawn page (410) and a crash (500)."""
    app = create_app(test_config(database_url, tmp_path / "instance",
                                 login_attempts_per_ip_per_hour=3, max_request_kb=16))
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer a crash as production does

    def crash() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/uji/ditarik", "test_gone", lambda: abort(410))
    app.add_url_rule("/uji/rusak", "test_crash", crash)
    app.test_client_class = FreshGClient
    yield app
    with app.app_context():
        db.engine.dispose()


def _trigger(client: FlaskClient, code: int, world: World) -> tuple[int, str]:
    if code == 400:  # a NUL byte is refused at the door, before any view
        response = client.get("/?q=%00")
    elif code == 403:  # retrying a failed job is for admins and leads only
        token = csrf_token(client.get("/tugas/").text)
        response = client.post("/notifications/jobs/1/retry", data={"csrf_token": token})
    elif code == 404:
        response = client.get("/tidak-ada-halaman-ini")
    elif code == 405:  # a POST to a page that takes none
        response = client.post("/tugas/")
    elif code == 410:
        response = client.get("/uji/ditarik")
    elif code == 413:
        response = client.post("/login", data={"email": "x" * 40_000, "password": "y"})
    elif code == 429:  # more login attempts from one address than an hour allows
        form = {"email": "a@b.c", "password": "salah", "csrf_token": csrf_token(
            client.get("/login").text)}
        for _ in range(3):
            client.post("/login", data=form)
        response = client.post("/login", data=form)
    else:
        response = client.get("/uji/rusak")
    return response.status_code, response.text


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("code", [400, 403, 404, 405, 410, 413, 429, 500])
def test_every_error_page_uses_the_layout_and_the_readers_language(
        error_app: Flask, world: World, code: int, language: str) -> None:
    world.coordinator.language = language
    db.session.commit()
    client = error_app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{code % 250}"
    if code not in (413, 429):  # those two are met before logging in
        with error_app.app_context():
            login(client, world.coordinator.email)
    elif language == "en":
        with error_app.app_context():
            token = csrf_token(client.get("/login").text)
            client.post("/language", data={"csrf_token": token, "language": "en", "next": "/"})
    status, html = _trigger(client, code, world)
    assert status == code, html[:300]
    assert f'<html lang="{language}">' in html and 'class="topbar"' in html  # the site's layout
    assert re.search(r"/static/sinergi\.[0-9a-f]{12}\.css", html)  # the layout, fingerprinted
    assert TITLES[language][code] in html, html[:2000]
    assert not any(word in html for word in WERKZEUG_WORDS)


def test_the_api_keeps_its_json_envelope_for_routing_errors(client, world: World) -> None:
    missing = client.get("/api/v1/tidak-ada")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    wrong = client.delete("/api/v1/programs")
    assert wrong.status_code == 405 and wrong.json["error"]["code"] == "method_not_allowed"


def _post_only_routes(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, a URL) for every people's route that takes POST and no GET at that URL."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith(("/api/", "/webhooks/")):
            continue
        url = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1) | (
            {"token": "abc"} if "token" in rule.arguments else {}))
        try:
            adapter.match(url, method="GET")
        except HTTPException:  # 405, or a redirect to another address
            found.append((rule.endpoint, url))
        else:
            continue  # another route answers GET here
    return found


OWNERS = {  # where a reload lands, for the routes whose answer is not obvious
    "actions.cancel": "/aksi/1", "cadre.complete": "/tugas/", "programs.activate": "/program/1",
    "notifications.retry": "/notifications/dead", "notifications.retry_job": "/notifications/dead",
    "auth.logout": "/", "bulk.confirm": "/aksi/massal/", "targets.remove_outreach":
    "/target/jangkauan/1", "people.deactivate": "/orang/1",
}


def test_a_get_on_any_post_only_address_goes_back_to_its_page(client, world: World) -> None:
    routes = _post_only_routes(client.application)
    assert len(routes) >= 20 and {e for e, _ in routes} >= set(OWNERS)
    login(client, world.lead.email)
    wrong = []
    for endpoint, url in routes:
        response = client.get(url)
        target = response.headers.get("Location", "")
        if response.status_code != 303 or not target or target == url:
            wrong.append(f"{endpoint} {url}: {response.status_code} -> {target!r}")
        elif endpoint in OWNERS and target != OWNERS[endpoint]:
            wrong.append(f"{endpoint} {url}: went to {target}, not {OWNERS[endpoint]}")
        elif client.get(target).status_code == 405:
            wrong.append(f"{endpoint} {url}: its page {target} answers 405")
    assert not wrong, "\n".join(wrong)
