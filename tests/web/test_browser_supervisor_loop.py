"""The supervisor loop in Debian's Chromium, phones at 360 px, the workers' clock injected:

bulk assignment leaves one kelurahan without a PKK cadre → its coordinator opens the link of
the "choose a cadre" message and assigns one → that cadre completes by SMS reply (the signed
gateway webhook) → another action passes its due date → the escalation sweep tells its
kelurahan coordinator → she opens the link and reassigns → the new cadre completes from the
link → the dashboard counts both done. Screenshots land in test-artifacts/.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import exists, select

from coordinator.domain.bulk import BulkRequest, assign_actions_in_bulk
from coordinator.domain.calendar import to_local
from coordinator.domain.programs import activate_program, create_program
from coordinator.extensions import db
from coordinator.messages.links import PATH_PREFIX
from coordinator.models import Action, Event, Network, Notification, ProcessedEvent, utcnow
from coordinator.notifications.contents import render_into
from coordinator.notifications.reminders import sweep_reminders
from tests.rollups.conftest import apply_pending_events
from tests.web.conftest import PASSWORD, TAMBORA_KEL, TAMBORA_KEL_2, _person
from workers.handlers import HANDLER_NAME, handle_event

pytestmark = pytest.mark.browser
GATEWAY_SECRET = "loop-gateway-secret"


@pytest.fixture
def app(make_app: Any) -> Iterator[Flask]:
    """The app with the SMS gateway's shared secret, so the webhook accepts signed replies."""
    app = make_app(sms_gateway_secret=GATEWAY_SECRET)
    with app.app_context():
        yield app
        db.session.rollback()


def relay(now: Any) -> None:
    """The outbox relay's notification handler, at the injected time."""
    done = exists().where(ProcessedEvent.event_id == Event.id,
                          ProcessedEvent.handler == HANDLER_NAME)
    for event_id in db.session.scalars(select(Event.id).where(~done).order_by(Event.id)):
        handle_event(event_id, now)


def link_sent_to(person_id: int, kind: str, action_id: int, now: Any = None) -> str:
    """The path of the link in the message (as it would be sent) to ``person_id``."""
    note = db.session.scalars(select(Notification).where(
        Notification.recipient_id == person_id, Notification.kind == kind,
        Notification.action_id == action_id, Notification.channel != "outbox")).first()
    assert note is not None, f"no {kind} message to person {person_id}"
    render_into(note, now)  # as the sender renders it when it goes out
    db.session.commit()
    url = next(word for word in note.body.split() if PATH_PREFIX in word)
    return url[url.index(PATH_PREFIX):]


