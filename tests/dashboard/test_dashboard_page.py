"""The dashboard page: hand-computed numbers, drill-down, scope, filters and bad input."""
from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient

from coordinator.models import Person
from tests.dashboard.conftest import World
from tests.rollups.conftest import CENGKARENG, CENGKARENG_BARAT, GROGOL_PETAMBURAN, add_person

Login = Callable[[Person], FlaskClient]
FIELDS = ("total", "done", "done_percent", "done_on_time", "open", "overdue", "cancelled",
          "people_reached")


def row_numbers(html: str, attribute: str, key: str) -> dict[str, str]:
    """The data-field cells of the table row ``<tr data-attribute="key">``."""
    row = re.search(rf'<tr data-{attribute}="{re.escape(key)}"[^>]*>(.*?)</tr>', html, re.DOTALL)
    assert row, f"no row {attribute}={key}"
    return dict(re.findall(r'data-field="(\w+)">([^<]*)<', row.group(1)))


def region_order(html: str) -> list[str]:
    table = html.split('id="region-table"', 1)[1].split("<tfoot>", 1)[0]
    return re.findall(r'<tr data-region="([\d.]+)"', table)


def test_the_city_dashboard_shows_the_hand_computed_numbers(dash_world: World, login_as: Login) -> None:
    page = login_as(dash_world.lead).get("/dashboard?region=31.73&period=2022")
    assert page.status_code == 200
    html = page.text
    cengkareng = row_numbers(html, "region", CENGKARENG)
    assert [cengkareng[f] for f in FIELDS] == ["4", "2", "66.7%", "1", "1", "1", "1", "25"]
    assert row_numbers(html, "region", "31.73")["people_reached"] == "32"
    # Worst first: Grogol Petamburan (1 of 2 done) before Cengkareng (2 of 3), then no work.
    assert region_order(html)[:2] == [GROGOL_PETAMBURAN, CENGKARENG]
    tppo = row_numbers(html, "indicator", "tppo_victims")
    # 2022 Jan-Mar = 6. Only three of the 56 kelurahan reported 2021, so those counts are not
    # the city's: its own baseline (105 in January-October 2021) pro rata, 10.5 a month.
    assert {k: tppo[k] for k in ("ytd", "comparison", "difference", "change", "aim", "projected",
                                 "full_year_aim")} == {
        "ytd": "6", "comparison": "31.5 ", "difference": "-25.5", "change": "-81.0%",
        "aim": "31.5", "projected": "24", "full_year_aim": "126 (estimate)"}
    assert 'class="status status-incomplete"' in html.split('data-indicator="tppo_victims"')[1]
    assert 'id="reporting-warning"' in html
    assert "(estimate)" in html and 'id="hotspot-table"' in html
    # Static files carry their content hash (coordinator/web/assets.py).
    assert re.search(r"vendor/chartjs/chart\.umd\.min\.[0-9a-f]{12}\.js", html)


def test_drilling_down_keeps_the_filters(dash_world: World, login_as: Login) -> None:
    client = login_as(dash_world.lead)
    pkk = dash_world.networks["pkk"]
    city = client.get(f"/dashboard?region=31.73&period=2022&network={pkk}").text
    link = re.search(r'href="(/dashboard\?[^"]*region=31\.73\.01[^.\d][^"]*)"', city)
    assert link and f"network={pkk}" in link.group(1)
    kecamatan = client.get(link.group(1).replace("&amp;", "&")).text
    assert row_numbers(kecamatan, "region", CENGKARENG_BARAT)["total"] == "1"  # PKK only
    kelurahan = client.get(f"/dashboard?region={CENGKARENG_BARAT}&period=2022&network={pkk}")
    assert 'id="kelurahan-actions"' in kelurahan.text
    assert f"region={CENGKARENG_BARAT}" in kelurahan.text


