"""A timeout after the request left is "uncertain": the provider is asked (Twilio) or the
idempotency key makes the resend harmless (HTTP gateway); nothing reaches a phone twice."""
from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from coordinator.channels import UncertainDeliveryError, transmit
from coordinator.extensions import db
from coordinator.models import DeliveryAttempt, Notification
from coordinator.notifications.attempts import uncertain_counts
from coordinator.notifications.sending import send_notification
from tests.channels.conftest import app_with, make_notification, make_person
from tests.channels.fakes import FakeGateway, FakeTwilio, serve
from tests.channels.test_sms_providers import TEXT, gateway_config, twilio_config


def outcomes(notification_id: int) -> list[str | None]:
    return list(db.session.scalars(select(DeliveryAttempt.outcome).where(
        DeliveryAttempt.notification_id == notification_id).order_by(DeliveryAttempt.attempt)))


def later(minutes: int = 5) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def test_a_late_twilio_answer_is_uncertain_then_confirmed_without_a_second_message(
    world: Flask, make_app: Callable[..., Flask]
) -> None:
    fake = FakeTwilio(late=lambda form: 3)
    with serve(fake) as base, app_with(make_app, **twilio_config(base), channel_timeout_seconds=1):
        note = make_notification(make_person(phone="+6281234567890"), body=TEXT)
        started = datetime.now(UTC)
        assert send_notification(note.id, started).status == "retry"
        db.session.refresh(note)
        assert note.status == "failed" and note.uncertain_since == started
        fake.late = None
        assert send_notification(note.id, later()).status == "sent"
        db.session.refresh(note)
        assert note.provider_id == fake.created[0]["sid"] and note.uncertain_since is None
        assert outcomes(note.id) == ["uncertain", "confirmed"]
        assert uncertain_counts(started - timedelta(seconds=1)).confirmed == 1
    assert len(fake.requests) == 1 and len(fake.created) == 1 and fake.lookups == 1


def test_an_uncertain_twilio_send_that_twilio_never_created_goes_again(
    world: Flask, make_app: Callable[..., Flask]
) -> None:
    fake = FakeTwilio()
    with socket.socket() as listener:  # takes the connection, never answers: nothing created
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        silent = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with app_with(make_app, **twilio_config(silent), channel_timeout_seconds=1):
            note = make_notification(make_person(phone="+6281234567890"), body=TEXT)
            note_id = note.id
            with pytest.raises(UncertainDeliveryError):
                transmit(note)
            assert send_notification(note_id, datetime.now(UTC)).status == "retry"
    with serve(fake) as base, app_with(make_app, **twilio_config(base)):
        assert send_notification(note_id, later()).status == "sent"
        assert outcomes(note_id) == ["uncertain", "sent"]
        counts = uncertain_counts(datetime.now(UTC) - timedelta(minutes=1))
        assert (counts.attempts, counts.confirmed, counts.resent, counts.unresolved) == (1, 0, 1, 0)
    assert fake.lookups == 1 and len(fake.created) == 1


def test_when_twilio_cannot_be_asked_the_message_stays_uncertain_and_is_not_resent(
    world: Flask, make_app: Callable[..., Flask]
) -> None:
    fake = FakeTwilio(late=lambda form: 3)
    with serve(fake) as base, app_with(make_app, **twilio_config(base), channel_timeout_seconds=1):
        note_id = make_notification(make_person(phone="+6281234567890"), body=TEXT).id
        assert send_notification(note_id, datetime.now(UTC)).status == "retry"
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with app_with(make_app, **twilio_config(f"http://127.0.0.1:{port}")):
        assert send_notification(note_id, later()).status == "retry"
        assert outcomes(note_id) == ["uncertain", "uncertain"]
        assert db.session.get(Notification, note_id).uncertain_since is not None
        assert uncertain_counts(datetime.now(UTC) - timedelta(minutes=1)).unresolved == 1
    assert len(fake.created) == 1


def test_the_gateway_gets_the_same_idempotency_key_again_and_sends_once(
    world: Flask, make_app: Callable[..., Flask]
) -> None:
    fake = FakeGateway()
    with serve(fake) as base, app_with(make_app, **gateway_config(base)):
        note = make_notification(make_person(phone="+6281234567890"), body=TEXT)
        note_id = note.id
        first = transmit(note)
        again = transmit(note)  # what a resend after a timeout does
    assert first == again
    assert [r["idempotency_key"] for r in fake.requests] == [f"sinergi-{note_id}"] * 2
    assert len(fake.delivered) == 1


def test_the_idempotency_parameter_name_is_configurable(
    world: Flask, make_app: Callable[..., Flask]
) -> None:
    fake = FakeGateway()
    with serve(fake) as base, app_with(make_app, **gateway_config(
            base, sms_gateway_idempotency_param="ref")):
        note = make_notification(make_person(phone="+6281234567890"), body=TEXT)
        note_id = note.id
        transmit(note)
    assert fake.requests[0]["ref"] == f"sinergi-{note_id}"
