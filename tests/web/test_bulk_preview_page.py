"""The bulk pages as a coordinator uses them on a phone: the region tree with its search,
the selection kept across errors and the preview round trip, the preview by name, and a due
date in the past refused in Indonesian."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from coordinator.domain import calendar
from coordinator.extensions import db
from coordinator.models import Action, Network
from tests.web.conftest import (
    TAMBORA,
    TAMBORA_KEL,
    TAMBORA_KEL_2,
    World,
    _person,
    csrf_token,
    login,
    post_form,
)

PREVIEW = "/aksi/massal/pratinjau"


def _data(world: World, **overrides: object) -> dict[str, object]:
    pkk = db.session.scalar(select(Network.id).where(Network.slug == "pkk"))
    data: dict[str, object] = {
        "program_id": str(world.program.id), "title": "Sosialisasi pencegahan di posyandu",
        "network_ids": [str(pkk)], "region_codes": [TAMBORA_KEL, TAMBORA_KEL_2],
        "due_date": (date.today() + timedelta(days=10)).isoformat(), "due_time": "09:00",
        "recurrence": "none", "until": "",
    }
    data.update(overrides)
    return data


def _checked(html: str) -> set[str]:
    return set(re.findall(r'name="region_codes" value="([^"]+)" id="[^"]+" checked', html))


def test_the_region_picker_is_a_checkbox_tree_that_a_search_narrows(client, world: World) -> None:
    login(client, world.lead.email)
    page = client.get("/aksi/massal/")
    assert page.status_code == 200
    assert "<select multiple" not in page.text and 'multiple name="region_codes"' not in page.text
    assert "Seluruh kecamatan Tambora" in page.text
    assert page.text.count("<details") == 8  # the eight kecamatan of Jakarta Barat
    assert f'value="{TAMBORA_KEL_2}" id="region-{TAMBORA_KEL_2}"' in page.text
    narrowed = client.get("/aksi/massal/?wilayah=anyar")
    assert "Kali Anyar" in narrowed.text and "Duri Utara" not in narrowed.text
    assert narrowed.text.count("<details") == 1


def test_searching_and_errors_keep_every_chosen_region(client, world: World) -> None:
    login(client, world.kec_lead.email)
    searched = post_form(client, PREVIEW, {**_data(world), "step": "search",
                                           "region_query": "duri"}, form_url="/aksi/massal/")
    assert searched.status_code == 200 and "field-error" not in searched.text
    assert "Duri Utara" in searched.text and "Krendang" not in searched.text
    # The two ticked kelurahan are hidden by the search, and kept.
    hidden = re.findall(r'type="hidden" name="region_codes" value="([^"]+)"', searched.text)
    assert set(hidden) == {TAMBORA_KEL, TAMBORA_KEL_2}
    assert "Kali Anyar" in searched.text  # named in "also chosen"
    assert 'value="Sosialisasi pencegahan di posyandu"' in searched.text
    invalid = post_form(client, PREVIEW, _data(world, title=""), form_url="/aksi/massal/")
    assert invalid.status_code == 400
    assert _checked(invalid.text) == {TAMBORA_KEL, TAMBORA_KEL_2}
    assert 'class="error-summary"' in invalid.text and "autofocus" in invalid.text
    assert re.search(r'<input aria-describedby="title-error" aria-invalid="true" id="title"',
                     invalid.text)
    assert '<div class="field-error" id="title-error">' in invalid.text


def test_the_preview_names_cadres_and_unassigned_kelurahan_with_their_coordinator(
        client, world: World) -> None:
    _person("coordinator", TAMBORA_KEL_2, "Pak Kasi Kali Anyar", "kasi2@example.org")
    login(client, world.kec_lead.email)
    preview = post_form(client, PREVIEW, _data(world, region_codes=[TAMBORA]),
                        form_url="/aksi/massal/")
    assert preview.status_code == 200, preview.text
    text = re.sub(r"\s+", " ", preview.text)
    assert "<h3>Tambora</h3> <ul><li>Ibu Sari" in text
    assert "<h3>Kali Anyar</h3>" in text
    assert "Pak Kasi Kali Anyar (koordinator kelurahan) akan diminta menugaskannya." in text
    assert "belum punya koordinator" in text  # the nine others have none
    # Change: back to the form with everything kept, then preview again.
    again = client.post(PREVIEW, data={**_data(world, region_codes=[TAMBORA]), "step": "edit",
                                       "csrf_token": csrf_token(preview.text)})
    assert again.status_code == 200 and _checked(again.text) == {TAMBORA}
    assert 'name="idempotency_key" type="hidden" value=""' in again.text


def test_a_due_date_in_the_past_is_refused_in_indonesian_and_creates_nothing(
        client, world: World) -> None:
    login(client, world.kec_lead.email)
    before = db.session.scalar(select(func.count()).select_from(Action))
    yesterday = (calendar.local_now().date() - timedelta(days=1)).isoformat()
    refused = post_form(client, PREVIEW, _data(world, due_date=yesterday),
                        form_url="/aksi/massal/")
    assert refused.status_code == 400
    assert "Tenggat sudah lewat" in refused.text
    confirm = client.post("/aksi/massal/konfirmasi", data={
        **_data(world, due_date=yesterday), "idempotency_key": "past-due-0001",
        "csrf_token": csrf_token(refused.text)})
    assert confirm.status_code == 400 and "Tenggat sudah lewat" in confirm.text
    assert db.session.scalar(select(func.count()).select_from(Action)) == before


def test_a_holiday_is_named_in_the_readers_language(client, world: World) -> None:
    login(client, world.kec_lead.email)
    christmas = date(calendar.local_now().year + 1, 12, 25).isoformat()
    preview = post_form(client, PREVIEW, _data(world, due_date=christmas),
                        form_url="/aksi/massal/")
    assert "(Hari Raya Natal)" in preview.text and "Christmas" not in preview.text


def test_validation_texts_are_indonesian(client, world: World) -> None:
    login(client, world.kec_lead.email)
    start = date.today() + timedelta(days=3)
    too_many = post_form(client, PREVIEW, _data(
        world, recurrence="weekly", until=(start + timedelta(days=900)).isoformat(),
        due_date=start.isoformat()), form_url="/aksi/massal/")
    assert too_many.status_code == 400
    assert "Paling banyak 60 kali pengulangan." in too_many.text
    assert "At most" not in too_many.text
    unknown = post_form(client, PREVIEW, _data(world, region_codes=["99"]),
                        form_url="/aksi/massal/")
    assert unknown.status_code == 400
    assert "bukan pilihan yang sah untuk isian ini" in unknown.text
    assert "not a valid choice" not in unknown.text
    assert 'value="99"' not in unknown.text  # not carried on: it could never be unticked
