"""The reminder policy and when each reminder is sent: the one place that decides it.

Defaults, per-program overrides stored in ``Program.reminder_policy``, and the timing rules
(:func:`reminders_due`, :func:`escalations_due`, :func:`send_time`), pure functions of the
policy, the action's times and the clock.

A policy says which reminders go to the assignee (on assignment, 24 h before the due time,
the morning of the due day, once when overdue), which escalation steps follow (who, after how
many days overdue) and whether the coordinator hears of completions, reopenings, cancellations.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from coordinator.domain.calendar import (
    CalendarSettings,
    app_settings,
    local_datetime,
    next_sms_time,
    next_working_morning,
    to_local,
)
from coordinator.errors import N_, InvalidInput

ESCALATION_TARGETS = ("kelurahan_coordinator", "kecamatan_lead", "program_owner")
MAX_ESCALATION_STEPS = 6
MAX_ESCALATION_DAYS = 365


@dataclass(frozen=True)
class EscalationStep:
    to: str
    after_days: int


@dataclass(frozen=True)
class ReminderPolicy:
    on_assignment: bool = True
    before_due_hours: int | None = 24
    morning_of_due_day: bool = True
    morning_hour: int = 7
    when_overdue: bool = True
    escalation: tuple[EscalationStep, ...] = field(
        default_factory=lambda: (
            EscalationStep("kelurahan_coordinator", 3),
            EscalationStep("kecamatan_lead", 7),
            EscalationStep("program_owner", 14),
        )
    )
    notify_coordinator_on: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["escalation"] = [asdict(step) for step in self.escalation]
        data["notify_coordinator_on"] = list(self.notify_coordinator_on)
        return data


DEFAULT_POLICY = ReminderPolicy()
COORDINATOR_EVENTS = ("completed", "reopened", "cancelled")


def policy_from_json(raw: dict[str, Any] | None) -> ReminderPolicy:
    """The effective policy of a program: its stored override over the defaults."""
    if not raw:
        return DEFAULT_POLICY
    return validate_policy({**DEFAULT_POLICY.as_json(), **raw})


def validate_policy(data: dict[str, Any]) -> ReminderPolicy:
    """Check a full policy mapping field by field; raises ``InvalidInput`` naming each field."""
    errors: dict[str, list[str]] = {}
    flags = {}
    for name in ("on_assignment", "morning_of_due_day", "when_overdue"):
        value = data.get(name, getattr(DEFAULT_POLICY, name))
        if not isinstance(value, bool):
            errors[name] = [N_("Must be true or false.")]
        flags[name] = bool(value)
    before = data.get("before_due_hours", DEFAULT_POLICY.before_due_hours)
    if before is not None and (not _is_int(before) or not 1 <= before <= 168):
        errors["before_due_hours"] = [N_("Must be a whole number of hours from 1 to 168, or empty.")]
    morning = data.get("morning_hour", DEFAULT_POLICY.morning_hour)
    if not _is_int(morning) or not 5 <= morning <= 12:
        errors["morning_hour"] = [N_("Must be an hour from 5 to 12.")]
    steps = _validate_steps(data.get("escalation", []), errors)
    notify = data.get("notify_coordinator_on", [])
    if not isinstance(notify, list | tuple) or any(n not in COORDINATOR_EVENTS for n in notify):
        errors["notify_coordinator_on"] = [N_("Choose from: completed, reopened, cancelled.")]
        notify = []
    if errors:
        raise InvalidInput("invalid reminder policy", errors)
    return ReminderPolicy(
        before_due_hours=before, morning_hour=morning, escalation=steps,
        notify_coordinator_on=tuple(dict.fromkeys(notify)), **flags,
    )


def _validate_steps(raw: Any, errors: dict[str, list[str]]) -> tuple[EscalationStep, ...]:
    if not isinstance(raw, list | tuple) or len(raw) > MAX_ESCALATION_STEPS:
        errors["escalation"] = [N_("At most 6 escalation steps.")]
        return ()
    steps: list[EscalationStep] = []
    for index, item in enumerate(raw):
        to = item.get("to") if isinstance(item, dict) else None
        days = item.get("after_days") if isinstance(item, dict) else None
        if to not in ESCALATION_TARGETS:
            errors[f"escalation.{index}.to"] = [
                N_("Choose from: kelurahan_coordinator, kecamatan_lead, program_owner.")]
        elif not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_ESCALATION_DAYS:
            errors[f"escalation.{index}.after_days"] = [
                N_("Must be a whole number of days from 1 to 365.")
            ]
        else:
            steps.append(EscalationStep(to, days))
    if len({s.after_days for s in steps}) != len(steps):
        errors["escalation"] = [N_("Two escalation steps cannot have the same number of days.")]
    return tuple(sorted(steps, key=lambda s: s.after_days))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# When is a reminder sent: the timing rules, pure functions of the policy and the clock.
REMINDER_KINDS = ("reminder_24h", "reminder_due_today", "reminder_now", "overdue", "escalation")


@dataclass(frozen=True, slots=True)
class DueReminder:
    """One reminder due at ``at``; ``occurrence`` tells repeats apart (a new due time, a step)."""

    kind: str
    at: datetime
    occurrence: str
    step: EscalationStep | None = None


def _occurrence(due_at: datetime) -> str:
    return due_at.strftime("%Y%m%dT%H%M")


def reminders_due(due_at: datetime, created_at: datetime, policy: ReminderPolicy, now: datetime,
                  settings: CalendarSettings | None = None) -> list[DueReminder]:
    """The assignee's reminders that are due by ``now`` for an open action.

    24 hours (``before_due_hours``) before, the morning of the due day, once when overdue; an
    action assigned inside a window skips that reminder (its assignment message said when).
    """
    found = []
    if policy.before_due_hours:
        at = due_at - timedelta(hours=policy.before_due_hours)
        if at <= now < due_at and created_at <= at:
            found.append(DueReminder("reminder_24h", at, _occurrence(due_at)))
    if policy.morning_of_due_day:
        local = to_local(due_at, settings)
        at = local_datetime(local.date(), time(policy.morning_hour), settings)
        if at <= now < due_at and created_at <= at:
            found.append(DueReminder("reminder_due_today", at, _occurrence(due_at)))
    if policy.when_overdue and due_at <= now:
        found.append(DueReminder("overdue", due_at, _occurrence(due_at)))
    return found


def escalations_due(due_at: datetime, policy: ReminderPolicy, now: datetime) -> list[DueReminder]:
    """The escalation steps reached by ``now``: each ``after_days`` past the due time."""
    found = []
    for step in policy.escalation:
        at = due_at + timedelta(days=step.after_days)
        if at > now:
            break
        found.append(DueReminder("escalation", at, f"{_occurrence(due_at)}:{step.after_days}d",
                                 step))
    return found


# A window of due times: ``start < due_at <= end``.
DueWindow = tuple[datetime, datetime]


def due_windows(policy: ReminderPolicy, since: datetime, now: datetime,
                settings: CalendarSettings | None = None) -> list[DueWindow]:
    """The due times of the actions that have a reminder or escalation step falling in
    ``(since, now]``: an action outside every window has nothing newly due (the sweep then
    need not read it). Mirrors :func:`reminders_due` and :func:`escalations_due`."""
    windows: list[DueWindow] = []
    if policy.before_due_hours:
        shift = timedelta(hours=policy.before_due_hours)
        windows.append((since + shift, now + shift))
    if policy.morning_of_due_day:
        windows += _morning_windows(policy.morning_hour, since, now, settings)
    if policy.when_overdue:
        windows.append((since, now))
    for step in policy.escalation:
        shift = timedelta(days=step.after_days)
        windows.append((since - shift, now - shift))
    return windows


def _morning_windows(hour: int, since: datetime, now: datetime,
                     settings: CalendarSettings | None) -> list[DueWindow]:
    """Due times on the local days whose reminder morning falls in ``(since, now]``."""
    found: list[DueWindow] = []
    day = to_local(since, settings).date()
    while (morning := local_datetime(day, time(hour), settings)) <= now:
        if morning > since:
            start = local_datetime(day, time(0), settings)
            found.append((start - timedelta(microseconds=1), start + timedelta(days=1)))
        day += timedelta(days=1)
    return found


def send_time(kind: str, channel: str, at: datetime,
              settings: CalendarSettings | None = None) -> datetime:
    """When a message may go out: reminders wait for a working day's morning, SMS for the end
    of the quiet hours (default 21:00 to 07:00 WIB)."""
    settings = settings or app_settings()
    if kind in REMINDER_KINDS:
        at = next_working_morning(at, settings.quiet_hours_end, settings)
    if channel == "sms":
        at = next_sms_time(at, settings)
    return at
