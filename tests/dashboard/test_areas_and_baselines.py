"""Which area is worst, with the demo statistics: the kecamatan compared on cases worst first
(checked against the case statistics themselves), baselines at every level and never a
child's (DKI's own 1,051; Jakarta Barat 29% of it), the year the dashboard opens on, and as of
when its figures are."""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import text

from coordinator.domain.actions import assign_action
from coordinator.domain.case_stats import CaseStatEntry, record_case_stats
from coordinator.extensions import db
from coordinator.models import Person, Program
from coordinator.rollups import recompute_all
from coordinator.seeding.demo_case_stats import seed_demo_case_stats
from tests.dashboard.conftest import indicator_id
from tests.dashboard.test_dashboard_page import row_numbers
from tests.rollups.conftest import GROGOL, JAKARTA_BARAT, add_person, apply_pending_events

Login = Callable[..., FlaskClient]


def area_cells(html: str, code: str) -> dict[str, str]:
    """The data-field cells of the comparison table's row for ``code``."""
    row = re.search(rf'<tr data-area="{re.escape(code)}">(.*?)</tr>', html, re.DOTALL)
    assert row, code
    return dict(re.findall(r'data-field="([\w-]+)"[^>]*>([^<]*)<', row.group(1)))


def comparison_rows(html: str) -> list[str]:
    body = html.split('id="comparison-table"', 1)[1].split("<tfoot>", 1)[0]
    return re.findall(r'<tr data-area="([\d.]+)"', body)


def ktpa_by_kecamatan() -> dict[str, tuple[int, int]]:
    """KTPA victims (total) Jan-Oct 2022 and Jan-Oct 2021 per kecamatan, from case_stats."""
    rows = db.session.execute(text(
        "SELECT substr(c.kelurahan_code, 1, 8), "
        "SUM(CASE WHEN c.month >= :start THEN c.count ELSE 0 END), "
        "SUM(CASE WHEN c.month < :start THEN c.count ELSE 0 END) "
        "FROM case_stats c JOIN indicators i ON i.id = c.indicator_id "
        "WHERE i.code = 'ktpa_victims' GROUP BY substr(c.kelurahan_code, 1, 8)"),
        {"start": date(2022, 1, 1)}).all()
    return {code: (int(now), int(before)) for code, now, before in rows}


def test_the_city_compares_its_kecamatan_on_cases_worst_first(seeded: Flask, login_as: Login) -> None:
    seed_demo_case_stats()
    lead = add_person("Lead Jakbar", "lead", JAKARTA_BARAT)
    html = login_as(lead).get("/dashboard?region=31.73&period=2022").text
    figures = ktpa_by_kecamatan()
    # The stated rule: 10 or more cases in 2021 first, by change in % then difference.
    expected = sorted(figures, key=lambda c: (
        figures[c][1] < 10, -(figures[c][0] - figures[c][1]) / figures[c][1],
        -(figures[c][0] - figures[c][1]), c))
    assert comparison_rows(html) == expected and expected[0] == "31.73.05"  # Kebon Jeruk
    kebon_jeruk = area_cells(html, "31.73.05")
    assert (kebon_jeruk["ktpa_victims-ytd"], kebon_jeruk["ktpa_victims-baseline"],
            kebon_jeruk["ktpa_victims-diff"], kebon_jeruk["ktpa_victims-change"]) == (
        "37", "27", "+10", "+37.0%")
    # +10 on 27 lies inside 27 ± 1.96 x sqrt(27): marked as possibly chance, not as a rise.
    assert 'class="num change-chance" data-field="ktpa_victims-change"' in html
    cengkareng = html.split('<tr data-area="31.73.01">')[1].split("</tr>")[0]
    assert 'class="num change-down" data-field="ktpa_victims-change"' in cengkareng
    total = area_cells(html, JAKARTA_BARAT)
    assert (total["ktpa_victims-ytd"], total["ktpa_victims-baseline"],
            total["ktpa_victims-diff"], total["ktpa_victims-change"]) == ("310", "307", "+3", "+1.0%")
    assert 'id="reporting-warning"' not in html  # every kelurahan reported every month


def test_a_kecamatan_view_marks_kelurahan_with_too_few_cases(seeded: Flask, login_as: Login) -> None:
    seed_demo_case_stats()
    lead = add_person("Lead Jakbar", "lead", JAKARTA_BARAT)
    html = login_as(lead).get("/dashboard?region=31.73.04&period=2022").text
    rows = comparison_rows(html)
    assert len(rows) == 11 and all(code.startswith("31.73.04.") for code in rows)
    assert "change-too_few" in html and "<sup" in html


