"""Tasks: the weekly digest for leads (Monday 07:00 WIB) and the daily summary (07:00 WIB)."""
from __future__ import annotations

from celery import Celery

from coordinator.models import utcnow

DISPATCH_TASK = "sinergi.notifications.dispatch_due"


def register(celery: Celery) -> None:
    @celery.task(shared=False, name="sinergi.digests.weekly", queue="default")
    def weekly() -> int:
        """Create this ISO week's digest for every lead (idempotent per week)."""
        from coordinator.notifications.summaries import weekly_digests

        ids = weekly_digests(utcnow())
        if ids:
            celery.send_task(DISPATCH_TASK, queue="notifications")
        return len(ids)

    @celery.task(shared=False, name="sinergi.digests.daily", queue="default")
    def daily() -> int:
        """Create today's overdue summary for coordinators (idempotent per WIB day)."""
        from coordinator.notifications.summaries import daily_summaries

        ids = daily_summaries(utcnow())
        if ids:
            celery.send_task(DISPATCH_TASK, queue="notifications")
        return len(ids)
