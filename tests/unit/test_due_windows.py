"""The sweep's due-time windows never miss a reminder or escalation step that fell due."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.domain.calendar import CalendarSettings
from coordinator.domain.reminder_policy import (
    DEFAULT_POLICY,
    EscalationStep,
    ReminderPolicy,
    due_windows,
    escalations_due,
    reminders_due,
)

START = datetime(2022, 3, 1, tzinfo=UTC)
SETTINGS = CalendarSettings()
minutes = st.integers(min_value=0, max_value=60 * 24 * 40)
policies = st.builds(
    ReminderPolicy,
    before_due_hours=st.one_of(st.none(), st.integers(1, 168)),
    morning_of_due_day=st.booleans(), morning_hour=st.integers(5, 12),
    when_overdue=st.booleans(),
    escalation=st.lists(st.integers(1, 20), unique=True, max_size=3).map(
        lambda days: tuple(EscalationStep("kelurahan_coordinator", d) for d in sorted(days))),
)


def newly_due(policy: ReminderPolicy, due_at: datetime, since: datetime, now: datetime) -> list[str]:
    """What a sweep at ``now`` plans that a sweep at ``since`` did not."""
    def at(moment: datetime) -> set[tuple[str, str]]:
        found = reminders_due(due_at, START, policy, moment, SETTINGS)
        found += escalations_due(due_at, policy, moment)
        return {(r.kind, r.occurrence) for r in found}
    return sorted(at(now) - at(since))


@settings(max_examples=400, deadline=None)
@given(policy=policies, due=minutes, since=minutes, gap=st.integers(0, 60 * 24 * 3))
def test_every_newly_due_reminder_lies_in_a_window(policy: ReminderPolicy, due: int, since: int,
                                                   gap: int) -> None:
    due_at = START + timedelta(minutes=due)
    before = START + timedelta(minutes=since)
    now = before + timedelta(minutes=gap)
    if newly_due(policy, due_at, before, now):
        windows = due_windows(policy, before, now, SETTINGS)
        assert any(start < due_at <= end for start, end in windows)


def test_an_empty_interval_has_no_window() -> None:
    moment = datetime(2022, 3, 16, 3, tzinfo=UTC)
    assert all(start >= end for start, end in due_windows(DEFAULT_POLICY, moment, moment, SETTINGS))
