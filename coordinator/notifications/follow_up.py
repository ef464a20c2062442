"""A supervisor's "remind again": one more reminder to the assignee, through the usual path.

The reminder is planned like the sweep's (:func:`coordinator.notifications.planning.plan`): the
assignee's channels, quiet hours and days off (:func:`~coordinator.domain.reminder_policy.send_time`),
the flood folding and the SMS daily cap at dispatch. Its occurrence is the WIB day, so pressing
the button twice in a day plans one message; the audit says who asked, and from where.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coordinator.domain.calendar import to_local
from coordinator.domain.changes import load_for_change, record_audit
from coordinator.extensions import db
from coordinator.models import Action, Person, utcnow
from coordinator.notifications.planning import Planned, plan, recipients
from coordinator.policy import Via

KIND = "reminder_now"


@dataclass(frozen=True)
class Reminded:
    planned: int  # new notifications (0: already reminded today, or no channel at all)
    assignee: Person


def remind_now(action_id: int, *, actor: Person | None, now: datetime | None = None,
               via: Via = Via.WEB) -> Reminded:
    """Plan today's extra reminder to the action's assignee, if not planned yet (one commit)."""
    now = now or utcnow()
    action = load_for_change(Action, action_id, actor, "action.remind", now=now, via=via)
    assert action.assignee_id is not None  # the policy refuses an action nobody has
    recipient = recipients([action.assignee_id])[action.assignee_id]
    day = to_local(now).date().isoformat()
    ids = plan([Planned(recipient, KIND, f"manual{day}", now, action.id, action.program_id,
                        action.kelurahan_code)], now=now)
    if ids:
        record_audit(actor, "remind", "action", action.id, None,
                     {"assignee_id": action.assignee_id, "notifications": ids, "via": str(via)})
    assignee = action.assignee
    db.session.commit()
    return Reminded(len(ids), assignee)  # type: ignore[arg-type]
