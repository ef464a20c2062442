"""Email over SMTP (``SMTP_*``): STARTTLS, implicit TLS or plain; text and HTML alternatives.

SMTP 4xx replies, timeouts and dropped connections are transient; 5xx replies (a refused
recipient, failed authentication) are permanent.
"""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr

from coordinator.channels.base import (
    DeliveryResult,
    Outgoing,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from coordinator.config import Config


def build_message(config: Config, notification: Outgoing) -> EmailMessage:
    """The MIME message for ``notification``: text, plus HTML as an alternative when present."""
    recipient = notification.recipient
    if not recipient.email:
        raise PermanentDeliveryError(f"person {recipient.id} has no email address")
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = formataddr((recipient.name, recipient.email))
    message["Subject"] = notification.subject or "Sinergi"
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(config.mail_from)[1].rpartition("@")[2] or "sinergi.local"
    # Stable per notification: a resend after an uncertain attempt carries the same id.
    message["Message-ID"] = f"<sinergi-notification-{notification.id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Sinergi-Notification"] = str(notification.id)
    message.set_content(notification.body)
    if notification.html_body:
        message.add_alternative(notification.html_body, subtype="html")
    # Set last: set_content() and add_alternative() move Content-* headers into the parts.
    message["Content-Language"] = recipient.language
    return message


def send(config: Config, notification: Outgoing) -> DeliveryResult:
    """Send one email; returns its Message-ID as the provider id."""
    message = build_message(config, notification)
    try:
        with _connect(config) as smtp:
            if config.smtp_user:
                smtp.login(config.smtp_user, config.smtp_password or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise _by_code(min(codes) if codes else 550, "recipient refused") from None
    except smtplib.SMTPResponseException as exc:
        raise _by_code(exc.smtp_code, _reply_text(exc.smtp_error)) from None
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise TransientDeliveryError(f"SMTP connection failed: {type(exc).__name__}: {exc}") from None
    return DeliveryResult(provider_id=str(message["Message-ID"]), parts=None)


def _connect(config: Config) -> smtplib.SMTP:
    host, port, timeout = config.smtp_host or "", config.smtp_port, config.channel_timeout_seconds
    if config.smtp_tls == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    if config.smtp_tls == "starttls":
        try:
            smtp.starttls(context=ssl.create_default_context())
        except BaseException:
            smtp.close()
            raise
    return smtp


def _by_code(code: int, text: str) -> PermanentDeliveryError | TransientDeliveryError:
    message = f"SMTP {code}: {text}"
    return PermanentDeliveryError(message) if code >= 500 else TransientDeliveryError(message)


def _reply_text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
