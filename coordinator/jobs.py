"""Background jobs: each Celery task's name and queue, defined once.

The web side asks for a job by name through the broker (it never imports ``workers``); the
workers register their tasks under these names; routing and the beat schedule follow the
queues given here. Four queues, so a flood of one kind of work never starves another: the
outbox relay has its own (``relay``), so it never waits behind the handlers it feeds.

The event handlers' jobs (``HANDLE_EVENTS``, ``APPLY_TO_ROLLUPS``) and the send job
(``SEND_NOTIFICATION``) take a list of ids, one message per batch; a bare id (a message from
before batching, or one staff retry) is still read, by :func:`job_ids`.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from celery import Celery


@dataclass(frozen=True)
class Job:
    name: str
    queue: str


DEFAULT_QUEUE = "default"
RELAY_OUTBOX = Job("sinergi.relay.publish_outbox", "relay")
REPUBLISH_UNHANDLED = Job("sinergi.relay.republish_unhandled", "default")
HANDLE_EVENTS = Job("sinergi.events.handle", "default")
SWEEP_REMINDERS = Job("sinergi.reminders.sweep", "default")
WEEKLY_DIGEST = Job("sinergi.digests.weekly", "default")
DAILY_SUMMARY = Job("sinergi.digests.daily", "default")
REMIND_LATE_CASE_STATS = Job("sinergi.case_stats.remind_late", "default")
PING = Job("sinergi.ping", "default")
PURGE_EXPIRED_LINKS = Job("sinergi.links.purge_expired", "default")
DISPATCH_DUE = Job("sinergi.notifications.dispatch_due", "notifications")
SEND_NOTIFICATION = Job("sinergi.notifications.send", "notifications")
APPLY_TO_ROLLUPS = Job("sinergi.rollups.apply_event", "rollups")
RECOMPUTE_ROLLUPS = Job("sinergi.rollups.recompute_all", "rollups")

ALL_JOBS = (
    RELAY_OUTBOX, REPUBLISH_UNHANDLED, HANDLE_EVENTS, SWEEP_REMINDERS, WEEKLY_DIGEST, DAILY_SUMMARY,
    REMIND_LATE_CASE_STATS, PING, PURGE_EXPIRED_LINKS,
    DISPATCH_DUE, SEND_NOTIFICATION, APPLY_TO_ROLLUPS, RECOMPUTE_ROLLUPS,
)
QUEUES = tuple(dict.fromkeys([DEFAULT_QUEUE, *(job.queue for job in ALL_JOBS)]))
JOBS_BY_NAME = {job.name: job for job in ALL_JOBS}


def task_routes() -> dict[str, dict[str, str]]:
    """Celery's ``task_routes``: every job to its queue."""
    return {job.name: {"queue": job.queue} for job in ALL_JOBS}


def enqueue(celery: Celery, job: Job, *args: Any, **options: Any) -> None:
    """Put ``job`` on its queue with ``args`` (options as for ``send_task``: countdown, ...)."""
    celery.send_task(job.name, args=list(args), queue=job.queue, **options)


def job_ids(argument: int | str | Sequence[int | str]) -> list[int]:
    """The ids a batch job's argument names: a list, or one bare id."""
    if isinstance(argument, (int, str)):
        return [int(argument)]
    return [int(one) for one in argument]


def in_chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    """``ids`` in lists of at most ``size``, in order: one batch job message each."""
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])
