"""The Celery tasks run the rollups inside the app: by event id, redelivery-safe; and nightly."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from coordinator.domain.actions import complete_action
from coordinator.extensions import db
from coordinator.models import Event, ProgramRollup, RollupRun
from tests.rollups.conftest import CENGKARENG_BARAT, World, utc
from workers import get_celery_for


def test_the_rollup_tasks_apply_events_once_and_recompute(world: World) -> None:
    from coordinator.domain.actions import assign_action

    celery = get_celery_for(current_app._get_current_object())  # type: ignore[attr-defined]
    action = assign_action(actor=world.lead, program_id=world.program.id,
                           kelurahan_code=CENGKARENG_BARAT, title="Sosialisasi",
                           due_at=utc(2022, 3, 15), assignee_id=world.cadres[CENGKARENG_BARAT].id)
    complete_action(action.id, actor=world.lead, people_reached=9, now=utc(2022, 3, 1))
    apply = celery.tasks["sinergi.rollups.apply_event"]
    ids = db.session.scalars(select(Event.id).order_by(Event.id)).all()
    assert [apply.apply(args=[i]).get() for i in ids + ids] == [True, True, False, False]
    row = db.session.get(ProgramRollup, (world.program.id, "31.73", 0), populate_existing=True)
    assert (row.total, row.done, row.done_on_time, row.people_reached) == (1, 1, 1, 9)
    result = celery.tasks["sinergi.rollups.recompute_all"].apply().get()
    assert result["drift_count"] == 0
    assert db.session.get(RollupRun, result["run_id"]) is not None


