"""Several workers applying the same events at once (redeliveries included) count each once."""
from __future__ import annotations

import threading

from flask import Flask, current_app
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Event
from coordinator.rollups import apply_event, recompute_all
from tests.rollups.conftest import JAKARTA_BARAT, World
from tests.rollups.test_program_rollups import EXPECTED, build_march, counts

WORKERS = 4


def test_concurrent_workers_apply_every_event_exactly_once(world: World) -> None:
    build_march(world)
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    ids = db.session.scalars(select(Event.id).order_by(Event.id)).all()
    applied: list[bool] = []
    failures: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def worker(order: list[int]) -> None:
        with app.app_context():
            start.wait(timeout=30)
            try:
                applied.extend(apply_event(event_id) for event_id in order)
            except BaseException as exc:  # noqa: BLE001  (reported below)
                failures.append(exc)
            finally:
                db.session.remove()

    orders = [ids, list(reversed(ids)), ids[::2] + ids[1::2], ids[1::2] + ids[::2]]
    threads = [threading.Thread(target=worker, args=(o,)) for o in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert applied.count(True) == len(ids)  # each event claimed by exactly one worker
    db.session.expire_all()
    assert counts(world.program.id, JAKARTA_BARAT) == EXPECTED[JAKARTA_BARAT]
    assert recompute_all().drift_count == 0


def test_an_unknown_event_is_skipped(world: World) -> None:
    assert apply_event(999_999) is False
