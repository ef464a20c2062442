"""The beat schedule, as data. Times are WIB (Celery's ``timezone`` is the configured zone).

Run exactly one beat process (``celery -A workers beat``); a second one would only repeat
work that the dedupe keys, the relay's row locks and the send claims already make harmless
(a fault test runs two). The short intervals come from the configuration
(``RELAY_INTERVAL_SECONDS``, ``DISPATCH_INTERVAL_SECONDS``, ``RELIABILITY_CHECK_INTERVAL_SECONDS``).
"""
from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from coordinator.jobs import (
    DAILY_SUMMARY,
    DISPATCH_DUE,
    PURGE_EXPIRED_LINKS,
    RECOMPUTE_ROLLUPS,
    RELAY_OUTBOX,
    REMIND_LATE_CASE_STATS,
    REPUBLISH_UNHANDLED,
    SWEEP_REMINDERS,
    WEEKLY_DIGEST,
    Job,
)


def _entry(job: Job, schedule: Any, **options: Any) -> dict[str, Any]:
    return {"task": job.name, "schedule": schedule, "options": {"queue": job.queue, **options}}


def build_schedule(relay_seconds: float = 10, dispatch_seconds: float = 60,
                   recheck_seconds: float = 60) -> dict[str, dict[str, Any]]:
    """The schedule; each periodic copy expires before the next one is due (no pile-up)."""
    return {
        "relay-outbox": _entry(RELAY_OUTBOX, float(relay_seconds), expires=3 * relay_seconds),
        "republish-unhandled-events": _entry(REPUBLISH_UNHANDLED, float(recheck_seconds),
                                             expires=recheck_seconds),
        "sweep-reminders": _entry(SWEEP_REMINDERS, crontab(minute="*/5"), expires=240),
        "dispatch-due-notifications": _entry(DISPATCH_DUE, float(dispatch_seconds),
                                             expires=max(dispatch_seconds - 5, 1)),
        "daily-summary": _entry(DAILY_SUMMARY, crontab(hour=7, minute=0)),
        "weekly-digest": _entry(WEEKLY_DIGEST, crontab(hour=7, minute=0, day_of_week=1)),
        # Every morning; the task itself waits for the due day and skips days off.
        "late-case-stats-reminder": _entry(REMIND_LATE_CASE_STATS, crontab(hour=8, minute=0)),
        "nightly-rollup-recompute": _entry(RECOMPUTE_ROLLUPS, crontab(hour=2, minute=30)),
        "purge-expired-links": _entry(PURGE_EXPIRED_LINKS, crontab(hour=3, minute=15)),
    }


SCHEDULE: dict[str, dict[str, Any]] = build_schedule()
