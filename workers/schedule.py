"""The beat schedule, as data. Times are WIB (Celery's ``timezone`` is the configured zone).

Run exactly one beat process (``celery -A workers beat``); a second one would only repeat
work that the dedupe keys and the relay's row locks already make harmless.
"""
from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from coordinator.jobs import (
    DAILY_SUMMARY,
    DISPATCH_DUE,
    RECOMPUTE_ROLLUPS,
    RELAY_OUTBOX,
    SWEEP_REMINDERS,
    WEEKLY_DIGEST,
    Job,
)


def _entry(job: Job, schedule: Any, **options: Any) -> dict[str, Any]:
    return {"task": job.name, "schedule": schedule, "options": {"queue": job.queue, **options}}


SCHEDULE: dict[str, dict[str, Any]] = {
    "relay-outbox": _entry(RELAY_OUTBOX, 10.0, expires=30),
    "sweep-reminders": _entry(SWEEP_REMINDERS, crontab(minute="*/5"), expires=240),
    "dispatch-due-notifications": _entry(DISPATCH_DUE, crontab(minute="*"), expires=55),
    "daily-summary": _entry(DAILY_SUMMARY, crontab(hour=7, minute=0)),
    "weekly-digest": _entry(WEEKLY_DIGEST, crontab(hour=7, minute=0, day_of_week=1)),
    "nightly-rollup-recompute": _entry(RECOMPUTE_ROLLUPS, crontab(hour=2, minute=30)),
}
