"""In Debian's Chromium, with the demo data: the city lead reads the worst kecamatan from the
first screen; drills down city -> kecamatan -> kelurahan on a phone; the province view shows
DKI's own baseline and the city's share; the print page becomes an A4 PDF. Screenshots and the
PDF are kept as test artifacts."""
from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select, text

from coordinator.extensions import db
from coordinator.models import Person
from coordinator.seeding.demo import DEMO_PASSWORD, load_demo
from coordinator.seeding.demo_case_stats import seed_demo_case_stats
from coordinator.seeding.demo_outreach import seed_demo_outreach
from tests.rollups.conftest import apply_pending_events
from tests.support import Snapshot, logged_in_session

pytestmark = pytest.mark.browser
DEMO_NOW = datetime(2022, 11, 21, 3, tzinfo=UTC)  # Monday 21 November 2022, 10:00 WIB


def session_cookie(app: Flask, person_id: int) -> str:
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return str(serializer.dumps(logged_in_session(db.session.get(Person, person_id))))


def charts_drawn(page: Any) -> None:
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length > 0")


# On PostgreSQL, loading the demo takes tens of seconds on a busy machine: the first test
# loads it and keeps a snapshot, the next ones put the same rows back (ids included).
_DEMO_SNAPSHOTS: dict[str, Snapshot] = {}


def load_demo_world() -> Person:
    """The demo as `make run` loads it (people, program, statistics, outreach): its city lead."""
    url = db.engine.url.render_as_string(hide_password=False)
    if url in _DEMO_SNAPSHOTS:
        db.session.commit()
        _DEMO_SNAPSHOTS[url].restore(url)
    else:
        load_demo(now=DEMO_NOW)
        seed_demo_case_stats()
        seed_demo_outreach()
        apply_pending_events()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            _DEMO_SNAPSHOTS[url] = Snapshot(url, db.metadata)
    return db.session.scalars(select(Person).where(
        Person.role == "lead", Person.region_code == "31.73")).one()


def worst_kecamatan_by_hand() -> tuple[str, float]:
    """From the case statistics themselves: the kecamatan whose KTPA victims (total) rose the
    most in %, January-October 2022 against January-October 2021 (10 or more cases in 2021)."""
    rows = db.session.execute(text(
        "SELECT substr(c.kelurahan_code, 1, 8), "
        "SUM(CASE WHEN c.month >= :y2022 THEN c.count ELSE 0 END), "
        "SUM(CASE WHEN c.month < :y2022 THEN c.count ELSE 0 END) "
        "FROM case_stats c JOIN indicators i ON i.id = c.indicator_id "
        "WHERE i.code = 'ktpa_victims' GROUP BY substr(c.kelurahan_code, 1, 8)"),
        {"y2022": datetime(2022, 1, 1).date()}).all()
    changes = {code: 100 * (now - before) / before for code, now, before in rows if before >= 10}
    worst = max(changes, key=lambda code: changes[code])
    return worst, changes[worst]


def open_as(chromium: Any, app: Flask, server: str, person: Person, width: int,
            height: int) -> tuple[Any, Any]:
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="id-ID")
    context.add_cookies([{"name": app.config.get("SESSION_COOKIE_NAME", "session"),
                          "value": session_cookie(app, person.id), "url": server}])
    return context, context.new_page()


def test_the_city_lead_reads_the_worst_kecamatan_from_the_first_screen(
    seeded: Flask, live_server: str, chromium: Any, artifacts_dir: Path
) -> None:
    lead = load_demo_world()
    worst, change = worst_kecamatan_by_hand()
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.fill('input[name="email"]', str(lead.email))
        page.fill('input[name="password"]', DEMO_PASSWORD)
        page.locator('form.card button[type="submit"]').click()
        page.wait_for_load_state()
        page.locator("nav.nav a", has_text="Dasbor").click()  # no parameters: city, latest year
        page.wait_for_url("**/dashboard")
        assert "Jakarta Barat" in page.locator("h1").inner_text()
        assert "2022" in page.locator("h1").inner_text()
        first = page.locator("#comparison-table tbody tr").first
        box = first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900, "not on the first screen"
        assert first.get_attribute("data-area") == worst
        cell = first.locator('[data-field="ktpa_victims-change"]').inner_text()
        assert cell.startswith(f"+{change:.1f}".replace(".", ",") + "%")
        page.screenshot(path=str(artifacts_dir / "dashboard-city-first-screen.png"))
        charts_drawn(page)
        page.screenshot(path=str(artifacts_dir / "dashboard-city-desktop.png"), full_page=True)
        ranking = page.locator("#comparison-table tbody tr").evaluate_all(
            "rows => rows.map(r => r.getAttribute('data-area'))")
        # Sorting by a column re-orders the rows; "#" brings back worst first.
        page.locator("#comparison-table button.sort", has_text="Wilayah").click()
        names = page.locator("#comparison-table tbody tr th").all_inner_texts()
        assert names == sorted(names) and names[0] == "Cengkareng"
        page.locator('#comparison-table button.sort[data-column="0"]').click()
        assert page.locator("#comparison-table tbody tr").first.get_attribute("data-area") == worst
        export = page.request.get(f"{live_server}/dashboard/ekspor.xlsx?region=31.73&period=2022")
        sheet = load_workbook(io.BytesIO(export.body()))["Wilayah dibandingkan"]
        assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ranking
    finally:
        context.close()


