"""Hostile input as an attacker sends it: each gets a clear 4xx in the API's one error
envelope (or a page on the web) and writes nothing."""
from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Action, AuditEntry, Event, Person, Program
from tests.api.conftest import World, world  # noqa: F401 - the fixture

BIG = 2**31  # one past the 32-bit columns
HUGE = 10**30


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model)) or 0
                 for model in (Action, Program, Person, Event, AuditEntry))


def envelope(response: object, *statuses: int) -> dict[str, object]:
    status = response.status_code  # type: ignore[attr-defined]
    body = response.json  # type: ignore[attr-defined]
    assert status in statuses, (status, body)
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    return body["error"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("path", [
    f"/actions/{BIG}", f"/actions/{HUGE}", f"/programs/{BIG}", f"/people/{HUGE}",
    f"/rollups/programs/{BIG}", f"/actions/{BIG}/complete",
])
def test_ids_beyond_32_bits_in_the_path_are_404(world: World, path: str) -> None:  # noqa: F811
    method = "POST" if path.endswith("complete") else "GET"
    before = counts()
    envelope(world.call("admin", method, path, json={}), 404)
    assert counts() == before


@pytest.mark.parametrize("query", [
    f"program_id={BIG}", f"network_id={HUGE}", f"assignee_id={BIG}", "limit=99999999999",
])
def test_ids_beyond_32_bits_in_queries_are_422(world: World, query: str) -> None:  # noqa: F811
    envelope(world.call("admin", "GET", f"/actions?{query}"), 422)


def _cursor(values: list[object]) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("path,cursor", [
    ("/programs", [BIG]), ("/people", [HUGE]), ("/actions", ["2022-01-01T00:00:00+00:00", BIG]),
    ("/actions", ["9999-12-31T23:59:59-12:00", 1]), ("/actions", ["x\u0000", 1]),
])
def test_forged_cursors_are_400(world: World, path: str, cursor: list[object]) -> None:  # noqa: F811
    error = envelope(world.call("admin", "GET", f"{path}?cursor={_cursor(cursor)}"), 400)
    assert error["code"] == "bad_cursor"


def test_network_ids_beyond_32_bits_in_a_bulk_assignment_are_422(world: World) -> None:  # noqa: F811
    before = counts()
    envelope(world.call("kec_lead", "POST", "/actions/bulk", json={
        "program_id": world.program_a.id, "network_ids": [BIG], "region_codes": [world.kel_a],
        "due_date": "2026-03-15", "title": "Penyuluhan"}), 422)
    assert counts() == before


@pytest.mark.parametrize("body", [
    {"title": "Sosialisasi\u0000", "category": "prevention", "year": 2026, "region_code": "31.73"},
    {"title": "Sosialisasi", "description": "a\u0000b", "category": "prevention", "year": 2026,
     "region_code": "31.73"},
])
def test_nul_characters_in_json_are_422(world: World, body: dict[str, object]) -> None:  # noqa: F811
    before = counts()
    envelope(world.call("admin", "POST", "/programs", json=body), 422)
    assert counts() == before


@pytest.mark.parametrize("path", ["/regions/31%0073", "/actions?kecamatan=31.73%00.04",
                                  "/case-stats?month=2022-03%00"])
def test_nul_characters_in_urls_are_400(world: World, path: str) -> None:  # noqa: F811
    envelope(world.call("admin", "GET", path), 400)


def test_json_nested_five_thousand_deep_is_400(world: World) -> None:  # noqa: F811
    before = counts()
    body = "[" * 5000 + "]" * 5000
    error = envelope(world.call("admin", "POST", "/programs", data=body,
                                content_type="application/json"), 400)
    assert "nests deeper" in str(error["message"])
    assert counts() == before


def test_a_due_date_at_the_end_of_time_is_422(world: World) -> None:  # noqa: F811
    before = counts()
    error = envelope(world.call("kec_lead", "POST", "/actions", json={
        "program_id": world.program_a.id, "kelurahan_code": world.kel_a, "title": "Penyuluhan",
        "due_at": "9999-12-31T23:59:59-12:00"}), 422)
    assert "due_at" in error["fields"]  # type: ignore[operator]
    assert counts() == before


@pytest.mark.parametrize("until", ["9999-12-31", "2100-12-31"])
def test_a_weekly_repetition_until_far_away_is_422(world: World, until: str) -> None:  # noqa: F811
    before = counts()
    envelope(world.call("kec_lead", "POST", "/actions/bulk", json={
        "program_id": world.program_a.id, "network_ids": [1], "region_codes": [world.kel_a],
        "due_date": "2026-03-15", "title": "Penyuluhan", "recurrence": "weekly",
        "until": until, "preview": True}), 422)
    assert counts() == before


def test_a_non_ascii_signature_header_is_403_not_500(world: World, make_app) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    app = make_app(sms_gateway_secret="gateway-secret-123", twilio_auth_token="twilio-token-1")
    client = app.test_client()
    body = json.dumps({"from": "+6281234567890", "text": "SELESAI A7K2"}).encode()
    for path, header in (("/webhooks/sms/gateway", "X-Sinergi-Signature"),
                         ("/webhooks/sms/twilio", "X-Twilio-Signature")):
        response = client.post(path, data=body, content_type="application/json",
                               headers={header: "é" * 64})
        assert response.status_code == 403


def test_a_gateway_signature_for_the_raw_body_still_works(world: World, make_app) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    app = make_app(sms_gateway_secret="gateway-secret-123")
    body = json.dumps({"from": "+6281234567890", "text": "halo", "id": "x1"}).encode()
    signature = hmac.new(b"gateway-secret-123", body, hashlib.sha256).hexdigest()
    response = app.test_client().post("/webhooks/sms/gateway", data=body,
                                      content_type="application/json",
                                      headers={"X-Sinergi-Signature": signature})
    assert response.status_code == 200


def test_a_300_mb_post_to_login_is_refused_unread(world: World) -> None:  # noqa: F811
    class Endless:
        """A body that would be 300 MB; it must not be read past the limit."""
        read_bytes = 0

        def read(self, size: int = -1) -> bytes:
            size = 65536 if size is None or size < 0 else min(size, 65536)
            self.read_bytes += size
            return b"a" * size

    body = Endless()
    response = world.client.post("/login", environ_overrides={
        "wsgi.input": body, "CONTENT_LENGTH": str(300 * 1024 * 1024),
        "CONTENT_TYPE": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert "<html" in response.text  # a page, in the visitor's language
    assert body.read_bytes == 0


def test_a_chunked_upload_cannot_grow_past_the_limit(world: World) -> None:  # noqa: F811
    def chunks():  # type: ignore[no-untyped-def]
        yield b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
        for _ in range(200):  # 12.8 MB, no Content-Length
            yield b"x" * 65536
        yield b"\r\n--B--\r\n"

    import io

    stream = io.BytesIO(b"".join(chunks()))
    response = world.client.post(
        "/api/v1/people/import", input_stream=stream,
        headers={"Authorization": f"Bearer {world.tokens['kec_lead']}",
                 "Transfer-Encoding": "chunked",
                 "Content-Type": "multipart/form-data; boundary=B"},
        environ_overrides={"wsgi.input_terminated": True})
    error = envelope(response, 413)
    assert error["code"] == "too_large"


def test_copied_cookie_after_logout_reads_nothing(world: World) -> None:  # noqa: F811
    from tests.support import FreshGClient, logged_in_session

    app = world.client.application
    client = FreshGClient(app, app.response_class, use_cookies=True)
    with client.session_transaction() as session:
        session.update(logged_in_session(world.people["kec_lead"]))
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert client.get("/api/v1/programs").status_code == 200
    from tests.web.conftest import csrf_token

    token = csrf_token(client.get("/aksi/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    thief = FreshGClient(app, app.response_class, use_cookies=True)
    thief.set_cookie("session", cookie.value)
    assert thief.get("/api/v1/programs").status_code == 401
    assert thief.get("/aksi/").status_code == 302  # to the login page
    assert thief.post("/api/v1/tokens", json={"name": "stolen"}).status_code == 401
