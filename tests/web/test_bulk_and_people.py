"""Bulk assignment (form -> preview -> confirm, double submit), people pages and the import."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Action, BulkAssignment, Network, Person
from tests.web.conftest import TAMBORA, TAMBORA_KEL, World, csrf_token, login, post_form


def _hidden_fields(html: str) -> dict[str, list[str]]:
    form = html.split('action="/aksi/massal/konfirmasi"')[1].split("</form>")[0]
    values: dict[str, list[str]] = {}
    for name, value in re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form):
        values.setdefault(name, []).append(value)
    for value, name in re.findall(r'value="([^"]*)"[^>]*name="([^"]+)"', form):
        values.setdefault(name, []).append(value)
    return values


def _bulk_data(world: World, **overrides: object) -> dict[str, object]:
    pkk = db.session.scalar(select(Network.id).where(Network.slug == "pkk"))
    data: dict[str, object] = {
        "program_id": str(world.program.id), "title": "Sosialisasi pencegahan di posyandu",
        "network_ids": [str(pkk)], "region_codes": [TAMBORA],
        "due_date": (date.today() + timedelta(days=10)).isoformat(), "due_time": "09:00",
        "recurrence": "none", "until": "",
    }
    data.update(overrides)
    return data


def test_preview_then_confirm_creates_actions_once(client, world: World) -> None:
    login(client, world.kec_lead.email)
    before = db.session.scalar(select(func.count()).select_from(Action))
    preview = post_form(client, "/aksi/massal/pratinjau", _bulk_data(world),
                        form_url="/aksi/massal/")
    assert preview.status_code == 200
    # Tambora has 11 kelurahan; one has a PKK cadre, the ten others get an unassigned action.
    assert "11 aksi untuk 1 kader di 11 kelurahan" in preview.text
    assert db.session.scalar(select(func.count()).select_from(Action)) == before
    fields = _hidden_fields(preview.text)
    data = {k: v if len(v) > 1 else v[0] for k, v in fields.items()}
    first = client.post("/aksi/massal/konfirmasi", data=data)
    assert first.status_code == 303
    second = client.post("/aksi/massal/konfirmasi", data=data, follow_redirects=True)
    assert "sudah dibuat" in second.text
    assert db.session.scalar(select(func.count()).select_from(Action)) == before + 11
    assert db.session.scalar(select(func.count()).select_from(BulkAssignment)) == 1


def test_preview_warns_about_days_off_and_sensitive_words(client, world: World) -> None:
    login(client, world.kec_lead.email)
    preview = post_form(client, "/aksi/massal/pratinjau", _bulk_data(
        world, title="Pendataan korban", due_date=f"{date.today().year + 1}-12-25"),
        form_url="/aksi/massal/")
    assert preview.status_code == 200
    assert "hari libur" in preview.text and "korban" in preview.text


def test_monthly_recurrence_multiplies_the_actions(client, world: World) -> None:
    login(client, world.kec_lead.email)
    start = date.today() + timedelta(days=5)
    preview = post_form(client, "/aksi/massal/pratinjau", _bulk_data(
        world, region_codes=[TAMBORA_KEL], recurrence="monthly", due_date=start.isoformat(),
        until=(start + timedelta(days=62)).isoformat()), form_url="/aksi/massal/")
    assert "3 aksi untuk 1 kader di 1 kelurahan" in preview.text


def test_bad_bulk_form_is_explained_and_creates_nothing(client, world: World) -> None:
    login(client, world.kec_lead.email)
    before = db.session.scalar(select(func.count()).select_from(Action))
    response = post_form(client, "/aksi/massal/pratinjau", _bulk_data(
        world, network_ids=[], recurrence="weekly", until="", title=""),
        form_url="/aksi/massal/")
    assert response.status_code == 400
    assert "Pilih minimal satu jaringan." in response.text
    assert "tanggal akhir" in response.text
    outside = post_form(client, "/aksi/massal/pratinjau", _bulk_data(
        world, region_codes=["31.73.08"]), form_url="/aksi/massal/")
    assert outside.status_code == 400
    confirm = client.post("/aksi/massal/konfirmasi", data={
        **_bulk_data(world), "csrf_token": csrf_token(response.text), "idempotency_key": "../x"})
    assert confirm.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Action)) == before


def test_coordinator_adds_and_edits_a_cadre(client, world: World) -> None:
    pkk = db.session.scalar(select(Network.id).where(Network.slug == "pkk"))
    login(client, world.coordinator.email)
    created = post_form(client, "/orang/baru", {
        "name": "Ibu Dewi", "role": "cadre", "region_code": TAMBORA_KEL, "phone": "0813 1111 2222",
        "email": "", "language": "id", "channel_preference": "sms", "rt": "3", "rw": "5",
        "network_ids": [str(pkk)], "password": ""})
    assert created.status_code == 303
    dewi = db.session.scalar(select(Person).where(Person.name == "Ibu Dewi"))
    assert dewi is not None and dewi.phone == "+6281311112222" and dewi.rt == "003"
    edited = post_form(client, f"/orang/{dewi.id}", {
        "name": "Ibu Dewi S.", "role": "cadre", "region_code": TAMBORA_KEL,
        "phone": "081311112222", "email": "", "language": "id", "channel_preference": "sms",
        "rt": "3", "rw": "5", "network_ids": [str(pkk)], "password": ""})
    assert edited.status_code == 303
    token = csrf_token(client.get(f"/orang/{dewi.id}").text)
    client.post(f"/orang/{dewi.id}/nonaktifkan", data={"csrf_token": token})
    db.session.refresh(dewi)
    assert dewi.name == "Ibu Dewi S." and not dewi.active


def test_bad_phone_is_explained_and_nothing_is_saved(client, world: World) -> None:
    login(client, world.coordinator.email)
    count = db.session.scalar(select(func.count()).select_from(Person))
    response = post_form(client, "/orang/baru", {
        "name": "Ibu Salah", "role": "cadre", "region_code": TAMBORA_KEL, "phone": "12345",
        "email": "bukan-email", "language": "id", "channel_preference": "sms"})
    assert response.status_code == 400 and "field-error" in response.text
    assert "Nomor HP Indonesia tidak sah" in response.text
    assert "Alamat email tidak sah." in response.text
    coordinator_role = post_form(client, "/orang/baru", {
        "name": "Pak Kasi", "role": "lead", "region_code": TAMBORA_KEL,
        "language": "id", "channel_preference": "sms"})
    assert coordinator_role.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Person)) == count


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, name: str, data: bytes):  # type: ignore[no-untyped-def]
    page = client.get("/orang/impor/")
    return client.post("/orang/impor/", data={"csrf_token": csrf_token(page.text),
                                              "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_import_preview_then_confirm(client, world: World) -> None:
    login(client, world.kec_lead.email)
    data = _xlsx([["nama", "telepon", "email", "kelurahan", "jaringan", "rt", "rw"],
                  ["Ibu Ani", "0812 3456 7001", "ani@example.org", TAMBORA_KEL, "pkk", "1", "2"],
                  ["Ibu Budi", "+62 812 3456 7002", "", "Kali Anyar", "PKK", "", ""]])
    preview = _upload(client, "kader.xlsx", data)
    assert preview.status_code == 200 and "Ibu Ani" in preview.text
    assert db.session.scalar(select(func.count()).select_from(Person).where(
        Person.name == "Ibu Ani")) == 0
    upload = re.search(r'name="upload" type="hidden" value="([^"]+)"', preview.text)
    filename = re.search(r'name="filename" type="hidden" value="([^"]+)"', preview.text)
    assert upload and filename
    folder = Path(client.application.instance_path) / "uploads"
    assert any(upload.group(1) in p.name for p in folder.iterdir())
    confirm = client.post("/orang/impor/konfirmasi", data={
        "csrf_token": csrf_token(preview.text), "upload": upload.group(1),
        "filename": filename.group(1)})
    assert confirm.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Person).where(
        Person.name.in_(["Ibu Ani", "Ibu Budi"]))) == 2
    assert not any(upload.group(1) in p.name for p in folder.iterdir())


def test_broken_import_file_lists_row_errors_and_imports_nothing(client, world: World) -> None:
    login(client, world.kec_lead.email)
    count = db.session.scalar(select(func.count()).select_from(Person))
    csv_bytes = (b"nama,telepon,kelurahan,jaringan\n"
                 b"Ibu Ani,12345,31.73.04.1001,pkk\n"
                 b"Ibu Cici,081234567003,Kelurahan Entah,pkk\n")
    preview = _upload(client, "kader.csv", csv_bytes)
    assert preview.status_code == 400
    assert 'class="import-errors"' in preview.text
    assert "Kelurahan Entah" in preview.text
    assert 'name="upload"' not in preview.text  # nothing to confirm
    latin1 = _upload(client, "kader.csv", "nama,telepon\nIbu Ché,0812\n".encode("latin-1"))
    assert latin1.status_code == 400 and "UTF-8" in latin1.text
    garbage = _upload(client, "kader.xlsx", b"PK\x03\x04 not really a zip")
    assert garbage.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Person)) == count


def test_import_confirm_with_a_forged_upload_name_does_nothing(client, world: World) -> None:
    login(client, world.kec_lead.email)
    token = csrf_token(client.get("/orang/impor/").text)
    for forged in ("../../secret_key", "x" * 30):
        response = client.post("/orang/impor/konfirmasi", data={
            "csrf_token": token, "upload": forged, "filename": "a.csv"}, follow_redirects=True)
        assert "tidak tersedia lagi" in response.text


def test_import_without_a_file_or_csrf_is_refused(client, world: World) -> None:
    login(client, world.kec_lead.email)
    no_file = post_form(client, "/orang/impor/", {})
    assert no_file.status_code == 400 and "Pilih berkas." in no_file.text
    no_csrf = client.post("/orang/impor/", data={"file": (io.BytesIO(b"a"), "a.csv")},
                          content_type="multipart/form-data")
    assert no_csrf.status_code == 400


def test_people_list_filters_and_reports_bad_filters(client, world: World) -> None:
    login(client, world.kec_lead.email)
    cadres = client.get("/orang/?role=cadre").text
    assert world.cadre.name in cadres and world.coordinator.name not in cadres
    assert world.other_cadre.name not in client.get("/orang/").text  # out of scope
    bad = client.get("/orang/?role=raja&region=abc")
    assert bad.status_code == 400 and "raja" in bad.text and "abc" in bad.text
