"""Targets per region and year (leads, admins) and indicator names (admins only)."""
from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Indicator, Person, Target
from tests.dashboard.conftest import World, indicator_id
from tests.rollups.conftest import CENGKARENG, add_person

Login = Callable[[Person], FlaskClient]


def form_for(client: FlaskClient, url: str) -> dict[str, str]:
    page = client.get(url)
    assert page.status_code == 200
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)}


def target_of(code: str) -> Target | None:
    return db.session.scalars(select(Target).where(
        Target.region_code == "31.73", Target.indicator_id == indicator_id(code),
        Target.year == 2022).execution_options(populate_existing=True)).first()


def test_a_lead_sets_a_reduce_by_percent_target(dash_world: World, login_as: Login) -> None:
    client = login_as(dash_world.lead)
    form = form_for(client, "/target?region=31.73&year=2022")
    saved = client.post("/target", data={
        **form, "region": "31.73", "year": "2022", "indicator_id": str(indicator_id("ktpa_women")),
        "baseline_year": "2021", "baseline_month_from": "1", "baseline_month_to": "10",
        "baseline_value": "81", "baseline_source": "Sudin PPAPP", "rule": "reduce_by_percent",
        "reduce_percent": "10"}, follow_redirects=True)
    assert "Target saved." in saved.text
    assert target_of("ktpa_women").target_value == 73


def test_a_bad_target_is_explained_and_changes_nothing(dash_world: World, login_as: Login) -> None:
    client = login_as(dash_world.lead)
    form = form_for(client, "/target?region=31.73&year=2022")
    bad = client.post("/target", data={
        **form, "region": "31.73", "year": "2022", "indicator_id": str(indicator_id("ktpa_women")),
        "baseline_year": "2021", "baseline_month_from": "11", "baseline_month_to": "3",
        "baseline_value": "x", "baseline_source": "", "rule": "reduce_by_percent",
        "reduce_percent": "lots"})
    assert bad.status_code == 400
    assert "The baseline period must be months 1 to 12, in order." in bad.text
    assert "Give a percentage from 0 to 100." in bad.text
    assert target_of("ktpa_women").target_value == 81  # the seeded target, untouched


def test_only_admins_rename_indicators(dash_world: World, login_as: Login) -> None:
    women = indicator_id("ktpa_women")
    lead = login_as(dash_world.lead)
    form = form_for(lead, "/target?region=31.73&year=2022")
    refused = lead.post(f"/target/indikator/{women}", data={
        **form, "region": "31.73", "year": "2022", "name_id": "X", "name_en": "X", "active": "1"})
    assert refused.status_code == 400 and "You may not do this here." in refused.text
    admin = login_as(add_person("Admin", "admin", "31"))
    form = form_for(admin, "/target?region=31.73&year=2022")
    done = admin.post(f"/target/indikator/{women}", data={
        **form, "region": "31.73", "year": "2022", "name_id": "Korban perempuan",
        "name_en": "Women victims", "active": "1"}, follow_redirects=True)
    assert "Indicator saved." in done.text
    assert db.session.get(Indicator, women, populate_existing=True).name_en == "Women victims"


def test_targets_of_other_regions_do_not_exist(dash_world: World, login_as: Login) -> None:
    client = login_as(add_person("Lead Cengkareng", "lead", CENGKARENG))
    assert client.get("/target?region=31.73").status_code == 404
    assert client.get("/target").status_code == 200
