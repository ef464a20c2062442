"""Small operational tasks: a ping that proves a worker can reach the database."""
from __future__ import annotations

from celery import Celery

from coordinator.domain.changes import record_audit
from coordinator.extensions import db
from coordinator.jobs import PING


def ping(marker: int) -> str:
    """Write an audit entry (entity ``ping``, id ``marker``): proof of a working worker."""
    record_audit(None, "ping", "worker", marker, None, {"ok": True})
    db.session.commit()
    return "pong"


def register(celery: Celery) -> None:
    celery.task(shared=False, name=PING.name, queue=PING.queue)(ping)
