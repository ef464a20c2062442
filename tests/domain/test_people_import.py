"""Importing cadres from CSV and Excel: good files, and broken ones that write nothing."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from coordinator.domain.people_import import import_people, preview_people_import
from coordinator.errors import InvalidInput
from coordinator.extensions import db
from coordinator.models import AuditEntry, Event, Person
from tests.domain.factories import CENGKARENG, TAMBORA, kelurahan_of, make_person

GOOD_CSV = (
    "\ufeffNama;Telepon;Email;Kelurahan;Jaringan;RT;RW\n"
    "Siti Aminah;0812-1111-2222;siti@example.com;{code};PKK;3;12\n"
    "Budi Santoso;+62 813 3333 4444;;{name};pkk, Dasawisma;;\n"
)


def people_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Person)))


@pytest.fixture
def lead(seeded):  # type: ignore[no-untyped-def]
    return make_person("lead", TAMBORA)


def kelurahan_name(code: str) -> str:
    from coordinator.models import Region

    return db.session.get(Region, code).name


def good_csv() -> bytes:
    first, second = kelurahan_of(TAMBORA)[:2]
    return GOOD_CSV.format(code=first, name=kelurahan_name(second).upper()).encode()


def test_a_good_csv_imports_every_row(lead) -> None:  # type: ignore[no-untyped-def]
    before = people_count()
    preview = preview_people_import("kader.csv", good_csv(), actor=lead)
    assert preview.is_valid and len(preview.rows) == 2
    ids = import_people("kader.csv", good_csv(), actor=lead)
    assert people_count() == before + 2
    budi = db.session.get(Person, ids[1])
    assert budi.phone == "+6281333334444" and budi.role == "cadre"
    assert sorted(n.slug for n in budi.networks) == ["dasawisma", "pkk"]
    assert db.session.scalar(select(func.count()).select_from(Event).where(
        Event.type == "PersonCreated")) == 2


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_good_xlsx_imports(lead) -> None:  # type: ignore[no-untyped-def]
    code = kelurahan_of(TAMBORA)[0]
    data = xlsx([["name", "phone", "email", "kelurahan", "network", "rt", "rw"],
                 ["Ani", 81255556666, None, code, "jumantik", 1, 2]])
    ids = import_people("kader.xlsx", data, actor=lead)
    ani = db.session.get(Person, ids[0])
    assert (ani.phone, ani.rt, ani.rw) == ("+6281255556666", "001", "002")


def assert_rejected(lead, filename: str, data: bytes, *expected: tuple[int, str]) -> None:  # type: ignore[no-untyped-def]
    before = (people_count(), db.session.scalar(select(func.count()).select_from(AuditEntry)))
    preview = preview_people_import(filename, data, actor=lead)
    assert not preview.is_valid
    found = {(e.line, e.column) for e in preview.errors}
    assert set(expected) <= found, preview.errors
    with pytest.raises(InvalidInput):
        import_people(filename, data, actor=lead)
    assert (people_count(), db.session.scalar(select(func.count()).select_from(AuditEntry))) == before


def test_wrong_columns(lead) -> None:  # type: ignore[no-untyped-def]
    assert_rejected(lead, "x.csv", b"name,mobile,kelurahan\nA,0812,31\n",
                    (1, "mobile"), (1, "phone"), (1, "network"))


def test_bad_phones_unknown_kelurahan_and_out_of_scope(lead) -> None:  # type: ignore[no-untyped-def]
    here, there = kelurahan_of(TAMBORA)[0], kelurahan_of(CENGKARENG)[0]
    data = (f"name,phone,kelurahan,network\nA,021-5551234,{here},pkk\n"
            f"B,081277778888,Atlantis,pkk\nC,081277779999,{there},pkk\nD,081277770000,{here},x\n")
    assert_rejected(lead, "x.csv", data.encode(),
                    (2, "phone"), (3, "kelurahan"), (4, "kelurahan"), (5, "network"))


def test_duplicate_rows_and_existing_people(lead) -> None:  # type: ignore[no-untyped-def]
    here = kelurahan_of(TAMBORA)[0]
    make_person("cadre", here, phone="+6281200001111")
    data = (f"name,phone,kelurahan,network\nA,081277778888,{here},pkk\n"
            f"B,0812-7777-8888,{here},pkk\nC,081200001111,{here},pkk\n")
    assert_rejected(lead, "x.csv", data.encode(), (3, "phone"), (4, "phone"))


def test_a_non_utf8_csv_is_refused_with_advice(lead) -> None:  # type: ignore[no-untyped-def]
    here = kelurahan_of(TAMBORA)[0]
    data = f"name,phone,kelurahan,network\nJosé,081277778888,{here},pkk\n".encode("cp1252")
    preview = preview_people_import("x.csv", data, actor=lead)
    assert "UTF-8" in preview.errors[0].message and preview.errors[0].line == 2
    assert_rejected(lead, "x.csv", data, (2, "file"))


def test_an_excel_file_with_a_formula_without_value_names_the_cell(lead) -> None:  # type: ignore[no-untyped-def]
    here = kelurahan_of(TAMBORA)[0]
    data = xlsx([["name", "phone", "kelurahan", "network"],
                 ["A", "=CONCAT(\"0812\",\"77778888\")", here, "pkk"]])
    assert_rejected(lead, "x.xlsx", data, (2, "B2"))


def test_a_broken_excel_file(lead) -> None:  # type: ignore[no-untyped-def]
    assert_rejected(lead, "x.xlsx", b"PK\x03\x04 not really a zip", (0, "file"))


def test_row_errors_speak_the_users_language(lead, app) -> None:  # type: ignore[no-untyped-def]
    from flask_babel import force_locale

    data = b"name,phone,kelurahan,network\nA,12,Atlantis,pkk\n"
    with app.test_request_context():
        with force_locale("id"):
            indonesian = preview_people_import("x.csv", data, actor=lead).errors
        with force_locale("en"):
            english = preview_people_import("x.csv", data, actor=lead).errors
    assert indonesian[0].message.startswith("Kelurahan “Atlantis” tidak dikenal")
    assert english[0].message.startswith("Unknown kelurahan “Atlantis”")
