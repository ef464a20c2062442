"""Creating notifications: channel choice, send time, and the database-enforced dedupe key.

Rows are inserted with ``INSERT ... ON CONFLICT (dedupe_key) DO NOTHING`` (SQLite and
PostgreSQL), so two sweeps, two beats or a retried task never create a message twice.
Bodies are rendered when the message is sent (``contents.py``), in the person's language then.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, any_, literal, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import TypeEngine

from coordinator.database import dialect_insert
from coordinator.domain.reminder_policy import send_time
from coordinator.extensions import db
from coordinator.models import Notification, Person
from coordinator.models.base import UTCDateTime
from coordinator.policy import audiences


@dataclass(frozen=True, slots=True)
class Recipient:
    """What planning needs to know of a person (no ORM object: sweeps stream plain rows)."""

    id: int
    phone: str | None
    email: str | None
    channel_preference: str
    active: bool = True

    @classmethod
    def of(cls, person: Person) -> Recipient:
        return cls(person.id, person.phone, person.email, person.channel_preference, person.active)


@dataclass(frozen=True, slots=True)
class Planned:
    """One message to plan: ``occurrence`` distinguishes repeats (a new due time, a step)."""

    recipient: Recipient
    kind: str
    occurrence: str
    at: datetime
    action_id: int | None = None
    program_id: int | None = None
    kelurahan_code: str | None = None


def channels_for(recipient: Recipient) -> list[str]:
    """The person's preferred channels that they can actually be reached on."""
    available = {"sms": bool(recipient.phone), "email": bool(recipient.email)}
    preference = recipient.channel_preference
    if preference == "both":
        return [c for c in ("email", "sms") if available[c]]
    other = "email" if preference == "sms" else "sms"
    for channel in (preference, other):
        if available.get(channel):
            return [channel]
    return []


def dedupe_key(kind: str, action_id: int | None, recipient_id: int, channel: str, occ: str) -> str:
    """The unique key of one message: (kind, action, recipient, channel, occurrence)."""
    return f"{kind}:a{action_id if action_id is not None else '-'}:p{recipient_id}:{channel}:{occ}"[:200]


def plan(items: Iterable[Planned], *, now: datetime) -> list[int]:
    """Insert the notifications for ``items`` (duplicates are skipped); returns the new ids.

    A recipient without phone and email gets an ``undeliverable`` row, and the kelurahan's
    coordinators are told. The caller commits.
    """
    rows: list[dict[str, Any]] = []
    undeliverable: list[Planned] = []
    times: dict[tuple[str, str, datetime], datetime] = {}  # many rows share a moment
    for item in items:
        if not item.recipient.active:
            continue
        channels = channels_for(item.recipient)
        if not channels:
            undeliverable.append(item)
            rows.append(_row(item, "outbox", now, times, status="undeliverable"))
        rows.extend(_row(item, channel, now, times) for channel in channels)
    ids = insert_ignoring_duplicates(rows if _unnest_applies(rows) else _not_yet_planned(rows))
    if undeliverable:
        ids += plan(_undeliverable_notices(undeliverable), now=now)
    return ids


