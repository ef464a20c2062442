"""Tasks: the weekly digest for leads (Monday 07:00 WIB) and the daily summary (07:00 WIB)."""
from __future__ import annotations

from celery import Celery

from coordinator.jobs import DAILY_SUMMARY, DISPATCH_DUE, WEEKLY_DIGEST, enqueue
from coordinator.models import utcnow
from coordinator.notifications.summaries import daily_summaries, weekly_digests


def register(celery: Celery) -> None:
    @celery.task(shared=False, name=WEEKLY_DIGEST.name, queue=WEEKLY_DIGEST.queue)
    def weekly() -> int:
        """Create this ISO week's digest for every lead (idempotent per week)."""
        ids = weekly_digests(utcnow())
        if ids:
            enqueue(celery, DISPATCH_DUE)
        return len(ids)

    @celery.task(shared=False, name=DAILY_SUMMARY.name, queue=DAILY_SUMMARY.queue)
    def daily() -> int:
        """Create today's overdue summary for coordinators (idempotent per WIB day)."""
        ids = daily_summaries(utcnow())
        if ids:
            enqueue(celery, DISPATCH_DUE)
        return len(ids)
