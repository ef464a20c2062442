""""Tugas saya": own open and overdue actions in WIB, complete in two taps, undo for 24 h."""
from __future__ import annotations

from datetime import timedelta

from coordinator.extensions import db
from coordinator.models import utcnow
from tests.web.conftest import World, csrf_token, login, make_action


def test_lists_only_own_open_actions_with_due_dates_in_wib(client, world: World) -> None:
    world.action.due_at = utcnow().replace(hour=2, minute=0, second=0, microsecond=0)
    db.session.commit()
    login(client, world.cadre.email)
    page = client.get("/tugas/")
    assert page.status_code == 200
    assert world.action.public_code in page.text
    assert world.other_action.public_code not in page.text
    assert "09:00 WIB" in page.text  # 02:00 UTC is 09:00 in Jakarta


def test_overdue_actions_are_marked(client, world: World) -> None:
    late = make_action(world.program, world.action.kelurahan_code, world.cadre,
                       due_in=timedelta(days=-2), title="Rapat RW yang terlambat")
    login(client, world.cadre.email)
    page = client.get("/tugas/").text
    assert late.public_title in page and "Terlambat" in page
    assert late.title not in page  # a cadre's page shows the public title only


def test_complete_then_undo(client, world: World) -> None:
    login(client, world.cadre.email)
    token = csrf_token(client.get("/tugas/").text)
    done = client.post(f"/tugas/{world.action.id}/selesai",
                       data={"csrf_token": token, "people_reached": "25", "note": "Arisan PKK"},
                       follow_redirects=True)
    assert "Terima kasih" in done.text and "Urungkan" in done.text
    db.session.refresh(world.action)
    assert world.action.status == "done" and world.action.note == "Arisan PKK"
    undone = client.post(f"/tugas/{world.action.id}/batal-selesai",
                         data={"csrf_token": token}, follow_redirects=True)
    assert "dibuka lagi" in undone.text
    db.session.refresh(world.action)
    assert world.action.status == "open"


def test_undo_button_disappears_after_24_hours(client, world: World) -> None:
    from coordinator.domain.actions import complete_action

    complete_action(world.action.id, actor=world.cadre, now=utcnow() - timedelta(hours=25))
    login(client, world.cadre.email)
    page = client.get("/tugas/")
    assert "Urungkan" not in page.text
    response = client.post(f"/tugas/{world.action.id}/batal-selesai",
                           data={"csrf_token": csrf_token(page.text)}, follow_redirects=True)
    assert "tidak bisa diurungkan" in response.text
    db.session.refresh(world.action)
    assert world.action.status == "done"


def test_another_cadres_action_is_not_found(client, world: World) -> None:
    login(client, world.cadre.email)
    token = csrf_token(client.get("/tugas/").text)
    response = client.post(f"/tugas/{world.other_action.id}/selesai", data={"csrf_token": token})
    assert response.status_code == 404
    db.session.refresh(world.other_action)
    assert world.other_action.status == "open"


def test_bad_people_reached_is_explained_and_changes_nothing(client, world: World) -> None:
    login(client, world.cadre.email)
    token = csrf_token(client.get("/tugas/").text)
    response = client.post(f"/tugas/{world.action.id}/selesai",
                           data={"csrf_token": token, "people_reached": "banyak"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Bukan bilangan bulat yang sah." in response.text  # WTForms' message, in Indonesian
    db.session.refresh(world.action)
    assert world.action.status == "open"


def test_complete_without_csrf_token_is_refused(client, world: World) -> None:
    login(client, world.cadre.email)
    response = client.post(f"/tugas/{world.action.id}/selesai", data={"people_reached": "1"})
    assert response.status_code == 400
    db.session.refresh(world.action)
    assert world.action.status == "open"
