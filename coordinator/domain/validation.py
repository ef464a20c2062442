"""Field checks shared by the rules: each returns ``{field: [messages]}`` (empty when fine).

The limits come from :mod:`coordinator.policy.limits`, so forms, schemas, SMS replies and the
rules refuse the same values. Messages are literal (so the catalog can hold them); a unit test
checks each names its limit.
"""
from __future__ import annotations

from datetime import datetime

from coordinator.errors import N_, InvalidInput
from coordinator.models import utcnow
from coordinator.policy.limits import (
    MAX_NOTE_LENGTH,
    MAX_PEOPLE_REACHED,
    MAX_TITLE_LENGTH,
    PAST_DUE_GRACE,
)

EARLIEST_DUE_YEAR, LATEST_DUE_YEAR = 2000, 2100


def check_title(title: str | None, field: str = "title") -> dict[str, list[str]]:
    clean = (title or "").strip()
    if not clean or len(clean) > MAX_TITLE_LENGTH or "\x00" in clean:
        return {field: [N_("Title is required (at most 200 characters).")]}
    return {}


def check_due_at(due_at: object) -> dict[str, list[str]]:
    if not isinstance(due_at, datetime) or due_at.tzinfo is None:
        return {"due_at": [N_("A date and time with a time zone is required.")]}
    if not EARLIEST_DUE_YEAR <= due_at.year <= LATEST_DUE_YEAR:
        return {"due_at": [N_("Give a date between 2000 and 2100.")]}
    return {}


def due_at_is_past(due_at: datetime, now: datetime | None = None) -> bool:
    """Whether a due time a person chose lies in the past, beyond ``PAST_DUE_GRACE``."""
    return due_at < (now or utcnow()) - PAST_DUE_GRACE


def check_due_not_past(due_at: datetime, now: datetime | None = None,
                       field: str = "due_at") -> dict[str, list[str]]:
    """Refuse a due time in the past: every entry point where a person sets one (web forms,
    the API, the bulk assignment) calls this one rule; history loaded by the system does not."""
    if due_at_is_past(due_at, now):
        return {field: [N_("The due date is in the past: choose a date and time from now on.")]}
    return {}


def require_due_not_past(due_at: object, field: str = "due_at") -> None:
    """Raise ``InvalidInput`` for a due time a person set in the past (entry points that set
    one action's due time call this; the bulk rule checks its own first occurrence). Values
    without a time zone are left to :func:`check_due_at`."""
    if isinstance(due_at, datetime) and due_at.tzinfo is not None:
        errors = check_due_not_past(due_at, field=field)
        if errors:
            raise InvalidInput("due time in the past", errors)


def people_reached_valid(value: object) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)
            and 0 <= value <= MAX_PEOPLE_REACHED)


def check_completion(note: str | None, people_reached: int | None) -> None:
    """Raise ``InvalidInput`` for a note or a people-reached count outside the limits."""
    errors: dict[str, list[str]] = {}
    if people_reached is not None and not people_reached_valid(people_reached):
        errors["people_reached"] = [N_("Must be a whole number from 0 to 1,000,000.")]
    if note is not None and (len(note) > MAX_NOTE_LENGTH or "\x00" in note):
        errors["note"] = [N_("At most 2,000 characters.")]
    if errors:
        raise InvalidInput("invalid completion", errors)
