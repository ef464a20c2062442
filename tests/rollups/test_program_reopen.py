"""Closing a program cancels its open actions; reopening it within 7 days restores exactly those,
with their events, so the incremental rollups and the full recompute agree (zero drift)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coordinator.domain import overdue
from coordinator.domain.actions import assign_action, cancel_action, complete_action
from coordinator.domain.program_closing import closing_preview
from coordinator.domain.programs import close_program, reopen_program
from coordinator.errors import Conflict
from coordinator.extensions import db
from coordinator.models import Action, AuditEntry, Event, Program, ProgramRollup
from coordinator.models.rollups import ALL_NETWORKS
from coordinator.policy import Reason
from coordinator.policy.limits import PROGRAM_REOPEN_WINDOW
from coordinator.rollups import recompute_all
from tests.rollups.conftest import (
    CENGKARENG_BARAT,
    DURI_KOSAMBI,
    GROGOL,
    JAKARTA_BARAT,
    World,
    apply_pending_events,
    utc,
)

CLOSED_AT = utc(2022, 3, 20, 3)


def four_actions(world: World) -> dict[str, Action]:
    """done, cancelled on its own, open and overdue (declared), open and unassigned."""
    def assign(code: str, due_day: int, assignee: bool = True) -> Action:
        return assign_action(actor=world.lead, program_id=world.program.id, kelurahan_code=code,
                             title="Sosialisasi", due_at=utc(2022, 3, due_day),
                             assignee_id=world.cadres[code].id if assignee else None)

    a = {"done": assign(CENGKARENG_BARAT, 25), "cancelled": assign(CENGKARENG_BARAT, 25),
         "late": assign(DURI_KOSAMBI, 10), "unassigned": assign(GROGOL, 28, assignee=False)}
    complete_action(a["done"].id, actor=world.lead, people_reached=15, now=utc(2022, 3, 12))
    cancel_action(a["cancelled"].id, actor=world.lead)
    overdue.declare_overdue(utc(2022, 3, 11))
    db.session.commit()
    return a


def statuses(actions: dict[str, Action]) -> dict[str, str]:
    db.session.expire_all()
    return {name: db.session.get(Action, a.id).status for name, a in actions.items()}  # type: ignore[union-attr]


def city_counts(world: World) -> dict[str, int]:
    row = db.session.get(ProgramRollup, (world.program.id, JAKARTA_BARAT, ALL_NETWORKS))
    assert row is not None
    return {"open": row.open, "done": row.done, "cancelled": row.cancelled,
            "overdue": row.overdue, "total": row.total}


def test_reopening_restores_exactly_what_closing_cancelled_and_rollups_agree(world: World) -> None:
    actions = four_actions(world)
    apply_pending_events()
    before = city_counts(world)
    assert before == {"open": 2, "done": 1, "cancelled": 1, "overdue": 1, "total": 4}

    close_program(world.program.id, actor=world.lead, now=CLOSED_AT)
    assert statuses(actions) == {"done": "done", "cancelled": "cancelled", "late": "cancelled",
                                 "unassigned": "cancelled"}
    apply_pending_events()
    assert city_counts(world) == {"open": 0, "done": 1, "cancelled": 3, "overdue": 0, "total": 4}
    assert recompute_all().drift_count == 0

    program = reopen_program(world.program.id, actor=world.lead, now=CLOSED_AT + timedelta(days=2))
    assert program.status == "active" and program.closed_at is None
    assert statuses(actions) == {"done": "done", "cancelled": "cancelled", "late": "open",
                                 "unassigned": "open"}
    apply_pending_events()
    assert city_counts(world) == before  # the overdue one counts as overdue again
    assert recompute_all().drift_count == 0
    restored = db.session.scalars(select(Event.payload).where(Event.type == "ActionRestored")).all()
    assert sorted(p["action_id"] for p in restored) == sorted(
        [actions["late"].id, actions["unassigned"].id])
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.operation == "restore")) == 2


def test_a_second_closing_is_undone_alone(world: World) -> None:
    actions = four_actions(world)
    close_program(world.program.id, actor=world.lead, now=CLOSED_AT)
    reopen_program(world.program.id, actor=world.lead, now=CLOSED_AT + timedelta(hours=1))
    cancel_action(actions["unassigned"].id, actor=world.lead)  # on its own, between closings
    close_program(world.program.id, actor=world.lead, now=CLOSED_AT + timedelta(hours=2))
    reopen_program(world.program.id, actor=world.lead, now=CLOSED_AT + timedelta(hours=3))
    assert statuses(actions) == {"done": "done", "cancelled": "cancelled", "late": "open",
                                 "unassigned": "cancelled"}
    apply_pending_events()
    assert recompute_all().drift_count == 0


def test_reopening_is_refused_after_seven_days_and_for_an_open_program(world: World) -> None:
    actions = four_actions(world)
    assert reopen_program(world.program.id, actor=world.lead).status == "active"  # no-op
    close_program(world.program.id, actor=world.lead, now=CLOSED_AT)
    with pytest.raises(Conflict) as refused:
        reopen_program(world.program.id, actor=world.lead,
                       now=CLOSED_AT + PROGRAM_REOPEN_WINDOW + timedelta(seconds=1))
    assert refused.value.reason == Reason.REOPEN_WINDOW_PASSED
    assert statuses(actions)["late"] == "cancelled"
    reopen_program(world.program.id, actor=world.lead, now=CLOSED_AT + PROGRAM_REOPEN_WINDOW)
    assert statuses(actions)["late"] == "open"


def test_a_code_taken_meanwhile_is_replaced_so_sms_replies_name_one_action(world: World) -> None:
    actions = four_actions(world)
    close_program(world.program.id, actor=world.lead, now=CLOSED_AT)
    second = Program(title="Program lain", description="", category="prevention", year=2022,
                     region_code=JAKARTA_BARAT, owner_id=world.lead.id, status="active")
    db.session.add(second)
    db.session.commit()
    newcomer = assign_action(actor=world.lead, program_id=second.id, kelurahan_code=GROGOL,
                             title="Rapat", due_at=utc(2030, 1, 1))
    old_code, kept_code = actions["late"].public_code, actions["unassigned"].public_code
    newcomer.public_code = old_code  # the code freed by the closing, drawn again meanwhile
    db.session.commit()
    reopen_program(world.program.id, actor=world.lead, now=CLOSED_AT + timedelta(days=1))
    db.session.expire_all()
    late = db.session.get(Action, actions["late"].id)
    assert late is not None and late.status == "open"
    assert late.public_code != old_code and newcomer.public_code == old_code
    unassigned = db.session.get(Action, actions["unassigned"].id)
    assert unassigned is not None and unassigned.public_code == kept_code


def test_the_closing_preview_counts_per_kelurahan_and_the_people_told(world: World) -> None:
    four_actions(world)
    preview = closing_preview(world.program.id)
    assert (preview.actions, preview.unassigned, preview.people_told) == (2, 1, 1)
    assert sorted((k.code, k.actions, k.unassigned, k.people_told)
                  for k in preview.by_kelurahan) == [(DURI_KOSAMBI, 1, 0, 1), (GROGOL, 1, 1, 0)]
