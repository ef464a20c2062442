"""Small operational tasks: a ping that proves a worker can reach the database, and the
nightly purge of links long expired."""
from __future__ import annotations

from celery import Celery

from coordinator.domain.changes import record_audit
from coordinator.domain.short_links import purge_expired
from coordinator.extensions import db
from coordinator.jobs import PING, PURGE_EXPIRED_LINKS
from coordinator.models import utcnow
from workers.celery_app import DATABASE_ERRORS, MAX_COUNTDOWN_SECONDS


def ping(marker: int) -> str:
    """Write an audit entry (entity ``ping``, id ``marker``): proof of a working worker."""
    record_audit(None, "ping", "worker", marker, None, {"ok": True})
    db.session.commit()
    return "pong"


def purge_expired_links() -> int:
    """Delete the message links expired more than a month ago; returns how many."""
    return purge_expired(utcnow())


def register(celery: Celery) -> None:
    celery.task(shared=False, name=PING.name, queue=PING.queue)(ping)
    celery.task(shared=False, name=PURGE_EXPIRED_LINKS.name, queue=PURGE_EXPIRED_LINKS.queue,
                autoretry_for=DATABASE_ERRORS, retry_backoff=True,
                retry_backoff_max=MAX_COUNTDOWN_SECONDS, max_retries=5)(purge_expired_links)
