"""The embedded default channel: the message stays in the database and the outbox page shows it.

Used when neither SMTP nor an SMS provider is configured, so a newcomer sees exactly what
would have been sent, and by notifications whose channel is ``outbox``.
"""
from __future__ import annotations

from coordinator.channels.base import DeliveryResult
from coordinator.channels.sms_encoding import parts_of
from coordinator.models import Notification

PROVIDER_STATUS = "outbox"


def store(notification: Notification) -> DeliveryResult:
    """"Deliver" to the outbox: nothing leaves; the row (subject, body, html) is the message."""
    notification.provider_status = PROVIDER_STATUS
    parts = parts_of(notification.body) if notification.channel == "sms" else None
    return DeliveryResult(provider_id=f"outbox-{notification.id}", parts=parts)
