"""Short links' keys: issued, looked up, revoked and purged (the rows behind ``/t/<key>``).

A key is ``KEY_LENGTH`` characters drawn by ``secrets`` from an alphabet without look-alikes
(no 0/O/o, 1/I/l): 56 ** 10, about 2 ** 58 keys, so guessing a live one at the public pages'
rate limit is hopeless. A message about an action reuses the live key of the same person and
purpose and extends its life, so a message composed twice (a retried send, a digest) never
piles up rows, and a link stays valid ``max_age`` after the last message that carried it.
Issuing happens in the caller's transaction (the worker composing a message commits it).
A batch of messages issues its keys inside :func:`issued_together`: the live keys of all its
people and actions read in one statement, the new ones inserted in one on leaving.

Keys are revoked when staff send a link again and when a person is signed out everywhere or
deactivated. Reassigning or cancelling an action revokes nothing: the policy already refuses
such a link (``policy.actions.open_link``) with a page that says why ("no longer yours",
"cancelled"), which a revoked key could not.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, tuple_, update

from coordinator.database import dialect_insert
from coordinator.extensions import db
from coordinator.models import ShortLink, utcnow
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
    batch: _Batch | None = db.session.info.get(_BATCH)
    if batch is not None:
        known = batch.key_for(person_id, action_id, purpose.value, now, max_age)
        if known is not None:
            return known
    live = db.session.scalars(_LIVE_KEY, {"person_id": person_id, "action_id": action_id,
                                            "purpose": purpose.value, "now": now}).first()
    if live is not None:
        live.expires_at = max(live.expires_at, now + max_age)
        return live.key
    row: dict[str, object] = {"person_id": person_id, "action_id": action_id,
                              "purpose": purpose.value, "created_at": now,
                              "expires_at": now + max_age}
    return batch.add(row) if batch is not None else _insert_new(row)


class KeyCollision(RuntimeError):
    """A key drawn for a batch was taken meanwhile (about 1 in 2 ** 58): the batch's texts
    carry it, so the caller rolls the batch back and renders it again."""


_BATCH = "short_links.batch"


@dataclass
class _Batch:
    """The keys of one batch of messages: the live ones read at once, the new ones to insert."""

    asked: set[tuple[int, int]]
    live: dict[tuple[int, int, str], ShortLink] = field(default_factory=dict)
    new: dict[tuple[int, int, str], dict[str, object]] = field(default_factory=dict)

    def key_for(self, person_id: int, action_id: int, purpose: str, now: datetime,
                max_age: timedelta) -> str | None:
        """The batch's key for these, or None if the batch did not read their live keys."""
        wanted = (person_id, action_id, purpose)
        if wanted in self.new:
            return str(self.new[wanted]["key"])
        link = self.live.get(wanted)
        if link is not None and link.expires_at > now:
            link.expires_at = max(link.expires_at, now + max_age)
            return link.key
        if (person_id, action_id) in self.asked:
            return self.add({"person_id": person_id, "action_id": action_id, "purpose": purpose,
                             "created_at": now, "expires_at": now + max_age})
        return None

    def add(self, row: dict[str, object]) -> str:
        key = new_key()
        self.new[(int(str(row["person_id"])), int(str(row["action_id"])),
                  str(row["purpose"]))] = {**row, "key": key}
        return key


# Built once, like ``_LIVE_KEY``: building a statement cost more than running it.
_LIVE_KEYS = select(ShortLink).where(
    tuple_(ShortLink.person_id, ShortLink.action_id).in_(bindparam("pairs", expanding=True)),
    ShortLink.revoked_at.is_(None), ShortLink.expires_at > bindparam("now"),
).order_by(ShortLink.expires_at)  # the latest-expiring key of each pair and purpose wins


@cache
def _insert_keys(dialect: str) -> Any:
    """The insert of new keys for ``dialect`` (the session's), skipping a key that is taken."""
    table = cast(Table, ShortLink.__table__)
    return (dialect_insert(table).on_conflict_do_nothing(index_elements=[table.c.key])
            .returning(table.c.key))


@contextmanager
def issued_together(pairs: Iterable[tuple[int, int]], *, now: datetime) -> Iterator[None]:
    """Issue the keys of many messages (``pairs`` of person and action) in two statements: the
    live keys read on entering, the new keys inserted on leaving, in the caller's transaction.
    Raises ``KeyCollision`` (nothing inserted) if a drawn key was taken."""
    batch = _Batch(set(pairs))
    if batch.asked:
        # Live at the earlier of the two clocks: each issue checks its own moment.
        for link in db.session.scalars(_LIVE_KEYS, {"pairs": list(batch.asked),
                                                    "now": min(now, utcnow())}):
            batch.live[(link.person_id, link.action_id, link.purpose)] = link
    db.session.info[_BATCH] = batch
    try:
        yield
    finally:
        del db.session.info[_BATCH]
    rows = list(batch.new.values())
    if rows:
        # One INSERT of all the rows: SQLAlchemy folds an executemany with RETURNING into one.
        inserted = db.session.scalars(
            _insert_keys(db.session.get_bind().dialect.name), rows).all()
        if len(inserted) < len(rows):
            raise KeyCollision(f"{len(rows) - len(inserted)} of {len(rows)} new keys were taken")


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


_LOOK_UP = (select(ShortLink.person_id, ShortLink.action_id, ShortLink.purpose,
                   ShortLink.expires_at, ShortLink.revoked_at)
            .where(ShortLink.key == bindparam("key")))


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
