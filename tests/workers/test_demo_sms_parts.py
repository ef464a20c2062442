"""The demo's SMS, as the workers would send them, fit one part: at least 95% of them.

Before short links every new-task SMS took two parts (285 SMS, 514 parts, 19.6% in one part on
this same run); see the README, "SMS length".
"""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Event, Notification
from coordinator.notifications.dispatch import prepare_and_list_due
from coordinator.notifications.reminders import sweep_reminders
from coordinator.notifications.sending import send_notification
from coordinator.seeding.demo import load_demo
from workers.handlers import handle_event

pytestmark = pytest.mark.slow
NOW = datetime(2022, 6, 15, 3, 0, tzinfo=UTC)  # Wednesday 10:00 WIB


def _work(now: datetime) -> None:
    """What the workers do: handle every event, sweep reminders, send what is due."""
    for event_id in db.session.scalars(select(Event.id).order_by(Event.id)).all():
        handle_event(event_id, now)
    sweep_reminders(now)
    for notification_id in prepare_and_list_due(now):
        send_notification(notification_id, now)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_at_least_95_percent_of_the_demos_sms_fit_one_part(seeded: Flask) -> None:
    load_demo(now=NOW)
    _work(NOW)
    _work(NOW + timedelta(hours=22, minutes=5))  # the next morning: capped SMS as digests
    sent = db.session.scalars(select(Notification).where(
        Notification.channel == "sms", Notification.status == "sent")).all()
    parts = Counter(n.sms_parts for n in sent)
    assert len(sent) > 250  # new tasks, reminders, overdue notices, escalations
    assert parts[1] / len(sent) >= 0.95, parts
    assert {n.kind for n in sent} >= {"assigned", "overdue", "escalation"}
