"""The full recompute reads without the rollup lock: events apply while it runs, and what they
change is neither undone nor counted twice by its corrections (PostgreSQL; SQLite has one
writer at a time, so there its recompute and the handler take turns)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask, current_app
from sqlalchemy import func, select, text

from coordinator.domain.actions import complete_action
from coordinator.domain.case_stats import CaseStatEntry, record_case_stats
from coordinator.extensions import db
from coordinator.models import Event, Indicator, IndicatorRollup
from coordinator.rollups import RecomputeResult, apply_event, recompute_all
from coordinator.rollups.recompute import RECOMPUTE_STEPS
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
from tests.rollups.test_program_rollups import EXPECTED, build_march, counts

# build_march, then a5 (Grogol, pkk, due 1 April) done on time on 20 March for 3 people.
AFTER_A5 = {
    GROGOL: (2, 0, 2, 1, 0, 0, 10), GROGOL_PETAMBURAN: (2, 0, 2, 1, 0, 0, 10),
    CENGKARENG: EXPECTED[CENGKARENG], JAKARTA_BARAT: (6, 1, 4, 2, 1, 1, 35),
    DKI: (6, 1, 4, 2, 1, 1, 35), "ID": (6, 1, 4, 2, 1, 1, 35),
}


@pytest.fixture
def march(world: World, backend: str) -> World:
    if backend != "postgresql":
        pytest.skip("SQLite's recompute holds the one write lock: events wait their turn")
    actions = build_march(world)
    apply_pending_events()
    complete_action(actions["a5"].id, actor=world.lead, people_reached=3, now=utc(2022, 3, 20))
    return world


def _a5_completed() -> int:
    return int(db.session.scalar(select(func.max(Event.id)).where(Event.type == "ActionCompleted")))


def _apply_while_recompute_reads(event_id: int, **recompute: Any) -> RecomputeResult:
    """Apply the event while a recompute reads, with a one-second lock timeout (an error if
    the recompute held the rollup lock)."""

    def apply() -> None:
        db.session.execute(text("SET LOCAL lock_timeout = '1s'"))
        assert apply_event(event_id) is True

    return _while_recompute_reads(apply, **recompute)


def _while_recompute_reads(work: Callable[[], None], **recompute: Any) -> RecomputeResult:
    """Pause a recompute in another session after its first read, do ``work`` here, resume."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    paused, resume = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def pause(step: int, total: int) -> None:
        if step == 1 and not paused.is_set():
            paused.set()
            resume.wait(timeout=30)

    def run() -> None:
        with app.app_context():
            try:
                outcome["result"] = recompute_all(progress=pause, **recompute)
            except BaseException as exc:  # noqa: BLE001  (reported below)
                outcome["error"] = exc
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert paused.wait(timeout=30), outcome
        work()
    finally:
        resume.set()
        thread.join(timeout=60)
    assert "error" not in outcome, outcome["error"]
    db.session.expire_all()
    return outcome["result"]  # type: ignore[no-any-return]


def test_an_event_applies_while_the_recompute_reads_and_its_drift_is_still_corrected(
    march: World,
) -> None:
    db.session.execute(text("UPDATE program_rollups SET done = done + 5 "
                            "WHERE region_code = :r AND network_key = 0"), {"r": GROGOL})
    db.session.commit()
    result = _apply_while_recompute_reads(_a5_completed())
    assert result.drift_count == 1  # the corrupted row; a5's event was in flight, not drift
    for region, expected in AFTER_A5.items():
        assert counts(march.program.id, region) == expected, region
    assert recompute_all().drift_count == 0


def test_a_late_event_applied_during_the_recompute_is_not_counted_twice(march: World) -> None:
    # Past the handling bound a5's unapplied event is lost: a5 is drift in ten rows (Grogol up to
    # the country, for all networks and pkk). It arrives while the recompute reads: the handler
    # applies it, so the recompute must leave a5 out of its corrections.
    later = utc(2022, 3, 20) + timedelta(days=3650)
    result = _apply_while_recompute_reads(_a5_completed(), now=later)
    assert result.drift_count == 10
    for region, expected in AFTER_A5.items():
        assert counts(march.program.id, region) == expected, region
    assert counts(march.program.id, GROGOL, march.networks["pkk"]) == (2, 0, 2, 1, 0, 0, 10)
    assert recompute_all(now=later).drift_count == 0


def _indicator_counts(indicator_id: int) -> dict[str, int]:
    rows = db.session.scalars(select(IndicatorRollup).where(
        IndicatorRollup.indicator_id == indicator_id, IndicatorRollup.year == 2022,
        IndicatorRollup.month == 1))
    return {r.region_code: r.count for r in rows}


def test_a_kelurahan_statistic_applied_during_the_recompute_keeps_its_ancestors_right(
    march: World,
) -> None:
    indicator = db.session.scalars(select(Indicator.id).order_by(Indicator.id)).first()
    assert indicator is not None

    def record(*entries: tuple[str, int]) -> None:
        record_case_stats(actor=march.lead, month=date(2022, 1, 1),
                          entries=[CaseStatEntry(k, indicator, n) for k, n in entries])

    record((CENGKARENG_BARAT, 2), (DURI_KOSAMBI, 3))
    apply_pending_events()
    db.session.execute(text("UPDATE indicator_rollups SET count = count + 5 "
                            "WHERE region_code = :r"), {"r": CENGKARENG_BARAT})
    db.session.commit()
    record((CENGKARENG_BARAT, 4))  # its event applies while the recompute reads: the handler
    # sets the kelurahan row to 4 and passes its change (4 - 7) on to every ancestor
    event_id = db.session.scalar(select(func.max(Event.id)).where(
        Event.type == "CaseStatsRecorded"))
    result = _apply_while_recompute_reads(int(event_id))
    assert result.drift_count == 5  # Cengkareng Barat and its four ancestors
    assert _indicator_counts(indicator) == {
        CENGKARENG_BARAT: 4, DURI_KOSAMBI: 3, CENGKARENG: 7, JAKARTA_BARAT: 7, DKI: 7, "ID": 7}
    assert recompute_all().drift_count == 0


def test_a_recompute_that_another_corrected_meanwhile_does_not_correct_again(
    march: World,
) -> None:
    apply_pending_events()
    db.session.execute(text("UPDATE program_rollups SET done = done + 5 "
                            "WHERE region_code = :r AND network_key = 0"), {"r": GROGOL})
    db.session.commit()
    corrected: list[int] = []
    # The paused one saw the drift; the other corrects it before it resumes; it starts again.
    paused = _while_recompute_reads(lambda: corrected.append(recompute_all().drift_count))
    assert (corrected, paused.drift_count) == ([1], 0)
    for region, expected in AFTER_A5.items():
        assert counts(march.program.id, region) == expected, region


def test_the_recompute_reports_each_of_its_steps(march: World) -> None:
    steps: list[int] = []
    recompute_all(progress=lambda step, total: steps.append(step))
    assert steps == list(range(1, RECOMPUTE_STEPS + 1))
