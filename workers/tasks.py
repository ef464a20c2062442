"""Registers every task on the Celery app. Tasks take ids and reload what they need."""
from __future__ import annotations

from celery import Celery


def register_tasks(celery: Celery) -> None:
    from workers import digests, maintenance, reminders, sending
    from workers import rollups as rollup_tasks

    maintenance.register(celery)
    reminders.register(celery)
    sending.register(celery)
    digests.register(celery)
    rollup_tasks.register(celery)
