"""Digests under an injected clock: the Monday 07:00 WIB weekly email, the daily summary,
and the beat schedule that fires them (two beats create nothing twice)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from celery.schedules import crontab
from flask import Flask
from sqlalchemy import select

from coordinator.domain.actions import cancel_action
from coordinator.domain.programs import close_program
from coordinator.extensions import db
from coordinator.models import Event, Notification, utcnow
from coordinator.notifications.summaries import daily_summaries, weekly_digests
from tests.support import daytime
from tests.workers import workers_factories as make
from workers.handlers import handle_event
from workers.schedule import SCHEDULE

WIB = timedelta(hours=7)


def wib(d: int, h: int, minute: int = 0) -> datetime:
    return datetime(2022, 3, d, h, minute, tzinfo=UTC) - WIB


def fires_at(entry: str, moment: datetime) -> bool:
    """Whether beat, last run a minute earlier, runs ``entry`` at ``moment`` (clock injected)."""
    from copy import copy

    from celery import Celery

    app = Celery("beat-check", set_as_current=False)
    app.conf.update(timezone="Asia/Jakarta", enable_utc=True)
    schedule: crontab = copy(SCHEDULE[entry]["schedule"])
    schedule.app = app
    with time_machine.travel(moment, tick=False):
        due, _ = schedule.is_due(moment - timedelta(minutes=1))
    return bool(due)


def test_beat_fires_the_weekly_digest_on_monday_at_seven_wib() -> None:
    assert fires_at("weekly-digest", wib(21, 7))  # Monday 21 March 2022, 07:00 WIB
    assert not fires_at("weekly-digest", wib(21, 6))
    assert not fires_at("weekly-digest", wib(22, 7))  # Tuesday
    assert not fires_at("weekly-digest", datetime(2022, 3, 21, 7, tzinfo=UTC))  # 07:00 UTC
    assert fires_at("daily-summary", wib(22, 7)) and not fires_at("daily-summary", wib(22, 8))


def test_the_weekly_digest_reports_progress_and_overdue_by_kecamatan_once_a_week(
    seeded: Flask,
) -> None:
    lead = make.person("lead", make.CITY, channel_preference="email", language="en")
    cadre = make.person()
    with time_machine.travel(wib(10, 9), tick=False):
        prog = make.program(lead)
        make.action(prog, cadre, due_at=wib(14, 17))
        make.action(prog, cadre, due_at=wib(30, 17))
    with time_machine.travel(wib(21, 7), tick=False):
        first = weekly_digests(utcnow())
        second = weekly_digests(utcnow())  # a second beat, or a rerun
    assert len(first) == 1 and second == []
    digest = db.session.get(Notification, first[0])
    assert (digest.kind, digest.channel, digest.recipient_id) == ("weekly_digest", "email", lead.id)
    assert "0 of 2 tasks done, 1 overdue" in digest.body
    assert "Tambora: 1" in digest.body
    assert "No data yet" in digest.body  # no case statistics recorded in this region yet
    assert digest.scheduled_for == wib(21, 7)
    with time_machine.travel(wib(28, 7), tick=False):
        assert len(weekly_digests(utcnow())) == 1  # next week: a new one


def test_the_daily_summary_goes_to_coordinators_with_overdue_actions(seeded: Flask) -> None:
    lead = make.person("lead", make.CITY)
    coordinator = make.person("coordinator", channel_preference="email")
    quiet = make.person("coordinator", region_code="31.73.04.1002")
    cadre = make.person()
    with time_machine.travel(wib(10, 9), tick=False):
        act = make.action(make.program(lead), cadre, due_at=wib(14, 17))
    with time_machine.travel(wib(15, 7), tick=False):
        ids = daily_summaries(utcnow())
        assert daily_summaries(utcnow()) == []
    [summary] = [db.session.get(Notification, i) for i in ids]
    assert summary.recipient_id == coordinator.id and act.public_code in summary.body
    assert quiet.id not in {summary.recipient_id}


def test_no_daily_summary_on_a_public_holiday(seeded: Flask) -> None:
    lead = make.person("lead", make.CITY)
    make.person("coordinator")
    cadre = make.person()
    with time_machine.travel(datetime(2022, 2, 20, 9, tzinfo=UTC), tick=False):
        make.action(make.program(lead), cadre, due_at=datetime(2022, 2, 25, 10, tzinfo=UTC))
    with time_machine.travel(wib(3, 7), tick=False):  # Nyepi, 3 March 2022
        assert daily_summaries(utcnow()) == []


def test_closing_a_program_sends_each_assignee_one_message(seeded: Flask) -> None:
    lead = make.person("lead", make.CITY)
    cadre, other = make.person(), make.person()
    prog = make.program(lead)
    earlier = make.action(prog, cadre)
    cancel_action(earlier.id, actor=None)  # cancelled on its own, before the closing
    actions = [make.action(prog, cadre), make.action(prog, cadre), make.action(prog, other)]
    close_program(prog.id, actor=None)
    [event_id] = db.session.scalars(select(Event.id).where(Event.type == "ProgramClosed"))
    now = daytime()
    ids = handle_event(event_id, now)
    assert handle_event(event_id, now) == []
    notes = [db.session.get(Notification, i) for i in ids]
    assert sorted(n.recipient_id for n in notes) == sorted([cadre.id, other.id])
    from coordinator.notifications.sending import send_notification

    mine = next(n for n in notes if n.recipient_id == cadre.id)
    assert send_notification(mine.id, now).status == "sent"
    db.session.refresh(mine)
    assert actions[0].public_code in mine.body and actions[1].public_code in mine.body
    assert actions[2].public_code not in mine.body and earlier.public_code not in mine.body


def test_the_weekly_digest_shows_case_statistics_against_target(seeded: Flask) -> None:
    from datetime import date

    from coordinator.domain.case_stats import CaseStatEntry, record_case_stats
    from coordinator.models import Indicator
    from coordinator.rollups import recompute_all

    make.person("lead", make.CITY, channel_preference="email", language="id")
    tppo = db.session.scalar(select(Indicator).where(Indicator.code == "tppo_victims"))
    kelurahan = "31.73.04.1001"
    with time_machine.travel(wib(10, 9), tick=False):
        for month, count in ((date(2021, 1, 1), 12), (date(2021, 2, 1), 9),
                             (date(2022, 1, 1), 7), (date(2022, 2, 1), 4)):
            record_case_stats(actor=None, month=month,
                              entries=[CaseStatEntry(kelurahan, tppo.id, count)])
        recompute_all()
    with time_machine.travel(wib(21, 7), tick=False):
        [digest_id] = weekly_digests(utcnow())
    body = db.session.get(Notification, digest_id).body
    # Jan-Feb 2022 (7 + 4 = 11) against the same months of 2021 (12 + 9 = 21).
    # The e-mail tells how many indicators are above target, never an indicator's name (they
    # name victims) nor its figures: those stay behind the dashboard's login.
    assert "4 indikator dipantau, 0 di atas target (2022-01..2022-02)" in body
    assert "Korban" not in body and "11" not in body.split("Statistik kasus")[1]
    assert "Belum ada data" not in body.split("Statistik kasus")[1]