def test_the_province_shows_its_own_baseline_and_the_city_share(
    seeded: Flask, login_as: Login
) -> None:
    seed_demo_case_stats()
    admin = add_person("Admin", "admin", "31")
    client = login_as(admin)
    html = client.get("/dashboard?region=31&period=2022").text
    ktpa = row_numbers(html, "indicator", "ktpa_victims")
    assert ktpa["comparison"] == "1,051" and ktpa["ytd"] == "310"
    # Only Jakarta Barat's 56 of DKI's 267 kelurahan reported: nothing is decided by 310.
    assert 'class="status status-incomplete"' in html.split('data-indicator="ktpa_victims"')[1]
    assert "up to 211 of the 267 kelurahan" in html
    # DKI has no baseline of its own for the other indicators: none, not Jakarta Barat's 81.
    women = html.split('<tr data-indicator="ktpa_women">')[1].split("</tr>")[0]
    assert "no baseline data" in women and ">81<" not in women
    city = html.split('<tr data-area="31.73">')[1].split("</tr>")[0]
    assert re.search(r'data-field="ktpa_victims-share"[^>]*>29%<', city)
    assert comparison_rows(html)[0] == JAKARTA_BARAT  # the others have no baseline: last
    # 310 against 1,051 is no fall: 211 kelurahan have not reported; only a rise would count.
    dki = html.split('<tfoot><tr data-area="31">')[1].split("</tr>")[0]
    assert 'class="num change-incomplete" data-field="ktpa_victims-change">-70.5%<' in dki
    assert 'data-area="31.71"' in html and "Jakarta Pusat" in html
    api = client.get("/api/v1/rollups/areas?region=31&year=2022").get_json()
    jakbar = next(a for a in api["areas"] if a["code"] == JAKARTA_BARAT)
    assert jakbar["indicators"][0]["share_of_region_percent"] == 29.2
    indicators = client.get("/api/v1/rollups/indicators?region=31&year=2022").get_json()
    assert indicators["indicators"][0]["same_months_baseline_year"] == 1051.0
    assert indicators["indicators"][1]["same_months_baseline_year"] is None


def test_the_dashboard_opens_on_the_latest_year_with_statistics(
    seeded: Flask, login_as: Login
) -> None:
    seed_demo_case_stats()
    lead = add_person("Lead Jakbar", "lead", JAKARTA_BARAT)
    cadre = add_person("Kader", "cadre", GROGOL)
    later = Program(title="Program 2026", description="", category="prevention", year=2026,
                    region_code=JAKARTA_BARAT, owner_id=lead.id, status="active")
    db.session.add(later)
    db.session.commit()
    assign_action(actor=lead, program_id=later.id, kelurahan_code=GROGOL, title="Sosialisasi",
                  due_at=datetime(2026, 3, 1, tzinfo=UTC), assignee_id=cadre.id)
    apply_pending_events()
    with time_machine.travel(datetime(2026, 11, 2, 3, tzinfo=UTC), tick=False):
        html = login_as(lead).get("/dashboard").text
    assert re.search(r"<h1>[^<]*<span class=\"muted\">· 2022</span>", html)
    assert "January to October 2022 against the same months of 2021" in html
    picker = html.split('id="year-picker"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\d+)" ?(selected)?>([^<]*)<', picker) == [
        ("2026", "", "2026 (programs only)"), ("2022", "selected", "2022 (case statistics)"),
        ("2021", "", "2021 (case statistics)")]


def test_every_output_says_as_of_when_its_figures_are(seeded: Flask, login_as: Login) -> None:
    lead = add_person("Lead Jakbar", "lead", JAKARTA_BARAT)
    with time_machine.travel(datetime(2022, 11, 20, 3, 45, 30, tzinfo=UTC), tick=False):
        record_case_stats(actor=lead, month=date(2022, 10, 1), entries=[
            CaseStatEntry(GROGOL, indicator_id("ktpa_women"), 2)])
        apply_pending_events()
    client = login_as(lead)
    page = client.get("/dashboard?region=31.73&period=2022").text
    assert "Figures as of 20-11-2022 10:45 WIB" in page
    printed = client.get("/dashboard/cetak?region=31.73&period=2022").text
    assert re.search(r'id="print-as-of">20-11-2022 10:45 WIB<', printed)
    book = load_workbook(io.BytesIO(client.get("/dashboard/ekspor.xlsx?region=31.73&period=2022").data))
    labels = {r[0]: r[1] for r in book["Summary"].iter_rows(min_row=4, values_only=True)}
    assert labels["Figures as of"] == "20-11-2022 10:45 WIB"
    with time_machine.travel(datetime(2022, 11, 21, 19, 30, tzinfo=UTC), tick=False):
        recompute_all()  # the nightly recompute, 02:30 WIB
    assert "Figures as of 22-11-2022 02:30 WIB" in client.get("/dashboard?region=31.73").text


def test_the_print_page_can_be_filed(seeded: Flask, login_as: Login) -> None:
    seed_demo_case_stats()
    lead: Person = add_person("Budi Lead", "lead", JAKARTA_BARAT)
    with time_machine.travel(datetime(2022, 11, 21, 3, 5, tzinfo=UTC), tick=False):
        html = login_as(lead, "id").get("/dashboard/cetak?region=31.73&period=2022").text
    assert "Laporan kasus dan program: Kota Administrasi Jakarta Barat" in html
    assert re.search(r'id="print-period">Januari sampai Oktober 2022 dibanding bulan yang sama '
                     r'tahun 2021<', html)
    assert re.search(r'id="printed-at">21-11-2022 10:05 WIB<', html)
    assert 'id="prepared-by">Budi Lead<' in html and "Disetujui oleh" in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 5
    assert "style=" not in html and "onclick" not in html and "<script>" not in html
    css = seeded.test_client().get("/static/dashboard.css").text
    assert 'counter(page) " / " counter(pages)' in css  # page numbers on every printed page
