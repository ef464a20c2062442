"""Channels: how a message leaves Sinergi (SMTP, an SMS provider, the outbox) and what comes back.

``transmit`` hands one stored :class:`~coordinator.models.Notification` to its transport; the
texts themselves are written by :mod:`coordinator.messages`, the notification's lifecycle
(claim, retry, record) is :mod:`coordinator.notifications.sending`.
"""
from coordinator.channels.base import (
    DeliveryError,
    DeliveryResult,
    PermanentDeliveryError,
    TransientDeliveryError,
    UncertainDeliveryError,
)
from coordinator.channels.transport import (
    confirm_sent,
    messages_leave,
    resend_is_safe,
    transmit,
)

__all__ = [
    "DeliveryError", "DeliveryResult", "PermanentDeliveryError", "TransientDeliveryError",
    "UncertainDeliveryError", "confirm_sent", "messages_leave", "resend_is_safe", "transmit",
]
