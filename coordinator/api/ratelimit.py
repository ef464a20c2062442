"""The API's rate limit (Flask-Limiter): per person once authenticated, per IP before.

An authenticated client gets ``API_RATE_LIMIT_PER_MINUTE`` requests a minute for itself, so
anonymous traffic from the same address (or the same proxy) cannot lock it out; requests without
valid credentials share ``API_ANONYMOUS_RATE_LIMIT_PER_MINUTE`` per IP address. The counters
live in Redis when ``REDIS_URL`` is set (shared by every web process), in memory otherwise.
Over the limit the API answers 429 in its error envelope, with ``Retry-After``.
"""
from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from coordinator.api.auth import resolve_api_person
from coordinator.extensions import limiter

SCOPE = "api"


def api_rate_key() -> str:
    """Whom this request counts against: its person, or its address when unauthenticated."""
    person = resolve_api_person()
    if person is not None:
        return f"person:{person.id}"
    return f"ip:{request.remote_addr or 'unknown'}"


def api_rate_limit() -> str:
    """The limit of this request's identity, as Flask-Limiter's text (``600 per minute``)."""
    config = current_app.extensions["sinergi"]
    if resolve_api_person() is not None:
        return f"{config.api_rate_limit_per_minute} per minute"
    return f"{config.api_anonymous_rate_limit_per_minute} per minute"


def limit_blueprint(blp: Blueprint) -> None:
    """One shared bucket per identity over every API blueprint (applied once per blueprint)."""
    if getattr(blp, "_sinergi_rate_limited", False):
        return
    limiter.shared_limit(api_rate_limit, scope=SCOPE, key_func=api_rate_key)(blp)
    blp._sinergi_rate_limited = True  # type: ignore[attr-defined]
