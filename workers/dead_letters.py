"""Dead letters from the worker: a task that failed past its retries, or a message for a task
this worker does not know, is written to ``dead_letters`` for staff to see and retry.

Celery acknowledges such messages (``task_acks_on_failure_or_timeout``): without this record
they would be gone. Retries in progress (``Retry``) are not failures and are not recorded, nor
is a task that failed only because the broker was away when it asked for follow-up work: every
such request (relay, dispatch) is repeated by beat's sweeps once the broker is back.
"""
from __future__ import annotations

import logging
import traceback
from typing import Any

from celery import Celery, signals
from flask import Flask
from kombu.exceptions import OperationalError as BrokerError

from coordinator.domain.dead_letters import record_dead_letter
from coordinator.extensions import db
from coordinator.jobs import APPLY_TO_ROLLUPS, HANDLE_EVENTS, job_ids
from coordinator.models import utcnow

log = logging.getLogger(__name__)
EVENT_JOBS = (HANDLE_EVENTS.name, APPLY_TO_ROLLUPS.name)


def event_id_of(task_name: str, args: list[Any]) -> int | None:
    """The outbox event a job works on, if it is an event job for one event (a batch that
    failed as a whole names several: its events are republished, then each dead-lettered)."""
    if task_name not in EVENT_JOBS or not args:
        return None
    try:
        ids = job_ids(args[0])
    except (TypeError, ValueError):
        return None
    return ids[0] if len(ids) == 1 else None


def describe(exc: BaseException | None, tb: Any = None) -> str:
    """The error as staff see it: type, message and the innermost frames."""
    head = f"{type(exc).__name__}: {exc}" if exc is not None else "unknown error"
    frames = "".join(traceback.format_tb(tb)[-3:]) if tb is not None else ""
    return f"{head}\n{frames}".strip()


def store(app: Flask, task_name: str, args: list[Any], error: str) -> None:
    """Write one dead letter in its own transaction; a database that is down is only logged."""
    with app.app_context():
        try:
            db.session.rollback()
            record_dead_letter(task_name, args, error, utcnow(), event_id_of(task_name, args))
            db.session.commit()
            log.error("dead letter: %s%s failed past its retries: %s", task_name, args,
                      error.splitlines()[0] if error else "")
        except Exception:
            log.exception("could not record the dead letter of %s%s: %s", task_name, args, error)
            db.session.rollback()
        finally:
            db.session.remove()


def _json_value(value: Any) -> Any:
    if isinstance(value, (int, float, str, bool, type(None))):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, int) for v in value):
        return list(value)  # a batch of event ids: *Run again* sends it as it was
    return repr(value)


def _json_args(args: Any) -> list[Any]:
    try:
        return [_json_value(a) for a in (args or [])]
    except TypeError:
        return [repr(args)]


def install_dead_letters(celery: Celery, app: Flask) -> None:
    """Connect the failure signals of ``celery``'s tasks to ``app``'s database."""

    def on_failure(sender: Any = None, exception: BaseException | None = None,
                   args: Any = None, traceback: Any = None, **_: Any) -> None:
        if sender is None or getattr(sender, "app", None) is not celery:
            return
        if isinstance(exception, BrokerError):
            log.warning("%s%s could not reach the broker; beat's sweeps redo its follow-up work",
                        sender.name, args)
            return
        store(app, sender.name, _json_args(args), describe(exception, traceback))

    def on_unknown(sender: Any = None, name: str | None = None, message: Any = None,
                   exc: BaseException | None = None, **_: Any) -> None:
        if getattr(sender, "app", None) is not celery:
            return
        body = getattr(message, "payload", None)
        args = body[0] if isinstance(body, (list, tuple)) and body else []
        store(app, str(name or "unknown"), _json_args(args), f"unregistered task: {exc}")

    signals.task_failure.connect(on_failure, weak=False)
    signals.task_unknown.connect(on_unknown, weak=False)
