"""The life of an action, as pure state changes (no database, no clock of their own).

open --complete--> done --reopen--> open;  open --cancel--> cancelled --restore--> open.
Who may do each, and when, is the policy's (:mod:`coordinator.policy.actions`); these functions
assume it said yes and only change the row's fields.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from coordinator.policy.limits import MAX_CANCEL_REASON_LENGTH

OPEN, DONE, CANCELLED = "open", "done", "cancelled"
STATUSES = (OPEN, DONE, CANCELLED)
TRANSITIONS = {("complete", OPEN): DONE, ("reopen", DONE): OPEN, ("cancel", OPEN): CANCELLED,
               ("restore", CANCELLED): OPEN}


def next_status(operation: str, status: str) -> str:
    """The status ``operation`` leads to from ``status``; ``ValueError`` if it leads nowhere."""
    try:
        return TRANSITIONS[(operation, status)]
    except KeyError:
        raise ValueError(f"cannot {operation} an action that is {status}") from None


def complete(action: Any, *, by: int | None, now: datetime, note: str | None,
             people_reached: int | None) -> None:
    action.status = next_status("complete", action.status)
    action.completed_at = now
    action.completed_by_id = by
    action.note = (note or "").strip() or None
    action.people_reached = people_reached


def reopen(action: Any) -> None:
    action.status = next_status("reopen", action.status)
    action.completed_at = None
    action.completed_by_id = None
    action.people_reached = None


def cancel(action: Any, *, now: datetime, reason: str | None = None) -> None:
    action.status = next_status("cancel", action.status)
    action.cancelled_at = now
    action.cancel_reason = (reason or "").strip()[:MAX_CANCEL_REASON_LENGTH] or None


def restore(action: Any) -> None:
    action.status = next_status("restore", action.status)
    action.cancelled_at = None
    action.cancel_reason = None


def on_time(action: Any) -> bool:
    """Done at or before its due time (the rule the rollups count as ``done_on_time``)."""
    return bool(action.status == DONE and action.completed_at is not None
                and action.completed_at <= action.due_at)
