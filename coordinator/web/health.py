"""``GET /healthz``: the state of the database and the broker, for load balancers and compose."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from kombu import Connection
from sqlalchemy import text

from coordinator.extensions import db

blp = Blueprint("health", __name__)


def _database_state() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported as such
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}


def _broker_state() -> dict[str, Any]:
    url = current_app.extensions["sinergi"].broker_url
    try:
        with Connection(url, connect_timeout=2, transport_options={"max_retries": 0}) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": url.split("://", 1)[0]}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "transport": url.split("://", 1)[0], "error": type(exc).__name__}


@blp.get("/healthz")
def healthz() -> Any:
    checks = {"database": _database_state(), "broker": _broker_state()}
    healthy = all(check["ok"] for check in checks.values())
    return jsonify(status="ok" if healthy else "unavailable", checks=checks), (
        200 if healthy else 503
    )