def reply_by_sms(client: Any, sender: str, text: str) -> dict[str, Any]:
    body = json.dumps({"from": sender, "text": text, "id": f"gw-{text}"}).encode()
    signature = hmac.new(GATEWAY_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post("/webhooks/sms/gateway", data=body, content_type="application/json",
                           headers={"X-Sinergi-Signature": signature})
    assert response.status_code == 200, response.text
    return response.get_json()  # type: ignore[no-any-return]


def test_the_supervisor_loop_closes_on_phones(web_seeded: Flask, live_server: str, chromium: Any,
                                              artifacts_dir: Any) -> None:
    app = web_seeded
    pkk = db.session.scalar(select(Network).where(Network.slug == "pkk"))
    karang_taruna = db.session.scalar(select(Network).where(Network.slug != "pkk"))
    lead = _person("lead", "31.73", "Ketua Gugus Tugas", "lead@example.org")
    kasi = _person("coordinator", TAMBORA_KEL, "Kasi Kesra", "kasi@example.org",
                   phone="081233334444")
    kasi_dua = _person("coordinator", TAMBORA_KEL_2, "Kasi Dua", "kasi2@example.org",
                       phone="081255556666")
    sari = _person("cadre", TAMBORA_KEL, "Ibu Sari", None, [pkk.id], phone="081234567890")
    budi = _person("cadre", TAMBORA_KEL_2, "Pak Budi", None, [karang_taruna.id],
                   phone="081299990000")
    today = to_local(utcnow()).date()
    program = create_program(actor=lead, title="Kampanye Stop TPPO", public_title="Kampanye warga",
                             description="", category="prevention", year=today.year, region_code="31.73")
    activate_program(program.id, actor=lead)

    # 1. Bulk-assign PKK in two kelurahan: the second has no PKK cadre.
    due_date = today + timedelta(days=2)
    assign_actions_in_bulk(BulkRequest(
        program_id=program.id, network_ids=(pkk.id,), region_codes=(TAMBORA_KEL, TAMBORA_KEL_2),
        due_date=due_date, title="Sosialisasi pencegahan di posyandu"), actor=lead)
    by_kelurahan = {a.kelurahan_code: a for a in db.session.scalars(select(Action))}
    sari_task, orphan = by_kelurahan[TAMBORA_KEL], by_kelurahan[TAMBORA_KEL_2]
    assert (sari_task.assignee_id, orphan.assignee_id) == (sari.id, None)
    relay(utcnow())
    # A second PKK cadre joins Kasi Kesra's kelurahan after the bulk assignment.
    rina = _person("cadre", TAMBORA_KEL, "Ibu Rina", None, [pkk.id], phone="081277778888")

    # 2. Kasi Dua opens the "choose a cadre" link on her phone and gives the task to Pak Budi.
    # Phones at 360 px with JavaScript off: every step is a plain form.
    phone = chromium.new_context(viewport={"width": 360, "height": 740}, locale="id-ID",
                                 java_script_enabled=False)
    page = phone.new_page()
    assign_link = link_sent_to(kasi_dua.id, "unassigned", orphan.id)
    page.goto(live_server + assign_link)
    assert page.inner_text("h1") == "Pilih kader untuk tugas ini"
    assert page.title() == "Tugas · Sinergi"  # nothing of the task in a shared phone's history
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts_dir / "loop-1-assign-page.png"), full_page=True)
    page.get_by_label("Pak Budi").check()
    page.get_by_role("button", name="Tugaskan").click()
    page.wait_for_load_state()
    assert "Tugas ini sekarang untuk Pak Budi" in page.inner_text("main")
    assert page.url == live_server + assign_link  # post/redirect/get: a reload re-posts nothing
    page.screenshot(path=str(artifacts_dir / "loop-2-assigned.png"), full_page=True)
    db.session.expire_all()
    assert db.session.get(Action, orphan.id).assignee_id == budi.id  # type: ignore[union-attr]

    # 3. Pak Budi is told, and completes by SMS reply.
    relay(utcnow())
    assert link_sent_to(budi.id, "assigned", orphan.id)
    code = db.session.get(Action, orphan.id).public_code  # type: ignore[union-attr]
    answer = reply_by_sms(app.test_client(), "+6281299990000", f"SELESAI {code} 25")
    assert answer["outcome"] == "done"

    # 4. Ibu Sari's task passes its due date; four days later the sweep escalates it. The web
    # pages read the real clock, so time passes by moving the plan back (as if the bulk
    # assignment had been made six days ago); the sweep runs at the injected time.
    db.session.refresh(sari_task)
    shift = sari_task.due_at + timedelta(days=4) - utcnow()
    for action in db.session.scalars(select(Action)):
        action.due_at, action.created_at = action.due_at - shift, action.created_at - shift
    db.session.commit()
    later = utcnow() + timedelta(minutes=1)
    sweep_reminders(later)
    escalation = link_sent_to(kasi.id, "escalation", sari_task.id, later)
    body = db.session.scalars(select(Notification.body).where(
        Notification.kind == "escalation", Notification.recipient_id == kasi.id)).first()
    assert "Ibu Sari" in body and "terlambat 4 hari" in body  # type: ignore[operator]

    # 5. Kasi Kesra opens it and reassigns to Ibu Rina (same network, listed first).
    page.goto(live_server + escalation)
    assert page.inner_text("h1") == "Tindak lanjuti tugas ini"
    main = page.inner_text("main")
    assert "Ibu Sari" in main and "terlambat 4 hari" in main and "Ingatkan lagi" in main
    page.screenshot(path=str(artifacts_dir / "loop-3-follow-up.png"), full_page=True)
    page.get_by_label("Ibu Rina").check()
    page.get_by_role("button", name="Alihkan").click()
    page.wait_for_load_state()
    assert "Tugas ini sekarang untuk Ibu Rina" in page.inner_text("main")
    page.screenshot(path=str(artifacts_dir / "loop-4-reassigned.png"), full_page=True)

    # 6. Ibu Rina is told and completes from her link.
    relay(later)
    rina_link = link_sent_to(rina.id, "assigned", sari_task.id)
    page.goto(live_server + rina_link)
    page.fill("input[name=people_reached]", "40")
    page.get_by_role("button", name="Tandai selesai").click()
    page.wait_for_load_state()
    assert "Terima kasih" in page.inner_text("main")
    page.screenshot(path=str(artifacts_dir / "loop-5-cadre-done.png"), full_page=True)
    phone.close()

    # 7. The rollups follow; the lead's dashboard counts both done.
    apply_pending_events()
    desk = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    board = desk.new_page()
    board.goto(live_server + "/login")
    board.fill("input[name=email]", lead.email)
    board.fill("input[name=password]", PASSWORD)
    board.get_by_role("button", name="Masuk").click()
    board.goto(live_server + f"/dashboard?program={program.id}&period={today.year}")
    progress = board.inner_text("main")
    assert "(2/2)" in progress, progress[:500]
    board.screenshot(path=str(artifacts_dir / "loop-6-dashboard.png"), full_page=True)
    desk.close()
    db.session.expire_all()
    statuses = {a.id: (a.status, a.completed_by_id) for a in db.session.scalars(select(Action))}
    assert statuses == {orphan.id: ("done", budi.id), sari_task.id: ("done", rina.id)}
