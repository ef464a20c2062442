"""The late-report reminder: a kelurahan's monthly case statistics are due by a configurable
day of the next month (``SINERGI_CASE_STATS_DUE_DAY``, default the 5th). From that day on, on
working days, each active coordinator of a kelurahan without a count for every active
indicator of last month gets one reminder (dedupe key per kelurahan and month), through the
usual notifications. It says "statistik bulanan", never a case word.
"""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from coordinator.domain.calendar import is_day_off, to_local
from coordinator.extensions import db
from coordinator.models import Person
from coordinator.models.regions import LEVEL_BY_PARTS
from coordinator.notifications.planning import Planned, Recipient, plan
from coordinator.policy import audiences
from coordinator.rollups.reporting import kelurahan_that_reported

KIND = "case_stats_late"


def month_due(now: datetime) -> date | None:
    """The month whose statistics are late at ``now`` (last month, from the due day on)."""
    today = to_local(now).date()
    if today.day < current_app.extensions["sinergi"].case_stats_due_day:
        return None
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


def occurrence(kelurahan_code: str, month: date) -> str:
    """What makes one reminder unique for its reader: the kelurahan and the month."""
    return f"{kelurahan_code}:{month:%Y-%m}"


def parse_occurrence(dedupe_key: str) -> tuple[str, date] | None:
    """The kelurahan and month back from a reminder's dedupe key (``...:<code>:<YYYY-MM>``)."""
    parts = dedupe_key.split(":")
    try:
        year, month = (int(p) for p in parts[-1].split("-"))
        return parts[-2], date(year, month, 1)
    except (IndexError, ValueError):
        return None


def entry_link(kelurahan_code: str, month: date) -> str:
    """The grid page where the kelurahan's statistics of ``month`` are entered."""
    base_url = current_app.extensions["sinergi"].base_url
    return f"{base_url}/statistik?month={month:%Y-%m}&region={kelurahan_code}"


def remind_late_reporters(now: datetime) -> list[int]:
    """Plan the reminders due at ``now``; returns the new notification ids (commits)."""
    month = month_due(now)
    if month is None or is_day_off(to_local(now).date()):
        return []
    coordinators = db.session.execute(
        select(Person.id, Person.phone, Person.email, Person.channel_preference,
               Person.region_code).where(audiences.case_stats_reporters())
        .order_by(Person.id)).all()
    coordinators = [c for c in coordinators
                    if LEVEL_BY_PARTS.get(len(c.region_code.split("."))) == "kelurahan"]
    codes = sorted({c.region_code for c in coordinators})
    reported = kelurahan_that_reported(codes, month.year, month.month)
    ids = plan([
        Planned(Recipient(c.id, c.phone, c.email, c.channel_preference), KIND,
                occurrence(c.region_code, month), now, kelurahan_code=c.region_code)
        for c in coordinators if c.region_code not in reported
    ], now=now)
    db.session.commit()
    return ids
