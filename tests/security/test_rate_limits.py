"""Rate limits count who is asking: anonymous traffic from one address cannot lock a person out."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from tests.api.conftest import World, world  # noqa: F401 - the fixture


def test_anonymous_floods_do_not_lock_out_an_authenticated_person(
    world: World, make_app: Callable[..., Flask]  # noqa: F811
) -> None:
    app = make_app(api_anonymous_rate_limit_per_minute=5, api_rate_limit_per_minute=50)
    client = app.test_client()  # every request from the same address, 127.0.0.1
    anonymous = [client.get("/api/v1/programs").status_code for _ in range(8)]
    assert anonymous[:5] == [401] * 5 and set(anonymous[5:]) == {429}
    forged = client.get("/api/v1/programs", headers={"Authorization": "Bearer sng_forged"})
    assert forged.status_code == 429  # a wrong token counts as anonymous
    headers = {"Authorization": f"Bearer {world.tokens['admin']}"}
    assert client.get("/api/v1/programs", headers=headers).status_code == 200


def test_each_person_has_a_bucket_of_their_own(world: World, make_app: Callable[..., Flask]) -> None:  # noqa: F811
    app = make_app(api_rate_limit_per_minute=2)
    client = app.test_client()

    def call(role: str) -> int:
        return client.get("/api/v1/networks", headers={
            "Authorization": f"Bearer {world.tokens[role]}"}).status_code

    assert [call("cadre") for _ in range(3)] == [200, 200, 429]
    assert call("admin") == 200


def test_the_429_is_the_api_envelope_with_retry_after(world: World, make_app: Callable[..., Flask]) -> None:  # noqa: F811
    app = make_app(api_anonymous_rate_limit_per_minute=1)
    client = app.test_client()
    client.get("/api/v1/programs")
    limited = client.get("/api/v1/programs")
    assert limited.status_code == 429
    assert limited.json["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60


def test_openpyxl_reads_through_defusedxml() -> None:
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML, "defusedxml must be installed: openpyxl then refuses XML entity bombs"
