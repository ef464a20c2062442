"""Programs (create, edit, activate, close, counts) and actions (filters, pages, reassign,
cancel, reopen, exports) through the web forms, CSRF on."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Action, Network, Program, utcnow
from tests.web.conftest import (
    TAMBORA,
    TAMBORA_KEL,
    World,
    csrf_token,
    login,
    make_action,
    post_form,
)


def test_lead_creates_edits_and_activates_a_program(client, world: World) -> None:
    login(client, world.kec_lead.email)
    created = post_form(client, "/program/baru", {
        "title": "Sosialisasi sekolah Tambora", "description": "SMP dan SMA",
        "public_title": "Kegiatan sekolah",
        "category": "prevention", "year": "2022", "region_code": TAMBORA})
    assert created.status_code == 303
    program = db.session.scalar(select(Program).where(Program.title == "Sosialisasi sekolah Tambora"))
    assert program is not None and program.status == "draft" and program.owner_id == world.kec_lead.id
    edited = post_form(client, f"/program/{program.id}/ubah", {
        "title": "Sosialisasi sekolah", "description": "", "category": "prevention",
        "public_title": "Kegiatan sekolah",
        "year": "2022", "region_code": TAMBORA})
    assert edited.status_code == 303
    token = csrf_token(client.get(f"/program/{program.id}").text)
    client.post(f"/program/{program.id}/aktifkan", data={"csrf_token": token})
    db.session.refresh(program)
    assert program.title == "Sosialisasi sekolah" and program.status == "active"


def test_program_form_errors_are_shown_and_nothing_is_saved(client, world: World) -> None:
    login(client, world.kec_lead.email)
    response = post_form(client, "/program/baru", {
        "title": "", "category": "prevention", "year": "1999", "region_code": TAMBORA})
    assert response.status_code == 400
    assert "Isi judul." in response.text and "2000" in response.text
    outside = post_form(client, "/program/baru", {
        "title": "Di luar wilayah", "public_title": "Rapat", "category": "sop", "year": "2022", "region_code": "31.73.08"})
    assert outside.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Program)) == 1


def test_program_post_without_csrf_changes_nothing(client, world: World) -> None:
    login(client, world.lead.email)
    response = client.post(f"/program/{world.program.id}/tutup")
    assert response.status_code == 400 and "kedaluwarsa" in response.text
    db.session.refresh(world.program)
    assert world.program.status == "active"


def test_closing_a_program_cancels_its_open_actions(client, world: World) -> None:
    login(client, world.lead.email)
    token = csrf_token(client.get(f"/program/{world.program.id}").text)
    client.post(f"/program/{world.program.id}/tutup", data={"csrf_token": token})
    db.session.refresh(world.program)
    assert world.program.status == "closed"
    statuses = set(db.session.scalars(select(Action.status).where(
        Action.program_id == world.program.id)))
    assert statuses == {"cancelled"}


def test_program_page_counts_by_status_and_kecamatan(client, world: World) -> None:
    make_action(world.program, TAMBORA_KEL, world.cadre, due_in=timedelta(days=-1))
    login(client, world.lead.email)
    page = client.get(f"/program/{world.program.id}")
    assert page.status_code == 200
    assert "Tambora" in page.text and "Kembangan" in page.text
    # Tambora: one open, one overdue; Kembangan: one open.
    tambora_row = page.text.split('region=31.73.04"')[1].split("</tr>")[0]
    assert [c.split("<")[0] for c in tambora_row.split("<td>")[1:]] == ["1", "1", "0", "0"]
    assert f'href="/program/{world.program.id}/reminders"' in page.text  # its reminder policy


def test_program_list_filters_and_reports_bad_filters(client, world: World) -> None:
    login(client, world.lead.email)
    assert world.program.title in client.get("/program/?status=active&year=2022").text
    assert world.program.title not in client.get("/program/?status=draft").text
    bad = client.get("/program/?status=aneh&year=dua")
    assert bad.status_code == 400 and "aneh" in bad.text


def test_action_list_filters(client, world: World) -> None:
    late = make_action(world.program, TAMBORA_KEL, world.cadre, due_in=timedelta(days=-1),
                       title="Rapat terlambat")
    login(client, world.lead.email)
    overdue = client.get("/aksi/?status=overdue").text
    assert late.public_code in overdue and world.action.public_code not in overdue
    tambora = client.get(f"/aksi/?region={TAMBORA}").text
    assert world.action.public_code in tambora and world.other_action.public_code not in tambora
    mine = client.get(f"/aksi/?assignee={world.other_cadre.id}").text
    assert world.other_action.public_code in mine and world.action.public_code not in mine
    bad = client.get("/aksi/?status=aneh&program=x")
    assert bad.status_code == 400 and "aneh" in bad.text


def test_action_list_is_paginated(client, world: World) -> None:
    from coordinator.domain.bulk import BulkRequest, assign_actions_in_bulk

    networks = tuple(db.session.scalars(select(Network.id)))
    assign_actions_in_bulk(BulkRequest(
        program_id=world.program.id, network_ids=networks, region_codes=(TAMBORA,),
        due_date=(utcnow() + timedelta(days=10)).date(), title="Aksi massal"), actor=None)
    login(client, world.kec_lead.email)
    first = client.get("/aksi/").text
    assert "Halaman 1 dari 2" in first  # 1 + 11 kelurahan x 8 networks = 89 actions
    second = client.get("/aksi/?page=2").text
    assert second.count('href="/aksi/') > 3 and "Halaman 2 dari 2" in second
    assert client.get("/aksi/?page=abc").status_code == 200


def test_coordinator_reassigns_cancels_and_reopens(client, world: World) -> None:
    from coordinator.domain.actions import complete_action

    login(client, world.coordinator.email)
    response = post_form(client, f"/aksi/{world.action.id}/tugaskan",
                         {"assignee_id": str(world.coordinator.id)},
                         form_url=f"/aksi/{world.action.id}")
    assert response.status_code == 303
    db.session.refresh(world.action)
    assert world.action.assignee_id == world.coordinator.id
    refused = post_form(client, f"/aksi/{world.action.id}/tugaskan",
                        {"assignee_id": str(world.other_cadre.id)},
                        form_url=f"/aksi/{world.action.id}")
    assert refused.status_code == 400
    db.session.refresh(world.action)
    assert world.action.assignee_id == world.coordinator.id
    token = csrf_token(client.get(f"/aksi/{world.action.id}").text)
    no_reason = client.post(f"/aksi/{world.action.id}/batalkan", data={"csrf_token": token})
    assert no_reason.status_code == 400 and "Tulis alasan" in no_reason.text
    db.session.refresh(world.action)
    assert world.action.status == "open"
    cancelled = client.post(f"/aksi/{world.action.id}/batalkan",
                            data={"csrf_token": token, "reason": "Dobel dengan tugas RW 02"})
    assert cancelled.status_code == 303
    db.session.refresh(world.action)
    assert (world.action.status, world.action.cancel_reason) == (
        "cancelled", "Dobel dengan tugas RW 02")
    page = client.get(f"/aksi/{world.action.id}").text
    assert "Dobel dengan tugas RW 02" in page and "Pulihkan" in page
    client.post(f"/aksi/{world.action.id}/pulihkan", data={"csrf_token": token})
    db.session.refresh(world.action)
    assert world.action.status == "open"
    other = make_action(world.program, TAMBORA_KEL, world.cadre)
    complete_action(other.id, actor=world.cadre, now=utcnow() - timedelta(days=3))
    client.post(f"/aksi/{other.id}/buka-lagi", data={"csrf_token": token})
    db.session.refresh(other)
    assert other.status == "open"


def test_reopening_an_open_action_is_explained(client, world: World) -> None:
    login(client, world.coordinator.email)
    token = csrf_token(client.get(f"/aksi/{world.action.id}").text)
    page = client.post(f"/aksi/{world.action.id}/buka-lagi", data={"csrf_token": token},
                       follow_redirects=True)
    assert "flash-error" in page.text
    db.session.refresh(world.action)
    assert world.action.status == "open"


def test_csv_export_has_the_filtered_rows_with_wib_due_dates(client, world: World) -> None:
    world.action.due_at = world.action.due_at.replace(hour=10, minute=0, second=0, microsecond=0)
    world.action.title = "=HYPERLINK(\"x\")"
    db.session.commit()
    login(client, world.lead.email)
    response = client.get(f"/aksi/ekspor.csv?region={TAMBORA}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Kode" and len(rows) == 2
    assert rows[1][0] == world.action.public_code
    assert rows[1][1].startswith("'=")  # a formula is neutralised
    assert rows[1][4] == "Tambora" and rows[1][7].endswith("17:00")  # 10:00 UTC = 17:00 WIB


def test_xlsx_export_parses_and_matches_the_list(client, world: World) -> None:
    login(client, world.lead.email)
    response = client.get("/aksi/ekspor.xlsx?status=open")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Kode"
    codes = {r[0] for r in rows[1:]}
    assert codes == {world.action.public_code, world.other_action.public_code}
    due = next(r[7] for r in rows[1:] if r[0] == world.action.public_code)
    expected = world.action.due_at.astimezone(client.application.extensions["sinergi"].tz)
    assert due == expected.replace(tzinfo=None, microsecond=0)


def test_unknown_export_format_is_not_found(client, world: World) -> None:
    login(client, world.lead.email)
    assert client.get("/aksi/ekspor.pdf").status_code == 404


def test_out_of_range_numbers_in_urls_and_filters_are_not_errors(client, world: World) -> None:
    login(client, world.lead.email)
    huge = "99999999999999999999"
    assert client.get(f"/aksi/{huge}").status_code == 404
    assert client.get(f"/program/{huge}").status_code == 404
    assert client.get(f"/orang/{huge}").status_code == 404
    assert client.get(f"/aksi/?program={huge}").status_code == 400
    assert client.get(f"/aksi/?page={huge}").status_code == 200
    assert client.get(f"/orang/?page={huge}").status_code == 200
    assert client.get(f"/program/?year={huge}").status_code == 400
    assert client.get("/program/?category=aneh").status_code == 400
    assert world.program.title in client.get("/program/?category=prevention").text
