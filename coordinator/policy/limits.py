"""Limits every entry point enforces the same way (web forms, API schemas, SMS replies, domain)."""
from __future__ import annotations

from datetime import timedelta

MAX_NOTE_LENGTH = 2_000
MAX_PEOPLE_REACHED = 1_000_000
# A cadre may take back their own completion for this long; staff may reopen any time.
CADRE_UNDO_WINDOW = timedelta(hours=24)
MAX_TITLE_LENGTH = 200
# A due time chosen by a person may lie this far in the past (a form filled slowly, a preview
# confirmed a little later), no further: an older one would be overdue, and escalate, at once.
PAST_DUE_GRACE = timedelta(hours=2)
