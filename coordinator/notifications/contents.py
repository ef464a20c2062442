"""What a stored notification says: its subject and body, filled at send time.

Filling late means the person's current language and a fresh link. Every kind is written by
:func:`coordinator.messages.compose`; this module only gathers the context a kind needs, each
row narrowly: the recipient without their region and networks, an action with only the public
columns a message shows (in one statement with its program, kelurahan and assignee).
"""
from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, load_only
from sqlalchemy.orm.interfaces import ORMOption

from coordinator.domain.program_closing import closed_by_last_closing, restored_by_last_reopening
from coordinator.extensions import db
from coordinator.messages import compose
from coordinator.models import Action, DigestItem, Notification, Person, Program, Region, utcnow
from coordinator.models.people import addressee_columns
from coordinator.notifications import late_reports


def render_into(notification: Notification, now: datetime | None = None) -> None:
    """Fill ``subject``, ``body`` and ``html_body`` for the notification's channel (``now``:
    the sending time, by default the clock's)."""
    recipient = db.session.get(Person, notification.recipient_id, options=addressee_columns())
    message = compose(notification.kind, recipient, **_context(notification, now or utcnow()))
    notification.subject = (message.subject or "")[:200] or None
    if notification.channel == "sms":
        notification.body = message.sms
        notification.html_body = None
    else:
        notification.body = message.text
        notification.html_body = message.html


def _context(notification: Notification, now: datetime) -> dict[str, Any]:
    action = (db.session.get(Action, notification.action_id, options=action_columns())
              if notification.action_id else None)
    if notification.kind == "digest":
        return {"actions": digest_actions(notification.id)}
    if notification.kind == "program_closed":
        program = db.session.get(Program, notification.program_id)
        return {"program": program, "actions": _cancelled_for(notification)}
    if notification.kind == "program_reopened":
        program = db.session.get(Program, notification.program_id)
        return {"program": program, "actions": _restored_for(notification)}
    if notification.kind == "undeliverable":
        return {"about": db.session.get(Person, about_person_id(notification)), "action": action}
    if notification.kind == late_reports.KIND:
        return _late_report_context(notification)
    return {"action": action, "now": now}


@cache  # built once: loader options are immutable, and building them cost as much as the read
def action_columns() -> tuple[ORMOption, ...]:
    """Loader options for the action a message is about: its public columns, its program's
    public title, its kelurahan's name and its assignee's name, in one statement."""
    return (
        load_only(Action.id, Action.program_id, Action.public_title, Action.public_code,
                  Action.assignee_id, Action.kelurahan_code, Action.due_at, Action.status),
        joinedload(Action.program).load_only(Program.public_title),
        joinedload(Action.kelurahan).options(load_only(Region.name), lazyload(Region.parent)),
        joinedload(Action.assignee).options(load_only(Person.name), lazyload(Person.region),
                                            lazyload(Person.networks)),
    )


def digest_actions(digest_id: int) -> list[Action]:
    """The distinct actions of the notifications folded into a digest, by due time."""
    ids = db.session.scalars(
        select(Notification.action_id)
        .join(DigestItem, DigestItem.item_id == Notification.id)
        .where(DigestItem.digest_id == digest_id, Notification.action_id.is_not(None))
    ).all()
    return list(db.session.scalars(
        select(Action).where(Action.id.in_(set(ids))).order_by(Action.due_at, Action.id)
    ))


def about_person_id(notification: Notification) -> int | None:
    """Who an ``undeliverable`` notice is about (kept in its occurrence: ``kind:person:...``)."""
    parts = notification.dedupe_key.split(":")
    try:
        return int(parts[5])
    except (IndexError, ValueError):
        return None


def _cancelled_for(notification: Notification) -> list[Action]:
    """The recipient's actions the program's last closing cancelled (and nobody restored)."""
    return list(db.session.scalars(
        closed_by_last_closing(notification.program_id)
        .where(Action.assignee_id == notification.recipient_id)
        .order_by(Action.due_at, Action.id)
    ))


def _restored_for(notification: Notification) -> list[Action]:
    """The recipient's actions the program's last reopening opened again (still open)."""
    return list(db.session.scalars(
        restored_by_last_reopening(notification.program_id)
        .where(Action.assignee_id == notification.recipient_id, Action.status == "open")
        .order_by(Action.due_at, Action.id)
    ))


def _late_report_context(notification: Notification) -> dict[str, Any]:
    found = late_reports.parse_occurrence(notification.dedupe_key)
    if found is None:
        return {}
    code, month = found
    region = db.session.get(Region, code)
    return {"kelurahan": region.name if region else code, "month": month,
            "link": late_reports.entry_link(code, month),
            "due_day": current_app.extensions["sinergi"].case_stats_due_day}
