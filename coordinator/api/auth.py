"""API authentication: ``Authorization: Bearer <token>`` or the web session (with CSRF)."""
from __future__ import annotations

import hashlib
import secrets

from flask import g, request
from flask_babel import refresh
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from coordinator.api import ratelimit
from coordinator.api.errors import ApiError
from coordinator.extensions import db
from coordinator.models import ApiToken, Person, utcnow

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
TOKEN_PREFIX = "sng_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _bearer() -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
        raise ApiError(401, "unauthorized", "Malformed Authorization header; use 'Bearer <token>'.")
    return token.strip()


def _person_from_token(token: str) -> Person:
    row = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None or not row.person.active:
        raise ApiError(401, "unauthorized", "Invalid or revoked API token.")
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now  # at most once a minute: no write per request
        db.session.commit()
    g.api_token_id = row.id
    return row.person


def _check_csrf() -> None:
    try:
        validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
    except (ValidationError, CSRFError) as exc:
        raise ApiError(400, "csrf_failed", f"CSRF check failed: {exc}. Send the X-CSRFToken "
                       "header with session-authenticated requests.") from None


def authenticate() -> None:
    """A ``before_request`` hook: sets ``g.api_person`` or raises 401/400/429."""
    _limit(request.remote_addr or "unknown")
    token = _bearer()
    if token is not None:
        g.api_person = _person_from_token(token)
    elif current_user and getattr(current_user, "is_authenticated", False):
        if request.method in UNSAFE:
            _check_csrf()
        g.api_person = current_user._get_current_object()  # type: ignore[attr-defined]
    else:
        raise ApiError(401, "unauthorized", "Authentication required: send a Bearer token.",
                       headers={"WWW-Authenticate": 'Bearer realm="sinergi"'})
    _limit(f"person:{g.api_person.id}")
    g.language = g.api_person.language  # messages meant for people (import rows) in theirs
    refresh()  # drop a locale cached earlier in this request


def _limit(identity: str) -> None:
    wait = ratelimit.check(identity)
    if wait is not None:
        raise ApiError(429, "rate_limited", f"Too many requests; retry in {wait} s.",
                       headers={"Retry-After": str(wait)})


def api_person() -> Person:
    """The authenticated person of this API request."""
    return g.api_person  # type: ignore[no-any-return]
