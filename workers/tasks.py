"""Registers every task on the Celery app. Tasks take ids and reload what they need."""
from __future__ import annotations

from celery import Celery

from workers import case_stats, digests, maintenance, reminders, rollups, sending


def register_tasks(celery: Celery) -> None:
    for module in (maintenance, reminders, sending, digests, rollups, case_stats):
        module.register(celery)
