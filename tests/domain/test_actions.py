"""Action rules: assign, complete (twice is a no-op), reopen windows, cancel, reassign."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coordinator.domain.actions import (
    assign_action,
    cancel_action,
    complete_action,
    reassign_action,
    reopen_action,
)
from coordinator.domain.programs import close_program
from coordinator.errors import Conflict, Forbidden, InvalidInput, NotFound
from coordinator.extensions import db
from coordinator.models import Action, AuditEntry, Event
from tests.domain.factories import (
    CENGKARENG,
    TAMBORA,
    kelurahan_of,
    make_action,
    make_person,
    make_program,
)


def events_of(action_id: int) -> list[str]:
    return list(db.session.scalars(select(Event.type).where(
        Event.aggregate_type == "action", Event.aggregate_id == action_id).order_by(Event.id)))


@pytest.fixture
def world(seeded):  # type: ignore[no-untyped-def]
    kel = kelurahan_of(TAMBORA)[0]
    lead = make_person("lead", "31.73")
    cadre = make_person("cadre", kel, networks=("pkk",))
    other = make_person("cadre", kel, networks=("pkk",))
    coordinator = make_person("coordinator", kel)
    program = make_program(lead)
    return {"kel": kel, "lead": lead, "cadre": cadre, "other": other,
            "coordinator": coordinator, "program": program}


def test_assigning_writes_action_audit_and_event(world) -> None:  # type: ignore[no-untyped-def]
    action = assign_action(actor=world["coordinator"], program_id=world["program"].id,
                           kelurahan_code=world["kel"], title="Penyuluhan",
                           due_at=datetime.now(UTC), assignee_id=world["cadre"].id)
    assert action.status == "open" and len(action.public_code) >= 4
    assert events_of(action.id) == ["ActionAssigned"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity_type == "action", AuditEntry.entity_id == action.id)) == 1


def test_assign_rejects_bad_input_and_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as err:
        assign_action(actor=world["lead"], program_id=world["program"].id, kelurahan_code="31.73",
                      title=" ", due_at=datetime(2022, 1, 1))
    assert set(err.value.fields) == {"kelurahan_code", "title", "due_at"}
    with pytest.raises(InvalidInput):  # assignee from another kelurahan
        far = make_person("cadre", kelurahan_of(CENGKARENG)[0])
        assign_action(actor=world["lead"], program_id=world["program"].id,
                      kelurahan_code=world["kel"], title="x", due_at=datetime.now(UTC),
                      assignee_id=far.id)
    assert db.session.scalar(select(func.count()).select_from(Action)) == 0


def test_a_cadre_may_not_assign_and_a_draft_program_takes_no_actions(world) -> None:  # type: ignore[no-untyped-def]
    def assign_as_cadre() -> None:
        assign_action(actor=world["cadre"], program_id=world["program"].id,
                      kelurahan_code=world["kel"], title="x", due_at=datetime.now(UTC))

    with pytest.raises(NotFound):  # no action of theirs in the program: it does not exist for them
        assign_as_cadre()
    make_action(world["program"], world["kel"], world["cadre"])
    with pytest.raises(Forbidden):  # now visible, but a cadre does not assign
        assign_as_cadre()
    draft = make_program(world["lead"], active=False)
    with pytest.raises(Conflict):
        make_action(draft, world["kel"])


def test_completing_twice_sends_one_event(world) -> None:  # type: ignore[no-untyped-def]
    action = make_action(world["program"], world["kel"], world["cadre"])
    first = complete_action(action.id, actor=world["cadre"], note="Selesai", people_reached=12)
    second = complete_action(action.id, actor=world["cadre"], people_reached=99)
    assert first.changed and not second.changed
    assert second.action.people_reached == 12
    assert events_of(action.id) == ["ActionAssigned", "ActionCompleted"]


def test_completion_validates_people_reached_and_cancelled_is_a_conflict(world) -> None:  # type: ignore[no-untyped-def]
    action = make_action(world["program"], world["kel"], world["cadre"])
    with pytest.raises(InvalidInput) as err:
        complete_action(action.id, actor=world["cadre"], people_reached=-1)
    assert "people_reached" in err.value.fields
    cancel_action(action.id, actor=world["coordinator"])
    with pytest.raises(Conflict):
        complete_action(action.id, actor=world["coordinator"])
    assert events_of(action.id) == ["ActionAssigned", "ActionCancelled"]


def test_another_cadre_cannot_see_or_complete_the_action(world) -> None:  # type: ignore[no-untyped-def]
    action = make_action(world["program"], world["kel"], world["cadre"])
    with pytest.raises(NotFound):
        complete_action(action.id, actor=world["other"])
    assert db.session.get(Action, action.id).status == "open"


def test_a_cadre_may_undo_within_24_hours_a_coordinator_any_time(world) -> None:  # type: ignore[no-untyped-def]
    action = make_action(world["program"], world["kel"], world["cadre"])
    done_at = datetime.now(UTC)
    complete_action(action.id, actor=world["cadre"], people_reached=3, now=done_at)
    reopened = reopen_action(action.id, actor=world["cadre"], now=done_at + timedelta(hours=23))
    assert reopened.status == "open" and reopened.people_reached is None
    complete_action(action.id, actor=world["cadre"], people_reached=3, now=done_at)
    with pytest.raises(Forbidden):
        reopen_action(action.id, actor=world["cadre"], now=done_at + timedelta(hours=25))
    reopen_action(action.id, actor=world["coordinator"], now=done_at + timedelta(days=30))
    assert events_of(action.id) == ["ActionAssigned", "ActionCompleted", "ActionReopened",
                                    "ActionCompleted", "ActionReopened"]
    with pytest.raises(Conflict):
        reopen_action(action.id, actor=world["coordinator"])


def test_reassigning_within_the_kelurahan(world) -> None:  # type: ignore[no-untyped-def]
    action = make_action(world["program"], world["kel"], world["cadre"])
    reassign_action(action.id, actor=world["coordinator"], assignee_id=world["other"].id)
    assert db.session.get(Action, action.id).assignee_id == world["other"].id
    with pytest.raises(Forbidden):
        reassign_action(action.id, actor=world["other"], assignee_id=world["cadre"].id)
    far_coordinator = make_person("coordinator", kelurahan_of(CENGKARENG)[0])
    with pytest.raises(NotFound):
        reassign_action(action.id, actor=far_coordinator, assignee_id=None)
    assert events_of(action.id) == ["ActionAssigned", "ActionReassigned"]


def test_closing_a_program_cancels_its_open_actions_with_events(world) -> None:  # type: ignore[no-untyped-def]
    open_one = make_action(world["program"], world["kel"], world["cadre"])
    done_one = make_action(world["program"], world["kel"], world["other"])
    complete_action(done_one.id, actor=None)
    program = close_program(world["program"].id, actor=world["lead"])
    assert program.status == "closed"
    assert db.session.get(Action, open_one.id).status == "cancelled"
    assert db.session.get(Action, done_one.id).status == "done"
    assert events_of(open_one.id)[-1] == "ActionCancelled"
    closed = db.session.scalars(select(Event).where(Event.type == "ProgramClosed")).one()
    assert closed.payload["cancelled_actions"] == 1


def test_reopening_draws_a_new_code_when_an_open_action_took_it_meanwhile(world) -> None:  # type: ignore[no-untyped-def]
    first = make_action(world["program"], world["kel"], world["cadre"])
    complete_action(first.id, actor=world["cadre"])
    second = make_action(world["program"], world["kel"], world["other"])
    second.public_code = first.public_code  # legal: codes are unique among OPEN actions only
    db.session.commit()
    reopened = reopen_action(first.id, actor=world["coordinator"])
    assert reopened.status == "open" and reopened.public_code != second.public_code
