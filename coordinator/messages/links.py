"""Links in messages: one URL bound to one person, one action and one purpose.

A link opens, without a password, only the page its purpose needs: doing the task (the
assignee), following it up or assigning it (the staff an escalation or an unassigned action
was sent to). Tokens are ``itsdangerous`` timed signatures over ``[person_id, action_id,
purpose]`` with their own salt, so a token signed for anything else (a session, a CSRF token)
never validates here. Only an app context is needed (no request): workers build links too.
Whether the person may still use it is the policy's decision (``policy.actions.open_link``).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from flask import current_app
from itsdangerous import BadSignature, BadTimeSignature, SignatureExpired, URLSafeTimedSerializer

from coordinator.policy import LinkPurpose

SALT = "sinergi.action-link.v1"
PATH_PREFIX = "/t/"
_CODES = {LinkPurpose.DO: "d", LinkPurpose.FOLLOW_UP: "f", LinkPurpose.ASSIGN: "a"}
_PURPOSES = {code: purpose for purpose, code in _CODES.items()}


class LinkError(Exception):
    """A link that cannot be used."""


class LinkExpired(LinkError):
    """The link was genuine but is older than ``signed_link_max_age_days``."""


class LinkInvalid(LinkError):
    """The link was tampered with, truncated, or signed with another key."""


class LinkClaim(NamedTuple):
    person_id: int
    action_id: int
    purpose: LinkPurpose


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def action_token(person_id: int, action_id: int, purpose: LinkPurpose = LinkPurpose.DO) -> str:
    """The signed token for ``person_id`` and ``action_id`` (no URL around it)."""
    payload: list[int | str] = [int(person_id), int(action_id)]
    if purpose != LinkPurpose.DO:  # task links stay as short as before
        payload.append(_CODES[purpose])
    return str(_serializer().dumps(payload))


def action_link(person_id: int, action_id: int, purpose: LinkPurpose = LinkPurpose.DO) -> str:
    """The absolute URL (from ``config.base_url``) of the page the purpose needs."""
    base_url = current_app.extensions["sinergi"].base_url
    return f"{base_url}{PATH_PREFIX}{action_token(person_id, action_id, purpose)}"


def read_action_token(token: str, *, now: datetime | None = None) -> LinkClaim:
    """What a token claims; raises ``LinkExpired`` or ``LinkInvalid``.

    ``now`` lets tests move the clock; the age check is done here rather than by itsdangerous
    so that the clock is injectable.
    """
    try:
        payload, signed_at = _serializer().loads(token, return_timestamp=True)
    except (BadTimeSignature, BadSignature, SignatureExpired, ValueError, TypeError) as exc:
        raise LinkInvalid(str(exc)) from None
    claim = _claim(payload)
    if claim is None:
        raise LinkInvalid("unexpected payload")
    max_age = timedelta(days=current_app.extensions["sinergi"].signed_link_max_age_days)
    current = now or datetime.now(UTC)
    if current - signed_at > max_age:
        raise LinkExpired(f"signed at {signed_at.isoformat()}")
    return claim


def _claim(payload: object) -> LinkClaim | None:
    if not isinstance(payload, list) or len(payload) not in (2, 3):
        return None
    ids = payload[:2]
    if not all(isinstance(x, int) and not isinstance(x, bool) and 0 < x < 2**31 for x in ids):
        return None
    purpose = _PURPOSES.get(payload[2]) if len(payload) == 3 else LinkPurpose.DO
    return None if purpose is None else LinkClaim(ids[0], ids[1], purpose)
