"""Staff send a task's link again: a new link by the assignee's channel, the old one revoked,
counted in the SMS budget and the daily cap; refused outside the policy, and not twice in a row."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.messages.links import action_link
from coordinator.models import AuditEntry, Notification
from coordinator.notifications.budget import sms_per_program
from coordinator.notifications.dispatch import prepare_and_list_due
from coordinator.notifications.sending import send_notification
from tests.web.conftest import World, csrf_token, login

TEN_WIB = datetime.now(UTC).replace(hour=3, minute=0, second=0, microsecond=0)


@pytest.fixture
def morning() -> Iterator[datetime]:
    with time_machine.travel(TEN_WIB, tick=False):
        yield TEN_WIB


def _resend(client, action_id: int):  # type: ignore[no-untyped-def]
    page = client.get(f"/aksi/{action_id}")
    assert page.status_code == 200
    return client.post(f"/aksi/{action_id}/kirim-ulang-tautan",
                       data={"csrf_token": csrf_token(page.text)})


def _resent() -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == "link_resent")))


def _old_link(world: World) -> str:
    link = action_link(world.cadre.id, world.action.id)
    db.session.commit()
    return link[link.index("/t/"):]


def test_coordinator_sends_a_new_link_and_the_old_one_stops_working(
        client, world: World, morning: datetime) -> None:  # type: ignore[no-untyped-def]
    old = _old_link(world)
    assert client.get(old).status_code == 200
    login(client, world.coordinator.email)
    page = client.get(f"/aksi/{world.action.id}")
    assert "Kirim ulang tautan" in page.text
    answer = _resend(client, world.action.id)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/aksi/{world.action.id}")
    assert "Tautan baru dikirim ke kader lewat SMS" in client.get(answer.headers["Location"]).text
    client.get("/logout")
    assert client.get(old).status_code == 410  # revoked: gone, like an expired link
    [note] = _resent()
    assert (note.recipient_id, note.channel, note.action_id) == (world.cadre.id, "sms", world.action.id)
    assert send_notification(note.id, morning).status == "sent"
    db.session.refresh(note)
    new = note.body[note.body.index("/t/"):]
    assert new != old and note.sms_parts == 1 and note.body.startswith("Sinergi: Tautan baru:")
    assert client.get(new).status_code == 200
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.operation == "resend_link"))
    assert audit is not None and audit.actor_id == world.coordinator.id
    assert audit.after["revoked_links"] == 1 and audit.after["channels"] == ["sms"]
    # Counted in the month's SMS budget like any other SMS.
    [counted] = sms_per_program(morning.date())
    assert counted.messages == 1 and counted.parts == 1


def test_a_second_press_within_ten_minutes_sends_nothing_more(
        client, world: World, morning: datetime) -> None:  # type: ignore[no-untyped-def]
    login(client, world.coordinator.email)
    _resend(client, world.action.id)
    again = _resend(client, world.action.id)
    assert again.status_code == 303
    assert "Tunggu 10 menit" in client.get(again.headers["Location"]).text
    assert len(_resent()) == 1
    with time_machine.travel(morning + timedelta(minutes=11), tick=False):
        _resend(client, world.action.id)
    assert len(_resent()) == 2


def test_beyond_the_daily_sms_cap_the_link_waits_for_the_morning_digest(
        client, world: World, morning: datetime) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):  # SMS_DAILY_CAP: three SMS already went to the cadre today
        db.session.add(Notification(
            recipient_id=world.cadre.id, channel="sms", kind="reminder_24h",
            action_id=world.action.id, dedupe_key=f"earlier-{n}", body="x", status="sent",
            sent_at=morning - timedelta(hours=1), scheduled_for=morning - timedelta(hours=1)))
    db.session.commit()
    login(client, world.coordinator.email)
    answer = _resend(client, world.action.id)
    assert "batas SMS harian" in client.get(answer.headers["Location"]).text
    prepare_and_list_due(morning)
    [note] = _resent()
    db.session.refresh(note)
    assert note.status == "folded"  # into tomorrow morning's digest, as the cap says


@pytest.mark.parametrize(("who", "status"), [("cadre", 404), ("other_coordinator", 404)])
def test_only_staff_of_the_region_may_resend(client, world: World, who: str, status: int) -> None:  # type: ignore[no-untyped-def]
    old = _old_link(world)
    login(client, world.by_role(who).email)
    page = client.get(old)  # any page with a form gives this session's CSRF token
    answer = client.post(f"/aksi/{world.action.id}/kirim-ulang-tautan",
                         data={"csrf_token": csrf_token(page.text)})
    assert answer.status_code == status
    assert _resent() == []
    client.get("/logout")
    assert client.get(old).status_code == 200


def test_an_unassigned_or_cancelled_action_has_no_link_to_resend(client, world: World) -> None:  # type: ignore[no-untyped-def]
    from coordinator.domain.actions import cancel_action, reassign_action

    login(client, world.coordinator.email)
    page = client.get(f"/aksi/{world.action.id}")
    reassign_action(world.action.id, actor=None, assignee_id=None)
    answer = client.post(f"/aksi/{world.action.id}/kirim-ulang-tautan",
                         data={"csrf_token": csrf_token(page.text)}, follow_redirects=True)
    assert "Tugas ini belum punya kader: pilih kader dulu." in answer.text
    assert "Kirim ulang tautan" not in answer.text  # no button where it cannot work
    reassign_action(world.action.id, actor=None, assignee_id=world.cadre.id)
    cancel_action(world.action.id, actor=None)
    answer = client.post(f"/aksi/{world.action.id}/kirim-ulang-tautan",
                         data={"csrf_token": csrf_token(page.text)}, follow_redirects=True)
    assert answer.status_code == 200 and "Hanya tugas yang masih terbuka" in answer.text
    assert _resent() == []


def test_without_a_csrf_token_or_by_get_nothing_is_sent(client, world: World) -> None:  # type: ignore[no-untyped-def]
    login(client, world.coordinator.email)
    answer = client.post(f"/aksi/{world.action.id}/kirim-ulang-tautan", data={})
    assert answer.status_code in (303, 400)
    got = client.get(f"/aksi/{world.action.id}/kirim-ulang-tautan")
    assert got.status_code == 303 and got.headers["Location"].endswith(f"/aksi/{world.action.id}")
    assert _resent() == []
