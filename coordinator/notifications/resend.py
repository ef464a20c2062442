"""Sending a task's link again to its assignee (staff, from the action page).

The assignee's previous task links are revoked and one ``link_resent`` message is planned
like any other: by the person's channels, after the SMS quiet hours, counted in the SMS budget
and folded into the next morning's digest beyond the daily SMS cap. Its text, and the new link
in it, are written when it is sent. One request per ``RESEND_LINK_INTERVAL``: a double click
or an impatient second press sends nothing more.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coordinator.domain import short_links
from coordinator.domain.changes import load_for_change, record_audit
from coordinator.extensions import db
from coordinator.models import Action, Notification, Person, utcnow
from coordinator.notifications.dispatch import sms_cap_reached
from coordinator.notifications.planning import Planned, Recipient, channels_for, plan
from coordinator.policy import LinkPurpose
from coordinator.policy.limits import RESEND_LINK_INTERVAL

KIND = "link_resent"


@dataclass(frozen=True)
class Resent:
    """What happened: ``outcome`` is ``planned``, ``too_soon`` (``last`` was a moment ago) or
    ``unreachable`` (no active assignee with a phone or e-mail address)."""

    outcome: str
    channels: tuple[str, ...] = ()
    send_at: datetime | None = None
    waits_for_cap: bool = False
    last: datetime | None = None


def resend_link(action_id: int, *, actor: Person | None, now: datetime | None = None) -> Resent:
    """Revoke the assignee's task links and plan a message with a new one; one transaction."""
    now = now or utcnow()
    action = load_for_change(Action, action_id, actor, "action.resend_link", now=now)
    assignee = db.session.get(Person, action.assignee_id)
    recipient = Recipient.of(assignee) if assignee is not None else None
    if recipient is None or not recipient.active or not channels_for(recipient):
        db.session.rollback()
        return Resent("unreachable")
    last = last_resent(action.id, recipient.id)
    if last is not None and now - last < RESEND_LINK_INTERVAL:
        db.session.rollback()
        return Resent("too_soon", last=last)
    revoked = short_links.revoke(action.id, person_id=recipient.id, purpose=LinkPurpose.DO, now=now)
    ids = plan([Planned(recipient, KIND, f"r{now:%Y%m%d%H%M%S%f}", now, action.id,
                        action.program_id, action.kelurahan_code)], now=now)
    planned = db.session.execute(
        select(Notification.channel, Notification.scheduled_for).where(Notification.id.in_(ids))
    ).all()
    record_audit(actor, "resend_link", "action", action.id, None,
                 {"assignee_id": recipient.id, "revoked_links": revoked,
                  "channels": sorted(r.channel for r in planned)})
    db.session.commit()
    return Resent("planned", tuple(sorted(r.channel for r in planned)),
                  min((r.scheduled_for for r in planned), default=now),
                  waits_for_cap=any(r.channel == "sms" for r in planned)
                  and sms_cap_reached(recipient.id, now))


def last_resent(action_id: int, recipient_id: int) -> datetime | None:
    """When the assignee's link to this action was last sent again (planned), if ever."""
    return db.session.scalar(
        select(Notification.created_at).where(
            Notification.action_id == action_id, Notification.recipient_id == recipient_id,
            Notification.kind == KIND).order_by(Notification.created_at.desc()).limit(1)
    )
