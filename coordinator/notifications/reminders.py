"""The reminder sweep: which reminders and escalations are due now, planned in streamed chunks.

Open actions of active programs whose due time is near or recently past are read through a
streaming cursor (``yield_per``) on their own connection and planned chunk by chunk, each chunk
committed: 100,000 due actions pass without all being in memory. The dedupe key makes a
second sweep (or a second beat) a no-op. Every sweep also declares the actions that became
overdue (:func:`coordinator.domain.overdue.declare_overdue`, whatever their program's status):
``ActionOverdue`` fires once per action and due time.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Row, select

from coordinator.domain.overdue import declare_overdue
from coordinator.domain.reminder_policy import MAX_ESCALATION_DAYS, ReminderPolicy, policy_from_json
from coordinator.extensions import db
from coordinator.models import Action, Program
from coordinator.notifications.planning import (
    Planned,
    Recipient,
    coordinators_of,
    kecamatan_of,
    leads_of,
    plan,
    recipients,
)

CHUNK = 1000
LOOKAHEAD = timedelta(hours=169)


@dataclass
class SweepResult:
    actions: int = 0
    notifications: int = 0
    overdue_events: int = 0


def sweep_reminders(now: datetime, chunk_size: int = CHUNK) -> SweepResult:
    """Plan every reminder and escalation due at ``now``; safe to run twice or concurrently."""
    policies = _active_policies()
    result = SweepResult()
    horizon = max([p.escalation[-1].after_days for p in policies.values() if p.escalation] or [0])
    for chunk in _due_actions(now, horizon, chunk_size):
        result.actions += len(chunk)
        items = _plan_chunk(chunk, policies, now)
        result.notifications += len(plan(items, now=now))
        db.session.commit()
    result.overdue_events = declare_overdue(now)
    db.session.commit()
    return result


def _active_policies() -> dict[int, ReminderPolicy]:
    rows = db.session.execute(
        select(Program.id, Program.reminder_policy).where(Program.status == "active")
    )
    return {r.id: policy_from_json(r.reminder_policy) for r in rows}


def _due_actions(now: datetime, horizon_days: int, size: int) -> Iterator[Sequence[Any]]:
    query = (
        select(Action.id, Action.program_id, Action.assignee_id, Action.kelurahan_code,
               Action.due_at, Action.created_at, Program.owner_id)
        .join(Program, Program.id == Action.program_id)
        .where(
            Action.status == "open",
            Program.status == "active",
            Action.due_at <= now + LOOKAHEAD,
            Action.due_at >= now - timedelta(days=min(horizon_days, MAX_ESCALATION_DAYS) + 1),
        )
    )
    with db.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=size).execute(query)
        yield from result.partitions()


def _plan_chunk(chunk: Sequence[Row[Any]], policies: dict[int, ReminderPolicy],
                now: datetime) -> list[Planned]:
    people = recipients([r.assignee_id for r in chunk] + [r.owner_id for r in chunk])
    kelurahan = {r.kelurahan_code for r in chunk}
    coordinators = coordinators_of(kelurahan)
    leads = leads_of({kecamatan_of(code) for code in kelurahan})
    items: list[Planned] = []
    zone = current_app.extensions["sinergi"].timezone
    for row in chunk:
        policy = policies.get(row.program_id)
        if policy is None:
            continue
        assignee = people.get(row.assignee_id)
        if assignee is not None:
            items.extend(_assignee_reminders(row, assignee, policy, now, zone))
        targets = {
            "kelurahan_coordinator": coordinators.get(row.kelurahan_code, []),
            "kecamatan_lead": leads.get(kecamatan_of(row.kelurahan_code), []),
            "program_owner": [people[row.owner_id]] if row.owner_id in people else [],
        }
        items.extend(_escalations(row, policy, targets, now))
    return items


def _assignee_reminders(row: Row[Any], assignee: Recipient, policy: ReminderPolicy,
                        now: datetime, zone: str) -> Iterator[Planned]:
    due: datetime = row.due_at
    occ = due.strftime("%Y%m%dT%H%M")

    def item(kind: str, at: datetime) -> Planned:
        return Planned(assignee, kind, occ, at, row.id, row.program_id, row.kelurahan_code)

    if policy.before_due_hours:
        at = due - timedelta(hours=policy.before_due_hours)
        # Assigned inside the window: the assignment message already said when it is due.
        if at <= now < due and row.created_at <= at:
            yield item("reminder_24h", at)
    if policy.morning_of_due_day:
        at = _morning_of(due, policy.morning_hour, zone)
        if at <= now < due and row.created_at <= at:
            yield item("reminder_due_today", at)
    if policy.when_overdue and due <= now:
        yield item("overdue", due)


def _escalations(row: Row[Any], policy: ReminderPolicy, targets: dict[str, list[Recipient]],
                 now: datetime) -> Iterator[Planned]:
    due: datetime = row.due_at
    for step in policy.escalation:
        at = due + timedelta(days=step.after_days)
        if at > now:
            break
        occ = f"{due.strftime('%Y%m%dT%H%M')}:{step.after_days}d"
        for person in targets.get(step.to, []):
            yield Planned(person, "escalation", occ, at, row.id, row.program_id,
                          row.kelurahan_code)


@lru_cache(maxsize=4096)
def _morning_of(due: datetime, hour: int, zone: str) -> datetime:
    local = due.astimezone(ZoneInfo(zone))
    return datetime.combine(local.date(), time(hour), tzinfo=ZoneInfo(zone))

