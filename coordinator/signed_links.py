"""Signed links: one URL bound to one person and one action, opening only its completion page.

Tokens are ``itsdangerous`` timed signatures over ``[person_id, action_id]`` with their own salt,
so a token signed for anything else (a session, a CSRF token) never validates here. Only an app
context is needed (no request): workers build links for SMS and email.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, BadTimeSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "sinergi.action-link.v1"
PATH_PREFIX = "/t/"


class LinkError(Exception):
    """A signed link that cannot be used."""


class LinkExpired(LinkError):
    """The link was genuine but is older than ``signed_link_max_age_days``."""


class LinkInvalid(LinkError):
    """The link was tampered with, truncated, or signed with another key."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def action_token(person_id: int, action_id: int) -> str:
    """The signed token for ``person_id`` acting on ``action_id`` (no URL around it)."""
    return str(_serializer().dumps([int(person_id), int(action_id)]))


def action_link(person_id: int, action_id: int) -> str:
    """The absolute, short URL (from ``config.base_url``) that opens the completion page."""
    base_url = current_app.extensions["sinergi"].base_url
    return f"{base_url}{PATH_PREFIX}{action_token(person_id, action_id)}"


def read_action_token(token: str, *, now: datetime | None = None) -> tuple[int, int]:
    """``(person_id, action_id)`` from a token; raises ``LinkExpired`` or ``LinkInvalid``.

    ``now`` lets tests move the clock; the age check is done here rather than by itsdangerous
    so that the clock is injectable.
    """
    try:
        payload, signed_at = _serializer().loads(token, return_timestamp=True)
    except (BadTimeSignature, BadSignature, SignatureExpired, ValueError, TypeError) as exc:
        raise LinkInvalid(str(exc)) from None
    if not _is_id_pair(payload):
        raise LinkInvalid("unexpected payload")
    max_age = timedelta(days=current_app.extensions["sinergi"].signed_link_max_age_days)
    current = now or datetime.now(UTC)
    if current - signed_at > max_age:
        raise LinkExpired(f"signed at {signed_at.isoformat()}")
    return int(payload[0]), int(payload[1])


def _is_id_pair(payload: object) -> bool:
    return (
        isinstance(payload, list)
        and len(payload) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in payload)
    )
