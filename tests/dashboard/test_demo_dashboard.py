"""The Jakarta Barat demo end to end: demo actions and statistics, the reminder sweep's overdue
declarations, the events applied, then the dashboard's numbers against the demo's own counts."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Event, Person
from coordinator.notifications.reminders import sweep_reminders
from coordinator.rollups import apply_event, recompute_all
from coordinator.rollups.queries import child_regions, progress, progress_by_region
from coordinator.seeding.demo import load_demo
from coordinator.seeding.demo_case_stats import seed_demo_case_stats
from tests.dashboard.test_dashboard_page import row_numbers
from tests.rollups.conftest import utc

NOW = utc(2022, 5, 2, 3)


def test_the_demo_dashboard_counts_every_demo_action(
    seeded: Flask, login_as: Callable[[Person], FlaskClient]
) -> None:
    demo = load_demo(now=NOW)
    seed_demo_case_stats()
    sweep_reminders(NOW)
    action_events = select(Event.id).where(Event.aggregate_type == "action").order_by(Event.id)
    for event_id in db.session.scalars(action_events).all():  # what the rollup worker gets
        apply_event(event_id)
    assert recompute_all().drift_count == 0
    city = progress("31.73")
    assert city.total == demo.actions
    assert city.done == demo.by_state.get("done", 0)
    assert city.cancelled == demo.by_state.get("cancelled", 0)
    assert city.open == demo.by_state.get("open", 0) + demo.by_state.get("overdue", 0)
    assert city.overdue == demo.by_state.get("overdue", 0)
    kecamatan = progress_by_region([r.code for r in child_regions("31.73")])
    assert sum(p.total for p in kecamatan.values()) == city.total
    assert sum(p.people_reached for p in kecamatan.values()) == city.people_reached
    lead = db.session.scalars(select(Person).where(Person.role == "lead",
                                                   Person.region_code == "31.73")).first()
    page = login_as(lead).get("/dashboard?region=31.73&period=2022").text
    assert row_numbers(page, "region", "31.73")["total"] == str(demo.actions)
    assert row_numbers(page, "region", "31.73")["overdue"] == str(city.overdue)
    assert row_numbers(page, "indicator", "ktpa_victims")["ytd"] == "310"
