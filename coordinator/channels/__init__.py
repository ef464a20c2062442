"""Channels: how a message leaves Sinergi (SMTP, an SMS provider, the outbox) and what comes back.

``transmit`` hands one rendered notification (``Outgoing``: a ``Notification`` row or the
sender's plain copy of it) to its transport; the texts themselves are written by
:mod:`coordinator.messages`, the notification's lifecycle (claim, retry, record) is
:mod:`coordinator.notifications.sending`.
"""
from coordinator.channels.base import (
    Addressee,
    DeliveryError,
    DeliveryResult,
    Outgoing,
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
    "Addressee", "DeliveryError", "DeliveryResult", "Outgoing", "PermanentDeliveryError", "TransientDeliveryError",
    "UncertainDeliveryError", "confirm_sent", "messages_leave", "resend_is_safe", "transmit",
]
