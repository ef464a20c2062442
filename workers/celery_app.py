"""Builds the Celery app from a Flask app: every task runs inside the app context.

Delivery is at least once and every handler is idempotent. The timing settings hang together
(README "Reliability"): a message a dead worker had taken comes back after the broker's
visibility timeout, which outlasts every task's hard time limit and every retry countdown,
so a live task is never delivered twice by Redis itself.
"""
from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task
from flask import Flask
from kombu import Queue
from sqlalchemy.exc import InterfaceError, OperationalError

from coordinator.config import Config
from coordinator.jobs import QUEUES, task_routes
from workers.dead_letters import install_dead_letters
from workers.redis_broker import closed_transport_is_a_connection_error
from workers.schedule import build_schedule

log = logging.getLogger(__name__)
# Errors of a database that went away (restart, failover, killed backends): retry the task.
DATABASE_ERRORS = (OperationalError, InterfaceError)
TASK_SOFT_TIME_LIMIT = 120
TASK_TIME_LIMIT = 180
# The longest countdown any task asks for (send retries, event and rollup backoff): a
# countdown message sits unacknowledged in Redis, so it must stay below the visibility timeout.
MAX_COUNTDOWN_SECONDS = 60


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app bound to ``app`` and store it in ``app.extensions['celery']``."""
    config: Config = app.extensions["sinergi"]

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    closed_transport_is_a_connection_error()  # a Redis restart never stops the worker
    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        **broker_settings(config.broker_url, config.broker_visibility_timeout_seconds),
        task_ignore_result=True,
        timezone=config.timezone,
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        broker_connection_retry=True,
        broker_connection_max_retries=None,  # a worker waits for its broker, however long
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=TASK_SOFT_TIME_LIMIT,
        task_time_limit=TASK_TIME_LIMIT,
        **delivery_settings(config),
    )
    celery.set_default()
    install_dead_letters(celery, app)
    app.extensions["celery"] = celery
    return celery


def broker_settings(broker_url: str, visibility_timeout: int = 600) -> dict[str, Any]:
    """The broker; the embedded SQLite one through a transport that polls every 0.1 s.

    Redis gives a message that a worker took and never acknowledged (the worker died) to
    another worker after ``visibility_timeout``; the unacked set is swept every 10 s.
    """
    prefix = "sqla+"
    if broker_url.startswith(prefix):
        return {
            "broker_url": broker_url[len(prefix):],
            "broker_transport": "workers.embedded_broker:EmbeddedSqlaTransport",
        }
    if broker_url.startswith(("redis://", "rediss://")):
        return {"broker_url": broker_url, "broker_transport_options": {
            "visibility_timeout": visibility_timeout,
            "unacked_restore_interval": 10,
            "unacked_restore_throttle": 1,
        }}
    return {"broker_url": broker_url}


def delivery_settings(config: Config) -> dict[str, Any]:
    """Queues, routes and the beat schedule: at-least-once delivery, one queue per kind of work.

    A flood of rollup updates never starves the notifications queue (and the reverse): a worker
    without ``-Q`` consumes all three, and production runs one worker per queue
    (the queues and routes are :mod:`coordinator.jobs`). A task that fails past its retries is
    acknowledged and becomes a dead letter (:mod:`workers.dead_letters`), never dropped silently.
    ``worker_cancel_long_running_tasks_on_connection_loss`` stays off: with it, the worker
    crashes on reconnection (AttributeError on a ``None`` connection, celery issue #9250),
    and a task that keeps running while the broker is away is harmless here (idempotent
    handlers; Redis redelivers an unacknowledged one after the visibility timeout).
    """
    return {
        "task_default_queue": QUEUES[0],
        "task_queues": [Queue(name) for name in QUEUES],
        "task_routes": task_routes(),
        "task_acks_on_failure_or_timeout": True,
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "beat_schedule": build_schedule(
            config.relay_interval_seconds, config.dispatch_interval_seconds,
            config.reliability_check_interval_seconds,
        ),
    }



