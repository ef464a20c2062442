"""Web sessions and API tokens that end when they should.

A web login is a ``WebSession`` row; the cookie carries its random id, the database its hash.
Logout revokes that row, so a cookie copied before logout is dead. A password change, a
deactivation and an admin's "sign out everywhere" revoke every session and API token of the
person (the last two also the links sent to them: a password does not open a link). Looking a
session or a token up costs one indexed SELECT (joined with the person) and no write: a token's
``last_used_at`` is written at most once per ``LAST_USED_PRECISION``. What the SELECT found is
kept while nothing is written (``read_cache``): a logout, a revoked token, a deactivation or a
role change is a write, which retires it in every process at once; the end of a session's or
token's life is checked against the clock on every request.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm import lazyload, make_transient_to_detached

from coordinator import read_cache
from coordinator.config import Config
from coordinator.domain import short_links
from coordinator.domain.changes import record_audit
from coordinator.extensions import db
from coordinator.models import ApiToken, Person, WebSession, utcnow
from coordinator.models.people import narrow_person

LAST_USED_PRECISION = timedelta(hours=1)
TOKEN_PREFIX = "sng_"


def _config() -> Config:
    return current_app.extensions["sinergi"]  # type: ignore[no-any-return]


def secret_hash(secret: str) -> str:
    """The SHA-256 stored for a session id or an API token."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


# The two reads every authenticated request makes, built once: building a SELECT with loader
# options and computing its cache key cost about twice as much Python as running it (bench
# RESULTS, "B1 after the read cache"); the values are bound per call.
_PERSON_FOR_SESSION = (
    select(Person, WebSession.expires_at).join(WebSession, WebSession.person_id == Person.id)
    .where(WebSession.token_hash == bindparam("token_hash"),
           Person.id == bindparam("person_id"), WebSession.revoked_at.is_(None),
           WebSession.expires_at > bindparam("now"), Person.active.is_(True))
    .options(lazyload(Person.networks))
)
_PERSON_FOR_TOKEN = (
    select(ApiToken.id, ApiToken.expires_at, ApiToken.last_used_at, Person)
    .join(Person, ApiToken.person_id == Person.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
           Person.active.is_(True))
    .options(*narrow_person())
)


def start_session(person: Person, *, user_agent: str | None = None) -> str:
    """Record a new web session for ``person``; returns the id for the cookie. Commits."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(WebSession(
        person_id=person.id, token_hash=secret_hash(session_id), created_at=now,
        expires_at=now + timedelta(hours=_config().session_lifetime_hours),
        user_agent=(user_agent or "")[:200] or None,
    ))
    db.session.commit()
    return session_id


def person_for_session(person_id: int, session_id: str, *, now: datetime | None = None
                       ) -> Person | None:
    """The active person whose live session this is, in one SELECT (none if kept); else None."""
    now = now or utcnow()
    token_hash = secret_hash(session_id)
    key = ("session", token_hash, person_id)
    kept: _Kept | None = read_cache.lookup(key)
    if kept is None:
        row = db.session.execute(_PERSON_FOR_SESSION, {
            "token_hash": token_hash, "person_id": person_id, "now": now}).first()
        if row is None:
            return None
        person, expires_at = row
        read_cache.keep(key, _Kept(expires_at, _detached_copy(person)))
        return person  # type: ignore[no-any-return]
    if kept.expires_at is not None and kept.expires_at <= now:
        return None
    return _attached(kept.person)


@dataclass(frozen=True)
class _Kept:
    """What a session's or a token's SELECT found, kept while nothing is written."""

    expires_at: datetime | None
    person: Person  # a detached copy, never in any session: see ``_attached``
    token_id: int = 0  # a token's (none for a web session)
    last_used_at: datetime | None = None


def _detached_copy(person: Person) -> Person:
    """A copy of ``person``'s loaded columns that belongs to no session (any other column
    loads on first use once attached, as with the original's narrow load)."""
    mapper = inspect(Person)
    loaded = inspect(person).dict
    copy = Person(**{attribute.key: loaded[attribute.key] for attribute in mapper.column_attrs
                     if attribute.key in loaded})
    make_transient_to_detached(copy)
    return copy


def _attached(copy: Person) -> Person:
    """The kept person in this request's session, without a SELECT (``merge(load=False)``
    copies the kept state; the kept copy itself is shared and never attached). A person this
    session holds already is that one, as it is: merging would overwrite its changes."""
    key = inspect(copy).key
    held = db.session.identity_map.get(key) if key is not None else None
    return held if held is not None else db.session.merge(copy, load=False)


def end_session(session_id: str | None) -> None:
    """Revoke one web session (logout). Commits; an unknown id is harmless."""
    if not session_id:
        return
    db.session.execute(update(WebSession).where(
        WebSession.token_hash == secret_hash(session_id), WebSession.revoked_at.is_(None)
    ).values(revoked_at=utcnow()))
    db.session.commit()


def end_all_sessions(person: Person, *, actor: Person | None, reason: str,
                     commit: bool = True, links: bool = True) -> int:
    """Revoke every web session and API token of ``person`` and, with ``links``, the links
    sent to them (a lost or shared phone); returns how many sessions and tokens. Audited."""
    now = utcnow()
    sessions = _rowcount(db.session.execute(update(WebSession).where(
        WebSession.person_id == person.id, WebSession.revoked_at.is_(None)
    ).values(revoked_at=now)))
    tokens = _rowcount(db.session.execute(update(ApiToken).where(
        ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None)
    ).values(revoked_at=now)))
    revoked_links = short_links.revoke_all_of(person.id, now=now) if links else 0
    record_audit(actor.id if actor is not None else None, "end_sessions", "person", person.id,
                 None, {"reason": reason, "sessions": sessions, "tokens": tokens,
                        "links": revoked_links})
    if commit:
        db.session.commit()
    return sessions + tokens


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_expiry(now: datetime | None = None) -> datetime:
    """When a token made now expires (``API_TOKEN_DAYS``)."""
    return (now or utcnow()) + timedelta(days=_config().api_token_days)


class TokenUse(NamedTuple):
    """A live API token's id and its active person."""

    token_id: int
    person: Person


def person_for_token(token: str, *, now: datetime | None = None) -> TokenUse | None:
    """The live token and its active person, in one SELECT (none if kept) of the columns an
    API request needs; None if unknown, revoked, expired or the person is inactive. Writes
    ``last_used_at`` at most once an hour."""
    now = now or utcnow()
    token_hash = secret_hash(token)
    key = ("token", token_hash)
    kept: _Kept | None = read_cache.lookup(key)
    if kept is None:
        row = db.session.execute(_PERSON_FOR_TOKEN, {"token_hash": token_hash}).first()
        if row is None:
            return None
        token_id, expires_at, last_used_at, person = row
        read_cache.keep(key, _Kept(expires_at, _detached_copy(person), token_id, last_used_at))
    else:
        token_id, expires_at, last_used_at = kept.token_id, kept.expires_at, kept.last_used_at
        person = _attached(kept.person)
    if expires_at is not None and expires_at <= now:
        return None
    if last_used_at is None or now - last_used_at > LAST_USED_PRECISION:
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id)
                           .values(last_used_at=now))
        db.session.commit()
    return TokenUse(token_id, person)
