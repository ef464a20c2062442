"""The API and the Excel export give the same numbers as the page."""
from __future__ import annotations

import io
import re
from collections.abc import Callable

from flask.testing import FlaskClient
from openpyxl import load_workbook

from coordinator.models import Person
from tests.dashboard.conftest import World
from tests.dashboard.test_dashboard_page import row_numbers
from tests.rollups.conftest import CENGKARENG, add_person

Login = Callable[[Person], FlaskClient]


def test_program_rollup_api_equals_the_page(dash_world: World, login_as: Login) -> None:
    client = login_as(dash_world.lead)
    program = dash_world.program.id
    api = client.get(f"/api/v1/rollups/programs/{program}?region=31.73")
    assert api.status_code == 200, api.text
    body = api.get_json()
    page = client.get(f"/dashboard?region=31.73&period=2022&program={program}").text
    total = row_numbers(page, "region", "31.73")
    assert str(body["progress"]["total"]) == total["total"] == "6"
    assert str(body["progress"]["people_reached"]) == total["people_reached"] == "32"
    cengkareng = next(c for c in body["children"] if c["code"] == CENGKARENG)
    assert cengkareng["progress"]["done_percent"] == 66.7
    assert str(cengkareng["progress"]["overdue"]) == row_numbers(page, "region", CENGKARENG)["overdue"]


def test_indicator_rollup_api_equals_the_page(dash_world: World, login_as: Login) -> None:
    client = login_as(dash_world.lead)
    body = client.get("/api/v1/rollups/indicators?region=31.73&year=2022").get_json()
    tppo = next(i for i in body["indicators"] if i["code"] == "tppo_victims")
    page = row_numbers(client.get("/dashboard?region=31.73&period=2022").text, "indicator", "tppo_victims")
    assert str(tppo["year_to_date"]) == page["ytd"] == "6"
    assert tppo["same_months_baseline_year"] == 31.5 and tppo["comparison_is_estimate"]
    assert str(tppo["same_months_baseline_year"]) + " " == page["comparison"]
    assert (tppo["difference"], tppo["change_percent"]) == (-25.5, -81.0)
    assert tppo["status"] == "incomplete" and not tppo["complete"]
    assert (tppo["kelurahan"], tppo["fewest_kelurahan_reporting"]) == (56, 1)  # one a month
    assert (tppo["projected_full_year"], tppo["full_year_aim"]) == (24.0, 126.0)
    assert tppo["monthly"] == {"1": 3, "2": 2, "3": 1}
    assert tppo["target"]["baseline_value"] == 105
    assert body["as_of"] is not None


def test_the_api_refuses_bad_input_and_other_regions(dash_world: World, login_as: Login) -> None:
    client = login_as(add_person("Lead Cengkareng", "lead", CENGKARENG))
    program = dash_world.program.id
    assert client.get(f"/api/v1/rollups/programs/{program}?region=31.73.02").status_code == 404
    bad = client.get(f"/api/v1/rollups/programs/{program}?region=abc")
    assert bad.status_code in (400, 422) and "region" in bad.text
    assert client.get("/api/v1/rollups/indicators?year=1900").status_code in (400, 422)
    assert client.get(f"/api/v1/rollups/programs/{program}?network=999").status_code == 400
    assert client.get("/api/v1/rollups/programs/99999").status_code == 404


def test_the_excel_export_has_one_sheet_per_table_with_the_page_numbers(
    dash_world: World, login_as: Login
) -> None:
    client = login_as(dash_world.lead)
    response = client.get("/dashboard/ekspor.xlsx?region=31.73&period=2022")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Summary", "Areas compared", "Indicators", "Monthly counts",
                               "Outreach", "Regions", "Programs", "Overdue hotspots"]
    summary = [c.value for c in book["Summary"][2]]
    assert summary[1:] == ["31.73", 2022, 6, 2, 3, 1, 1, 1, 32, 60.0]
    labels = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=4, values_only=True)}
    assert labels["Figures as of"].endswith(" WIB") and labels["Period"].startswith("2022-01..")
    regions = {row[1]: row for row in book["Regions"].iter_rows(min_row=2, values_only=True)}
    assert regions[CENGKARENG][2:] == (4, 1, 2, 1, 1, 1, 25, 66.7)
    indicators = {row[0]: row for row in book["Indicators"].iter_rows(min_row=2, values_only=True)}
    assert indicators["tppo_victims"][3] == 6 and indicators["tppo_victims"][4] == 31.5
    areas = list(book["Areas compared"].iter_rows(min_row=2, values_only=True))
    page = client.get("/dashboard?region=31.73&period=2022").text
    order = re.findall(r'<tr data-area="([\d.]+)"', page.split('id="comparison-table"')[1]
                       .split("<tfoot>")[0])
    assert [row[2] for row in areas] == order and len(order) == 8
