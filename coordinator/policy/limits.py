"""Limits every entry point enforces the same way (web forms, API schemas, SMS replies, domain)."""
from __future__ import annotations

from datetime import timedelta

MAX_NOTE_LENGTH = 2_000
MAX_PEOPLE_REACHED = 1_000_000
# A cadre may take back their own completion for this long; staff may reopen any time.
CADRE_UNDO_WINDOW = timedelta(hours=24)
# A closed program may be reopened (restoring what its closing cancelled) for this long.
PROGRAM_REOPEN_WINDOW = timedelta(days=7)
MAX_TITLE_LENGTH = 200
# Staff may restore an action they cancelled by mistake for this long (then it stays cancelled).
RESTORE_WINDOW = timedelta(days=30)
MAX_CANCEL_REASON_LENGTH = 500
# Staff may send a task's link again to its assignee at most once in this long.
RESEND_LINK_INTERVAL = timedelta(minutes=10)
# A due time chosen by a person may lie this far in the past (a form filled slowly, a preview
# confirmed a little later), no further: an older one would be overdue, and escalate, at once.
PAST_DUE_GRACE = timedelta(hours=2)
