"""A coordinator's "Tugas saya": what to assign, what to follow up, her own tasks; counts in
the navigation from one grouped query over her scope."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event

from coordinator.domain.actions import cancel_action
from coordinator.extensions import db
from coordinator.models import utcnow
from coordinator.web import worklist
from tests.web.conftest import KEMBANGAN_KEL, TAMBORA_KEL, TAMBORA_KEL_2, World, login, make_action


def _world_with_work(world: World) -> dict[str, object]:
    work = {
        "unassigned": make_action(world.program, TAMBORA_KEL, None, title="Pendataan RT 01"),
        "unassigned_next_door": make_action(world.program, TAMBORA_KEL_2, None,
                                            title="Pendataan RT 02"),
        "late": make_action(world.program, TAMBORA_KEL, world.cadre, title="Kunjungan sekolah",
                            due_in=-timedelta(days=4)),
        "mine": make_action(world.program, TAMBORA_KEL, world.coordinator, title="Rapat RW"),
        "elsewhere": make_action(world.program, KEMBANGAN_KEL, None, title="Di Kembangan"),
        "cancelled": make_action(world.program, TAMBORA_KEL, None, title="Sudah batal"),
    }
    cancel_action(work["cancelled"].id, actor=None, reason="dobel")
    return work  # type: ignore[return-value]


def test_coordinator_sees_what_to_assign_follow_up_and_do(client, world: World) -> None:
    work = _world_with_work(world)
    login(client, world.coordinator.email)
    page = client.get("/tugas/").text
    to_assign = page[page.index('id="to-assign"'):page.index('id="to-follow-up"')]
    follow_up = page[page.index('id="to-follow-up"'):page.index('id="mine"')]
    mine = page[page.index('id="mine"'):]
    assert "Pendataan RT 01" in to_assign
    assert "Pendataan RT 02" not in page  # the next kelurahan is not hers
    assert "Di Kembangan" not in page and "Sudah batal" not in page
    assert "Kunjungan sekolah" in follow_up and "Ibu Sari" in follow_up
    assert "terlambat 4 hari" in follow_up
    # Her own tasks show their public titles and codes, as a cadre's do.
    assert work["mine"].public_code in mine and work["late"].public_code not in mine
    # The nav counts: 1 to assign + 1 to follow up + 1 of her own.
    assert re.search(r'Tugas saya <span class="count">3</span>', page)


def test_kecamatan_lead_counts_the_whole_kecamatan(world: World, app) -> None:  # type: ignore[no-untyped-def]
    _world_with_work(world)
    now = utcnow()
    counted = [worklist.counts(p, now) for p in (world.kec_lead, world.lead, world.cadre)]
    assert [(c.to_assign, c.to_follow_up, c.mine) for c in counted] == [
        (2, 1, 0), (3, 1, 0), (0, 0, 2)]  # a cadre: her own two


def test_the_nav_counts_cost_one_query(world: World, app) -> None:  # type: ignore[no-untyped-def]
    _world_with_work(world)
    coordinator, now = world.coordinator, utcnow()
    db.session.refresh(coordinator)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        found = worklist.counts(coordinator, now)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and (found.to_assign, found.to_follow_up, found.mine) == (1, 1, 1)


def test_a_cadre_sees_only_her_own_tasks(client, world: World) -> None:
    work = _world_with_work(world)
    login(client, world.cadre.email)
    page = client.get("/tugas/").text
    assert 'id="to-assign"' not in page and work["late"].public_code in page
    assert "Kunjungan sekolah" not in page  # a cadre's page shows public titles only
    assert re.search(r'Tugas saya <span class="count">2</span>', page)


def test_the_worklist_on_a_phone(world: World, live_server: str, phone_page, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    from tests.web.conftest import PASSWORD

    _world_with_work(world)
    page = phone_page
    page.goto(live_server + "/login")
    page.fill("input[name=email]", world.coordinator.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.goto(live_server + "/tugas/")
    assert page.inner_text("nav a.active") == "Tugas saya 3"
    assert page.locator("#to-assign .card").count() == 1
    assert page.locator("#to-follow-up .card").count() == 1
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts_dir / "worklist-coordinator.png"), full_page=True)
    page.locator("#to-follow-up a").first.click()
    page.get_by_text("Batalkan aksi").first.click()  # opens the reason form, cancels nothing
    assert page.locator("textarea[name=reason]").is_visible()
    page.screenshot(path=str(artifacts_dir / "action-cancel-reason.png"), full_page=True)


def test_counts_stop_at_the_cap(world: World, app) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        make_action(world.program, TAMBORA_KEL, None, title=f"Pendataan RT 0{i}")
    found = worklist.counts(world.kec_lead, utcnow(), cap=2)
    assert found.to_assign == 2 and found.shown(found.to_assign) == "2+"
    assert found.shown_total == "2+"
