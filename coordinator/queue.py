"""The web side's one line to the workers: "there are new events, relay them now".

After a commit that wrote outbox events, the ``RELAY_OUTBOX`` job is sent by name
through a small Celery client (the coordinator never imports ``workers``). Fail-safe: if the
broker is down, the commit has already succeeded, the error is logged, and beat's relay
picks the events up later. Enabled by ``SINERGI_RELAY_ON_COMMIT`` (default: on outside tests).

Requests are coalesced on a Redis broker: a commit sends a relay only if none is pending, a
pending one being a Redis key set (``SET NX``) by the request that sent it and deleted by the
relay when it starts. So a commit that finds the key set committed before the relay starts and
reads the outbox, and that relay publishes its events; a commit after the start sets the key
again and sends the next relay. The key expires after ``RELAY_REQUEST_WINDOW_MS``, so a relay
message lost on the way holds back the next requests for that long at most (and beat's relay
runs every few seconds anyway). The embedded SQLite broker has no such key: every commit asks.
"""
from __future__ import annotations

import logging
from typing import Any

import redis
from celery import Celery
from flask import Flask, current_app, has_app_context
from flask_sqlalchemy.session import Session
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, UOWTransaction

from coordinator.jobs import DISPATCH_DUE, RELAY_OUTBOX, Job, enqueue
from coordinator.models import Event

log = logging.getLogger(__name__)
_FLAG = "sinergi_events_written"
_installed = False
RELAY_PENDING_KEY = "sinergi:relay-pending"
RELAY_REQUEST_WINDOW_MS = 500


def init_app(app: Flask) -> None:
    """Install the after-commit hook (once per process) if the config asks for it."""
    global _installed
    if not app.extensions["sinergi"].relay_on_commit or _installed:
        return
    event.listen(Session, "after_flush", _note_flushed_events)
    event.listen(Session, "do_orm_execute", _note_bulk_events)
    event.listen(Session, "after_commit", _relay_after_commit)
    event.listen(Session, "after_rollback", _forget)
    _installed = True


def _note_flushed_events(session: Any, flush_context: UOWTransaction) -> None:
    if any(isinstance(obj, Event) for obj in session.new):
        session.info[_FLAG] = True


def _note_bulk_events(state: ORMExecuteState) -> None:
    if state.is_insert and getattr(state.statement, "table", None) is Event.__table__:
        state.session.info[_FLAG] = True


def _forget(session: Any) -> None:
    session.info.pop(_FLAG, None)


def _relay_after_commit(session: Any) -> None:
    if not session.info.pop(_FLAG, False) or not has_app_context():
        return
    if not current_app.extensions["sinergi"].relay_on_commit:
        return
    request_relay()


def request_relay() -> bool:
    """Ask the workers to relay the outbox now, unless a relay is pending already (it will
    publish what was committed); False (logged) if the broker is unreachable."""
    pending = _pending_relays()
    if pending is not None:
        try:
            if not pending.set(RELAY_PENDING_KEY, 1, nx=True, px=RELAY_REQUEST_WINDOW_MS):
                return True
        except redis.RedisError as exc:
            log.warning("relay requests not coalesced (asking anyway): %s", exc)
    return _send(RELAY_OUTBOX)


def relay_started() -> None:
    """Called by the relay before it reads the outbox: commits from now on ask for another."""
    pending = _pending_relays()
    if pending is None:
        return
    try:
        pending.delete(RELAY_PENDING_KEY)
    except redis.RedisError as exc:  # the key expires by itself
        log.warning("relay request key not cleared: %s", exc)


def _pending_relays() -> redis.Redis | None:
    """The Redis broker's client, which holds the pending-relay key; None on another broker."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "sinergi_relay_requests" not in app.extensions:
        url = app.extensions["sinergi"].broker_url
        app.extensions["sinergi_relay_requests"] = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=2,
        ) if url.startswith(("redis://", "rediss://")) else None
    client: redis.Redis | None = app.extensions["sinergi_relay_requests"]
    return client


def request_dispatch() -> bool:
    """Ask the workers to send due notifications now (else the every-minute sweep will)."""
    return _send(DISPATCH_DUE)


def request_job(job: Job, *args: Any) -> bool:
    """Put one job on its queue now (a staff retry); False (logged) if the broker refused."""
    return _send(job, *args)


def _send(job: Job, *args: Any) -> bool:
    try:
        enqueue(_client(), job, *args, retry=False)
    except Exception as exc:  # noqa: BLE001 - the broker being down must not fail a request
        log.warning("%s not requested (beat will do it later): %s", job.name, exc)
        return False
    return True


def client_settings(broker_url: str) -> dict[str, Any]:
    """A publisher that fails fast instead of holding a web request while the broker is away.

    The fail-fast options are transport options, and each transport takes its own: Redis's
    socket timeouts would reach SQLAlchemy's ``create_engine()`` (which rejects them) on the
    embedded broker, so there only the connection-level settings apply.
    """
    settings: dict[str, Any] = {
        "broker_url": broker_url,
        "broker_connection_retry": False,
        "broker_connection_max_retries": 0,
        "broker_connection_timeout": 2,
        "task_publish_retry": False,
    }
    if broker_url.startswith(("redis://", "rediss://")):
        settings["broker_transport_options"] = {
            "socket_connect_timeout": 2, "socket_timeout": 2, "max_retries": 0,
        }
    elif broker_url.startswith("sqla+sqlite"):
        # The web and the worker write one SQLite broker file: wait for its lock, briefly.
        settings["broker_transport_options"] = {"connect_args": {"timeout": 5}}
    return settings


def _client() -> Celery:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    client = app.extensions.get("sinergi_queue")
    if client is None:
        client = Celery("sinergi-web", set_as_current=False)
        client.conf.update(**client_settings(app.extensions["sinergi"].broker_url))
        app.extensions["sinergi_queue"] = client
    return client
