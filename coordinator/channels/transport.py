"""``transmit(notification)``: hand one stored notification to its transport (SMTP, SMS provider, outbox).

It does not commit or change the notification's status: the sending task records the result.
"""
from __future__ import annotations

from flask import current_app

from coordinator.channels import email, http_gateway, outbox, twilio
from coordinator.channels.base import DeliveryResult, PermanentDeliveryError
from coordinator.channels.sms_encoding import parts_of
from coordinator.config import Config
from coordinator.domain.discretion import sensitive_words_in
from coordinator.models import Notification


def email_configured(config: Config) -> bool:
    return bool(config.smtp_host)


def sms_configured(config: Config) -> bool:
    return config.sms_provider in ("twilio", "http")


def transmit(notification: Notification) -> DeliveryResult:
    """Send ``notification``; raises ``TransientDeliveryError`` or ``PermanentDeliveryError``."""
    config: Config = current_app.extensions["sinergi"]
    if notification.channel == "email":
        return email.send(config, notification) if email_configured(config) else outbox.store(notification)
    if notification.channel == "sms":
        return _deliver_sms(config, notification)
    if notification.channel == "outbox":
        return outbox.store(notification)
    raise PermanentDeliveryError(f"unknown channel {notification.channel!r}")


def _deliver_sms(config: Config, notification: Notification) -> DeliveryResult:
    # Last line of defence: a text with a case word never leaves, whatever composed it.
    words = sensitive_words_in(notification.body)
    if words:
        raise PermanentDeliveryError(f"SMS text holds sensitive words ({len(words)}); not sent")
    if not sms_configured(config):
        return outbox.store(notification)
    phone = notification.recipient.phone
    if not phone:
        raise PermanentDeliveryError(f"person {notification.recipient_id} has no phone number")
    parts = parts_of(notification.body)
    if config.sms_provider == "twilio":
        return twilio.send(config, phone, notification.body, parts)
    return http_gateway.send(config, phone, notification.body, parts)
