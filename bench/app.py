"""Every import of Sinergi's internals that the benchmarks use, in one place.

The application is being refactored (module renames, a policy module): when a name moves,
this file is the one edit. Prefer public entry points (HTTP, ``create_app``, domain functions,
Celery tasks by name, the ``sinergi`` CLI); the models are used only to build synthetic data
and to read results.
"""
from __future__ import annotations

from coordinator import create_app
from coordinator.api.auth import hash_token
from coordinator.config import load_config
from coordinator.domain.actions import complete_action
from coordinator.domain.bulk import BulkRequest, assign_actions_in_bulk
from coordinator.domain.people import set_password
from coordinator.extensions import db
from coordinator.jobs import APPLY_TO_ROLLUPS, HANDLE_EVENTS, PING, RELAY_OUTBOX, SEND_NOTIFICATION
from coordinator.messages.links import action_key
from coordinator.models import (
    Action,
    ApiToken,
    Event,
    Network,
    Notification,
    Person,
    ProcessedEvent,
    Program,
    utcnow,
)
from coordinator.notifications.dispatch import send_batches
from coordinator.notifications.reminders import sweep_reminders
from coordinator.notifications.sending import send_notification, send_notifications
from coordinator.rollups import apply_event, apply_events, recompute_all

# Celery tasks, sent by name (coordinator/jobs.py defines each name and queue once).
SEND_SMS_TASK = SEND_NOTIFICATION.name
RELAY_TASK = RELAY_OUTBOX.name
PING_TASK = PING.name
APPLY_EVENT_TASK = APPLY_TO_ROLLUPS.name
HANDLE_EVENT_TASK = HANDLE_EVENTS.name
CELERY_APP = "workers"  # `celery -A workers worker`
WSGI_APP = "coordinator:create_app()"

__all__ = [
    "APPLY_EVENT_TASK",
    "CELERY_APP",
    "HANDLE_EVENT_TASK",
    "PING_TASK",
    "RELAY_TASK",
    "SEND_SMS_TASK",
    "WSGI_APP",
    "Action",
    "ApiToken",
    "BulkRequest",
    "Event",
    "Network",
    "Notification",
    "Person",
    "ProcessedEvent",
    "Program",
    "action_key",
    "apply_event",
    "apply_events",
    "assign_actions_in_bulk",
    "complete_action",
    "create_app",
    "db",
    "hash_token",
    "load_config",
    "recompute_all",
    "send_batches",
    "send_notification",
    "send_notifications",
    "set_password",
    "sweep_reminders",
    "utcnow",
]
