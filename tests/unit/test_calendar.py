"""WIB, days off and SMS quiet hours, with the settings passed in (no app, no database)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from coordinator.domain.calendar import (
    CalendarSettings,
    in_quiet_hours,
    is_day_off,
    local_datetime,
    next_sms_time,
    next_working_morning,
)

WIB = CalendarSettings()  # Asia/Jakarta, quiet 21:00-07:00


def wib(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return local_datetime(date(2022, month, day), time(hour, minute), WIB)


@pytest.mark.parametrize(("hour", "quiet"), [(20, False), (21, True), (23, True), (0, True),
                                             (6, True), (7, False), (12, False)])
def test_quiet_hours_cross_midnight(hour: int, quiet: bool) -> None:
    assert in_quiet_hours(wib(15, hour, 59 if hour == 20 else 0), WIB) is quiet


def test_quiet_hours_are_read_in_wib_not_utc() -> None:
    # 14:30 UTC is 21:30 WIB
    assert in_quiet_hours(datetime(2022, 3, 15, 14, 30, tzinfo=UTC), WIB)


def test_equal_start_and_end_mean_no_quiet_hours() -> None:
    assert not in_quiet_hours(wib(15, 3), CalendarSettings(quiet_hours_start=5, quiet_hours_end=5))


def test_a_daytime_window_works_too() -> None:
    siesta = CalendarSettings(quiet_hours_start=12, quiet_hours_end=14)
    assert in_quiet_hours(wib(15, 13), siesta) and not in_quiet_hours(wib(15, 14), siesta)


@pytest.mark.parametrize(("at", "expected"), [
    (wib(15, 22), wib(16, 7)),  # the evening waits for the morning
    (wib(16, 3), wib(16, 7)),  # the night too, same day
    (wib(16, 9), wib(16, 9)),  # daytime goes now
])
def test_an_sms_waits_out_the_quiet_hours(at: datetime, expected: datetime) -> None:
    assert next_sms_time(at, WIB) == expected


def test_public_holidays_and_configured_days_are_off() -> None:
    assert is_day_off(date(2022, 12, 25), WIB)  # Christmas Day
    assert is_day_off(date(2022, 8, 17), WIB)  # Independence Day
    assert not is_day_off(date(2022, 3, 15), WIB)
    assert is_day_off(date(2022, 3, 15), CalendarSettings(extra_days_off=("2022-03-15",)))


def test_a_reminder_on_a_day_off_waits_for_the_next_working_morning() -> None:
    christmas_noon = local_datetime(date(2022, 12, 25), time(12), WIB)
    assert next_working_morning(christmas_noon, 7, WIB) == local_datetime(
        date(2022, 12, 26), time(7), WIB)
    assert next_working_morning(wib(15, 12), 7, WIB) == wib(15, 12)


def test_holidays_are_named_in_the_readers_language() -> None:
    from coordinator.domain.calendar import holiday_name

    christmas = date(2026, 12, 25)
    assert holiday_name(christmas) == "Hari Raya Natal"
    assert holiday_name(christmas, "id") == "Hari Raya Natal"
    assert holiday_name(christmas, "en") == "Christmas Day"
    assert holiday_name(date(2026, 12, 24), "en") is None
