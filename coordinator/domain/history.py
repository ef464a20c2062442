"""An action's history, read once: what happened to it, who did it, who was told, how.

Built from the two records the rules already keep, in a fixed number of queries whatever
the length of the history (no query per entry):

- the audit trail (``audit_entries`` of the action: created, reassigned, rescheduled, completed
  with ``via``, reopened, cancelled with its reason or by the program's closing, restored by staff or
  when the program was reopened), with the actor's name;
- the notifications about the action (each message: kind, channel, delivery status, time),
  with the recipient's name; escalations are the messages of kind ``escalation``.

Entries carry names and plain values only: no phone number, no e-mail, no message text.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import AuditEntry, Notification, Person

# Audit operations on an action and the entry kind each becomes.
KIND_OF_OPERATION = {
    "assign": "created", "reassign": "reassigned", "reschedule": "rescheduled",
    "complete": "completed", "reopen": "reopened", "cancel": "cancelled", "restore": "restored",
}
ESCALATION = "escalation"
# At the same instant, an action is created before it is told about, told before it is done.
_ORDER = {"created": 0, "message": 1, "escalation": 1}


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an action's history. Unused fields stay ``None``."""

    at: datetime
    kind: str  # created, reassigned, rescheduled, completed, reopened, cancelled, restored,
    #            message, escalation (or the raw audit operation, for one this module does not know)
    actor: str | None = None  # who did it; None is the system (a worker, a loader)
    assignee: str | None = None  # created / reassigned: to whom (None: nobody)
    previous_assignee: str | None = None
    via: str | None = None  # completed: link, sms, web, api (Via), or "demo"
    on_behalf: bool = False  # completed by someone other than the assignee
    people_reached: int | None = None
    reason: str | None = None  # cancelled: the reason given, if any
    by_program_closing: bool = False  # cancelled when its program was closed
    #                                   (restored: when its program was reopened)
    due_at: datetime | None = None  # created / rescheduled: the (new) due time
    previous_due_at: datetime | None = None
    message_kind: str | None = None  # message / escalation: assigned, reminder_24h, ...
    channel: str | None = None  # email, sms, outbox
    delivery_status: str | None = None  # pending, sent, failed, dead, undeliverable, folded
    recipient: str | None = None


def action_history(action_id: int) -> list[HistoryEntry]:
    """Everything recorded about the action, oldest first."""
    audits = db.session.execute(
        select(AuditEntry, Person.name)
        .outerjoin(Person, Person.id == AuditEntry.actor_id)
        .where(AuditEntry.entity_type == "action", AuditEntry.entity_id == action_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    messages = db.session.execute(
        select(Notification.kind, Notification.channel, Notification.status,
               Notification.created_at, Notification.sent_at, Person.name)
        .join(Person, Person.id == Notification.recipient_id)
        .where(Notification.action_id == action_id)
        .order_by(Notification.created_at, Notification.id)
    ).all()
    names = _names(_assignee_ids(entry for entry, _ in audits))
    entries = [_from_audit(entry, actor, names) for entry, actor in audits]
    entries += [_from_message(*row) for row in messages]
    return sorted(entries, key=lambda e: (e.at, _ORDER.get(e.kind, 2)))


def _assignee_ids(entries: Iterable[AuditEntry]) -> set[int]:
    ids: set[int] = set()
    for entry in entries:
        for snapshot in (entry.before or {}, entry.after or {}):
            if isinstance(snapshot.get("assignee_id"), int):
                ids.add(snapshot["assignee_id"])
    return ids


def _names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())  # type: ignore[arg-type]


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _from_audit(entry: AuditEntry, actor: str | None, names: dict[int, str]) -> HistoryEntry:
    before, after = entry.before or {}, entry.after or {}
    kind = KIND_OF_OPERATION.get(entry.operation, entry.operation)
    assignee_id, previous_id = after.get("assignee_id"), before.get("assignee_id")
    fields: dict[str, Any] = {}
    if kind in ("created", "reassigned"):
        fields.update(assignee=names.get(assignee_id) if assignee_id else None,
                      previous_assignee=names.get(previous_id) if previous_id else None)
    if kind in ("created", "rescheduled"):
        fields.update(due_at=_when(after.get("due_at")), previous_due_at=_when(before.get("due_at")))
    if kind == "completed":
        fields.update(via=after.get("via"), people_reached=after.get("people_reached"),
                      on_behalf=entry.actor_id is not None and entry.actor_id != assignee_id)
    if kind == "cancelled":
        fields.update(reason=after.get("reason") or None,
                      by_program_closing=bool(after.get("program_closed")))
    if kind == "restored":
        fields.update(by_program_closing=bool(after.get("program_reopened")))
    return HistoryEntry(at=entry.at, kind=kind, actor=actor, **fields)


def _from_message(kind: str, channel: str, status: str, created_at: datetime,
                  sent_at: datetime | None, recipient: str) -> HistoryEntry:
    return HistoryEntry(
        at=sent_at or created_at, kind=ESCALATION if kind == ESCALATION else "message",
        message_kind=kind, channel=channel, delivery_status=status, recipient=recipient,
    )
