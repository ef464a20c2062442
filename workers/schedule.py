"""The beat schedule, as data. Times are WIB (Celery's ``timezone`` is the configured zone).

Run exactly one beat process (``celery -A workers beat``); a second one would only repeat
work that the dedupe keys and the relay's row locks already make harmless.
"""
from __future__ import annotations

from typing import Any

from celery.schedules import crontab

SCHEDULE: dict[str, dict[str, Any]] = {
    "relay-outbox": {
        "task": "sinergi.relay.publish_outbox", "schedule": 10.0,
        "options": {"queue": "default", "expires": 30},
    },
    "sweep-reminders": {
        "task": "sinergi.reminders.sweep", "schedule": crontab(minute="*/5"),
        "options": {"queue": "default", "expires": 240},
    },
    "dispatch-due-notifications": {
        "task": "sinergi.notifications.dispatch_due", "schedule": crontab(minute="*"),
        "options": {"queue": "notifications", "expires": 55},
    },
    "daily-summary": {
        "task": "sinergi.digests.daily", "schedule": crontab(hour=7, minute=0),
        "options": {"queue": "default"},
    },
    "weekly-digest": {
        "task": "sinergi.digests.weekly", "schedule": crontab(hour=7, minute=0, day_of_week=1),
        "options": {"queue": "default"},
    },
    "nightly-rollup-recompute": {
        "task": "sinergi.rollups.recompute_all", "schedule": crontab(hour=2, minute=30),
        "options": {"queue": "rollups"},
    },
}
