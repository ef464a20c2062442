"""A kecamatan lead assigns in bulk from a 360-px phone in Chromium: the region tree, the
preview by name, the confirmation; with and without JavaScript."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Action
from tests.web.conftest import PASSWORD, TAMBORA_KEL, TAMBORA_KEL_2, World, _person

pytestmark = pytest.mark.browser


def _log_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(15_000)
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _checkbox(code: str) -> str:
    return "#region-" + code.replace(".", "\\.")


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= 360"))


def test_bulk_assignment_on_a_phone_from_tree_to_confirmation(
    world: World, live_server: str, phone_page, artifacts_dir  # type: ignore[no-untyped-def]
) -> None:
    _person("coordinator", TAMBORA_KEL_2, "Pak Kasi Kali Anyar", "kasi2@example.org")
    page = phone_page
    _log_in(page, live_server, world.kec_lead.email)
    page.goto(live_server + "/aksi/massal/")
    page.select_option("select[name=program_id]", str(world.program.id))
    page.fill("input[name=title]", "Sosialisasi pencegahan di posyandu")
    page.check("fieldset#network_ids label:has-text('PKK') input")
    # Typing narrows the tree (sinergi.js); the ticked kelurahan are the form's values.
    page.fill("input[name=region_query]", "anyar")
    assert page.is_visible(f"li[data-region*='{TAMBORA_KEL_2}']")
    assert not page.is_visible("li[data-region*='31.73.04.1003']")
    page.check(_checkbox(TAMBORA_KEL_2))
    page.fill("input[name=region_query]", "")
    page.check(_checkbox(TAMBORA_KEL))
    page.fill("input[name=due_date]", (date.today() + timedelta(days=10)).isoformat())
    assert _fits(page)
    page.screenshot(path=str(artifacts_dir / "bulk-form-phone.png"), full_page=True)
    page.click("button.btn-primary.btn-big")
    page.wait_for_selector(".bulk-plan")
    text = page.inner_text("main")
    assert "Ibu Sari" in text and "Pak Kasi Kali Anyar (koordinator kelurahan)" in text
    assert _fits(page)
    page.screenshot(path=str(artifacts_dir / "bulk-preview-phone.png"), full_page=True)
    page.click("text=Konfirmasi")
    page.wait_for_load_state()
    assert db.session.scalar(select(func.count()).select_from(Action).where(
        Action.title == "Sosialisasi pencegahan di posyandu")) == 2


def test_without_javascript_the_search_button_narrows_the_tree_and_errors_take_focus(
    world: World, live_server: str, chromium, artifacts_dir  # type: ignore[no-untyped-def]
) -> None:
    context = chromium.new_context(viewport={"width": 360, "height": 740},
                                   java_script_enabled=False)
    page = context.new_page()
    try:
        _log_in(page, live_server, world.kec_lead.email)
        page.goto(live_server + "/aksi/massal/")
        page.fill("input[name=region_query]", "duri")
        page.click("button[name=step][value=search]")
        page.wait_for_load_state()
        assert "Duri Utara" in page.inner_text("main") and "Krendang" not in page.inner_text("main")
        page.check("#region-31\\.73\\.04\\.1003")
        page.fill("input[name=due_date]", (date.today() - timedelta(days=3)).isoformat())
        page.click("button.btn-primary.btn-big")
        page.wait_for_load_state()
        # The summary has the focus; the ticked kelurahan is still ticked.
        assert page.evaluate("document.activeElement.className") == "error-summary"
        assert "Tenggat sudah lewat" in page.inner_text(".error-summary")
        assert page.is_checked("#region-31\\.73\\.04\\.1003")
        assert _fits(page)
        page.screenshot(path=str(artifacts_dir / "bulk-errors-no-js-phone.png"), full_page=True)
    finally:
        context.close()
