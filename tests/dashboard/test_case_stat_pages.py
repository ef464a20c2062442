"""The case statistics grid and the Excel import pages: saved through the domain, bad input
explained and nothing stored."""
from __future__ import annotations

import io
import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import CaseStat, Event, Person
from tests.dashboard.conftest import World, indicator_id
from tests.rollups.conftest import CENGKARENG, CENGKARENG_BARAT, add_person
from tests.rollups.test_case_stats_import import HEADER, workbook

Login = Callable[[Person], FlaskClient]


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def stored() -> int:
    return int(db.session.scalar(select(func.count()).select_from(CaseStat)))


def test_the_grid_saves_a_month_and_emits_events(dash_world: World, login_as: Login) -> None:
    client = login_as(add_person("Lead Cengkareng", "lead", CENGKARENG))
    page = client.get("/statistik?month=2022-04")
    assert page.status_code == 200 and "Cengkareng Barat" in page.text and "Grogol" not in page.text
    women = indicator_id("ktpa_women")
    before = stored()
    events = db.session.scalar(select(func.count()).select_from(Event))
    saved = client.post("/statistik", data={
        "csrf_token": token_of(page.text), "month": "2022-04",
        f"c-{CENGKARENG_BARAT}-{women}": "3"}, follow_redirects=True)
    assert saved.status_code == 200 and "1 counts saved." in saved.text
    assert stored() == before + 1
    assert db.session.scalar(select(func.count()).select_from(Event)) == events + 1


def test_a_bad_cell_or_a_future_month_saves_nothing(dash_world: World, login_as: Login) -> None:
    client = login_as(dash_world.lead)
    page = client.get("/statistik?month=2022-04&region=" + CENGKARENG)
    women, before = indicator_id("ktpa_women"), stored()
    form = {"csrf_token": token_of(page.text), "month": "2022-04", "region": CENGKARENG,
            f"c-{CENGKARENG_BARAT}-{women}": "3", f"c-31.73.01.1002-{women}": "-1"}
    bad = client.post("/statistik", data=form)
    assert bad.status_code == 400 and "Whole numbers only" in bad.text
    future = client.post("/statistik", data={**form, f"c-31.73.01.1002-{women}": "1",
                                             "month": "2999-01"})
    assert future.status_code == 400
    assert client.post("/statistik", data={**form, "month": "April"}).status_code == 400
    assert stored() == before


def test_the_import_previews_then_saves_the_whole_file(dash_world: World, login_as: Login) -> None:
    client = login_as(dash_world.lead)
    token = token_of(client.get("/statistik/impor").text)
    data = workbook(HEADER, (CENGKARENG_BARAT, 1, 2, 3), ("Grogol", 0, 0, 0))
    preview = client.post("/statistik/impor", data={
        "csrf_token": token, "month": "2022-05", "file": (io.BytesIO(data), "mei.xlsx")},
        content_type="multipart/form-data")
    assert preview.status_code == 200 and 'id="import-preview"' in preview.text
    before = stored()
    import_token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    done = client.post("/statistik/impor/simpan", data={
        "csrf_token": token, "token": import_token, "month": "2022-05"}, follow_redirects=True)
    assert "Import saved: 6 counts changed." in done.text
    assert stored() == before + 6
    again = client.post("/statistik/impor/simpan", data={
        "csrf_token": token, "token": import_token, "month": "2022-05"}, follow_redirects=True)
    assert "expired or was already saved" in again.text


def test_a_broken_import_shows_row_errors_and_offers_no_save(dash_world: World, login_as: Login) -> None:
    client = login_as(dash_world.lead)
    token = token_of(client.get("/statistik/impor").text)
    data = workbook(HEADER, (CENGKARENG_BARAT, 1, 2, 3), ("Atlantis", -1, 0, 0))
    preview = client.post("/statistik/impor", data={
        "csrf_token": token, "month": "2022-05", "file": (io.BytesIO(data), "mei.xlsx")},
        content_type="multipart/form-data")
    assert preview.status_code == 400
    assert "Unknown kelurahan (or outside your region): Atlantis" in preview.text
    assert 'name="token"' not in preview.text
    empty = client.post("/statistik/impor", data={"csrf_token": token, "month": "2022-05"},
                        content_type="multipart/form-data")
    assert empty.status_code == 400 and "Choose an Excel file" in empty.text
