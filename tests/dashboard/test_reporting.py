"""Can the numbers be trusted? Which kelurahan reported each month (the reporting grid), the
late-report reminder end to end under an injected clock, and the consistency rules on the grid,
the import and the API with field errors in the reader's language."""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from coordinator.domain.case_stats import CaseStatEntry, record_case_stats
from coordinator.extensions import db
from coordinator.models import CaseStat, Notification, Person
from coordinator.notifications.dispatch import prepare_and_list_due
from coordinator.notifications.late_reports import remind_late_reporters
from coordinator.notifications.sending import send_notification
from tests.dashboard.conftest import indicator_id
from tests.dashboard.test_case_stats_api import bearer
from tests.rollups.conftest import (
    CENGKARENG,
    CENGKARENG_BARAT,
    DURI_KOSAMBI,
    GROGOL,
    add_person,
    apply_pending_events,
)
from tests.rollups.test_case_stats_import import workbook

Login = Callable[..., FlaskClient]
WIB = timedelta(hours=7)
CODES = ("ktpa_victims", "ktpa_women", "ktpa_children", "tppo_victims")


def wib(year: int, month: int, day: int, hour: int = 8) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC) - WIB


def coordinator(code: str, **contact: str | None) -> Person:
    person = add_person(f"Kasi {code}", "coordinator", code)
    person.phone = contact.get("phone", "+6281200000001")
    person.email = contact.get("email")
    person.channel_preference = "sms"
    db.session.commit()
    return person


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def grid_form(html: str, month: str, cells: dict[tuple[str, str], int]) -> dict[str, str]:
    form = {"csrf_token": token_of(html), "month": month}
    form.update({f"c-{k}-{indicator_id(i)}": str(n) for (k, i), n in cells.items()})
    return form


def cell_states(html: str, area: str) -> dict[int, str]:
    row = re.search(rf'<tr data-area="{re.escape(area)}">(.*?)</tr>', html, re.DOTALL)
    assert row, area
    return {int(m): s for m, s in re.findall(r'data-month="(\d+)" data-state="([\w-]+)"',
                                             row.group(1))}


def test_the_reporting_grid_and_the_late_report_reminder(
    seeded: Flask, login_as: Login
) -> None:
    lead = add_person("Lead Jakbar", "lead", "31.73")
    reporter = coordinator(CENGKARENG_BARAT)
    late = coordinator(DURI_KOSAMBI, phone="+6281200000002")
    gone = coordinator(GROGOL)
    gone.active = False
    db.session.commit()

    # Cengkareng Barat reports October 2022 in full through the grid (zeros are reports);
    # Duri Kosambi only one indicator.
    client = login_as(reporter, "id")
    page = client.get(f"/statistik?month=2022-10&region={CENGKARENG_BARAT}").text
    full = {(CENGKARENG_BARAT, "ktpa_victims"): 3, (CENGKARENG_BARAT, "ktpa_women"): 1,
            (CENGKARENG_BARAT, "ktpa_children"): 2, (CENGKARENG_BARAT, "tppo_victims"): 0}
    saved = client.post("/statistik", data={**grid_form(page, "2022-10", full),
                                            "region": CENGKARENG_BARAT}, follow_redirects=True)
    assert "4 angka disimpan" in saved.text
    record_case_stats(actor=lead, month=date(2022, 10, 1), now=wib(2022, 11, 1),
                      entries=[CaseStatEntry(DURI_KOSAMBI, indicator_id("ktpa_women"), 0)])
    apply_pending_events()

    grid = login_as(lead, "en").get(f"/statistik/pelaporan?region={CENGKARENG}&year=2022").text
    assert cell_states(grid, CENGKARENG_BARAT)[10] == "reported"
    assert cell_states(grid, DURI_KOSAMBI)[10] == "partly"
    assert cell_states(grid, "31.73.01.1003")[10] == "missing"
    assert cell_states(grid, CENGKARENG_BARAT)[9] == "missing"
    city = login_as(lead, "en").get("/statistik/pelaporan?region=31.73&year=2022").text
    assert cell_states(city, CENGKARENG)[10] == "partly"
    assert re.search(r'<tr data-area="31\.73\.01">.*?data-month="10"[^>]*>\s*1/6', city, re.DOTALL)

    # Before the due day (the 5th) nobody is reminded; from it, only the late kelurahan's
    # active coordinator, once however often the sweep runs.
    assert remind_late_reporters(wib(2022, 11, 4)) == []
    ids = remind_late_reporters(wib(2022, 11, 7))
    assert remind_late_reporters(wib(2022, 11, 8)) == []
    reminders = db.session.scalars(select(Notification).where(Notification.id.in_(ids))).all()
    assert [(n.recipient_id, n.kind, n.channel) for n in reminders] == [
        (late.id, "case_stats_late", "sms")]
    for notification_id in prepare_and_list_due(wib(2022, 11, 7)):
        assert send_notification(notification_id, wib(2022, 11, 7)).status == "sent"
    sms = db.session.get(Notification, ids[0])
    assert sms.status == "sent"
    assert "statistik bulanan Duri Kosambi Okt 2022 belum lengkap" in sms.body
    assert f"/statistik?month=2022-10&region={DURI_KOSAMBI}" in sms.body
    for word in ("korban", "TPPO", "KTPA", "kekerasan"):
        assert word.lower() not in sms.body.lower()


