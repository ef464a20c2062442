"""Delivery statuses reported by SMS providers, applied to the notification they concern.

Callbacks can arrive twice or out of order (``sent`` after ``delivered``): a status only moves a
notification forward. Failed deliveries become ``failed`` (worth retrying: the phone was off)
or ``dead`` (the number is wrong), by the provider's error code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Notification, utcnow

# Provider vocabularies (Twilio's, SMPP's DLR words, common gateway words) -> our words.
STATUS_WORDS = {
    "accepted": "queued", "queued": "queued", "scheduled": "queued", "pending": "queued",
    "sending": "sending", "submitted": "sending", "sent": "sent", "enroute": "sent",
    "delivered": "delivered", "delivrd": "delivered", "success": "delivered", "ok": "delivered",
    "read": "delivered",
    "failed": "failed", "undelivered": "failed", "undeliv": "failed", "rejected": "failed",
    "rejectd": "failed", "expired": "failed", "canceled": "failed", "cancelled": "failed",
}
RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "failed": 3}
# Twilio codes after which a retry may work: unreachable handset, queue overflow, unknown error.
RETRYABLE_ERROR_CODES = frozenset({"30001", "30003", "30008", "30017"})
# Twilio's message SIDs; every other SMS id came from the HTTP gateway.
TWILIO_SID = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")
PROVIDERS = ("twilio", "gateway")


@dataclass(frozen=True)
class StatusUpdate:
    found: bool
    changed: bool
    status: str | None = None


def normalise_status(raw: str) -> str | None:
    return STATUS_WORDS.get((raw or "").strip().lower())


def issued_by(provider: str, provider_id: str) -> bool:
    """Whether ``provider_id`` is an id ``provider`` hands out: a provider may report only on
    its own messages (a gateway callback cannot touch a Twilio SMS, nor either an e-mail)."""
    if provider == "twilio":
        return TWILIO_SID.match(provider_id) is not None
    return provider == "gateway" and TWILIO_SID.match(provider_id) is None


def apply_status(provider: str, provider_id: str, raw_status: str,
                 error_code: str | None = None) -> StatusUpdate:
    """Record ``provider``'s status for the SMS it sent as ``provider_id``; one transaction."""
    status = normalise_status(raw_status)
    if provider not in PROVIDERS or not issued_by(provider, provider_id):
        return StatusUpdate(found=False, changed=False)
    notification = db.session.scalars(
        select(Notification).where(Notification.provider_id == provider_id,
                                   Notification.channel == "sms").with_for_update()
    ).first()
    if notification is None or status is None:
        db.session.rollback()
        return StatusUpdate(found=notification is not None, changed=False)
    current = normalise_status(notification.provider_status or "") or "queued"
    if notification.provider_status and RANK[status] <= RANK[current]:
        db.session.rollback()
        return StatusUpdate(found=True, changed=False, status=notification.status)
    notification.provider_status = raw_status.strip().lower()[:40]
    if status == "failed":
        _failed(notification, raw_status, error_code)
    elif status in ("sent", "delivered") and notification.status != "sent":
        notification.status = "sent"
        notification.sent_at = notification.sent_at or utcnow()
    db.session.commit()
    return StatusUpdate(found=True, changed=True, status=notification.status)


def _failed(notification: Notification, raw_status: str, error_code: str | None) -> None:
    code = (error_code or "").strip()[:20]
    notification.last_error = f"provider reported {raw_status.strip().lower()[:20]}" + (
        f" (error {code})" if code else ""
    )
    notification.status = "failed" if code in RETRYABLE_ERROR_CODES else "dead"
