"""The reminder sweep under an injected clock: 24 h, morning, overdue, the escalation ladder."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from sqlalchemy import func, insert, select

from coordinator.extensions import db
from coordinator.models import Action, Event, Notification, utcnow
from coordinator.notifications.reminders import sweep_reminders
from tests.workers import workers_factories as make

WIB = timedelta(hours=7)


def wib(d: int, h: int, minute: int = 0) -> datetime:
    """A moment in March 2022, WIB."""
    return datetime(2022, 3, d, h, minute, tzinfo=UTC) - WIB


def sweep_at(moment: datetime) -> set[tuple[str, int]]:
    """Sweep with the clock at ``moment``; returns (kind, recipient) of the new notifications."""
    before = set(db.session.scalars(select(Notification.id)))
    with time_machine.travel(moment, tick=False):
        sweep_reminders(utcnow())
    rows = db.session.execute(select(Notification.id, Notification.kind, Notification.recipient_id))
    return {(r.kind, r.recipient_id) for r in rows if r.id not in before}


def overdue_events() -> int:
    return db.session.scalar(select(func.count()).where(Event.type == "ActionOverdue")) or 0


def test_reminders_and_escalations_come_at_their_wib_times_and_once(seeded: Flask) -> None:
    owner = make.person("lead", make.CITY)
    kecamatan_lead = make.person("lead", make.KECAMATAN)
    coordinator = make.person("coordinator")
    cadre = make.person()
    with time_machine.travel(wib(14, 9), tick=False):
        make.action(make.program(owner), cadre, due_at=wib(16, 17))
    assert sweep_at(wib(15, 16, 59)) == set()
    assert sweep_at(wib(15, 17)) == {("reminder_24h", cadre.id)}
    assert sweep_at(wib(15, 18)) == set()
    assert sweep_at(wib(16, 6, 59)) == set()
    assert sweep_at(wib(16, 7)) == {("reminder_due_today", cadre.id)}
    assert sweep_at(wib(16, 17)) == {("overdue", cadre.id)}
    assert sweep_at(wib(16, 17, 5)) == set()
    assert overdue_events() == 1
    assert sweep_at(wib(19, 16, 59)) == set()
    assert sweep_at(wib(19, 17)) == {("escalation", coordinator.id)}
    assert sweep_at(wib(23, 17)) == {("escalation", kecamatan_lead.id)}
    assert sweep_at(wib(30, 17)) == {("escalation", owner.id)}
    assert sweep_at(wib(30, 18)) == set()
    assert overdue_events() == 1


def test_a_late_sweep_catches_up_without_stale_reminders(seeded: Flask) -> None:
    owner = make.person("lead", make.CITY)
    coordinator = make.person("coordinator")
    cadre = make.person()
    with time_machine.travel(wib(14, 9), tick=False):
        make.action(make.program(owner), cadre, due_at=wib(16, 17))
    # Beat was down for four days: the overdue message and the first escalation, nothing stale.
    assert sweep_at(wib(20, 9)) == {("overdue", cadre.id), ("escalation", coordinator.id)}


def test_a_program_policy_changes_the_ladder(seeded: Flask) -> None:
    owner = make.person("lead", make.CITY)
    coordinator = make.person("coordinator")
    cadre = make.person()
    policy = {"before_due_hours": None, "morning_of_due_day": False,
              "escalation": [{"to": "kelurahan_coordinator", "after_days": 1}]}
    with time_machine.travel(wib(14, 9), tick=False):
        make.action(make.program(owner, policy=policy), cadre, due_at=wib(16, 17))
    assert sweep_at(wib(16, 12)) == set()
    assert sweep_at(wib(17, 17)) == {("overdue", cadre.id), ("escalation", coordinator.id)}
    assert sweep_at(wib(30, 17)) == set()


def test_an_action_done_in_time_gets_no_more_reminders(seeded: Flask) -> None:
    from coordinator.domain.actions import complete_action

    owner = make.person("lead", make.CITY)
    cadre = make.person()
    with time_machine.travel(wib(14, 9), tick=False):
        act = make.action(make.program(owner), cadre, due_at=wib(16, 17))
    with time_machine.travel(wib(15, 10), tick=False):
        complete_action(act.id, actor=None)
    assert sweep_at(wib(16, 7)) == set()
    assert sweep_at(wib(30, 17)) == set()


def test_two_sweeps_over_two_thousand_due_actions_plan_each_reminder_once(seeded: Flask) -> None:
    owner = make.person("lead", make.CITY)
    cadre = make.person()
    with time_machine.travel(wib(14, 9), tick=False):
        prog = make.program(owner)
        make.action(prog, cadre, due_at=wib(16, 17))
        now = utcnow()
    rows = [
        {"program_id": prog.id, "title": "Penyuluhan", "assignee_id": cadre.id,
         "kelurahan_code": make.KELURAHAN, "due_at": wib(16, 17), "status": "open",
         "public_code": f"Q{n:05d}", "created_at": now, "updated_at": now}
        for n in range(1999)
    ]
    db.session.execute(insert(Action), rows)
    db.session.commit()
    moment = wib(16, 17, 30)
    with time_machine.travel(moment, tick=False):
        result = sweep_reminders(utcnow(), chunk_size=300)
        again = sweep_reminders(utcnow(), chunk_size=300)
    assert (result.actions, result.notifications, result.overdue_events) == (2000, 2000, 2000)
    # The second sweep reads nothing: nothing fell due or changed since the first.
    assert (again.actions, again.notifications, again.overdue_events) == (0, 0, 0)
    kinds = db.session.execute(
        select(Notification.kind, func.count()).group_by(Notification.kind)
    ).all()
    assert dict(kinds) == {"overdue": 2000}
