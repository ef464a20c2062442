"""The outbox helper writes events in the caller's transaction: they commit or vanish together."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coordinator.domain.events import (
    ActionCompleted,
    ProgramActivated,
    event_from_row,
    record_event,
    record_events,
)
from coordinator.extensions import db
from coordinator.models import Event, Region


def events_seen_from_another_connection() -> int:
    with db.engine.connect() as other:
        return other.execute(select(func.count()).select_from(Event)).scalar_one()


def test_the_event_commits_with_the_change_it_describes(app):
    db.session.add(Region(code="31", name="DKI Jakarta", level="province"))
    record_event(ProgramActivated(program_id=7))
    db.session.flush()
    assert events_seen_from_another_connection() == 0
    db.session.commit()
    assert events_seen_from_another_connection() == 1
    row = db.session.scalars(select(Event)).one()
    assert (row.type, row.aggregate_type, row.aggregate_id) == ("ProgramActivated", "program", 7)
    assert row.published_at is None and row.created_at.tzinfo is not None
    assert db.session.get(Region, "31") is not None


def test_a_rolled_back_change_leaves_no_event(app):
    db.session.add(Region(code="31", name="DKI Jakarta", level="province"))
    record_event(ProgramActivated(program_id=7))
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0
    assert db.session.get(Region, "31") is None


def test_a_change_the_database_refuses_takes_its_event_with_it(app):
    db.session.add(Region(code="31", name="DKI Jakarta", level="hamlet"))  # violates a CHECK
    record_event(ProgramActivated(program_id=7))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert events_seen_from_another_connection() == 0


def test_bulk_events_share_the_transaction_too(app):
    events = [ProgramActivated(program_id=n) for n in range(1, 501)]
    assert record_events(events) == 500
    assert events_seen_from_another_connection() == 0
    db.session.rollback()
    assert events_seen_from_another_connection() == 0
    record_events(events)
    db.session.commit()
    ids = db.session.scalars(select(Event.aggregate_id).order_by(Event.id)).all()
    assert ids == list(range(1, 501))


def test_an_event_row_turns_back_into_its_typed_event(app):
    event = ActionCompleted(action_id=3, program_id=1, kelurahan_code="31.73.04.1001",
                            completed_by_id=None, people_reached=40, on_time=True)
    record_event(event)
    db.session.commit()
    assert event_from_row(db.session.scalars(select(Event)).one()) == event


def test_the_outbox_refuses_naive_timestamps(app):
    row = record_event(ProgramActivated(program_id=1))
    row.created_at = datetime(2022, 1, 1)
    with pytest.raises(Exception, match="naive datetime"):
        db.session.flush()
    db.session.rollback()
    row = record_event(ProgramActivated(program_id=1))
    row.created_at = datetime(2022, 1, 1, tzinfo=UTC)
    db.session.commit()
    assert db.session.scalars(select(Event.created_at)).one() == datetime(2022, 1, 1, tzinfo=UTC)
