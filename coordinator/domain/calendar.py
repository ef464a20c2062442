"""Local time (WIB), days off and SMS quiet hours: the calendar rules in one place.

Each rule is a pure function of its arguments and the :class:`CalendarSettings`; left out, the
settings are the running app's (``SINERGI_TIMEZONE``, ``SMS_QUIET_HOURS_*``,
``SINERGI_EXTRA_DAYS_OFF``), so tests pass them and callers need not.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from flask import current_app

from coordinator.models import utcnow


@dataclass(frozen=True)
class CalendarSettings:
    timezone: str = "Asia/Jakarta"
    quiet_hours_start: int = 21
    quiet_hours_end: int = 7
    extra_days_off: tuple[str, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def app_settings() -> CalendarSettings:
    """The running app's calendar settings."""
    config = current_app.extensions["sinergi"]
    return CalendarSettings(config.timezone, config.quiet_hours_start, config.quiet_hours_end,
                            tuple(config.extra_days_off))


def local_zone(settings: CalendarSettings | None = None) -> ZoneInfo:
    """The configured local time zone (Asia/Jakarta by default)."""
    return (settings or app_settings()).zone


def local_now(now: datetime | None = None, settings: CalendarSettings | None = None) -> datetime:
    """The current (or given) moment in local time."""
    return to_local(now or utcnow(), settings)


def to_local(dt: datetime, settings: CalendarSettings | None = None) -> datetime:
    """An aware datetime converted to local time; naive values are refused."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime given; pass timezone-aware values")
    return dt.astimezone(local_zone(settings))


def local_datetime(d: date, t: time, settings: CalendarSettings | None = None) -> datetime:
    """A local wall-clock date and time as an aware UTC-comparable datetime."""
    return datetime.combine(d, t, tzinfo=local_zone(settings))


# The holidays package names Indonesia's holidays in these languages (its codes).
HOLIDAY_LANGUAGES = {"id": "id", "en": "en_US"}


@lru_cache(maxsize=64)
def _indonesian_holidays(year: int, language: str = "id") -> dict[date, str]:
    return dict(holidays.country_holidays(
        "ID", years=year, language=HOLIDAY_LANGUAGES.get(language, "id")))


def holiday_name(d: date, language: str = "id") -> str | None:
    """The name of the public holiday on ``d``, if any, in ``language`` (id or en)."""
    return _indonesian_holidays(d.year, language).get(d)


def is_day_off(d: date, settings: CalendarSettings | None = None) -> bool:
    """An Indonesian public holiday or a configured extra day off (SINERGI_EXTRA_DAYS_OFF)."""
    if d in _indonesian_holidays(d.year):
        return True
    return d.isoformat() in (settings or app_settings()).extra_days_off


def in_quiet_hours(at: datetime, settings: CalendarSettings | None = None) -> bool:
    """Whether ``at`` falls in the SMS quiet hours (local time, start inclusive)."""
    settings = settings or app_settings()
    hour = to_local(at, settings).hour
    start, end = settings.quiet_hours_start, settings.quiet_hours_end
    if start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def next_sms_time(at: datetime, settings: CalendarSettings | None = None) -> datetime:
    """The first moment at or after ``at`` outside quiet hours."""
    settings = settings or app_settings()
    if not in_quiet_hours(at, settings):
        return at
    local = to_local(at, settings)
    candidate = local.replace(hour=settings.quiet_hours_end, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate = candidate + timedelta(days=1)
    return candidate


def next_working_morning(at: datetime, morning_hour: int,
                         settings: CalendarSettings | None = None) -> datetime:
    """``at`` itself on a working day, else ``morning_hour`` of the next working day."""
    settings = settings or app_settings()
    day = to_local(at, settings).date()
    if not is_day_off(day, settings):
        return at
    while is_day_off(day, settings):
        day += timedelta(days=1)
    return local_datetime(day, time(morning_hour), settings)
