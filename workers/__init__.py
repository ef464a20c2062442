"""Sinergi's Celery workers. ``celery -A workers worker`` / ``celery -A workers beat``.

The Flask app, and the Celery app from it, are built on first use (not at import time),
from the environment, in :func:`get_celery`.
"""
from __future__ import annotations

from typing import Any

from celery import Celery
from flask import Flask

from coordinator import create_app
from workers.celery_app import celery_init_app
from workers.tasks import register_tasks

_flask_app: Flask | None = None


def get_flask_app() -> Flask:
    """The one Flask app of this worker process."""
    global _flask_app
    if _flask_app is None:
        _flask_app = create_app()
        get_celery_for(_flask_app)
    return _flask_app


def get_celery_for(flask_app: Flask) -> Celery:
    """The Celery app bound to ``flask_app``, with Sinergi's tasks registered."""
    if "celery" not in flask_app.extensions:
        celery = celery_init_app(flask_app)
        register_tasks(celery)
    return flask_app.extensions["celery"]  # type: ignore[no-any-return]


def __getattr__(name: str) -> Any:
    # `celery -A workers` looks up `workers.app` / `workers.celery`: build them lazily.
    if name in ("app", "celery"):
        return get_celery_for(get_flask_app())
    raise AttributeError(name)
