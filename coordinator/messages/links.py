"""Links in messages: one URL bound to one person, one action and one purpose.

A link opens, without a password, only the page its purpose needs: doing the task (the
assignee), following it up or assigning it (the staff an escalation or an unassigned action
was sent to). The URL carries a short random key (``/t/<key>``, 10 characters, so that a task
SMS fits one part); the key's row (:mod:`coordinator.domain.short_links`) says what it stands
for, until when, and whether it was revoked. Whether the person may still use it is the
policy's decision (``policy.actions.open_link``).

Links sent before short keys were ``itsdangerous`` timed signatures over ``[person_id,
action_id, purpose]``; they are still read (never issued) until they expire.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from flask import current_app
from itsdangerous import BadSignature, BadTimeSignature, SignatureExpired, URLSafeTimedSerializer

from coordinator.domain import short_links
from coordinator.models import utcnow
from coordinator.policy import LinkPurpose

SALT = "sinergi.action-link.v1"
PATH_PREFIX = "/t/"
MASKED_KEY = "••••••"
_CODES = {LinkPurpose.DO: "d", LinkPurpose.FOLLOW_UP: "f", LinkPurpose.ASSIGN: "a"}
_PURPOSES = {code: purpose for purpose, code in _CODES.items()}
# A link path in a text: a key, or an old signed token (base64url segments joined by dots).
_LINK_IN_TEXT = re.compile(r"/t/[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*")


class LinkError(Exception):
    """A link that cannot be used."""


class LinkExpired(LinkError):
    """The link was genuine but is past its time (``signed_link_max_age_days``)."""


class LinkRevoked(LinkExpired):
    """The link was genuine but replaced by a newer one (sent again): gone, like an expired one."""


class LinkInvalid(LinkError):
    """The link was tampered with, truncated, unknown, or signed with another key."""


class LinkClaim(NamedTuple):
    person_id: int
    action_id: int
    purpose: LinkPurpose
    expires_at: datetime | None = None  # when the link stops working (UTC), where known


def max_age() -> timedelta:
    return timedelta(days=current_app.extensions["sinergi"].signed_link_max_age_days)


def action_key(person_id: int, action_id: int, purpose: LinkPurpose = LinkPurpose.DO, *,
               now: datetime | None = None) -> str:
    """The key for ``person_id``, ``action_id`` and ``purpose`` (reused while live), in the
    caller's transaction."""
    return short_links.issue(int(person_id), int(action_id), purpose, now=now or utcnow(),
                             max_age=max_age())


def action_link(person_id: int, action_id: int, purpose: LinkPurpose = LinkPurpose.DO, *,
                now: datetime | None = None) -> str:
    """The absolute URL (from ``config.base_url``) of the page the purpose needs."""
    base_url = current_app.extensions["sinergi"].base_url
    return f"{base_url}{PATH_PREFIX}{action_key(person_id, action_id, purpose, now=now)}"


def read_action_token(token: str, *, now: datetime | None = None) -> LinkClaim:
    """What a link's key (or old signed token) claims; raises ``LinkExpired`` (``LinkRevoked``)
    or ``LinkInvalid``. ``now`` lets tests move the clock."""
    current = now or datetime.now(UTC)
    if short_links.looks_like_key(token):
        state = short_links.look_up(token, now=current)
        if state is None:
            raise LinkInvalid("unknown key")
        if state.revoked:
            raise LinkRevoked("revoked")
        if state.expired:
            raise LinkExpired("expired")
        return LinkClaim(state.person_id, state.action_id, state.purpose, state.expires_at)
    return _read_signed(token, current)


def mask_links(text: str) -> str:
    """``text`` with every link's key hidden (``…/t/••••••``): shown to staff who must not
    be able to open a cadre's link."""
    return _LINK_IN_TEXT.sub(PATH_PREFIX + MASKED_KEY, text)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def signed_token(person_id: int, action_id: int, purpose: LinkPurpose = LinkPurpose.DO) -> str:
    """An old-style signed token, as sent before short links (for tests of the transition)."""
    payload: list[int | str] = [int(person_id), int(action_id)]
    if purpose != LinkPurpose.DO:
        payload.append(_CODES[purpose])
    return str(_serializer().dumps(payload))


def _read_signed(token: str, now: datetime) -> LinkClaim:
    try:
        payload, signed_at = _serializer().loads(token, return_timestamp=True)
    except (BadTimeSignature, BadSignature, SignatureExpired, ValueError, TypeError) as exc:
        raise LinkInvalid(str(exc)) from None
    claim = _claim(payload)
    if claim is None:
        raise LinkInvalid("unexpected payload")
    if now - signed_at > max_age():
        raise LinkExpired(f"signed at {signed_at.isoformat()}")
    return claim._replace(expires_at=signed_at + max_age())


def _claim(payload: object) -> LinkClaim | None:
    if not isinstance(payload, list) or len(payload) not in (2, 3):
        return None
    ids = payload[:2]
    if not all(isinstance(x, int) and not isinstance(x, bool) and 0 < x < 2**31 for x in ids):
        return None
    purpose = _PURPOSES.get(payload[2]) if len(payload) == 3 else LinkPurpose.DO
    return None if purpose is None else LinkClaim(ids[0], ids[1], purpose)
