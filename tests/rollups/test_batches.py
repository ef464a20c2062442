"""The rollups apply a batch of events in one transaction: exact, idempotent, and a poison
event in a batch becomes its own dead letter while the others are applied."""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from coordinator.domain.actions import assign_action, complete_action
from coordinator.domain.case_stats import CaseStatEntry, record_case_stats
from coordinator.extensions import db
from coordinator.models import (
    DeadLetter,
    Event,
    Indicator,
    IndicatorRollup,
    ProcessedEvent,
    ProgramRollup,
    utcnow,
)
from coordinator.models.rollups import ALL_NETWORKS
from coordinator.rollups import apply_events, recompute_all
from tests.rollups.conftest import (
    CENGKARENG,
    CENGKARENG_BARAT,
    DURI_KOSAMBI,
    JAKARTA_BARAT,
    World,
    utc,
)
from workers import get_celery_for


def event_ids() -> list[int]:
    return list(db.session.scalars(select(Event.id).order_by(Event.id)))


def done_and_total(world: World, region: str) -> tuple[int, int, int]:
    row = db.session.get(ProgramRollup, (world.program.id, region, ALL_NETWORKS),
                         populate_existing=True)
    return (row.done, row.total, row.people_reached) if row else (0, 0, 0)


def assign_and_complete(world: World, code: str, people: int) -> int:
    action = assign_action(actor=world.lead, program_id=world.program.id, kelurahan_code=code,
                           title="Sosialisasi", due_at=utc(2022, 3, 15),
                           assignee_id=world.cadres[code].id)
    complete_action(action.id, actor=world.lead, people_reached=people, now=utc(2022, 3, 1))
    return action.id


def test_a_batch_touching_the_same_rows_twice_sums_them(world: World) -> None:
    assign_and_complete(world, CENGKARENG_BARAT, 5)
    assign_and_complete(world, CENGKARENG_BARAT, 7)
    assign_and_complete(world, DURI_KOSAMBI, 11)
    ids = event_ids()  # each action's assignment and completion: six events, one batch
    assert apply_events(ids) == ids
    assert done_and_total(world, CENGKARENG_BARAT) == (2, 2, 12)
    assert done_and_total(world, CENGKARENG) == (3, 3, 23)
    assert done_and_total(world, "ID") == (3, 3, 23)
    assert recompute_all().drift_count == 0


def test_a_batch_with_a_redelivered_event_applies_only_the_new_ones(world: World) -> None:
    first = assign_and_complete(world, CENGKARENG_BARAT, 5)
    applied_alone = event_ids()
    assert apply_events(applied_alone) == applied_alone
    assign_and_complete(world, DURI_KOSAMBI, 11)
    complete_again = event_ids()
    assert apply_events(complete_again + [999_999]) == complete_again[len(applied_alone):]
    assert apply_events(complete_again) == []  # the whole batch redelivered
    assert done_and_total(world, CENGKARENG) == (2, 2, 16)
    assert first and recompute_all().drift_count == 0


def test_case_statistics_of_one_batch_add_up_per_region(world: World) -> None:
    victims = db.session.scalars(select(Indicator.id).where(
        Indicator.code == "tppo_victims")).one()
    for code, count in ((CENGKARENG_BARAT, 2), (DURI_KOSAMBI, 3), (CENGKARENG_BARAT, 4)):
        record_case_stats(actor=world.lead, month=date(2022, 1, 1), now=utc(2022, 2, 2),
                          entries=[CaseStatEntry(code, victims, count)])
    apply_events(event_ids())
    row = db.session.get(IndicatorRollup, (victims, JAKARTA_BARAT, 2022, 1))
    assert (row.count, row.reported) == (7, 2)  # Cengkareng Barat's correction to 4, and Duri
    assert recompute_all().drift_count == 0


def test_a_poison_event_in_a_batch_becomes_one_dead_letter_and_the_rest_are_applied(
    world: World,
) -> None:
    assign_and_complete(world, CENGKARENG_BARAT, 5)
    poison = Event(type="CaseStatsRecorded", aggregate_type="case_stat", aggregate_id=1,
                   payload={"kelurahan_code": CENGKARENG_BARAT}, created_at=utcnow())
    db.session.add(poison)
    db.session.commit()
    poison_id = poison.id
    assign_and_complete(world, DURI_KOSAMBI, 11)
    ids = event_ids()
    celery = get_celery_for(current_app._get_current_object())  # type: ignore[attr-defined]
    task = celery.tasks["sinergi.rollups.apply_event"]
    assert task.apply(args=[ids]).get() == len(ids) - 1
    letters = db.session.scalars(select(DeadLetter)).all()
    assert [(letter.event_id, letter.args) for letter in letters] == [(poison_id, [poison_id])]
    assert "malformed payload" in letters[0].error and "indicator_id" in letters[0].error
    claimed = set(db.session.scalars(select(ProcessedEvent.event_id).where(
        ProcessedEvent.handler == "rollups")))
    assert claimed == set(ids) - {poison_id}
    assert done_and_total(world, CENGKARENG) == (2, 2, 16)
    assert task.apply(args=[ids]).get() == 0  # redelivered: nothing more applied...
    assert db.session.scalars(select(DeadLetter.failures)).all() == [2]  # ...one letter still