def _not_yet_planned(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop rows whose key exists (cheap repeat sweeps); the unique key still decides races.

    Not on PostgreSQL's ``unnest`` insert (:func:`_unnest_applies`): there the unique index
    drops those rows in the same statement, server-side, where this read cost a SELECT with a
    1,000-value ``IN`` list per chunk (each a new statement for psycopg to parse): 5.9 s of a
    first sweep of 100,000 actions that found nothing."""
    action_ids = {r["action_id"] for r in rows if r["action_id"] is not None}
    if not action_ids:
        return rows
    existing = set(db.session.scalars(
        select(Notification.dedupe_key).where(Notification.action_id.in_(action_ids))
    ))
    return [r for r in rows if r["dedupe_key"] not in existing]


def _row(item: Planned, channel: str, now: datetime,
         times: dict[tuple[str, str, datetime], datetime],
         status: str = "pending") -> dict[str, Any]:
    key = (item.kind, channel, max(item.at, now))
    if key not in times:
        times[key] = send_time(*key)
    return {
        "recipient_id": item.recipient.id,
        "channel": channel,
        "kind": item.kind,
        "action_id": item.action_id,
        "program_id": item.program_id,
        "dedupe_key": dedupe_key(item.kind, item.action_id, item.recipient.id, channel,
                                 item.occurrence),
        "body": "",
        "status": status,
        "attempts": 0,
        "scheduled_for": times[key],
        "created_at": now,
    }


def insert_ignoring_duplicates(rows: Sequence[dict[str, Any]]) -> list[int]:
    """Bulk ``INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id``."""
    if not rows:
        return []
    columns = list(rows[0])
    if _unnest_applies(rows):
        return _insert_unnest(columns, rows)
    statement = (
        dialect_insert(Notification)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.id)
    )
    # executemany with RETURNING ("insertmanyvalues"): one cached statement, batched rows.
    return list(db.session.scalars(statement, list(rows)))


def _unnest_applies(rows: Sequence[dict[str, Any]]) -> bool:
    """PostgreSQL, and every row with the same columns: one ``INSERT ... SELECT FROM unnest``."""
    if not rows or db.engine.dialect.name != "postgresql":
        return False
    columns = list(rows[0])
    return all(list(r) == columns for r in rows)


def _insert_unnest(columns: list[str], rows: Sequence[dict[str, Any]]) -> list[int]:
    """PostgreSQL: one statement, one array per varying column (``INSERT ... SELECT FROM
    unnest``), a single parameter for a column equal in every row: 5 x faster than batched
    VALUES with RETURNING, whose 11,000 parameters per batch cost more to bind than the rows."""
    table = Notification.__table__
    pg = postgresql.dialect()
    params: dict[str, Any] = {}
    selected, arrays = [], []
    for name in columns:
        column = table.c[name]
        values = [r[name] for r in rows]
        if isinstance(column.type, UTCDateTime):  # few distinct times: convert each once
            bind = column.type.bind_processor(pg)
            assert bind is not None
            converted = {value: bind(value) for value in set(values)}
            values = [converted[value] for value in values]
        sql_type = column.type.compile(dialect=pg)
        if name != "dedupe_key" and len(set(values)) == 1:
            params[name] = values[0]
            selected.append(f"CAST(:{name} AS {sql_type})")
        else:
            params[name] = values
            arrays.append(f"CAST(:{name} AS {sql_type}[])")
            selected.append(f"t.{name}")
    varying = [c for c in columns if isinstance(params[c], list)]
    statement = text(
        f"INSERT INTO notifications ({', '.join(columns)}) "
        f"SELECT {', '.join(selected)} FROM unnest({', '.join(arrays)}) AS t({', '.join(varying)}) "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
    )
    return list(db.session.scalars(statement, params))


def _undeliverable_notices(items: list[Planned]) -> list[Planned]:
    codes = {i.kelurahan_code for i in items if i.kelurahan_code}
    coordinators = coordinators_of(codes)
    notices = []
    for item in items:
        for coordinator in coordinators.get(item.kelurahan_code or "", []):
            if coordinator.id == item.recipient.id or not channels_for(coordinator):
                continue
            notices.append(Planned(
                coordinator, "undeliverable", f"{item.kind}:{item.recipient.id}:{item.occurrence}",
                item.at, item.action_id, item.program_id, item.kelurahan_code,
            ))
    return notices


def recipients(ids: Iterable[int | None]) -> dict[int, Recipient]:
    """Plain recipient records for person ids (one query)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Person.id, Person.phone, Person.email, Person.channel_preference, Person.active)
        .where(_one_of(Person.id, sorted(wanted), Integer))
    )
    return {r.id: Recipient(r.id, r.phone, r.email, r.channel_preference, r.active) for r in rows}


def _one_of(column: ColumnElement[Any] | InstrumentedAttribute[Any], values: list[Any],
            sql_type: type[TypeEngine[Any]]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``= ANY`` of one array parameter: a sweep chunk asks
    for 2,000 people, and 2,000 parameters cost more to render, parse and bind than the rows."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(literal(values, postgresql.ARRAY(sql_type)))
    return column.in_(values)


def _by_home_region(who: ColumnElement[bool]) -> dict[str, list[Recipient]]:
    """The people ``who`` selects, grouped by their home region code."""
    found: dict[str, list[Recipient]] = {}
    rows = db.session.execute(
        select(Person.id, Person.phone, Person.email, Person.channel_preference,
               Person.region_code)
        .where(who).order_by(Person.id)
    )
    for r in rows:
        found.setdefault(r.region_code, []).append(
            Recipient(r.id, r.phone, r.email, r.channel_preference)
        )
    return found


def coordinators_of(kelurahan_codes: Iterable[str]) -> dict[str, list[Recipient]]:
    """The kelurahan coordinators (kepala seksi) of each kelurahan."""
    codes = set(kelurahan_codes)
    return _by_home_region(audiences.coordinators_in(codes)) if codes else {}


def leads_of(kecamatan_codes: Iterable[str]) -> dict[str, list[Recipient]]:
    """The leads of each kecamatan (an escalation step)."""
    codes = set(kecamatan_codes)
    return _by_home_region(audiences.leads_in(codes)) if codes else {}


def kecamatan_of(kelurahan_code: str) -> str:
    return ".".join(kelurahan_code.split(".")[:3])

