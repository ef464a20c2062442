"""`GET /healthz`: 200 with the database and the broker up, 503 naming what is down."""
from __future__ import annotations

import socket

import pytest

from coordinator import create_app


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_healthz_is_ok_with_the_embedded_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
    assert body["checks"]["broker"]["transport"] == "sqla+sqlite"


def test_healthz_is_ok_with_redis(make_app, redis_url):
    response = make_app(broker_url=redis_url).test_client().get("/healthz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"]["broker"]["transport"] == "redis"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_healthz_is_503_when_the_broker_is_down(make_app):
    app = make_app(broker_url=f"redis://127.0.0.1:{closed_port()}/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False and body["checks"]["database"]["ok"] is True


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(environ={
        "SINERGI_ENV": "test",
        "SINERGI_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{closed_port()}/none",
        "BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.db'}",
    })
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"]["ok"] is False and body["checks"]["broker"]["ok"] is True
