"""Builds the Celery app from a Flask app: every task runs inside the app context."""
from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask
from kombu import Queue

from coordinator.jobs import QUEUES, task_routes
from workers.schedule import SCHEDULE


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app bound to ``app`` and store it in ``app.extensions['celery']``."""
    config = app.extensions["sinergi"]

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        **broker_settings(config.broker_url),
        task_ignore_result=True,
        timezone=config.timezone,
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=120,
        task_time_limit=180,
        **delivery_settings(),
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def broker_settings(broker_url: str) -> dict[str, Any]:
    """The broker; the embedded SQLite one through a transport that polls every 0.1 s."""
    prefix = "sqla+"
    if broker_url.startswith(prefix):
        return {
            "broker_url": broker_url[len(prefix):],
            "broker_transport": "workers.embedded_broker:EmbeddedSqlaTransport",
        }
    return {"broker_url": broker_url}


def delivery_settings() -> dict[str, Any]:
    """Queues, routes and the beat schedule: at-least-once delivery, one queue per kind of work.

    A flood of rollup updates never starves the notifications queue (and the reverse): a worker
    without ``-Q`` consumes all three, and production runs one worker per queue
    (the queues and routes are :mod:`coordinator.jobs`).
    """
    return {
        "task_default_queue": QUEUES[0],
        "task_queues": [Queue(name) for name in QUEUES],
        "task_routes": task_routes(),
        "task_acks_on_failure_or_timeout": True,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "beat_schedule": SCHEDULE,
    }
