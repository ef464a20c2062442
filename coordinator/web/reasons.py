"""What a refusal means to the person on the page: each policy reason in their language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from coordinator.errors import DomainError
from coordinator.policy import Reason

MESSAGES = {
    Reason.NOT_FOUND: _l("This page does not exist, or it is outside your area."),
    Reason.NOT_YOURS: _l("This task is no longer yours."),
    Reason.NOT_ALLOWED: _l("You may not do this here."),
    Reason.CANCELLED: _l("This task was cancelled and cannot be completed."),
    Reason.ALREADY_DONE: _l("This task was already marked done."),
    Reason.ALREADY_CANCELLED: _l("This task was already cancelled."),
    Reason.NOT_DONE: _l("Only a completed task can be reopened."),
    Reason.NOT_OPEN: _l("Only an open task can be changed this way; reopen it first."),
    Reason.NOT_YOUR_COMPLETION: _l("Only the person who marked it done can undo this; ask your "
                                   "coordinator."),
    Reason.UNDO_WINDOW_PASSED: _l("The 24 hours to undo have passed; ask your coordinator."),
    Reason.PROGRAM_NOT_ACTIVE: _l("Only an active program takes new actions."),
    Reason.PROGRAM_CLOSED: _l("A closed program cannot be changed."),
    Reason.UNASSIGNED: _l("This task has nobody to send a link to: assign it first."),
}


def message_for(error: DomainError) -> str | None:
    """The reader's text for a refusal the policy explained, else None."""
    if error.reason is None:
        return None
    return str(MESSAGES.get(Reason(error.reason), MESSAGES[Reason.NOT_ALLOWED]))
