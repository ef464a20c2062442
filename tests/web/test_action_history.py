"""The action page's history: every change and every message about the action, in WIB, read in
a fixed number of queries, without phone numbers."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from coordinator.domain.actions import (
    cancel_action,
    complete_action,
    reassign_action,
    reopen_action,
    reschedule_action,
)
from coordinator.domain.history import HistoryEntry, action_history
from coordinator.extensions import db
from coordinator.models import Notification
from coordinator.policy import Via
from tests.web.conftest import TAMBORA_KEL, World, login, make_action


def _message(world: World, kind: str, channel: str, status: str, at: datetime) -> None:
    db.session.add(Notification(
        recipient_id=world.coordinator.id if kind == "escalation" else world.cadre.id,
        channel=channel, kind=kind, action_id=world.action.id, program_id=world.program.id,
        dedupe_key=f"{kind}:{channel}:{at.isoformat()}", body="(text)", status=status,
        created_at=at, sent_at=at if status == "sent" else None))
    db.session.commit()


def _live_history(world: World) -> None:
    """Assigned (by the fixture) -> told -> done by SMS -> reopened -> escalated -> done on
    the cadre's behalf -> reopened -> rescheduled -> cancelled with a reason."""
    _message(world, "assigned", "sms", "sent", datetime.now(UTC))
    complete_action(world.action.id, actor=world.cadre, via=Via.SMS, people_reached=12)
    reopen_action(world.action.id, actor=world.coordinator)
    _message(world, "escalation", "email", "failed", datetime.now(UTC))
    complete_action(world.action.id, actor=world.coordinator, via=Via.WEB, people_reached=30)
    reopen_action(world.action.id, actor=world.coordinator)
    reassign_action(world.action.id, actor=world.coordinator, assignee_id=world.coordinator.id)
    reschedule_action(world.action.id, actor=world.coordinator,
                      due_at=datetime(2030, 3, 15, 2, 0, tzinfo=UTC))
    cancel_action(world.action.id, actor=world.coordinator, reason="Kegiatan digabung")


def test_the_history_lists_every_change_and_message_in_order(world: World) -> None:
    _live_history(world)
    entries = action_history(world.action.id)
    assert all(isinstance(e, HistoryEntry) for e in entries)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    kinds = [e.kind for e in entries]
    assert kinds[0] == "created" and kinds[-1] == "cancelled"
    assert kinds.count("completed") == 2 and kinds.count("reopened") == 2
    assert {"message", "escalation", "reassigned", "rescheduled"} <= set(kinds)
    by_sms, on_behalf = [e for e in entries if e.kind == "completed"]
    assert (by_sms.via, by_sms.on_behalf, by_sms.actor, by_sms.people_reached) == (
        "sms", False, "Ibu Sari", 12)
    assert (on_behalf.via, on_behalf.on_behalf, on_behalf.actor) == ("web", True, "Kasi Kesra")
    created = entries[0]
    assert created.assignee == "Ibu Sari" and created.actor is None  # assigned by the system
    moved = next(e for e in entries if e.kind == "reassigned")
    assert (moved.previous_assignee, moved.assignee) == ("Ibu Sari", "Kasi Kesra")
    escalation = next(e for e in entries if e.kind == "escalation")
    assert (escalation.channel, escalation.delivery_status, escalation.recipient) == (
        "email", "failed", "Kasi Kesra")
    assert entries[-1].reason == "Kegiatan digabung"


def test_the_action_page_shows_the_history_in_wib_without_phone_numbers(client, world: World) -> None:
    _live_history(world)
    login(client, world.coordinator.email)
    page = client.get(f"/aksi/{world.action.id}").text
    history = " ".join(page.split('id="history"')[1].split())
    for text in ("Riwayat", "Dibuat oleh sistem", "ditugaskan ke Ibu Sari",
                 "Ditandai selesai oleh Ibu Sari · lewat balasan SMS · 12 orang dijangkau",
                 "Ditandai selesai oleh Kasi Kesra · di web · atas nama penerima tugas",
                 "Dibuka kembali oleh Kasi Kesra", "Dialihkan oleh Kasi Kesra",
                 "eskalasi", "gagal, akan dicoba lagi", "tugas baru", "terkirim",
                 "15-03-2030 09:00 WIB",  # 02:00 UTC, shown in WIB
                 "Dibatalkan oleh Kasi Kesra", "Alasan: Kegiatan digabung"):
        assert text in history, text
    assert world.cadre.phone not in page and "812345" not in page  # +6281234567890


def test_the_history_reads_in_the_same_number_of_queries_however_long(world: World) -> None:
    def queries(action_id: int) -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            action_history(action_id)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    short = make_action(world.program, TAMBORA_KEL, world.cadre)
    _live_history(world)
    for n in range(5):
        _message(world, "reminder_24h", "sms", "sent", datetime.now(UTC) + timedelta(minutes=n))
    assert len(action_history(world.action.id)) > 12 and len(action_history(short.id)) == 1
    assert queries(world.action.id) == queries(short.id) == 3


def test_an_english_reader_gets_the_history_in_english(client, world: World) -> None:
    world.coordinator.language = "en"
    db.session.commit()
    complete_action(world.action.id, actor=world.cadre, via=Via.LINK)
    login(client, world.coordinator.email)
    history = client.get(f"/aksi/{world.action.id}").text.split('id="history"')[1]
    assert "Marked done by Ibu Sari · by link" in history and "Created by the system" in history
