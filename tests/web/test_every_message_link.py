"""Every kind of message Sinergi sends, produced the way the system produces it, and every link
in it opened by a stranger (a fresh client, no session) as soon as it is sent: a link in a
message answers 200 with the page its recipient needs (do the task, follow it up, assign it).

The kinds are read from the code (:data:`coordinator.messages.composing.KINDS`): a new kind
fails this test until it has a producer here.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from flask import Flask
from sqlalchemy import exists, select, update

from coordinator.domain.actions import cancel_action, complete_action, reopen_action
from coordinator.domain.calendar import is_day_off, local_datetime, to_local
from coordinator.domain.people import create_person
from coordinator.domain.programs import (
    activate_program,
    close_program,
    create_program,
    reopen_program,
)
from coordinator.extensions import db
from coordinator.messages import compose
from coordinator.messages.composing import KINDS, SMS_REPLY_KINDS
from coordinator.messages.links import PATH_PREFIX, read_action_token
from coordinator.models import Action, Event, Notification, ProcessedEvent, Program
from coordinator.notifications.contents import render_into
from coordinator.notifications.dispatch import prepare_and_list_due
from coordinator.notifications.follow_up import remind_now
from coordinator.notifications.late_reports import month_due, remind_late_reporters
from coordinator.notifications.reminders import sweep_reminders
from coordinator.notifications.resend import resend_link
from coordinator.notifications.summaries import daily_summaries, weekly_digests
from coordinator.policy import LinkPurpose
from coordinator.policy.actions import link_purpose_for
from tests.web.conftest import TAMBORA_KEL, World, make_action
from workers.handlers import HANDLER_NAME, handle_event

LINK = re.compile(r"https?://[^\s\"'<>]+")
# What each page must offer its reader (Indonesian: the recipients' language).
PAGE_OF_PURPOSE = {
    LinkPurpose.DO: ("Tandai selesai", "Sudah ditandai selesai"),
    LinkPurpose.FOLLOW_UP: ("Tindak lanjuti tugas ini", "Pilih kader untuk tugas ini"),
    LinkPurpose.ASSIGN: ("Pilih kader untuk tugas ini", "Tindak lanjuti tugas ini"),
}


class Messages:
    """Produces, renders and checks: every new notification's links are opened at once."""

    def __init__(self, app: Flask, base_url: str) -> None:
        self.app, self.base_url = app, base_url
        self.seen: set[int] = set()
        self.kinds: dict[str, int] = {}
        self.links: list[tuple[str, str, int]] = []

    def relay(self, now: datetime) -> None:
        """What the outbox relay does for the notifications handler: each event once."""
        done = exists().where(ProcessedEvent.event_id == Event.id,
                              ProcessedEvent.handler == HANDLER_NAME)
        for event_id in db.session.scalars(select(Event.id).where(~done).order_by(Event.id)):
            handle_event(event_id, now)

    def check_new(self) -> None:
        for note in db.session.scalars(select(Notification).where(
                Notification.id.not_in(self.seen) if self.seen else Notification.id > 0)):
            self.seen.add(note.id)
            if note.status == "undeliverable" and note.channel == "outbox":
                continue  # the placeholder row for a person who cannot be reached
            if not note.body:
                render_into(note)
            self.kinds[note.kind] = self.kinds.get(note.kind, 0) + 1
            for link in set(LINK.findall(note.body or "") + LINK.findall(note.html_body or "")):
                self.open(link, note)
        db.session.commit()

    def open(self, link: str, note: Notification) -> None:
        assert link.startswith(self.base_url), link
        path = link[len(self.base_url):]
        stranger = self.app.test_client()
        response = stranger.get(path)
        self.links.append((note.kind, path, response.status_code))
        if not path.startswith(PATH_PREFIX):
            # A staff page (dashboard, statistics grid): its reader logs in first.
            assert response.status_code in (200, 302), (note.kind, path, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], (note.kind, path)
            return
        assert response.status_code == 200, (note.kind, note.channel, path, response.status_code)
        claim = read_action_token(path[len(PATH_PREFIX):])
        assert claim.person_id == note.recipient_id, (note.kind, "a link for someone else")
        action = db.session.get(Action, claim.action_id)
        assert claim.purpose == link_purpose_for(note.recipient, action), note.kind  # type: ignore[arg-type]
        assert any(text in response.text for text in PAGE_OF_PURPOSE[claim.purpose]), (
            note.kind, claim.purpose)


