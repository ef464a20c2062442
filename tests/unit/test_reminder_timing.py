"""When each reminder and escalation is due: pure functions of the policy and the clock."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from coordinator.domain.calendar import CalendarSettings, local_datetime
from coordinator.domain.reminder_policy import (
    DEFAULT_POLICY,
    EscalationStep,
    ReminderPolicy,
    escalations_due,
    reminders_due,
    send_time,
)

WIB = CalendarSettings()
DUE = local_datetime(date(2022, 3, 16), time(17), WIB)  # Wednesday 17:00 WIB
ASSIGNED = DUE - timedelta(days=10)


def kinds(now: datetime, policy: ReminderPolicy = DEFAULT_POLICY,
          assigned: datetime = ASSIGNED) -> list[str]:
    return [r.kind for r in reminders_due(DUE, assigned, policy, now, WIB)]


def test_nothing_is_due_long_before_the_due_time() -> None:
    assert kinds(DUE - timedelta(days=2)) == []


def test_the_24_hour_reminder_then_the_due_day_morning_then_overdue() -> None:
    assert kinds(DUE - timedelta(hours=24)) == ["reminder_24h"]
    morning = local_datetime(date(2022, 3, 16), time(7), WIB)
    assert kinds(morning) == ["reminder_24h", "reminder_due_today"]
    assert kinds(DUE) == ["overdue"]


def test_an_action_assigned_inside_a_window_skips_that_reminder() -> None:
    late_assignment = DUE - timedelta(hours=3)
    assert kinds(DUE - timedelta(hours=1), assigned=late_assignment) == []


def test_a_policy_can_switch_each_reminder_off() -> None:
    quiet = ReminderPolicy(before_due_hours=None, morning_of_due_day=False, when_overdue=False)
    assert kinds(DUE - timedelta(hours=1), quiet) == [] and kinds(DUE + timedelta(days=1), quiet) == []


def test_the_escalation_ladder_climbs_with_the_days_overdue() -> None:
    def steps(days: float) -> list[str]:
        return [r.step.to for r in escalations_due(DUE, DEFAULT_POLICY, DUE + timedelta(days=days))]

    assert steps(2.9) == []
    assert steps(3) == ["kelurahan_coordinator"]
    assert steps(7) == ["kelurahan_coordinator", "kecamatan_lead"]
    assert steps(30) == ["kelurahan_coordinator", "kecamatan_lead", "program_owner"]


def test_each_step_and_due_time_is_its_own_occurrence() -> None:
    policy = ReminderPolicy(escalation=(EscalationStep("program_owner", 1),))
    first = escalations_due(DUE, policy, DUE + timedelta(days=2))[0]
    moved = escalations_due(DUE + timedelta(days=1), policy, DUE + timedelta(days=3))[0]
    assert first.occurrence != moved.occurrence and first.occurrence.endswith(":1d")


def test_sms_reminders_wait_for_the_morning_and_for_a_working_day() -> None:
    evening = local_datetime(date(2022, 3, 16), time(22), WIB)
    assert send_time("overdue", "sms", evening, WIB) == local_datetime(
        date(2022, 3, 17), time(7), WIB)
    assert send_time("overdue", "email", evening, WIB) == evening  # e-mail is read when opened
    christmas = local_datetime(date(2022, 12, 25), time(10), WIB)
    assert send_time("reminder_24h", "email", christmas, WIB) == local_datetime(
        date(2022, 12, 26), time(7), WIB)
    assert send_time("assigned", "email", christmas, WIB) == christmas  # not a reminder
