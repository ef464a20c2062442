"""Short links' keys: issued, looked up, revoked and purged (the rows behind ``/t/<key>``).

A key is ``KEY_LENGTH`` characters drawn by ``secrets`` from an alphabet without look-alikes
(no 0/O/o, 1/I/l): 56 ** 10, about 2 ** 58 keys, so guessing a live one at the public pages'
rate limit is hopeless. A message about an action reuses the live key of the same person and
purpose and extends its life, so a message composed twice (a retried send, a digest) never
piles up rows, and a link stays valid ``max_age`` after the last message that carried it.
Issuing happens in the caller's transaction (the worker composing a message commits it).

Keys are revoked when staff send a link again and when a person is signed out everywhere or
deactivated. Reassigning or cancelling an action revokes nothing: the policy already refuses
such a link (``policy.actions.open_link``) with a page that says why ("no longer yours",
"cancelled"), which a revoked key could not.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update

from coordinator.database import dialect_insert
from coordinator.extensions import db
from coordinator.models import ShortLink
from coordinator.policy import LinkPurpose

KEY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz"
KEY_LENGTH = 10
KEY_PATTERN = re.compile(f"[{KEY_ALPHABET}]{{{KEY_LENGTH}}}")
# Expired keys are kept this long, so a late reader is told "expired", not "not valid".
KEEP_EXPIRED = timedelta(days=30)
PURGE_BATCH = 5_000


def new_key() -> str:
    """A fresh random key (not checked against the table)."""
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def looks_like_key(token: str) -> bool:
    """Whether ``token`` has the shape of a key (anything else is not looked up)."""
    return KEY_PATTERN.fullmatch(token) is not None


@dataclass(frozen=True)
class KeyState:
    """What a key stands for, and whether it still works at a moment."""

    person_id: int
    action_id: int
    purpose: LinkPurpose
    expired: bool
    revoked: bool
    expires_at: datetime


def issue(person_id: int, action_id: int, purpose: LinkPurpose, *, now: datetime,
          max_age: timedelta) -> str:
    """The key for this person, action and purpose: the live one (its life extended), else a
    new one. Added to the current transaction; the caller commits."""
    live = db.session.scalars(_LIVE_KEY, {"person_id": person_id, "action_id": action_id,
                                            "purpose": purpose.value, "now": now}).first()
    if live is not None:
        live.expires_at = max(live.expires_at, now + max_age)
        return live.key
    return _insert_new({"person_id": person_id, "action_id": action_id,
                        "purpose": purpose.value, "created_at": now, "expires_at": now + max_age})


# Built once, like ``_LOOK_UP``: every message about an action asks it.
_LIVE_KEY = select(ShortLink).where(
    ShortLink.person_id == bindparam("person_id"), ShortLink.action_id == bindparam("action_id"),
    ShortLink.purpose == bindparam("purpose"), ShortLink.revoked_at.is_(None),
    ShortLink.expires_at > bindparam("now"),
).order_by(ShortLink.expires_at.desc()).limit(1)


def _insert_new(row: dict[str, object], draw: Callable[[], str] = new_key) -> str:
    """Insert the row under a fresh key (from ``draw``). A collision is a 1-in-2**58 event per
    live key: the insert skips it (``ON CONFLICT DO NOTHING``) and the next key is tried, so no
    lookup precedes every insert."""
    while True:
        key = draw()
        inserted = db.session.execute(
            dialect_insert(ShortLink).values(key=key, **row)
            .on_conflict_do_nothing(index_elements=[ShortLink.key]).returning(ShortLink.id)
        ).first()
        if inserted is not None:
            return key


_LOOK_UP = select(ShortLink.person_id, ShortLink.action_id, ShortLink.purpose,
                  ShortLink.expires_at, ShortLink.revoked_at).where(ShortLink.key == bindparam("key"))


def look_up(key: str, *, now: datetime) -> KeyState | None:
    """What ``key`` stands for at ``now``; None if there is no such key."""
    if not looks_like_key(key):
        return None
    row = db.session.execute(_LOOK_UP, {"key": key}).one_or_none()
    if row is None:
        return None
    return KeyState(row.person_id, row.action_id, LinkPurpose(row.purpose),
                    expired=row.expires_at <= now, revoked=row.revoked_at is not None,
                    expires_at=row.expires_at)


def revoke(action_id: int, *, now: datetime, person_id: int | None = None,
           purpose: LinkPurpose | None = None) -> int:
    """Revoke the live keys of an action (of one person, of one purpose); returns how many.
    In the current transaction; the caller commits."""
    query = update(ShortLink).where(ShortLink.action_id == action_id,
                                    ShortLink.revoked_at.is_(None), ShortLink.expires_at > now)
    if person_id is not None:
        query = query.where(ShortLink.person_id == person_id)
    if purpose is not None:
        query = query.where(ShortLink.purpose == purpose.value)
    return int(db.session.execute(query.values(revoked_at=now)).rowcount)  # type: ignore[attr-defined]


def revoke_all_of(person_id: int, *, now: datetime) -> int:
    """Revoke every live key of a person (signed out everywhere: a lost or shared phone)."""
    result = db.session.execute(
        update(ShortLink).where(ShortLink.person_id == person_id, ShortLink.revoked_at.is_(None),
                                ShortLink.expires_at > now).values(revoked_at=now))
    return int(result.rowcount)  # type: ignore[attr-defined]


def purge_expired(now: datetime, batch: int = PURGE_BATCH) -> int:
    """Delete keys expired more than ``KEEP_EXPIRED`` ago, in short committed batches."""
    purged = 0
    while True:
        ids = select(ShortLink.id).where(ShortLink.expires_at < now - KEEP_EXPIRED).limit(batch)
        deleted = int(db.session.execute(
            delete(ShortLink).where(ShortLink.id.in_(ids.scalar_subquery()))
        ).rowcount)  # type: ignore[attr-defined]
        db.session.commit()
        purged += deleted
        if deleted < batch:
            return purged
