"""Planning notifications: channels, dedupe keys, quiet hours, days off, folding, the SMS cap."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import DigestItem, Event, Notification
from coordinator.notifications.dispatch import prepare_and_list_due
from coordinator.notifications.planning import Planned, Recipient, channels_for, plan
from coordinator.notifications.sending import send_notification
from tests.workers import workers_factories as make
from workers.handlers import handle_event

WIB = timedelta(hours=7)


def wib(y: int, m: int, d: int, h: int, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=UTC) - WIB


def notifications() -> list[Notification]:
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def test_channels_follow_preference_and_availability() -> None:
    assert channels_for(Recipient(1, "+62811", "a@x", "sms")) == ["sms"]
    assert channels_for(Recipient(1, None, "a@x", "sms")) == ["email"]
    assert channels_for(Recipient(1, "+62811", None, "email")) == ["sms"]
    assert channels_for(Recipient(1, "+62811", "a@x", "both")) == ["email", "sms"]
    assert channels_for(Recipient(1, None, None, "both")) == []


def test_assigning_an_action_plans_one_message_even_when_the_event_is_handled_twice(
    seeded: Flask,
) -> None:
    lead = make.person("lead", make.CITY)
    cadre = make.person()
    make.action(make.program(lead), cadre)
    event_id = db.session.scalar(select(Event.id).where(Event.type == "ActionAssigned"))
    now = datetime.now(UTC)
    first = handle_event(event_id, now)
    second = handle_event(event_id, now)
    assert len(first) == 1 and second == []
    [note] = notifications()
    assert (note.kind, note.channel, note.recipient_id) == ("assigned", "sms", cadre.id)


def test_an_sms_due_at_night_goes_out_at_seven_in_the_morning(seeded: Flask) -> None:
    lead = make.person("lead", make.CITY)
    cadre = make.person()
    act = make.action(make.program(lead), cadre)
    night = wib(2022, 3, 14, 22)  # a Monday, 22:00 WIB
    plan([Planned(Recipient.of(cadre), "assigned", "x", night, act.id)], now=night)
    db.session.commit()
    [note] = notifications()
    assert note.scheduled_for == wib(2022, 3, 15, 7)
    assert prepare_and_list_due(wib(2022, 3, 15, 6, 59)) == []
    assert prepare_and_list_due(wib(2022, 3, 15, 7)) == [note.id]


def test_reminders_wait_for_the_day_after_a_public_holiday(seeded: Flask) -> None:
    lead = make.person("lead", make.CITY)
    cadre = make.person(channel_preference="email")
    act = make.action(make.program(lead), cadre)
    nyepi = wib(2022, 3, 3, 9)  # Hari Suci Nyepi 2022
    plan([Planned(Recipient.of(cadre), "reminder_24h", "x", nyepi, act.id)], now=nyepi)
    [note] = notifications()
    assert note.scheduled_for == wib(2022, 3, 4, 7)


def test_a_person_without_phone_or_email_is_reported_to_the_coordinator(seeded: Flask) -> None:
    lead = make.person("lead", make.CITY)
    coordinator = make.person("coordinator", channel_preference="email")
    cadre = make.person(phone=None, email=None)
    act = make.action(make.program(lead), cadre)
    now = datetime.now(UTC)
    plan([Planned(Recipient.of(cadre), "assigned", "e1", now, act.id, act.program_id,
                  act.kelurahan_code)], now=now)
    db.session.commit()
    kinds = {(n.recipient_id, n.kind, n.status) for n in notifications()}
    assert kinds == {(cadre.id, "assigned", "undeliverable"),
                     (coordinator.id, "undeliverable", "pending")}
    notice = next(n for n in notifications() if n.kind == "undeliverable")
    assert send_notification(notice.id, now).status == "sent"
    db.session.refresh(notice)
    assert cadre.name in notice.body


def test_more_than_three_messages_in_one_morning_become_one_digest(seeded: Flask) -> None:
    lead = make.person("lead", make.CITY)
    cadre = make.person()
    prog = make.program(lead)
    actions = [make.action(prog, cadre) for _ in range(4)]
    morning = wib(2022, 3, 15, 7)
    plan([Planned(Recipient.of(cadre), "reminder_due_today", "d", morning, a.id)
          for a in actions], now=morning)
    db.session.commit()
    [digest_id] = prepare_and_list_due(morning)
    digest = db.session.get(Notification, digest_id)
    assert digest.kind == "digest"
    assert db.session.scalar(select(func.count()).select_from(DigestItem)) == 4
    assert {n.status for n in notifications() if n.kind != "digest"} == {"folded"}
    assert send_notification(digest_id, morning).status == "sent"
    db.session.refresh(digest)
    assert all(a.public_code in digest.body for a in actions)
    assert prepare_and_list_due(morning) == []


def test_sms_beyond_the_daily_cap_wait_for_the_next_morning_digest(seeded: Flask) -> None:
    lead = make.person("lead", make.CITY)
    cadre = make.person()
    prog = make.program(lead)
    morning = wib(2022, 3, 15, 8)
    for hour in range(5):  # five separate moments: never more than three at once
        act = make.action(prog, cadre)
        at = morning + timedelta(hours=hour)
        plan([Planned(Recipient.of(cadre), "assigned", "e", at, act.id)], now=at)
        db.session.commit()
        for note_id in prepare_and_list_due(at):
            assert send_notification(note_id, at).status == "sent"
    sent = [n for n in notifications() if n.status == "sent"]
    assert len(sent) == 3  # SMS_DAILY_CAP defaults to 3
    [digest] = [n for n in notifications() if n.kind == "digest"]
    assert digest.scheduled_for == wib(2022, 3, 16, 7)
    assert db.session.scalar(select(func.count()).select_from(DigestItem)) == 2


def test_time_machine_drives_planning_clock(seeded: Flask) -> None:
    lead = make.person("lead", make.CITY)
    cadre = make.person()
    with time_machine.travel(wib(2022, 3, 14, 23), tick=False):
        act = make.action(make.program(lead), cadre, due_at=wib(2022, 3, 20, 17))
        event_id = db.session.scalar(select(Event.id).where(Event.type == "ActionAssigned"))
        handle_event(event_id, datetime.now(UTC))
    [note] = [n for n in notifications() if n.action_id == act.id]
    assert note.scheduled_for == wib(2022, 3, 15, 7)
