"""At phone size in a real browser: an action's history, the program-closing confirmation, the
reopening, and reloading a form's address after posting it (lands on its page, no 405)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from coordinator.domain.actions import complete_action, reopen_action
from coordinator.policy import Via
from tests.web.conftest import PASSWORD, World


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= 361)


@pytest.mark.browser
def test_a_lead_reads_the_history_then_closes_and_reopens_a_program_on_a_phone(
    app: Flask, world: World, live_server: str, phone_page: Any, artifacts_dir: Path,
    backend: str,
) -> None:
    if backend != "sqlite":
        pytest.skip("one browser run is enough")
    complete_action(world.action.id, actor=world.cadre, via=Via.SMS, people_reached=25)
    reopen_action(world.action.id, actor=world.coordinator)
    complete_action(world.action.id, actor=world.coordinator, via=Via.WEB, people_reached=30)
    page = phone_page
    page.goto(live_server + "/login")
    page.fill("input[name=email]", world.lead.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server}/aksi/{world.action.id}")
    history = page.inner_text("section.history")
    assert "Riwayat" in history and "lewat balasan SMS" in history
    assert "atas nama penerima tugas" in history and "WIB" in history
    assert _fits(page), "the action page scrolls sideways on a phone"
    page.screenshot(path=str(artifacts_dir / "action-history-phone.png"), full_page=True)

    page.goto(f"{live_server}/program/{world.program.id}")
    page.click("text=Tutup program")
    assert page.url.endswith(f"/program/{world.program.id}/tutup")
    assert "Penutupan membatalkan 1 aksi terbuka." in " ".join(page.inner_text("main").split())
    assert _fits(page), "the closing confirmation scrolls sideways on a phone"
    page.screenshot(path=str(artifacts_dir / "program-close-confirm-phone.png"), full_page=True)
    page.click("button.btn-danger")
    page.wait_for_load_state()
    assert page.url.endswith(f"/program/{world.program.id}")  # post/redirect/get
    page.reload()  # a GET: nothing is sent again
    assert "Buka kembali" in page.inner_text("main")

    page.goto(f"{live_server}/program/{world.program.id}/buka-lagi")
    assert _fits(page)
    page.screenshot(path=str(artifacts_dir / "program-reopen-confirm-phone.png"), full_page=True)
    page.click("form button.btn-primary")
    page.wait_for_load_state()
    assert "dibuka kembali" in page.inner_text("main")

    page.goto(f"{live_server}/aksi/{world.other_action.id}/batalkan")  # a form's address, by GET
    assert page.url.endswith(f"/aksi/{world.other_action.id}")
    assert "Riwayat" in page.inner_text("main")
