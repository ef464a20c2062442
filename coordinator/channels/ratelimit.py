"""Per-sender rate limit of inbound SMS, in Flask-Limiter's storage (Redis when ``REDIS_URL`` is
set, process memory otherwise), as a moving window of ``SMS_INBOUND_RATE_LIMIT`` messages per
``SMS_INBOUND_RATE_WINDOW_SECONDS``. When Redis cannot be reached, the ``inbound_sms`` log is
counted instead, so losing Redis loses no protection.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from limits import RateLimitItem, RateLimitItemPerSecond
from sqlalchemy import func, select

from coordinator.config import Config
from coordinator.extensions import db, limiter
from coordinator.models import InboundSms, utcnow

NAMESPACE = "sinergi/sms-in"


def _item(config: Config) -> RateLimitItem:
    return RateLimitItemPerSecond(config.sms_inbound_rate_limit,
                                  config.sms_inbound_rate_window_seconds)


def _key(sender: str) -> str:
    return hashlib.sha256(sender.encode()).hexdigest()[:32]  # no phone numbers in Redis


def allow_inbound(sender: str, *, now: datetime | None = None) -> bool:
    """Whether one more message from ``sender`` fits in the window; counts it if so."""
    config: Config = current_app.extensions["sinergi"]
    try:
        return bool(limiter.limiter.hit(_item(config), NAMESPACE, _key(sender)))
    except Exception:  # noqa: BLE001 - Redis down (any client error): count the log instead
        current_app.logger.warning("rate-limit storage unreachable for inbound SMS; using the database")
        return _allow_database(config, sender, now or utcnow())


def _allow_database(config: Config, sender: str, now: datetime) -> bool:
    since = now - timedelta(seconds=config.sms_inbound_rate_window_seconds)
    count = db.session.scalar(
        select(func.count()).select_from(InboundSms)
        .where(InboundSms.sender == sender, InboundSms.received_at >= since)
    )
    return int(count or 0) < config.sms_inbound_rate_limit
