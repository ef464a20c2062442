"""If closing a program told its cadres, reopening it tells them too: each assignee who was
sent "program closed" gets one "program reopened" message naming the tasks open again."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from coordinator.domain.actions import cancel_action
from coordinator.domain.programs import close_program, reopen_program
from coordinator.extensions import db
from coordinator.models import Event, Notification, utcnow
from coordinator.notifications.sending import send_notification
from tests.workers import workers_factories as make
from workers.handlers import handle_event


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """Without quiet hours: the notices are planned at the wall clock's time, and from 21:00
    WIB on an SMS would wait for the morning instead of going now."""
    app = make_app(quiet_hours_start=0, quiet_hours_end=0)
    with app.app_context():
        yield app
        db.session.rollback()


def _handle(event_type: str) -> list[Notification]:
    event_id = db.session.scalars(
        select(Event.id).where(Event.type == event_type).order_by(Event.id.desc())).first()
    assert event_id is not None
    ids = handle_event(event_id, utcnow())
    assert handle_event(event_id, utcnow()) == []  # once per event
    return [n for n in (db.session.get(Notification, i) for i in ids) if n is not None]


def test_reopening_tells_whom_closing_told_about_their_restored_tasks(seeded: Flask) -> None:
    lead = make.person("lead", make.CITY)
    cadre, other = make.person(), make.person()
    prog = make.program(lead)
    earlier = make.action(prog, cadre)
    cancel_action(earlier.id, actor=None)  # cancelled on its own: stays cancelled, not named
    mine = [make.action(prog, cadre), make.action(prog, cadre)]
    theirs = make.action(prog, other)
    close_program(prog.id, actor=lead)
    assert sorted(n.recipient_id for n in _handle("ProgramClosed")) == sorted([cadre.id, other.id])
    reopen_program(prog.id, actor=lead)
    notes = _handle("ProgramReopened")
    assert sorted((n.recipient_id, n.kind) for n in notes) == sorted(
        [(cadre.id, "program_reopened"), (other.id, "program_reopened")])
    note = next(n for n in notes if n.recipient_id == cadre.id)
    assert send_notification(note.id, utcnow()).status == "sent"
    db.session.refresh(note)
    assert "dibuka kembali" in note.body
    assert all(a.public_code in note.body for a in mine)
    assert theirs.public_code not in note.body and earlier.public_code not in note.body


def test_nobody_told_of_the_closing_is_told_of_the_reopening(seeded: Flask) -> None:
    lead = make.person("lead", make.CITY)
    cadre = make.person()
    prog = make.program(lead)
    make.action(prog, cadre)
    close_program(prog.id, actor=lead)
    reopen_program(prog.id, actor=lead)  # before the worker handled the closing
    assert _handle("ProgramClosed") == []  # the tasks are open again: no "cancelled" message
    assert _handle("ProgramReopened") == []


def test_the_restored_actions_of_a_reopening_are_not_announced_again_as_new_tasks(
        seeded: Flask) -> None:
    """Reopening restores each action with an ``ActionRestored`` event (rollups follow it), but
    people hear of it once, by ``ProgramReopened`` (a staff restore of one action is told to its
    assignee as a new task)."""
    lead = make.person("lead", make.CITY)
    prog = make.program(lead)
    actions = [make.action(prog, make.person()) for _ in range(3)]
    close_program(prog.id, actor=lead)
    reopen_program(prog.id, actor=lead)
    restored = db.session.scalars(select(Event.id).where(Event.type == "ActionRestored")).all()
    assert len(restored) == len(actions)
    assert [handle_event(event_id, utcnow()) for event_id in restored] == [[], [], []]
