"""B1's floor app (``python -m bench.diagnose floor``): every variant answers the hello-world
through the extensions it names, so the evidence in RESULTS.md can be measured again."""
from __future__ import annotations

import pytest
from werkzeug.test import Client

from tests.conftest import REDIS_URL, need_redis

pytestmark = pytest.mark.services


def test_every_variant_answers_through_its_extensions(monkeypatch: pytest.MonkeyPatch) -> None:
    need_redis()
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    from bench.floor import VARIANTS, create_floor_app

    client = Client(create_floor_app())
    for path in ("/__hello", *VARIANTS):
        answer = client.get(f"{path}/", environ_base={"wsgi.url_scheme": "https"})
        assert (path, answer.status_code, answer.get_data()) == (path, 200, b"Hello, World!")
    limited = client.get("/limiter/", environ_base={"wsgi.url_scheme": "https"})
    assert "X-RateLimit-Remaining" in limited.headers
    assert "X-RateLimit-Remaining" not in client.get("/limiter-no-headers/").headers
    assert "Content-Security-Policy" in client.get(
        "/talisman/", environ_base={"wsgi.url_scheme": "https"}).headers