def test_regions_outside_the_scope_do_not_exist(dash_world: World, login_as: Login) -> None:
    kecamatan_lead = add_person("Lead Cengkareng", "lead", CENGKARENG)
    client = login_as(kecamatan_lead)
    assert client.get("/dashboard?region=31.73.02").status_code == 404
    assert client.get("/dashboard?region=ID").status_code == 404
    own = client.get("/dashboard")
    assert own.status_code == 200 and "Cengkareng Barat" in own.text
    assert login_as(dash_world.cadres[CENGKARENG_BARAT]).get("/dashboard").status_code == 404


def test_bad_filters_are_explained_and_ignored(dash_world: World, login_as: Login) -> None:
    page = login_as(dash_world.lead).get("/dashboard?region=abc&period=1800&program=x&network=999")
    assert page.status_code == 200
    assert "Unknown region code abc was ignored." in page.text
    assert "The period must be a year such as 2022." in page.text
    assert "program must be a number" in page.text
    assert "Unknown network was ignored." in page.text


def test_the_print_page_is_a4_with_the_same_tables(dash_world: World, login_as: Login) -> None:
    page = login_as(dash_world.lead).get("/dashboard/cetak?region=31.73&period=2022")
    assert page.status_code == 200
    assert row_numbers(page.text, "region", CENGKARENG)["total"] == "4"
    assert re.search(r"/static/dashboard\.[0-9a-f]{12}\.css", page.text)


def test_a_lead_pins_a_note_and_a_bad_note_changes_nothing(dash_world: World, login_as: Login) -> None:
    client = login_as(dash_world.lead)
    html = client.get("/dashboard?region=31.73&period=2022").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    indicator = re.search(r'<select name="indicator_id"><option value="(\d+)"', html).group(1)
    form = {"csrf_token": token, "region": "31.73", "period": "2022", "indicator_id": indicator,
            "on_date": "2022-03-01", "text": "Pos pengaduan baru di Kalideres"}
    done = client.post("/dashboard/catatan", data=form, follow_redirects=True)
    assert "Pos pengaduan baru di Kalideres" in done.text
    bad = client.post("/dashboard/catatan", data={**form, "text": " ", "on_date": "2022-03-02"},
                      follow_redirects=True)
    assert "Nothing was saved" in bad.text
    assert client.post("/dashboard/catatan", data={**form, "on_date": "kemarin"},
                       follow_redirects=True).text.count("Give the note") == 1


def test_the_dashboard_speaks_indonesian_by_default(dash_world: World, login_as: Login) -> None:
    page = login_as(dash_world.lead, "id").get("/dashboard?region=31.73&period=2022").text
    assert "Target dibanding realisasi" in page and "(perkiraan)" in page
    assert "Kemajuan program per wilayah, yang terburuk di atas" in page
    assert "Wilayah mana yang terburuk? Kasus per kecamatan" in page
    assert "Targets against actuals" not in page
    # Indonesian number formats: a decimal comma, whole counts without decimals.
    tppo = row_numbers(page, "indicator", "tppo_victims")
    assert tppo["comparison"] == "31,5 " and tppo["change"] == "-81,0%" and tppo["projected"] == "24"
    assert row_numbers(page, "region", CENGKARENG)["done_percent"] == "66,7%"


def test_a_coordinator_sees_the_dashboard_of_their_kelurahan(dash_world: World, login_as: Login) -> None:
    coordinator = add_person("Kasi Cengkareng Barat", "coordinator", CENGKARENG_BARAT)
    client = login_as(coordinator)
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert row_numbers(page.text, "program", str(dash_world.program.id))["total"] == "2"
    assert 'id="kelurahan-actions"' in page.text
    assert client.get("/dashboard?region=31.73.01").status_code == 404


def test_an_admin_starts_at_the_city_and_can_climb_to_all_indonesia(
    dash_world: World, login_as: Login
) -> None:
    client = login_as(add_person("Admin", "admin", "31"))
    city = client.get("/dashboard")
    assert city.status_code == 200 and "/dashboard?region=ID" in city.text.replace("amp;", "")
    country = client.get("/dashboard?region=ID&period=2022").text
    assert row_numbers(country, "region", "31")["total"] == "6"
    assert row_numbers(country, "region", "ID")["people_reached"] == "32"
