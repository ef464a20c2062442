"""Closing and reopening a program, now: pure decisions over the program and the clock.

Closing cancels the program's open actions; for ``PROGRAM_REOPEN_WINDOW`` after, the people
who may close it may reopen it, which restores exactly those actions. A program closed before
its closing time was recorded (``closed_at`` unknown) cannot be reopened.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from coordinator.policy.decisions import ALLOW, Decision, Reason, refuse
from coordinator.policy.limits import PROGRAM_REOPEN_WINDOW


class ProgramFacts(Protocol):
    status: str
    closed_at: datetime | None


def reopen_deadline(program: ProgramFacts,
                    window: timedelta = PROGRAM_REOPEN_WINDOW) -> datetime | None:
    """Until when a closed program may be reopened (None: it is not closed, or never can be)."""
    if program.status != "closed" or program.closed_at is None:
        return None
    return program.closed_at + window


def reopen(program: ProgramFacts, now: datetime,
           window: timedelta = PROGRAM_REOPEN_WINDOW) -> Decision:
    """A closed program within the window since its closing (who may: see ``program.reopen``)."""
    if program.status != "closed":
        return refuse(Reason.PROGRAM_NOT_CLOSED)
    deadline = reopen_deadline(program, window)
    if deadline is None or now > deadline:
        return refuse(Reason.REOPEN_WINDOW_PASSED)
    return ALLOW
