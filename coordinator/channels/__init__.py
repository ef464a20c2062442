"""Channels: how a notification leaves Sinergi (email, SMS, the outbox) and how replies come in.

The workers call :func:`deliver` for one :class:`~coordinator.models.Notification` and
:func:`compose` to render a message kind in a person's language.
"""
from coordinator.channels.base import (
    DeliveryError,
    DeliveryResult,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from coordinator.channels.composing import KINDS, Message, compose
from coordinator.channels.delivery import deliver

__all__ = [
    "KINDS", "DeliveryError", "DeliveryResult", "Message", "PermanentDeliveryError",
    "TransientDeliveryError", "compose", "deliver",
]
