"""Task: the late case-statistics reminder (beat, 08:00 WIB; it acts from the due day on)."""
from __future__ import annotations

from celery import Celery

from coordinator.jobs import DISPATCH_DUE, REMIND_LATE_CASE_STATS, enqueue
from coordinator.models import utcnow
from coordinator.notifications.late_reports import remind_late_reporters


def register(celery: Celery) -> None:
    @celery.task(shared=False, name=REMIND_LATE_CASE_STATS.name,
                 queue=REMIND_LATE_CASE_STATS.queue)
    def remind_late() -> int:
        """Remind the coordinators of kelurahan whose last month is not reported (idempotent)."""
        ids = remind_late_reporters(utcnow())
        if ids:
            enqueue(celery, DISPATCH_DUE)
        return len(ids)
