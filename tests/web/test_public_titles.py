"""Web forms take a public title and refuse one with a case word, in the user's language,
next to the field, saving nothing; staff pages show both titles."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Action, Network, Program
from tests.web.conftest import TAMBORA, World, login, post_form
from tests.web.test_bulk_and_people import _hidden_fields


def _program_form(public_title: str) -> dict[str, str]:
    return {"title": "Penanganan korban TPPO Tambora", "public_title": public_title,
            "description": "", "category": "handling", "year": "2022", "region_code": TAMBORA}


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)))


def test_a_program_with_a_neutral_public_title_shows_both_titles_to_staff(client,
                                                                         world: World) -> None:
    login(client, world.kec_lead.email)
    created = post_form(client, "/program/baru", _program_form("Kegiatan warga Tambora"))
    assert created.status_code == 303
    program = db.session.scalar(select(Program).where(Program.public_title == "Kegiatan warga Tambora"))
    assert program is not None and program.title == "Penanganan korban TPPO Tambora"
    page = client.get(f"/program/{program.id}").text
    assert "Penanganan korban TPPO Tambora" in page and "Kegiatan warga Tambora" in page


def test_a_public_title_with_a_case_word_is_refused_in_indonesian(client, world: World) -> None:
    login(client, world.kec_lead.email)
    before = _count(Program)
    for hostile in ("Pendampingan korbannya", "perdagangan-orang", "TPPO2022", "k0rban"):
        response = post_form(client, "/program/baru", _program_form(hostile))
        assert response.status_code == 400, hostile
        assert "Judul publik dibaca di HP bersama" in response.text, hostile
    missing = post_form(client, "/program/baru", _program_form(""))
    assert missing.status_code == 400 and "Isi judul publik." in missing.text
    assert _count(Program) == before
    post_form(client, "/logout", {}, form_url="/program/")
    login(client, world.lead.email)  # the city lead owns the world's program
    edit = post_form(client, f"/program/{world.program.id}/ubah", {
        **_program_form("Kampanye korban"), "title": world.program.title, "region_code": "31.73"})
    assert edit.status_code == 400 and "Judul publik dibaca di HP bersama" in edit.text
    db.session.refresh(world.program)
    assert world.program.public_title == "Kampanye warga"


def test_the_refusal_is_in_english_for_an_english_speaker(client, world: World) -> None:
    world.kec_lead.language = "en"
    db.session.commit()
    login(client, world.kec_lead.email)
    response = post_form(client, "/program/baru", _program_form("Pelecehan"))
    assert response.status_code == 400
    assert "A public title is read on shared phones" in response.text
    assert "\u201cpelecehan\u201d" in response.text


def _bulk(world: World, **overrides: object) -> dict[str, object]:
    pkk = db.session.scalar(select(Network.id).where(Network.slug == "pkk"))
    data: dict[str, object] = {
        "program_id": str(world.program.id), "title": "Sosialisasi pencegahan TPPO",
        "public_title": "", "network_ids": [str(pkk)], "region_codes": [TAMBORA],
        "due_date": (date.today() + timedelta(days=10)).isoformat(), "due_time": "09:00",
        "recurrence": "none", "until": "",
    }
    data.update(overrides)
    return data


def test_bulk_refuses_a_hostile_public_title_and_defaults_to_the_programs(client,
                                                                         world: World) -> None:
    login(client, world.kec_lead.email)
    refused = post_form(client, "/aksi/massal/pratinjau",
                        _bulk(world, public_title="Sosialisasi korban_kekerasan"),
                        form_url="/aksi/massal/")
    assert refused.status_code == 400 and "Judul publik dibaca di HP bersama" in refused.text
    before = _count(Action)
    preview = post_form(client, "/aksi/massal/pratinjau", _bulk(world), form_url="/aksi/massal/")
    assert preview.status_code == 200 and "Kampanye warga" in preview.text
    fields = _hidden_fields(preview.text)
    confirmed = client.post("/aksi/massal/konfirmasi",
                            data={k: v if len(v) > 1 else v[0] for k, v in fields.items()})
    assert confirmed.status_code == 303
    titles = set(db.session.scalars(select(Action.public_title).where(Action.id > 0)
                                    .order_by(Action.id).offset(before)))
    assert titles == {"Kampanye warga"}