def test_the_province_view_shows_dki_baseline_and_the_city_share(
    seeded: Flask, live_server: str, chromium: Any, artifacts_dir: Path
) -> None:
    load_demo_world()
    admin = db.session.scalars(select(Person).where(Person.role == "admin")).first()
    context, page = open_as(chromium, seeded, live_server, admin, 1280, 900)
    try:
        page.goto(f"{live_server}/dashboard?region=31&period=2022")
        ktpa = page.locator('#indicator-table tr[data-indicator="ktpa_victims"]')
        assert ktpa.locator('[data-field="comparison"]').inner_text() == "1.051"
        share = page.locator('#comparison-table tr[data-area="31.73"] '
                             '[data-field="ktpa_victims-share"]')
        assert share.inner_text() == "29%"
        women = page.locator('#indicator-table tr[data-indicator="ktpa_women"]')
        assert women.locator('[data-field="comparison"]').inner_text() == "tidak ada data dasar"
        assert page.locator("#reporting-warning").is_visible()
        page.screenshot(path=str(artifacts_dir / "dashboard-province-first-screen.png"))
        page.screenshot(path=str(artifacts_dir / "dashboard-province.png"), full_page=True)
    finally:
        context.close()


def test_a_lead_drills_down_from_the_city_to_a_kelurahan_on_a_phone(
    seeded: Flask, live_server: str, chromium: Any, artifacts_dir: Path
) -> None:
    lead = load_demo_world()
    context, page = open_as(chromium, seeded, live_server, lead, 360, 740)
    try:
        page.goto(f"{live_server}/dashboard?region=31.73&period=2022")
        charts_drawn(page)
        page.screenshot(path=str(artifacts_dir / "dashboard-city-phone-first-screen.png"))
        page.screenshot(path=str(artifacts_dir / "dashboard-city-phone.png"), full_page=True)
        page.locator('#comparison-table tr[data-area="31.73.04"] a').click()
        page.wait_for_url("**region=31.73.04**")
        assert "Tambora" in page.locator("h1").inner_text()
        page.locator('#comparison-table tbody tr a').first.click()
        page.wait_for_url("**region=31.73.04.*")
        assert page.locator("#kelurahan-actions").is_visible()
        charts_drawn(page)
        page.screenshot(path=str(artifacts_dir / "dashboard-drilldown.png"), full_page=True)
    finally:
        context.close()


def test_the_print_page_becomes_a_pdf_to_file(
    seeded: Flask, live_server: str, chromium: Any, artifacts_dir: Path
) -> None:
    lead = load_demo_world()
    context, page = open_as(chromium, seeded, live_server, lead, 1280, 900)
    try:
        page.goto(f"{live_server}/dashboard/cetak?region=31.73&period=2022")
        page.emulate_media(media="print")
        assert not page.locator("p.no-print").is_visible()
        assert page.locator("#comparison-table tbody tr").count() == 8
        assert page.locator("svg.svg-chart").count() == 5
        assert "Jakarta Barat" in page.locator("#print-area").inner_text()
        assert page.locator("#prepared-by").inner_text() == lead.name
        page.screenshot(path=str(artifacts_dir / "dashboard-print.png"), full_page=True)
        pdf = artifacts_dir / "dashboard-print.pdf"
        page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
        assert pdf.read_bytes().startswith(b"%PDF")
    finally:
        context.close()