def test_the_due_day_is_configurable_and_days_off_wait(make_app: Callable[..., Flask]) -> None:
    app = make_app(case_stats_due_day=10)
    with app.app_context():
        from coordinator.seeding.reference import seed_reference_data
        from coordinator.seeding.regions import seed_dki_jakarta

        seed_dki_jakarta()
        seed_reference_data()
        coordinator(GROGOL)
        assert remind_late_reporters(wib(2022, 11, 9)) == []
        assert remind_late_reporters(wib(2022, 12, 25)) == []  # Christmas: a day off
        assert len(remind_late_reporters(wib(2022, 11, 10))) == 1


def test_the_grid_refuses_counts_that_do_not_add_up_next_to_the_cells(
    seeded: Flask, login_as: Login
) -> None:
    lead = add_person("Lead Cengkareng", "lead", CENGKARENG)
    client = login_as(lead, "id")
    page = client.get(f"/statistik?month=2022-04&region={CENGKARENG}").text
    bad = {(CENGKARENG_BARAT, "ktpa_victims"): 1, (CENGKARENG_BARAT, "ktpa_women"): 5,
           (CENGKARENG_BARAT, "ktpa_children"): 7}
    answer = client.post("/statistik", data={**grid_form(page, "2022-04", bad),
                                             "region": CENGKARENG})
    assert answer.status_code == 400
    total_cell = f"c-{CENGKARENG_BARAT}-{indicator_id('ktpa_victims')}"
    cell = answer.text.split(f'name="{total_cell}"')[1].split("</td>")[0]
    assert ("Korban KTPA perempuan + Korban KTPA anak harus berjumlah sama dengan "
            "Korban KTPA (total): jumlahnya 12, bukan 1.") in cell
    assert db.session.scalar(select(func.count()).select_from(CaseStat)) == 0
    in_english = login_as(lead, "en")
    page = in_english.get(f"/statistik?month=2022-04&region={CENGKARENG}").text
    english = in_english.post("/statistik", data={**grid_form(page, "2022-04", bad),
                                                  "region": CENGKARENG})
    assert "KTPA victims: women + KTPA victims: children must add up to" in english.text


def test_the_import_and_the_api_refuse_inconsistent_counts(seeded: Flask, login_as: Login) -> None:
    lead = add_person("Lead Cengkareng", "lead", CENGKARENG)
    client = login_as(lead, "en")
    token = token_of(client.get("/statistik/impor").text)
    data = workbook(("Kelurahan", *CODES), (CENGKARENG_BARAT, 2, 1, 1, 3),
                    (DURI_KOSAMBI, 2, 1, 1, 0))
    preview = client.post("/statistik/impor", data={
        "csrf_token": token, "month": "2022-05", "file": (io.BytesIO(data), "mei.xlsx")},
        content_type="multipart/form-data")
    assert preview.status_code == 400
    assert "TPPO (trafficking) victims (3) cannot be more than KTPA victims (total) (2)." \
        in preview.text
    api = seeded.test_client().post("/api/v1/case-stats", headers=bearer(lead), json={
        "month": "2022-05", "counts": [
            {"kelurahan_code": DURI_KOSAMBI, "indicator": "ktpa_victims", "count": 1},
            {"kelurahan_code": DURI_KOSAMBI, "indicator": "ktpa_women", "count": 5}]})
    assert api.status_code == 422
    assert f"{DURI_KOSAMBI}/{indicator_id('ktpa_victims')}" in api.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(CaseStat)) == 0
