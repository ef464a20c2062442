"""Registers every task on the Celery app. Tasks take ids and reload what they need."""
from __future__ import annotations

from celery import Celery


def register_tasks(celery: Celery) -> None:
    from workers import maintenance

    maintenance.register(celery)
