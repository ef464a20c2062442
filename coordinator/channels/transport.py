"""``transmit(message)``: hand one rendered notification to its transport (SMTP, SMS provider, outbox).

It reads and writes no database: the sending task gives it what it needs (a ``Notification``
row or the plain copy the sender takes before its commit) and records the result.
``confirm_sent`` answers, before an uncertain message is sent again, whether it already went.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from coordinator.channels import email, http_gateway, outbox, twilio
from coordinator.channels.base import DeliveryResult, Outgoing, PermanentDeliveryError
from coordinator.channels.sms_encoding import parts_of
from coordinator.config import Config
from coordinator.domain.discretion import sensitive_words_in


def email_configured(config: Config) -> bool:
    return bool(config.smtp_host)


def sms_configured(config: Config) -> bool:
    return config.sms_provider in ("twilio", "http")


def messages_leave(config: Config) -> bool:
    """Whether any message really leaves this server (SMTP or an SMS provider configured).

    Where none does, the outbox is the only channel (the embedded demo): staff may open the
    links shown there to try a cadre's journey. Where some do, a link shown to staff would let
    them act as its recipient, so pages mask them (``messages.links.mask_links``).
    """
    return email_configured(config) or sms_configured(config)


def transmit(notification: Outgoing) -> DeliveryResult:
    """Send ``notification``; raises ``TransientDeliveryError`` or ``PermanentDeliveryError``."""
    config: Config = current_app.extensions["sinergi"]
    if notification.channel == "email":
        return email.send(config, notification) if email_configured(config) else outbox.store(notification)
    if notification.channel == "sms":
        return _deliver_sms(config, notification)
    if notification.channel == "outbox":
        return outbox.store(notification)
    raise PermanentDeliveryError(f"unknown channel {notification.channel!r}")


def _deliver_sms(config: Config, notification: Outgoing) -> DeliveryResult:
    # Last line of defence: a text with a case word never leaves, whatever composed it.
    words = sensitive_words_in(notification.body)
    if words:
        raise PermanentDeliveryError(f"SMS text holds sensitive words ({len(words)}); not sent")
    if not sms_configured(config):
        return outbox.store(notification)
    phone = notification.recipient.phone
    if not phone:
        raise PermanentDeliveryError(f"person {notification.recipient.id} has no phone number")
    parts = parts_of(notification.body)
    if config.sms_provider == "twilio":
        return twilio.send(config, phone, notification.body, parts)
    return http_gateway.send(config, phone, notification.body, parts,
                             http_gateway.idempotency_key(notification.id))


def resend_is_safe(channel: str) -> bool:
    """Whether sending a message on ``channel`` again, after its outcome was lost, cannot reach its
    recipient twice: Twilio is asked first (``confirm_sent``), the HTTP gateway drops a repeated
    idempotency key, the outbox is our own table. Not SMTP: an e-mail sent again arrives twice."""
    config: Config = current_app.extensions["sinergi"]
    return not (channel == "email" and email_configured(config))


def confirm_sent(notification: Outgoing, since: datetime) -> DeliveryResult | None:
    """After an uncertain attempt begun at ``since``: the result if the message went, None if
    sending it (again) is safe. Raises ``UncertainDeliveryError`` if that cannot be known yet.

    Twilio is asked. The HTTP gateway drops a repeated idempotency key, so a resend is safe.
    The outbox is our own table. SMTP cannot be asked: the resend carries the same Message-ID,
    and the window for a duplicate is the instant between the server's "250 OK" and our commit.
    """
    config: Config = current_app.extensions["sinergi"]
    if notification.channel == "sms" and sms_configured(config) and config.sms_provider == "twilio":
        phone = notification.recipient.phone or ""
        return twilio.find_sent(config, phone, notification.body, since,
                                parts_of(notification.body))
    return None
