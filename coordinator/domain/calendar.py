"""Local time (WIB), days off and SMS quiet hours: the calendar rules in one place."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from flask import current_app

from coordinator.models import utcnow


def _config():  # type: ignore[no-untyped-def]
    return current_app.extensions["sinergi"]


def local_zone() -> ZoneInfo:
    """The configured local time zone (Asia/Jakarta by default)."""
    return ZoneInfo(_config().timezone)


def local_now(now: datetime | None = None) -> datetime:
    """The current (or given) moment in local time."""
    return to_local(now or utcnow())


def to_local(dt: datetime) -> datetime:
    """An aware datetime converted to local time; naive values are refused."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime given; pass timezone-aware values")
    return dt.astimezone(local_zone())


def local_datetime(d: date, t: time) -> datetime:
    """A local wall-clock date and time as an aware UTC-comparable datetime."""
    return datetime.combine(d, t, tzinfo=local_zone())


@lru_cache(maxsize=64)
def _indonesian_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", years=year).keys())


def holiday_name(d: date) -> str | None:
    """The name of the public holiday on ``d``, if any."""
    return holidays.country_holidays("ID", years=d.year).get(d)


def is_day_off(d: date) -> bool:
    """An Indonesian public holiday or a configured extra day off (SINERGI_EXTRA_DAYS_OFF)."""
    if d in _indonesian_holidays(d.year):
        return True
    return d.isoformat() in _config().extra_days_off


def in_quiet_hours(at: datetime) -> bool:
    """Whether ``at`` falls in the SMS quiet hours (local time, start inclusive)."""
    config = _config()
    hour = to_local(at).hour
    start, end = config.quiet_hours_start, config.quiet_hours_end
    if start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def next_sms_time(at: datetime) -> datetime:
    """The first moment at or after ``at`` outside quiet hours."""
    if not in_quiet_hours(at):
        return at
    local = to_local(at)
    end = _config().quiet_hours_end
    candidate = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate = candidate + timedelta(days=1)
    return candidate
