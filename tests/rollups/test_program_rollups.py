"""Program progress rolled up the region tree: exact, hand-computed numbers."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, text

from coordinator.domain import overdue
from coordinator.domain.actions import assign_action, cancel_action, complete_action, reopen_action
from coordinator.extensions import db
from coordinator.models import Action, Event, ProgramRollup, RollupDrift
from coordinator.models.rollups import ALL_NETWORKS, PROGRAM_COUNTS
from coordinator.rollups import apply_event, recompute_all
from tests.rollups.conftest import (
    CENGKARENG,
    CENGKARENG_BARAT,
    DKI,
    DURI_KOSAMBI,
    GROGOL,
    GROGOL_PETAMBURAN,
    JAKARTA_BARAT,
    World,
    apply_pending_events,
    utc,
)


def counts(program_id: int, region: str, network: int = ALL_NETWORKS) -> tuple[int, ...]:
    row = db.session.get(ProgramRollup, (program_id, region, network))
    if row is None:
        return (0,) * len(PROGRAM_COUNTS)
    return tuple(getattr(row, c) for c in PROGRAM_COUNTS)


def declare_overdue(action: Action) -> None:
    """The sweep's declaration, a minute after the action's due time."""
    overdue.declare_overdue(action.due_at + timedelta(minutes=1))
    db.session.commit()


def build_march(world: World) -> dict[str, Action]:
    """Six actions in three kelurahan; see the module's expected numbers."""
    pkk, jumantik = world.networks["pkk"], world.networks["jumantik"]
    p = world.program.id

    def assign(code: str, due: Any, network: int | None) -> Action:
        return assign_action(actor=world.lead, program_id=p, kelurahan_code=code,
                             title="Sosialisasi", due_at=due, assignee_id=world.cadres[code].id,
                             network_id=network)

    a = {
        "a1": assign(CENGKARENG_BARAT, utc(2022, 3, 15), pkk),
        "a2": assign(CENGKARENG_BARAT, utc(2022, 3, 1), jumantik),
        "a3": assign(DURI_KOSAMBI, utc(2022, 3, 1), pkk),
        "a4": assign(DURI_KOSAMBI, utc(2022, 4, 1), None),
        "a5": assign(GROGOL, utc(2022, 4, 1), pkk),
        "a6": assign(GROGOL, utc(2022, 2, 1), pkk),
    }
    complete_action(a["a1"].id, actor=world.lead, people_reached=20, now=utc(2022, 3, 12))
    complete_action(a["a2"].id, actor=world.lead, people_reached=5, now=utc(2022, 3, 5))
    declare_overdue(a["a3"])
    cancel_action(a["a4"].id, actor=world.lead)
    declare_overdue(a["a6"])
    complete_action(a["a6"].id, actor=world.lead, people_reached=7, now=utc(2022, 3, 2))
    return a


# (total, open, done, done_on_time, overdue, cancelled, people_reached)
EXPECTED = {
    CENGKARENG_BARAT: (2, 0, 2, 1, 0, 0, 25),
    DURI_KOSAMBI: (2, 1, 0, 0, 1, 1, 0),
    GROGOL: (2, 1, 1, 0, 0, 0, 7),
    CENGKARENG: (4, 1, 2, 1, 1, 1, 25),
    GROGOL_PETAMBURAN: (2, 1, 1, 0, 0, 0, 7),
    JAKARTA_BARAT: (6, 2, 3, 1, 1, 1, 32),
    DKI: (6, 2, 3, 1, 1, 1, 32),
    "ID": (6, 2, 3, 1, 1, 1, 32),
}


def test_events_roll_progress_up_to_every_level(world: World) -> None:
    build_march(world)
    apply_pending_events()
    for region, expected in EXPECTED.items():
        assert counts(world.program.id, region) == expected, region
    pkk = world.networks["pkk"]
    assert counts(world.program.id, JAKARTA_BARAT, pkk) == (4, 2, 2, 1, 1, 0, 27)
    assert counts(world.program.id, CENGKARENG, world.networks["jumantik"]) == (1, 0, 1, 0, 0, 0, 5)


def test_a_redelivered_event_changes_nothing(world: World) -> None:
    build_march(world)
    assert apply_pending_events() == db.session.scalar(text("SELECT COUNT(*) FROM events"))
    assert apply_pending_events() == 0
    first = db.session.scalars(select(Event.id).order_by(Event.id)).first()
    assert apply_event(first) is False
    assert counts(world.program.id, JAKARTA_BARAT) == EXPECTED[JAKARTA_BARAT]


def test_reopening_takes_back_the_completion_and_people_reached(world: World) -> None:
    actions = build_march(world)
    apply_pending_events()
    reopen_action(actions["a1"].id, actor=world.lead, now=utc(2022, 3, 13))
    apply_pending_events()
    assert counts(world.program.id, CENGKARENG_BARAT) == (2, 1, 1, 0, 0, 0, 5)
    assert counts(world.program.id, JAKARTA_BARAT) == (6, 3, 2, 0, 1, 1, 12)


def test_reopening_a_declared_overdue_action_counts_it_overdue_again(world: World) -> None:
    actions = build_march(world)
    reopen_action(actions["a6"].id, actor=world.lead, now=utc(2022, 3, 3))
    apply_pending_events()
    assert counts(world.program.id, GROGOL) == (2, 2, 0, 0, 1, 0, 0)


def test_events_applied_out_of_order_give_the_same_numbers(world: World) -> None:
    build_march(world)
    for event_id in db.session.scalars(select(Event.id).order_by(Event.id.desc())).all():
        apply_event(event_id)
    for region, expected in EXPECTED.items():
        assert counts(world.program.id, region) == expected, region


def test_recompute_finds_no_drift_after_incremental_updates(world: World) -> None:
    build_march(world)
    apply_pending_events()
    result = recompute_all()
    assert result.drift_count == 0
    for region, expected in EXPECTED.items():
        assert counts(world.program.id, region) == expected, region


def test_recompute_corrects_and_records_every_drift(world: World) -> None:
    build_march(world)
    apply_pending_events()
    db.session.execute(
        text("UPDATE program_rollups SET done = 99 WHERE region_code = :r AND network_key = 0"),
        {"r": GROGOL},
    )
    db.session.execute(text("DELETE FROM program_rollups WHERE region_code = 'ID'"))
    db.session.commit()
    result = recompute_all()
    assert result.drift_count == 1 + 3  # Grogol; ID for all networks, pkk, jumantik
    assert counts(world.program.id, GROGOL) == EXPECTED[GROGOL]
    assert counts(world.program.id, "ID") == EXPECTED["ID"]
    drifts = db.session.scalars(select(RollupDrift).where(RollupDrift.run_id == result.run_id)).all()
    grogol = [d for d in drifts if d.key["region_code"] == GROGOL]
    assert grogol[0].found["done"] == 99 and grogol[0].expected["done"] == 1
    assert recompute_all().drift_count == 0


def test_recompute_leaves_work_in_flight_to_the_incremental_handler(world: World) -> None:
    actions = build_march(world)
    apply_pending_events()
    complete_action(actions["a5"].id, actor=world.lead, people_reached=3, now=utc(2022, 3, 20))
    assert recompute_all().drift_count == 0
    assert counts(world.program.id, GROGOL)[2] == 1
    apply_pending_events()
    assert counts(world.program.id, GROGOL) == (2, 0, 2, 1, 0, 0, 10)
    assert recompute_all().drift_count == 0
