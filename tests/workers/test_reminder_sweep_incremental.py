"""The sweep reads only what fell due or changed since its previous run; nothing is lost by it."""
from __future__ import annotations

import time_machine
from flask import Flask
from sqlalchemy import insert, select

from coordinator.domain.programs import set_reminder_policy
from coordinator.extensions import db
from coordinator.models import Action, SweepMark, utcnow
from coordinator.notifications.reminders import sweep_reminders
from tests.workers import workers_factories as make
from tests.workers.test_reminder_sweep import sweep_at, wib


def insert_action(program_id: int, assignee_id: int, code: str, **times: object) -> None:
    """An action written by a loader (no domain rule), e.g. an import that runs for minutes."""
    db.session.execute(insert(Action), [{
        "program_id": program_id, "title": "Penyuluhan", "assignee_id": assignee_id,
        "kelurahan_code": make.KELURAHAN, "status": "open", "public_code": code, **times}])
    db.session.commit()


def test_a_sweep_remembers_how_far_it_got(seeded: Flask) -> None:
    with time_machine.travel(wib(16, 10), tick=False):
        sweep_reminders(utcnow())
    mark = db.session.get(SweepMark, "reminders")
    assert mark is not None and mark.swept_until == wib(16, 10) == mark.started_at
    sweep_at(wib(15, 10))  # a sweep with an older clock replans in full, leaves the mark
    db.session.expire_all()
    assert db.session.get(SweepMark, "reminders").swept_until == wib(16, 10)  # type: ignore[union-attr]


def test_an_action_written_already_overdue_after_a_sweep_is_reminded(seeded: Flask) -> None:
    owner = make.person("lead", make.CITY)
    cadre = make.person()
    with time_machine.travel(wib(14, 9), tick=False):
        program = make.program(owner)
    assert sweep_at(wib(16, 10)) == set()
    with time_machine.travel(wib(16, 11), tick=False):
        insert_action(program.id, cadre.id, "QLATE1", due_at=wib(16, 9), created_at=utcnow(),
                      updated_at=utcnow())
    assert sweep_at(wib(16, 12)) == {("overdue", cadre.id)}


def test_a_change_stamped_before_a_sweep_but_committed_after_is_seen(seeded: Flask) -> None:
    owner = make.person("lead", make.CITY)
    cadre = make.person()
    with time_machine.travel(wib(14, 9), tick=False):
        program = make.program(owner)
    assert sweep_at(wib(16, 10)) == set()
    # Its transaction began five minutes before that sweep and committed after it.
    insert_action(program.id, cadre.id, "QSLOW1", due_at=wib(16, 8), created_at=wib(16, 9, 55),
                  updated_at=wib(16, 9, 55))
    assert sweep_at(wib(16, 10, 5)) == {("overdue", cadre.id)}


def test_a_policy_changed_after_a_sweep_brings_its_passed_steps(seeded: Flask) -> None:
    owner = make.person("lead", make.CITY)
    coordinator = make.person("coordinator")
    cadre = make.person()
    with time_machine.travel(wib(14, 9), tick=False):
        program = make.program(owner)
        make.action(program, cadre, due_at=wib(16, 17))
    assert sweep_at(wib(18, 10)) == {("overdue", cadre.id)}
    with time_machine.travel(wib(18, 11), tick=False):
        set_reminder_policy(program.id, actor=None, data={
            "escalation": [{"to": "kelurahan_coordinator", "after_days": 1}]})
    assert sweep_at(wib(18, 12)) == {("escalation", coordinator.id)}
    assert sweep_at(wib(18, 13)) == set()


def test_an_empty_sweep_reads_no_action(seeded: Flask) -> None:
    owner = make.person("lead", make.CITY)
    cadre = make.person()
    with time_machine.travel(wib(14, 9), tick=False):
        program = make.program(owner)
        for _ in range(3):
            make.action(program, cadre, due_at=wib(20, 17))
    with time_machine.travel(wib(16, 10), tick=False):
        first = sweep_reminders(utcnow())
    with time_machine.travel(wib(16, 10, 5), tick=False):
        again = sweep_reminders(utcnow())
    assert first.actions == 3 and (again.actions, again.notifications) == (0, 0)
    assert db.session.scalars(select(SweepMark.swept_until)).one() == wib(16, 10, 5)
