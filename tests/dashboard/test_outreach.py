"""Outputs next to outcomes: a program's outreach targets (per area and network), people reached
against them on the dashboard, and who may set them."""
from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from coordinator.domain.outreach import remove_outreach_target, save_outreach_target
from coordinator.errors import Forbidden, InvalidInput, NotFound
from coordinator.extensions import db
from coordinator.models import OutreachTarget
from tests.dashboard.conftest import World
from tests.dashboard.test_dashboard_page import row_numbers
from tests.rollups.conftest import CENGKARENG, GROGOL, GROGOL_PETAMBURAN, JAKARTA_BARAT, add_person

Login = Callable[..., FlaskClient]


def targets(world: World) -> None:
    program, pkk = world.program.id, world.networks["pkk"]
    save_outreach_target(actor=world.lead, program_id=program, people=100)
    save_outreach_target(actor=world.lead, program_id=program, people=50, network_id=pkk)
    save_outreach_target(actor=world.lead, program_id=program, people=40, region_code=CENGKARENG)


def test_people_reached_stand_beside_their_targets(dash_world: World, login_as: Login) -> None:
    targets(dash_world)
    program, pkk, jumantik = (dash_world.program.id, dash_world.networks["pkk"],
                              dash_world.networks["jumantik"])
    client = login_as(dash_world.lead)
    city = client.get("/dashboard?region=31.73&period=2022").text
    # People reached (hand-computed in the rollup tests): 32 in the city, 27 of them by PKK
    # cadres (20 + 7), 25 in Cengkareng.
    assert row_numbers(city, "outreach", f"{program}-{JAKARTA_BARAT}-0") == {
        "target": "100", "reached": "32", "percent": "32.0%"}
    assert row_numbers(city, "outreach", f"{program}-{JAKARTA_BARAT}-{pkk}")["reached"] == "27"
    assert row_numbers(city, "outreach", f"{program}-{CENGKARENG}-0")["percent"] == "62.5%"
    assert row_numbers(city, "network", str(pkk)) == {"reached": "27", "target": "50"}
    assert row_numbers(city, "network", str(jumantik)) == {"reached": "5", "target": "–"}
    # A kecamatan's dashboard shows the targets inside it, not the whole city's.
    kecamatan = client.get(f"/dashboard?region={CENGKARENG}&period=2022").text
    outreach = kecamatan.split('id="outreach-table"')[1].split("</table>")[0]
    assert re.findall(r'data-outreach="([^"]+)"', outreach) == [f"{program}-{CENGKARENG}-0"]


def test_saving_again_changes_the_target_and_removing_deletes_it(dash_world: World) -> None:
    targets(dash_world)
    again = save_outreach_target(actor=dash_world.lead, program_id=dash_world.program.id,
                                 people=120)
    assert again.people == 120
    assert db.session.scalar(select(func.count()).select_from(OutreachTarget)) == 3
    remove_outreach_target(actor=dash_world.lead, target_id=again.id)
    assert db.session.scalar(select(func.count()).select_from(OutreachTarget)) == 2


def test_only_those_who_may_edit_the_program_set_sensible_targets(dash_world: World) -> None:
    program = dash_world.program.id
    coordinator = add_person("Kasi Grogol", "coordinator", GROGOL)
    with pytest.raises(Forbidden):
        save_outreach_target(actor=coordinator, program_id=program, people=10)
    with pytest.raises(Forbidden):  # a kecamatan lead sees the city's program, may not edit it
        save_outreach_target(actor=add_person("Lead Grogol", "lead", GROGOL_PETAMBURAN),
                             program_id=program, people=10)
    with pytest.raises(NotFound):  # another city's lead does not see it at all
        save_outreach_target(actor=add_person("Lead Pusat", "lead", "31.71"),
                             program_id=program, people=10)
    with pytest.raises(InvalidInput) as error:
        save_outreach_target(actor=dash_world.lead, program_id=program, people=0,
                             region_code="31.71", network_id=999)
    assert set(error.value.fields) == {"people", "region_code", "network_id"}
    assert db.session.scalar(select(func.count()).select_from(OutreachTarget)) == 0


def test_the_outreach_page_sets_a_target(dash_world: World, login_as: Login) -> None:
    client = login_as(dash_world.lead)
    url = f"/target/jangkauan/{dash_world.program.id}"
    page = client.get(url)
    assert page.status_code == 200 and 'name="people"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = client.post(url, data={"csrf_token": token, "region_code": CENGKARENG,
                                  "network_id": "", "people": "40"}, follow_redirects=True)
    assert "Outreach target saved." in done.text
    assert re.search(r'data-field="people">40<', done.text)
    bad = client.post(url, data={"csrf_token": token, "region_code": CENGKARENG, "people": "x"})
    assert bad.status_code == 400
    cadre = login_as(dash_world.cadres[GROGOL])
    assert cadre.get(url).status_code == 404
