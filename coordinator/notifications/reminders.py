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
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, or_, select

from coordinator.database import without_waiting_for_disk
from coordinator.domain.calendar import app_settings
from coordinator.domain.overdue import declare_overdue
from coordinator.domain.reminder_policy import (
    MAX_ESCALATION_DAYS,
    DueReminder,
    ReminderPolicy,
    due_windows,
    escalations_due,
    policy_from_json,
    reminders_due,
)
from coordinator.extensions import db
from coordinator.models import Action, Program, SweepMark, utcnow
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
SWEEP = "reminders"
# A change committed after a sweep read the actions, but stamped before it started, is seen by
# the next sweep as long as its transaction lasted less than this (bulk assignments: a minute).
CHANGE_MARGIN = timedelta(minutes=10)
# Sweeps further apart than this (or a clock set back) replan everything within the horizon.
MAX_INCREMENT = timedelta(days=7)


@dataclass
class SweepResult:
    actions: int = 0
    notifications: int = 0
    overdue_events: int = 0


def sweep_reminders(now: datetime, chunk_size: int = CHUNK) -> SweepResult:
    """Plan every reminder and escalation due at ``now``; safe to run twice or concurrently."""
    started = utcnow()
    policies = _active_policies()
    result = SweepResult()
    horizon = max([p.escalation[-1].after_days for p in policies.values() if p.escalation] or [0])
    since = _since(now)
    for chunk in _due_actions(now, horizon, chunk_size, since, policies):
        result.actions += len(chunk)
        items = _plan_chunk(chunk, policies, now)
        result.notifications += len(plan(items, now=now))
        db.session.commit()
    result.overdue_events = declare_overdue(now, since=_overdue_since(since))
    _advance(now, started, wrote_nothing=not (result.notifications or result.overdue_events))
    db.session.commit()
    return result


@dataclass(frozen=True)
class _Since:
    """What the previous sweep covered: reminders due up to ``swept_until``, changes made
    before ``changed_after`` (its wall-clock start, less a margin for transactions that were
    still open then)."""

    swept_until: datetime
    changed_after: datetime


def _since(now: datetime) -> _Since | None:
    """The previous sweep's mark, if this sweep may start from it (else: a full sweep)."""
    mark = db.session.get(SweepMark, SWEEP)
    if mark is None or not mark.swept_until <= now <= mark.swept_until + MAX_INCREMENT:
        return None
    return _Since(mark.swept_until, mark.started_at - CHANGE_MARGIN)


def _overdue_since(since: _Since | None) -> tuple[datetime, datetime] | None:
    return None if since is None else (since.swept_until, since.changed_after)


def _advance(now: datetime, started: datetime, *, wrote_nothing: bool) -> None:
    """Move the mark forward (never back: a late sweep with an older clock leaves it).

    A sweep that wrote nothing else need not wait for the disk (PostgreSQL): losing its mark
    in a crash only makes the next sweep read a little more."""
    if wrote_nothing:
        without_waiting_for_disk(db.session)
    mark = db.session.get(SweepMark, SWEEP, with_for_update=True)
    if mark is None:
        db.session.add(SweepMark(name=SWEEP, swept_until=now, started_at=started))
    elif now >= mark.swept_until:
        mark.swept_until, mark.started_at = now, started


def _active_policies() -> dict[int, ReminderPolicy]:
    rows = db.session.execute(
        select(Program.id, Program.reminder_policy).where(Program.status == "active")
    )
    return {r.id: policy_from_json(r.reminder_policy) for r in rows}


def _changed_programs(since: _Since) -> list[int]:
    """Programs activated or edited (their policy) since the previous sweep."""
    return list(db.session.scalars(select(Program.id).where(
        Program.status == "active", Program.updated_at > since.changed_after)))


def _due_actions(now: datetime, horizon_days: int, size: int, since: _Since | None,
                 policies: dict[int, ReminderPolicy]) -> Iterator[Sequence[Any]]:
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
    changed = [] if since is None else _changed_programs(since)
    if since is not None:
        query = query.where(_newly_due_or_changed(since, now, policies, changed))
    if since is not None and not changed:
        # What fell due or changed in one interval: few rows, read in one round trip.
        rows = db.session.execute(query).all()
        yield from (rows[i:i + size] for i in range(0, len(rows), size))
        return
    # Every action in the horizon (a first sweep, a program changed): streamed on its own
    # connection, so memory stays flat and each chunk's commit leaves the cursor open. In
    # kelurahan and assignee order: a chunk then holds a few kelurahan and the cadres of
    # those, so its look-ups of people, coordinators and leads ask for a few ids, not ~1,000
    # assignees and every kelurahan of the region (sorting 100,000 rows costs less).
    query = query.order_by(Action.kelurahan_code, Action.assignee_id, Action.id)
    with db.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=size).execute(query)
        yield from result.partitions()


def _newly_due_or_changed(since: _Since, now: datetime, policies: dict[int, ReminderPolicy],
                          changed: list[int]) -> ColumnElement[bool]:
    """Actions with a reminder or step newly due since the previous sweep, changed since it,
    or in a program changed since it: each an index range (BitmapOr in PostgreSQL)."""
    settings = app_settings()
    windows = sorted({w for p in set(policies.values())
                      for w in due_windows(p, since.swept_until, now, settings)})
    clauses = [and_(Action.due_at > start, Action.due_at <= end) for start, end in windows
               if start < end]
    clauses.append(Action.updated_at > since.changed_after)
    if changed:
        clauses.append(Action.program_id.in_(changed))
    return or_(*clauses)


def _plan_chunk(chunk: Sequence[Row[Any]], policies: dict[int, ReminderPolicy],
                now: datetime) -> list[Planned]:
    """The reminders and escalations due for a chunk of actions, to their recipients."""
    people = recipients([r.assignee_id for r in chunk] + [r.owner_id for r in chunk])
    kelurahan = {r.kelurahan_code for r in chunk}
    coordinators = coordinators_of(kelurahan)
    leads = leads_of({kecamatan_of(code) for code in kelurahan})
    settings = app_settings()
    items: list[Planned] = []
    for row in chunk:
        policy = policies.get(row.program_id)
        if policy is None:
            continue

        assignee = people.get(row.assignee_id)
        if assignee is not None:
            items += [_planned(row, assignee, due) for due in
                      reminders_due(row.due_at, row.created_at, policy, now, settings)]
        targets = {
            "kelurahan_coordinator": coordinators.get(row.kelurahan_code, []),
            "kecamatan_lead": leads.get(kecamatan_of(row.kelurahan_code), []),
            "program_owner": [people[row.owner_id]] if row.owner_id in people else [],
        }
        items += [_planned(row, person, due) for due in escalations_due(row.due_at, policy, now)
                  for person in targets.get(due.step.to, [])]  # type: ignore[union-attr]
    return items


def _planned(row: Row[Any], person: Recipient, due: DueReminder) -> Planned:
    return Planned(person, due.kind, due.occurrence, due.at, row.id, row.program_id,
                   row.kelurahan_code)
