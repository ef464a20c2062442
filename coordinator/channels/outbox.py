"""The embedded default channel: the message stays in the database and the outbox page shows it.

Used when neither SMTP nor an SMS provider is configured, so a newcomer sees exactly what
would have been sent, and by notifications whose channel is ``outbox``.
"""
from __future__ import annotations

from coordinator.channels.base import DeliveryResult, Outgoing
from coordinator.channels.sms_encoding import parts_of

PROVIDER_STATUS = "outbox"


def store(message: Outgoing) -> DeliveryResult:
    """"Deliver" to the outbox: nothing leaves; the row (subject, body, html) is the message.
    The sender records ``PROVIDER_STATUS`` with the result."""
    parts = parts_of(message.body) if message.channel == "sms" else None
    return DeliveryResult(provider_id=f"outbox-{message.id}", parts=parts,
                          provider_status=PROVIDER_STATUS)
