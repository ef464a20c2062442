"""Tokens (valid, revoked, malformed), session auth with CSRF, and the rate limit."""
from __future__ import annotations

from itsdangerous import URLSafeTimedSerializer

from coordinator.api.auth import hash_token
from coordinator.extensions import db
from coordinator.models import ApiToken, Person
from tests.api.conftest import World
from tests.support import logged_in_session


def test_a_created_token_is_shown_once_stored_hashed_and_works(world: World) -> None:
    created = world.call("coordinator", "POST", "/tokens", json={"name": "integrasi"})
    assert created.status_code == 201
    secret = created.json["token"]
    row = db.session.get(ApiToken, created.json["id"])
    assert row.token_hash == hash_token(secret) and secret not in row.token_hash
    listed = world.call("coordinator", "GET", "/tokens").json
    assert all("token" not in t for t in listed)
    me = world.client.get("/api/v1/networks", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    assert world.call("coordinator", "DELETE", f"/tokens/{row.id}").status_code == 204
    again = world.client.get("/api/v1/networks", headers={"Authorization": f"Bearer {secret}"})
    assert again.status_code == 401 and again.json["error"]["code"] == "unauthorized"


def test_malformed_and_unknown_tokens_are_401(world: World) -> None:
    for header in ("Token abc", "Bearer", "Bearer a b", "Basic dXNlcjpwYXNz", "Bearer nope"):
        response = world.client.get("/api/v1/networks", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["error"]["code"] == "unauthorized"


def test_a_deactivated_persons_token_stops_working(world: World) -> None:
    assert world.call("cadre", "GET", "/actions").status_code == 200
    deactivated = world.call("admin", "POST", f"/people/{world.people['cadre'].id}/deactivate")
    assert deactivated.status_code == 200 and deactivated.json["active"] is False
    assert world.call("cadre", "GET", "/actions").status_code == 401


def _session_client(world: World, person_id: int) -> tuple[object, str]:
    client = world.client.application.test_client()
    with client.session_transaction() as session:
        session.update(logged_in_session(db.session.get(Person, person_id)))
        session["csrf_token"] = "a" * 40
    secret = world.client.application.config["SECRET_KEY"]
    signed = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps("a" * 40)
    return client, signed


def test_session_auth_needs_the_csrf_header_on_unsafe_requests(world: World) -> None:
    client, csrf = _session_client(world, world.people["kec_lead"].id)
    assert client.get("/api/v1/programs").status_code == 200  # type: ignore[attr-defined]
    body = {"name": "sesi"}
    refused = client.post("/api/v1/tokens", json=body)  # type: ignore[attr-defined]
    assert refused.status_code == 400 and refused.json["error"]["code"] == "csrf_failed"
    accepted = client.post("/api/v1/tokens", json=body, headers={"X-CSRFToken": csrf})  # type: ignore[attr-defined]
    assert accepted.status_code == 201


def test_token_requests_need_no_csrf(world: World) -> None:
    created = world.call("kec_lead", "POST", "/tokens", json={"name": "x"})
    assert created.status_code == 201
    headers = {"Authorization": f"Bearer {created.json['token']}"}
    assert world.client.get("/api/v1/programs", headers=headers).status_code == 200


def _rate_limited_world(world: World, make_app, **config):  # type: ignore[no-untyped-def]
    app = make_app(api_rate_limit_per_minute=3, **config)
    return app.test_client()


def test_the_fourth_request_in_a_minute_is_429(world: World, make_app) -> None:  # type: ignore[no-untyped-def]
    client = _rate_limited_world(world, make_app)
    headers = {"Authorization": f"Bearer {world.tokens['cadre']}"}
    statuses = [client.get("/api/v1/networks", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/networks", headers=headers)
    assert limited.json["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60


def test_the_rate_limit_is_shared_through_redis(world: World, make_app, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("LIMITS:LIMITER/sinergi/*"):
        client.delete(key)
    first = _rate_limited_world(world, make_app, redis_url=redis_url)
    second = _rate_limited_world(world, make_app, redis_url=redis_url)
    headers = {"Authorization": f"Bearer {world.tokens['cadre']}"}
    statuses = [c.get("/api/v1/networks", headers=headers).status_code
                for c in (first, second, first, second)]
    assert first is not second  # two apps, as two web processes: only Redis is shared
    assert statuses == [200, 200, 200, 429]