def _weekday_at(start: datetime, hour: int, accept: Callable[[datetime], bool] = lambda d: True) -> datetime:
    """The first working day on or after ``start`` (WIB), at ``hour`` WIB, that ``accept`` takes."""
    day = to_local(start).date()
    while True:
        moment = local_datetime(day, time(hour))
        if not is_day_off(day) and moment >= start and accept(moment):
            return moment
        day += timedelta(days=1)


def test_every_message_kind_has_links_a_stranger_can_open(world: World, app: Flask) -> None:
    base_url = app.extensions["sinergi"].base_url
    messages = Messages(app, base_url)
    program: Program = world.program
    program.reminder_policy = {"notify_coordinator_on": ["completed", "reopened", "cancelled"]}
    db.session.commit()
    real_now = datetime.now(UTC)
    due = _weekday_at(real_now + timedelta(days=4), 14)

    # New task, a task without a cadre, a cadre nobody can reach (its coordinator is told).
    late = make_action(program, TAMBORA_KEL, world.cadre, title="Kunjungan sekolah")
    more = [make_action(program, TAMBORA_KEL, world.cadre, title=f"Penyuluhan RW 0{i}")
            for i in range(1, 5)]
    unassigned = make_action(program, TAMBORA_KEL, None, title="Pendataan RT 04")
    silent = create_person(actor=None, name="Pak Tono", role="cadre", region_code=TAMBORA_KEL,
                           email=None, phone=None, network_ids=[])
    make_action(program, TAMBORA_KEL, silent, title="Rapat warga")
    db.session.execute(update(Action).where(Action.id.in_([late.id] + [a.id for a in more]))
                       .values(due_at=due))
    db.session.commit()
    messages.relay(real_now)
    messages.check_new()

    # Reminders before the due time, on the due day; then overdue, escalations, a digest.
    for moment in (due - timedelta(hours=23), due - timedelta(hours=2)):
        sweep_reminders(moment)
        messages.check_new()
    after = due + timedelta(days=15)
    sweep_reminders(after)
    prepare_and_list_due(after)  # five overdue reminders at once fold into a digest
    messages.check_new()
    messages.relay(after)

    # A coordinator's "remind again", and the notices she asked for.
    remind_now(late.id, actor=world.coordinator)
    assert resend_link(late.id, actor=world.coordinator).outcome == "planned"
    done = more[0]
    complete_action(done.id, actor=world.cadre, people_reached=9)
    reopen_action(done.id, actor=world.coordinator)
    cancel_action(unassigned.id, actor=world.coordinator, reason="Digabung dengan RT 03")
    messages.relay(after)
    messages.check_new()

    # Summaries: the coordinators' daily overdue summary, the leads' weekly digest, the late
    # monthly case statistics.
    daily_summaries(_weekday_at(after, 7))
    weekly_digests(after)
    remind_late_reporters(_weekday_at(after, 9, lambda d: month_due(d) is not None))
    messages.check_new()

    # Closing a program tells its cadres what it cancelled; reopening it, what it restored.
    closing = create_program(actor=world.lead, title="Program penutupan",
                             public_title="Rapat warga", description="", category="coordination", year=2022, region_code="31.73")
    activate_program(closing.id, actor=world.lead)
    make_action(closing, TAMBORA_KEL, world.cadre, title="Sosialisasi pasar")
    messages.relay(after)
    messages.check_new()
    close_program(closing.id, actor=world.lead)
    messages.relay(after)
    messages.check_new()
    reopen_program(closing.id, actor=world.lead)  # ... and reopening it, what it restored
    messages.relay(after)
    messages.check_new()

    # SMS replies are answers to a cadre's SMS, composed by the webhook: no stored row.
    for kind in SMS_REPLY_KINDS:
        reply = compose(kind, world.cadre, code=late.public_code, open_codes=[late.public_code])
        assert not LINK.findall(reply.sms), kind
        messages.kinds[kind] = 1

    missing = set(KINDS) - set(messages.kinds)
    assert not missing, f"message kinds never produced (add their producer here): {missing}"
    task_links = [status for _kind, path, status in messages.links if path.startswith(PATH_PREFIX)]
    assert len(task_links) > 20 and set(task_links) == {200}
    linked = {kind for kind, path, _ in messages.links if path.startswith(PATH_PREFIX)}
    assert {"assigned", "unassigned", "reminder_24h", "reminder_due_today", "reminder_now",
            "overdue", "escalation", "digest", "daily_summary", "undeliverable",
            "action_completed", "action_reopened", "action_cancelled", "link_resent",
            "program_reopened"} <= linked
