"""Property: any sequence of domain changes, with events applied late, out of order and
redelivered, leaves the incremental rollups equal to a full recompute."""
from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from coordinator.domain import overdue
from coordinator.domain.actions import (
    assign_action,
    cancel_action,
    complete_action,
    reassign_action,
    reopen_action,
    reschedule_action,
)
from coordinator.domain.case_stats import CaseStatEntry, record_case_stats
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.models import Action, Event, Indicator
from coordinator.rollups import apply_event, recompute_all
from tests.rollups.conftest import CENGKARENG_BARAT, DURI_KOSAMBI, GROGOL, World, make_world, utc

KELURAHAN = (CENGKARENG_BARAT, DURI_KOSAMBI, GROGOL)
DUE = utc(2022, 3, 15)
STEPS = st.one_of(
    st.tuples(st.just("assign"), st.integers(0, 2), st.sampled_from([None, "pkk", "rptra"])),
    st.tuples(st.just("complete"), st.integers(0, 9), st.booleans(), st.integers(0, 50)),
    st.tuples(st.just("reopen"), st.integers(0, 9)),
    st.tuples(st.just("cancel"), st.integers(0, 9)),
    st.tuples(st.just("reassign"), st.integers(0, 9)),
    st.tuples(st.just("overdue"), st.integers(0, 9)),
    st.tuples(st.just("reschedule"), st.integers(0, 9), st.booleans()),
    st.tuples(st.just("stats"), st.integers(0, 2), st.integers(0, 3), st.integers(1, 3),
              st.integers(0, 9)),
    st.tuples(st.just("deliver"), st.integers(0, 1000)),
)
SOURCE_TABLES = (
    "processed_events", "program_rollups", "indicator_rollups", "rollup_action_states",
    "rollup_drifts", "rollup_runs", "audit_entries", "case_stats", "events", "actions",
)


def _action(world: World, index: int) -> Action | None:
    ids = db.session.scalars(select(Action.id).order_by(Action.id)).all()
    return db.session.get(Action, ids[index % len(ids)]) if ids else None


def _run_step(world: World, step: tuple[Any, ...]) -> None:
    kind, *args = step
    if kind == "assign":
        code = KELURAHAN[args[0]]
        network = world.networks[args[1]] if args[1] else None
        assign_action(actor=world.lead, program_id=world.program.id, kelurahan_code=code,
                      title="Kunjungan", due_at=DUE, assignee_id=world.cadres[code].id,
                      network_id=network)
        return
    if kind == "stats":
        indicator = db.session.scalars(select(Indicator.id).order_by(Indicator.id)).all()[args[1]]
        record_case_stats(actor=world.lead, month=date(2022, args[2], 1),
                          entries=[CaseStatEntry(KELURAHAN[args[0]], indicator, args[3])])
        return
    if kind == "deliver":
        ids = db.session.scalars(select(Event.id)).all()
        if ids:
            apply_event(ids[args[0] % len(ids)])
        return
    action = _action(world, args[0])
    if action is None:
        return
    _change_action(world, kind, action, args)


def _change_action(world: World, kind: str, action: Action, args: list[Any]) -> None:
    if kind == "complete":
        when = DUE - timedelta(days=1) if args[1] else DUE + timedelta(days=1)
        complete_action(action.id, actor=world.lead, people_reached=args[2], now=when)
    elif kind == "reopen":
        reopen_action(action.id, actor=world.lead, now=DUE + timedelta(days=2))
    elif kind == "cancel":
        cancel_action(action.id, actor=world.lead)
    elif kind == "reassign":
        other = None if action.assignee_id else world.cadres[action.kelurahan_code].id
        reassign_action(action.id, actor=world.lead, assignee_id=other)
    elif kind == "overdue":
        overdue.declare_overdue(DUE + timedelta(days=1))
        db.session.commit()
    elif kind == "reschedule":
        reschedule_action(action.id, actor=world.lead,
                          due_at=DUE + timedelta(days=3 if args[1] else -3))


def _snapshot() -> dict[str, set[tuple[Any, ...]]]:
    return {
        "program": set(db.session.execute(text(
            "SELECT * FROM program_rollups WHERE total <> 0 OR open <> 0 OR done <> 0 "
            "OR done_on_time <> 0 OR overdue <> 0 OR cancelled <> 0 OR people_reached <> 0"
        )).all()),
        "indicator": set(db.session.execute(
            text("SELECT * FROM indicator_rollups WHERE count <> 0")).all()),
    }


def _deliver_everything(seed: int) -> None:
    """Every event at least once, in a shuffled order, some twice."""
    ids = db.session.scalars(select(Event.id)).all()
    shuffled = ids + ids[: len(ids) // 3]
    random.Random(seed).shuffle(shuffled)
    for event_id in shuffled:
        apply_event(event_id)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEPS, max_size=25), seed=st.integers(0, 2**16))
def test_incremental_rollups_equal_a_full_recompute(
    seeded: Flask, backend: str, steps: list[tuple[Any, ...]], seed: int
) -> None:
    for table in SOURCE_TABLES:
        db.session.execute(text(f"DELETE FROM {table}"))
    db.session.execute(text("DELETE FROM programs"))
    db.session.execute(text("DELETE FROM people"))
    db.session.commit()
    world = make_world()
    for step in steps:
        try:
            _run_step(world, step)
        except DomainError:
            db.session.rollback()
    _deliver_everything(seed)
    incremental = _snapshot()
    assert recompute_all().drift_count == 0
    assert _snapshot() == incremental
