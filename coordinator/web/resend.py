"""Send a task's link again to its assignee, from the action page (staff of its region).

POST only, then back to the action page (303) with what happened: when the message goes, by
which channel, or why nothing was sent. A GET on the address goes back to the action page.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.models import utcnow
from coordinator.notifications.resend import Resent, resend_link
from coordinator.policy import get_action_or_404
from coordinator.policy.limits import RESEND_LINK_INTERVAL
from coordinator.web import errors
from coordinator.web.forms import ButtonForm
from coordinator.web.jinja import wib
from coordinator.web.reasons import message_for
from coordinator.web.staff import staff_required

blp = errors.install(Blueprint("resend", __name__, url_prefix="/aksi"))
CHANNEL_NAMES = {"sms": "SMS", "email": "email"}


@blp.get("/<int:action_id>/kirim-ulang-tautan")
@staff_required
def back_to_action(action_id: int) -> Any:
    return redirect(url_for("actions.show", action_id=action_id), code=303)


@blp.post("/<int:action_id>/kirim-ulang-tautan")
@staff_required
def resend(action_id: int) -> Any:
    """Revoke the assignee's link and send a new one; flash the outcome."""
    action = get_action_or_404(current_user, action_id)
    back = redirect(url_for("actions.show", action_id=action.id), code=303)
    if not ButtonForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return back
    try:
        result = resend_link(action.id, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(message_for(exc) or _("You may not do this here."), "error")
        return back
    flash(*_outcome_message(result))
    return back


def _outcome_message(result: Resent) -> tuple[str, str]:
    if result.outcome == "unreachable":
        return _("Nothing was sent: the assignee has no phone number or email address on "
                 "record, or is no longer active."), "error"
    if result.outcome == "too_soon":
        minutes = int(RESEND_LINK_INTERVAL.total_seconds() // 60)
        return _("A new link was already sent at %(time)s. Wait %(minutes)s minutes before "
                 "sending another.", time=wib(result.last, "%H:%M"), minutes=minutes), "error"
    channels = ", ".join(CHANNEL_NAMES.get(c, c) for c in result.channels)
    message = _("A new link goes to the assignee by %(channels)s; the previous link no longer "
                "works.", channels=channels)
    if result.waits_for_cap:
        message += " " + _("Today's SMS limit for this person is reached: the SMS goes in "
                           "tomorrow morning's summary.")
    elif result.send_at is not None and result.send_at > utcnow():
        message += " " + _("It will be sent at %(time)s (no SMS at night).",
                           time=wib(result.send_at))
    return message, "info"
