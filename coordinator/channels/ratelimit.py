"""Per-sender rate limit of inbound SMS: a sliding window in Redis, else in the database.

Redis (``REDIS_URL``) keeps a sorted set of arrival times per sender; without Redis, or when
it cannot be reached, the ``inbound_sms`` log is counted instead (losing Redis loses nothing).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import redis
from flask import current_app
from sqlalchemy import func, select

from coordinator.config import Config
from coordinator.extensions import db
from coordinator.models import InboundSms, utcnow

KEY_PREFIX = "sinergi:sms-in:"


def allow_inbound(sender: str, *, now: datetime | None = None) -> bool:
    """Whether one more message from ``sender`` fits in the window; counts it if so."""
    config: Config = current_app.extensions["sinergi"]
    now = now or utcnow()
    if config.redis_url:
        allowed = _allow_redis(config, sender, now)
        if allowed is not None:
            return allowed
    return _allow_database(config, sender, now)


def _key(sender: str) -> str:
    return KEY_PREFIX + hashlib.sha256(sender.encode()).hexdigest()[:32]


def _allow_redis(config: Config, sender: str, now: datetime) -> bool | None:
    window = config.sms_inbound_rate_window_seconds
    stamp = now.timestamp()
    key = _key(sender)
    member = f"{stamp}:{secrets.token_hex(4)}"
    try:
        client = redis.Redis.from_url(config.redis_url or "", socket_timeout=2, socket_connect_timeout=2)
        # One MULTI: add first, then count, so two concurrent messages cannot both slip in.
        with client.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, 0, stamp - window)
            pipe.zadd(key, {member: stamp})
            pipe.zcard(key)
            pipe.expire(key, window)
            count = pipe.execute()[2]
        if count > config.sms_inbound_rate_limit:
            client.zrem(key, member)
            return False
        return True
    except redis.RedisError:
        current_app.logger.warning("Redis unreachable for the inbound SMS rate limit; using the database")
        return None


def _allow_database(config: Config, sender: str, now: datetime) -> bool:
    since = now - timedelta(seconds=config.sms_inbound_rate_window_seconds)
    count = db.session.scalar(
        select(func.count()).select_from(InboundSms)
        .where(InboundSms.sender == sender, InboundSms.received_at >= since)
    )
    return int(count or 0) < config.sms_inbound_rate_limit
