"""API authentication: ``Authorization: Bearer <token>`` or the web session (with CSRF).

A token is looked up with its person in one indexed SELECT of the few columns a request needs
(``domain.sessions``); an unknown, revoked or expired token, or one whose person was
deactivated, is a 401. The result is kept on the request, so the rate limiter (which runs
first) and the blueprint share it.
"""
from __future__ import annotations

from collections.abc import Hashable

from flask import g, request
from flask_babel import get_locale, refresh
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from coordinator.api.errors import ApiError
from coordinator.domain.sessions import new_api_token, person_for_token, secret_hash
from coordinator.models import Person

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
MAX_TOKEN_LENGTH = 200
ENVIRON_KEY = "sinergi.api_auth"


def hash_token(token: str) -> str:
    return secret_hash(token)


def new_token() -> str:
    return new_api_token()


def _bearer() -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if (scheme.lower() != "bearer" or not token or " " in token or len(token) > MAX_TOKEN_LENGTH
            or not token.isascii() or not token.isprintable()):
        raise ApiError(401, "unauthorized", "Malformed Authorization header; use 'Bearer <token>'.")
    return token


def _authenticate_uncached() -> tuple[Person | None, ApiError | None, bool]:
    """(person, error, via_session)."""
    try:
        token = _bearer()
    except ApiError as error:
        return None, error, False
    if token is not None:
        found = person_for_token(token)
        if found is None:
            return None, ApiError(401, "unauthorized",
                                  "Invalid, expired or revoked API token."), False
        g.api_token_id = found.token_id
        return found.person, None, False
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user._get_current_object(), None, True  # type: ignore[attr-defined]
    return None, ApiError(401, "unauthorized", "Authentication required: send a Bearer token.",
                          headers={"WWW-Authenticate": 'Bearer realm="sinergi"'}), False


def _resolved() -> tuple[Person | None, ApiError | None, bool]:
    # Kept in the WSGI environ, which belongs to this request alone (``g`` can outlive it).
    if ENVIRON_KEY not in request.environ:
        request.environ[ENVIRON_KEY] = _authenticate_uncached()
    return request.environ[ENVIRON_KEY]  # type: ignore[no-any-return]


def resolve_api_person() -> Person | None:
    """The person this API request authenticates as, or None (cached for the request)."""
    return _resolved()[0]


def _check_csrf() -> None:
    try:
        validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
    except (ValidationError, CSRFError) as exc:
        raise ApiError(400, "csrf_failed", f"CSRF check failed: {exc}. Send the X-CSRFToken "
                       "header with session-authenticated requests.") from None


def authenticate() -> None:
    """A ``before_request`` hook: sets ``g.api_person`` or raises 401/400."""
    person, error, via_session = _resolved()
    if error is not None or person is None:
        raise error or ApiError(401, "unauthorized", "Authentication required.")
    if via_session and request.method in UNSAFE:
        _check_csrf()
    g.api_person = person
    g.language = person.language  # messages meant for people (import rows) in theirs
    refresh()  # drop a locale cached earlier in this request


def api_person() -> Person:
    """The authenticated person of this API request."""
    return g.api_person  # type: ignore[no-any-return]


def answer_depends_on() -> tuple[Hashable, ...]:
    """What an API answer depends on besides its URL (``read_cache``): who asks, with which
    token (or the web session), in which language."""
    return (g.api_person.id, g.get("api_token_id"), str(get_locale()))
