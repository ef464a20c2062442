"""The issue's "done when", through the web: a lead plans a program, bulk-assigns it to
Kecamatan Tambora's PKK cadres, and a cadre completes one from a signed link."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.messages.links import action_link
from coordinator.models import Action, Network, Program
from tests.web.conftest import TAMBORA, World, csrf_token, login, post_form


def test_lead_plans_bulk_assigns_and_a_cadre_completes_from_a_link(client, world: World) -> None:
    login(client, world.kec_lead.email)
    post_form(client, "/program/baru", {"title": "Pencegahan di Tambora", "description": "",
                                        "public_title": "Kegiatan warga Tambora",
                                        "category": "prevention", "year": "2022",
                                        "region_code": TAMBORA})
    program = db.session.scalar(select(Program).where(Program.title == "Pencegahan di Tambora"))
    assert program is not None
    page = client.get(f"/program/{program.id}")
    client.post(f"/program/{program.id}/aktifkan", data={"csrf_token": csrf_token(page.text)})
    pkk = db.session.scalar(select(Network.id).where(Network.slug == "pkk"))
    preview = post_form(client, "/aksi/massal/pratinjau", {
        "program_id": str(program.id), "title": "Sosialisasi di arisan PKK",
        "network_ids": [str(pkk)], "region_codes": [TAMBORA],
        "due_date": (date.today() + timedelta(days=7)).isoformat(), "due_time": "17:00",
        "recurrence": "none"}, form_url=f"/aksi/massal/?program={program.id}")
    assert "11 aksi untuk 1 kader di 11 kelurahan" in preview.text
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', preview.text)
    assert key is not None
    confirmed = client.post("/aksi/massal/konfirmasi", data={
        "csrf_token": csrf_token(preview.text), "idempotency_key": key.group(1),
        "program_id": str(program.id), "title": "Sosialisasi di arisan PKK",
        "network_ids": str(pkk), "region_codes": TAMBORA,
        "due_date": (date.today() + timedelta(days=7)).isoformat(), "due_time": "17:00",
        "recurrence": "none", "until": ""}, follow_redirects=True)
    assert "11 aksi dibuat." in confirmed.text
    mine = db.session.scalar(select(Action).where(Action.program_id == program.id,
                                                  Action.assignee_id == world.cadre.id))
    assert mine is not None

    cadre_browser = client.application.test_client()
    link = action_link(world.cadre.id, mine.id)
    path = link[link.index("/t/"):]
    page = cadre_browser.get(path)
    done = cadre_browser.post(path, data={"csrf_token": csrf_token(page.text),
                                          "people_reached": "30"}, follow_redirects=True)
    assert "Terima kasih" in done.text
    db.session.refresh(mine)
    assert mine.status == "done" and mine.people_reached == 30
    progress = client.get(f"/program/{program.id}").text
    assert "Tambora" in progress
