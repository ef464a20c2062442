"""Closing a program takes two steps (a page that says what it cancels, then confirm), and a
closed program can be reopened for 7 days; both redirect (303) back to the program page."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coordinator.domain.actions import cancel_action
from coordinator.extensions import db
from coordinator.models import Action, Program, utcnow
from tests.web.conftest import World, csrf_token, login, post_form


def _statuses(world: World) -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(Action.id, Action.status).where(
        Action.program_id == world.program.id)).all())  # type: ignore[arg-type]


def test_closing_shows_what_it_cancels_then_asks_to_confirm(client, world: World) -> None:
    cancel_action(world.other_action.id, actor=None)  # cancelled before: not counted
    login(client, world.lead.email)
    program_page = client.get(f"/program/{world.program.id}").text
    assert f'href="/program/{world.program.id}/tutup"' in program_page  # a link, not a button
    page = client.get(f"/program/{world.program.id}/tutup")
    text = " ".join(page.text.split())
    assert page.status_code == 200
    assert "Penutupan membatalkan 1 aksi terbuka." in text
    assert "1 orang yang memegangnya dikirimi pesan" in text and "Ibu Sari" in text
    assert world.action.kelurahan.name in text
    assert _statuses(world)[world.action.id] == "open"  # looking changes nothing

    done = client.post(f"/program/{world.program.id}/tutup",
                       data={"csrf_token": csrf_token(page.text)})
    assert done.status_code == 303 and done.headers["Location"] == f"/program/{world.program.id}"
    assert _statuses(world) == {world.action.id: "cancelled", world.other_action.id: "cancelled"}
    closed_page = client.get(done.headers["Location"]).text
    assert "Program ditutup; aksi yang masih terbuka dibatalkan." in closed_page
    assert f'href="/program/{world.program.id}/buka-lagi"' in closed_page


def test_reopening_restores_what_closing_cancelled(client, world: World) -> None:
    cancel_action(world.other_action.id, actor=None)
    login(client, world.lead.email)
    post_form(client, f"/program/{world.program.id}/tutup", {})
    page = client.get(f"/program/{world.program.id}/buka-lagi")
    text = " ".join(page.text.split())
    assert page.status_code == 200 and "Pembukaan kembali mengaktifkan lagi 1 aksi" in text
    done = client.post(f"/program/{world.program.id}/buka-lagi",
                       data={"csrf_token": csrf_token(page.text)})
    assert done.status_code == 303
    assert _statuses(world) == {world.action.id: "open", world.other_action.id: "cancelled"}
    assert db.session.get(Program, world.program.id).status == "active"  # type: ignore[union-attr]
    history = " ".join(client.get(f"/aksi/{world.action.id}").text.split('id="history"')[1].split())
    assert "Dibatalkan oleh Ketua Gugus Tugas · program ditutup" in history
    assert "Terbuka lagi: Ketua Gugus Tugas membuka kembali program" in history


def test_after_seven_days_reopening_is_refused_with_the_reason(client, world: World) -> None:
    login(client, world.lead.email)
    post_form(client, f"/program/{world.program.id}/tutup", {})
    program = db.session.get(Program, world.program.id)
    assert program is not None
    program.closed_at = utcnow() - timedelta(days=7, minutes=1)  # closed a week ago
    db.session.commit()
    assert "buka-lagi" not in client.get(f"/program/{world.program.id}").text
    refused = client.get(f"/program/{world.program.id}/buka-lagi")
    assert refused.status_code == 302
    shown = client.get(refused.headers["Location"]).text
    assert "hanya dapat dibuka kembali dalam 7 hari" in shown
    late = client.post(f"/program/{world.program.id}/buka-lagi",
                       data={"csrf_token": csrf_token(shown)})
    assert late.status_code == 303
    assert _statuses(world)[world.action.id] == "cancelled"


def test_a_coordinator_may_neither_close_nor_reopen(client, world: World) -> None:
    login(client, world.coordinator.email)
    assert client.get(f"/program/{world.program.id}/tutup").status_code == 404
    page = client.get(f"/program/{world.program.id}").text
    assert "/tutup" not in page
    response = client.post(f"/program/{world.program.id}/tutup",
                           data={"csrf_token": csrf_token(page)})
    assert response.status_code == 404
    assert _statuses(world)[world.action.id] == "open"


def test_an_english_lead_reads_the_confirmation_in_english(client, world: World) -> None:
    world.lead.language = "en"
    db.session.commit()
    login(client, world.lead.email)
    text = " ".join(client.get(f"/program/{world.program.id}/tutup").text.split())
    assert "Closing cancels 2 open actions." in text and "Keep it open" in text
