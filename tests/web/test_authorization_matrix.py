"""Every web route x every role (admin, city lead, kecamatan lead, coordinator, cadre, anonymous)
x in scope / out of scope: each cell's status is asserted. Out of scope is 404, never 403."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from coordinator.domain.programs import create_program
from coordinator.extensions import db
from coordinator.messages.links import action_link
from coordinator.models import Action
from tests.web.conftest import World, csrf_token, login

ROLES = ("admin", "lead", "kec_lead", "coordinator", "cadre", "anonymous")
OK, REDIRECT, NOT_FOUND = 200, 302, 404
SEE_OTHER = 303  # the redirect after a POST (post/redirect/get), the login redirect included


def row(admin: int, lead: int, kec_lead: int, coordinator: int, cadre: int,
        anonymous: int = REDIRECT) -> dict[str, int]:
    return dict(zip(ROLES, (admin, lead, kec_lead, coordinator, cadre, anonymous), strict=True))


STAFF_PAGE = row(OK, OK, OK, OK, NOT_FOUND)
# A change only admins and the city lead may make here: done (303), else 404.
CITY_CHANGE = row(SEE_OTHER, SEE_OTHER, NOT_FOUND, NOT_FOUND, NOT_FOUND, SEE_OTHER)
LEADS_ONLY = row(OK, OK, OK, NOT_FOUND, NOT_FOUND)


def routes(w: World, kembangan_program_id: int) -> list[tuple[str, str, dict[str, int]]]:
    """(method, url, expected status per role). ``w.action`` is in Tambora (in scope for the
    Tambora lead and coordinator), ``w.other_action`` in Kembangan (out of their scope)."""
    city_program, kembangan_program = w.program.id, kembangan_program_id
    return [
        ("GET", "/login", row(REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, OK)),
        ("GET", "/password", row(OK, OK, OK, OK, OK)),
        ("GET", "/tugas/", row(OK, OK, OK, OK, OK)),
        ("GET", "/program/", STAFF_PAGE),
        ("GET", "/program/baru", LEADS_ONLY),
        ("GET", f"/program/{city_program}", STAFF_PAGE),
        ("GET", f"/program/{kembangan_program}", row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
        ("GET", f"/program/{city_program}/ubah", row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
        ("GET", f"/program/{kembangan_program}/ubah",
         row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
        # Closing asks first: the confirmation page, for those who may close the program.
        ("GET", f"/program/{city_program}/tutup", row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
        ("GET", f"/program/{kembangan_program}/tutup",
         row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
        ("GET", "/aksi/", STAFF_PAGE),
        ("GET", f"/aksi/{w.action.id}", STAFF_PAGE),
        ("GET", f"/aksi/{w.other_action.id}", row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
        ("GET", "/aksi/ekspor.csv", STAFF_PAGE),
        ("GET", "/aksi/ekspor.xlsx", STAFF_PAGE),
        ("GET", "/aksi/massal/", LEADS_ONLY),
        ("GET", "/orang/", STAFF_PAGE),
        ("GET", "/orang/baru", STAFF_PAGE),
        ("GET", f"/orang/{w.cadre.id}", STAFF_PAGE),
        ("GET", f"/orang/{w.other_cadre.id}", row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
        ("GET", f"/orang/{w.lead.id}", row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
        ("GET", "/orang/impor/", STAFF_PAGE),
        ("GET", action_link(w.cadre.id, w.action.id), row(OK, OK, OK, OK, OK, OK)),
        # Changes aimed outside one's scope: 404 and nothing changes.
        ("POST", f"/aksi/{w.other_action.id}/tugaskan", CITY_CHANGE),
        ("POST", f"/aksi/{w.other_action.id}/batalkan", CITY_CHANGE),
        ("POST", f"/tugas/{w.other_action.id}/selesai",
         row(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, SEE_OTHER)),
        ("POST", f"/program/{kembangan_program}/tutup", CITY_CHANGE),
        ("POST", f"/orang/{w.other_cadre.id}/nonaktifkan", CITY_CHANGE),
    ]


def _request(client: FlaskClient, method: str, url: str, token: str) -> int:
    path = url[url.index("/", 8):] if url.startswith("http") else url
    if method == "GET":
        return client.get(path).status_code
    # Reassign to the action's own assignee: a valid no-op for those allowed.
    # A cancellation says why (required): those allowed cancel, the others see nothing change.
    data = {"csrf_token": token, "assignee_id": "", "reason": "matrix"}
    return client.post(path, data=data).status_code


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_expected(client, world: World, role: str) -> None:
    from coordinator.domain.programs import activate_program

    kembangan = create_program(actor=None, owner_id=world.admin.id, title="Program Kembangan",
                               public_title="Rapat koordinasi", description="", category="coordination", year=2022,
                               region_code="31.73.08")
    activate_program(kembangan.id, actor=None)
    if role != "anonymous":
        login(client, world.by_role(role).email)
    token = csrf_token(client.get("/login" if role == "anonymous" else "/tugas/").text)
    mismatches = []
    for method, url, expected in routes(world, kembangan.id):
        status = _request(client, method, url, token)
        if status != expected[role]:
            mismatches.append(f"{method} {url}: expected {expected[role]}, got {status}")
    assert not mismatches, "\n".join(mismatches)
    if role not in ("admin", "lead"):
        other = db.session.get(Action, world.other_action.id)
        db.session.refresh(other)
        assert other.status == "open" and other.assignee_id == world.other_cadre.id
        db.session.refresh(world.other_cadre)
        assert world.other_cadre.active


def _pages_all_use_the_layout(client: FlaskClient, urls: list[str],
                              check: Callable[[str], bool]) -> list[str]:
    return [u for u in urls if not check(client.get(u).text)]


def test_staff_nav_shows_only_registered_endpoints(client, world: World) -> None:
    login(client, world.admin.email)
    page = client.get("/aksi/").text
    app = client.application
    assert ('href="/aksi/"' in page)
    for endpoint, label in (("dashboard.index", "Dasbor"), ("outbox.index", "Kotak keluar"),
                            ("notifications.dead", "Pesan gagal")):
        assert (label in page) == (endpoint in app.view_functions), endpoint


def test_every_form_post_without_csrf_token_is_refused_and_changes_nothing(
    client, world: World
) -> None:
    from sqlalchemy import func, select

    from coordinator.models import AuditEntry, Event

    login(client, world.admin.email)
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (AuditEntry, Event)]
    posts = [
        "/logout", "/password", "/language", "/program/baru", f"/program/{world.program.id}/ubah",
        f"/program/{world.program.id}/aktifkan", f"/program/{world.program.id}/tutup",
        f"/aksi/{world.action.id}/tugaskan", f"/aksi/{world.action.id}/batalkan",
        f"/aksi/{world.action.id}/buka-lagi", "/aksi/massal/pratinjau", "/aksi/massal/konfirmasi",
        "/orang/baru", f"/orang/{world.cadre.id}", f"/orang/{world.cadre.id}/nonaktifkan",
        "/orang/impor/", "/orang/impor/konfirmasi", f"/tugas/{world.action.id}/selesai",
        f"/tugas/{world.action.id}/batal-selesai",
        action_link(world.cadre.id, world.action.id)[len("http://127.0.0.1:5000"):],
    ]
    for url in posts:
        response = client.post(url, data={"title": "x", "name": "x", "assignee_id": ""})
        assert response.status_code == 400, url
        assert "kedaluwarsa" in response.text, url
    assert [db.session.scalar(select(func.count()).select_from(m))
            for m in (AuditEntry, Event)] == counts
    assert client.get("/aksi/").status_code == 200  # still logged in: logout was refused too
