"""Reminder-policy validation, the relay's publish-then-mark, and the unassigned-action notice."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from celery import Celery
from flask import Flask
from sqlalchemy import func, select

from coordinator.domain.reminder_policy import DEFAULT_POLICY, policy_from_json, validate_policy
from coordinator.errors import InvalidInput
from coordinator.extensions import db
from coordinator.models import Event, Notification
from tests.workers import workers_factories as make
from workers.handlers import handle_event
from workers.relay import publish_outbox


def test_a_stored_override_keeps_the_other_defaults() -> None:
    policy = policy_from_json({"escalation": [{"to": "program_owner", "after_days": 2}]})
    assert [(s.to, s.after_days) for s in policy.escalation] == [("program_owner", 2)]
    assert policy.before_due_hours == 24 and policy.when_overdue is True


@pytest.mark.parametrize("data, field", [
    ({"before_due_hours": 0}, "before_due_hours"),
    ({"before_due_hours": "24"}, "before_due_hours"),
    ({"before_due_hours": True}, "before_due_hours"),
    ({"morning_hour": 23}, "morning_hour"),
    ({"on_assignment": "yes"}, "on_assignment"),
    ({"escalation": "kelurahan"}, "escalation"),
    ({"escalation": [{"to": "mayor", "after_days": 3}]}, "escalation.0.to"),
    ({"escalation": [{"to": "program_owner", "after_days": -1}]}, "escalation.0.after_days"),
    ({"escalation": [{"to": "program_owner", "after_days": 3},
                     {"to": "kecamatan_lead", "after_days": 3}]}, "escalation"),
    ({"escalation": [{"to": "program_owner", "after_days": d} for d in range(1, 9)]},
     "escalation"),
    ({"notify_coordinator_on": ["deleted"]}, "notify_coordinator_on"),
])
def test_a_bad_policy_names_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_policy({**DEFAULT_POLICY.as_json(), **data})
    assert field in refused.value.fields


def test_the_relay_marks_events_published_once_the_broker_took_them(seeded: Flask) -> None:
    lead = make.person("lead", make.CITY)
    make.action(make.program(lead), make.person())
    broker = Celery("relay-test", broker="memory://", set_as_current=False)
    with broker.connection_for_write() as conn:  # the memory transport lives as long as pytest
        for name in ("default", "rollups"):
            conn.SimpleQueue(name).clear()
    unpublished = select(func.count()).where(Event.published_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(Event))
    assert db.session.scalar(unpublished) == total > 0
    assert publish_outbox(broker, batch=2) == total
    assert db.session.scalar(unpublished) == 0
    assert publish_outbox(broker) == 0  # a second beat, a second relay: nothing again
    with broker.connection_for_read() as conn:
        queued = {q: conn.SimpleQueue(q).qsize() for q in ("default", "rollups")}
    per_handler = -(-total // 2)  # one message per handler and relay batch of two events
    assert queued == {"default": per_handler, "rollups": per_handler}


def test_an_unassigned_action_is_announced_to_the_kelurahan_coordinators(seeded: Flask) -> None:
    lead = make.person("lead", make.CITY)
    first, second = make.person("coordinator"), make.person("coordinator")
    make.person("coordinator", region_code="31.73.04.1002")  # another kelurahan
    make.action(make.program(lead), None)
    event_id = db.session.scalar(select(Event.id).where(Event.type == "ActionAssigned"))
    created = handle_event(event_id, datetime.now(UTC))
    recipients = set(db.session.scalars(
        select(Notification.recipient_id).where(Notification.id.in_(created))))
    assert recipients == {first.id, second.id}
