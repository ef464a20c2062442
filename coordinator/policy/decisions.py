"""A decision is yes, or no with a reason; each entry point maps the reason to its own answer
(a page, an SMS reply, an HTTP status). ``refused`` turns a "no" into the domain error whose
class fixes the status (404 / 403 / 409) and whose ``reason`` names what happened."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from coordinator.errors import N_, Conflict, DomainError, Forbidden, NotFound


class Reason(StrEnum):
    NOT_FOUND = "not_found"  # does not exist, or lies outside the person's scope
    NOT_YOURS = "not_yours"  # the action is not (any more) this person's
    NOT_ALLOWED = "not_allowed"  # the person's role may not do this
    CANCELLED = "cancelled"
    ALREADY_DONE = "already_done"
    ALREADY_CANCELLED = "already_cancelled"
    NOT_DONE = "not_done"  # only a completed action can be reopened
    NOT_OPEN = "not_open"  # only an open action can be changed this way
    NOT_YOUR_COMPLETION = "not_your_completion"  # a cadre undoes only what they recorded
    UNDO_WINDOW_PASSED = "undo_window_passed"
    PROGRAM_NOT_ACTIVE = "program_not_active"
    PROGRAM_CLOSED = "program_closed"
    UNASSIGNED = "unassigned"  # nobody to send the task's link to


ERROR_OF_REASON: dict[Reason, type[DomainError]] = {
    Reason.NOT_FOUND: NotFound,
    Reason.NOT_YOURS: NotFound,
    Reason.NOT_ALLOWED: Forbidden,
    Reason.NOT_YOUR_COMPLETION: Forbidden,
    Reason.UNDO_WINDOW_PASSED: Forbidden,
}
# English texts for logs and the API; people read the translations their entry point keeps.
TEXT_OF_REASON = {
    Reason.NOT_FOUND: N_("not found"),
    Reason.NOT_YOURS: N_("this task is not yours (any more)"),
    Reason.NOT_ALLOWED: N_("not allowed"),
    Reason.CANCELLED: N_("a cancelled action cannot be completed"),
    Reason.ALREADY_DONE: N_("the action is already done"),
    Reason.ALREADY_CANCELLED: N_("the action is already cancelled"),
    Reason.NOT_DONE: N_("only a completed action can be reopened"),
    Reason.NOT_OPEN: N_("only an open action can be changed; reopen it first"),
    Reason.NOT_YOUR_COMPLETION: N_("only the person who recorded a completion may undo it"),
    Reason.UNDO_WINDOW_PASSED: N_("the 24-hour undo window has passed; ask your coordinator"),
    Reason.PROGRAM_NOT_ACTIVE: N_("only an active program takes new actions"),
    Reason.PROGRAM_CLOSED: N_("a closed program cannot be changed"),
    Reason.UNASSIGNED: N_("the action has no assignee to send a link to"),
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: Reason | None = None

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def refuse(reason: Reason) -> Decision:
    return Decision(False, reason)


def refused(decision: Decision, permission: str = "") -> DomainError:
    """The domain error for a refused decision (NotFound, Forbidden or Conflict)."""
    reason = decision.reason or Reason.NOT_ALLOWED
    error_class = ERROR_OF_REASON.get(reason, Conflict)
    error = error_class(TEXT_OF_REASON[reason], permission=permission)
    error.reason = reason
    return error
