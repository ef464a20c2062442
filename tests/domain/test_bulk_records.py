"""Bulk assignment writes its audit entries and events in SQL: they must read exactly like the
ones one assignment writes (the same snapshot, the same ActionAssigned payload)."""
from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from coordinator.domain.actions import action_snapshot
from coordinator.domain.bulk import BulkRequest, assign_actions_in_bulk
from coordinator.domain.events import ActionAssigned
from coordinator.extensions import db
from coordinator.models import Action, AuditEntry, Event
from tests.domain.factories import TAMBORA, kelurahan_of, make_person, make_program, network


def test_bulk_audit_and_events_match_the_created_actions(seeded, early_2022) -> None:  # type: ignore[no-untyped-def]
    lead = make_person("lead", TAMBORA)
    kelurahan = kelurahan_of(TAMBORA)[0]
    make_person("cadre", kelurahan, networks=("pkk",))
    make_person("cadre", kelurahan, networks=("pkk",))
    program = make_program(lead)
    request = BulkRequest(program_id=program.id, network_ids=(network("pkk").id,),
                          region_codes=(kelurahan,), due_date=date(2022, 3, 15), due_time=time(17),
                          title="Sosialisasi", recurrence="weekly", until=date(2022, 3, 29))
    result = assign_actions_in_bulk(request, actor=lead)

    actions = db.session.scalars(select(Action).where(
        Action.bulk_assignment_id == result.bulk_assignment_id).order_by(Action.id)).all()
    assert len(actions) == result.created == 6  # two cadres, three weeks
    audits = {a.entity_id: a for a in db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity_type == "action", AuditEntry.operation == "assign"))}
    events = {e.aggregate_id: e for e in db.session.scalars(select(Event).where(
        Event.type == "ActionAssigned"))}
    for action in actions:
        audit = audits[action.id]
        assert audit.actor_id == lead.id and audit.before is None
        assert audit.after == {**action_snapshot(action),
                               "bulk_assignment_id": result.bulk_assignment_id}
        expected = ActionAssigned(action_id=action.id, program_id=program.id,
                                  kelurahan_code=kelurahan, assignee_id=action.assignee_id,
                                  network_id=network("pkk").id)
        assert events[action.id].aggregate_type == "action"
        assert events[action.id].payload == expected.payload()
        assert events[action.id].published_at is None and events[action.id].deliveries == 0


def test_bulk_by_the_system_is_audited_without_an_actor(seeded) -> None:  # type: ignore[no-untyped-def]
    lead = make_person("lead", TAMBORA)
    kelurahan = kelurahan_of(TAMBORA)[1]
    program = make_program(lead)
    request = BulkRequest(program_id=program.id, network_ids=(network("pkk").id,),
                          region_codes=(kelurahan,), due_date=date(2022, 3, 15), title="Rapat")
    result = assign_actions_in_bulk(request, actor=None)
    assert result.created == 1  # no cadre: one unassigned action for the coordinator
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.operation == "assign", AuditEntry.entity_type == "action")).one()
    assert audit.actor_id is None and audit.after["assignee_id"] is None
    assert audit.after["due_at"] == "2022-03-15T10:00:00+00:00"
