"""In Debian's Chromium: a lead opens the dashboard on a phone and drills down
city -> kecamatan -> kelurahan; screenshots are kept as test artifacts."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from coordinator.extensions import db
from coordinator.models import Person
from coordinator.seeding.demo_case_stats import seed_demo_case_stats
from tests.rollups.conftest import apply_pending_events, make_world
from tests.rollups.test_program_rollups import build_march
from tests.support import logged_in_session

pytestmark = pytest.mark.browser


def session_cookie(app: Flask, person_id: int) -> str:
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return str(serializer.dumps(logged_in_session(db.session.get(Person, person_id))))


def charts_drawn(page: Any) -> None:
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length > 0")


def test_a_lead_drills_down_from_the_city_to_a_kelurahan(
    seeded: Flask, live_server: str, chromium: Any, artifacts_dir: Path
) -> None:
    world = make_world()
    build_march(world)
    seed_demo_case_stats()
    apply_pending_events()
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    context.add_cookies([{"name": seeded.config.get("SESSION_COOKIE_NAME", "session"),
                          "value": session_cookie(seeded, world.lead.id), "url": live_server}])
    page = context.new_page()
    try:
        page.goto(f"{live_server}/dashboard?region=31.73&period=2022")
        assert "Jakarta Barat" in page.locator("h1").inner_text()
        charts_drawn(page)
        page.screenshot(path=str(artifacts_dir / "dashboard-city-phone.png"), full_page=True)
        page.locator('#region-table tr[data-region="31.73.01"] a').click()
        page.wait_for_url("**region=31.73.01&**")
        assert "Cengkareng" in page.locator("h1").inner_text()
        charts_drawn(page)
        page.locator('#region-table tr[data-region="31.73.01.1001"] a').click()
        page.wait_for_url("**region=31.73.01.1001&**")
        assert "Cengkareng Barat" in page.locator("h1").inner_text()
        assert page.locator("#kelurahan-actions").is_visible()
        assert page.locator('tfoot tr[data-region="31.73.01.1001"] [data-field="total"]').count() == 0
        assert page.locator('#program-table [data-field="total"]').first.inner_text() == "2"
        charts_drawn(page)
        page.screenshot(path=str(artifacts_dir / "dashboard-drilldown.png"), full_page=True)
    finally:
        context.close()


def test_the_city_dashboard_on_a_desktop(
    seeded: Flask, live_server: str, chromium: Any, artifacts_dir: Path
) -> None:
    world = make_world()
    build_march(world)
    seed_demo_case_stats()
    apply_pending_events()
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    context.add_cookies([{"name": "session", "value": session_cookie(seeded, world.lead.id),
                          "url": live_server}])
    page = context.new_page()
    try:
        page.goto(f"{live_server}/dashboard?region=31.73&period=2022")
        charts_drawn(page)
        assert page.locator("#indicator-table tbody tr").count() == 4
        page.screenshot(path=str(artifacts_dir / "dashboard-city-desktop.png"), full_page=True)
        page.goto(f"{live_server}/dashboard/cetak?region=31.73&period=2022")
        page.emulate_media(media="print")
        assert page.locator("#region-table tbody tr").count() == 8
        assert not page.locator(".no-print").is_visible()
        page.screenshot(path=str(artifacts_dir / "dashboard-print.png"), full_page=True)
        page.pdf(path=str(artifacts_dir / "dashboard-print.pdf"), format="A4")
        assert (artifacts_dir / "dashboard-print.pdf").read_bytes().startswith(b"%PDF")
    finally:
        context.close()
