"""The weekly digest for leads and the daily overdue summary for kelurahan coordinators.

Both are rendered when created (they describe the moment they were made) and inserted with a
dedupe key per ISO week / WIB day, so a second beat or a rerun sends nothing twice.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select

from coordinator.domain.calendar import is_day_off, to_local
from coordinator.domain.overdue import overdue_clause
from coordinator.domain.reminder_policy import send_time
from coordinator.extensions import db
from coordinator.messages import compose
from coordinator.models import Action, Notification, Person, Program, Region
from coordinator.notifications.planning import (
    Recipient,
    channels_for,
    dedupe_key,
    insert_ignoring_duplicates,
)
from coordinator.policy import audiences, region_filter
from coordinator.rollups.progress import indicator_progress


def weekly_digests(now: datetime) -> list[int]:
    """One weekly email (else SMS) per active lead; returns the new notification ids."""
    year, week, _ = to_local(now).isocalendar()
    occurrence = f"{year}-W{week:02d}"
    leads = db.session.scalars(select(Person).where(audiences.digest_readers()))
    rows = [_row("weekly_digest", lead, occurrence, now, _weekly_context(lead, now, occurrence))
            for lead in leads]
    ids = insert_ignoring_duplicates([r for r in rows if r is not None])
    db.session.commit()
    return ids


def _weekly_context(lead: Person, now: datetime, week_label: str) -> dict[str, Any]:
    overdue = case((overdue_clause(now), 1), else_=0)
    rows = db.session.execute(
        select(Program.public_title, func.count(Action.id),
               func.sum(case((Action.status == "done", 1), else_=0)), func.sum(overdue))
        .join(Action, Action.program_id == Program.id, isouter=True)
        .where(Program.status == "active",
               or_(Program.owner_id == lead.id, region_filter(Program.region_code, lead.region_code)))
        .group_by(Program.id, Program.public_title).order_by(Program.public_title)
    )
    programs = [{"title": t, "total": n, "done": int(d or 0), "overdue": int(o or 0)}
                for t, n, d, o in rows]
    return {
        "programs": programs,
        "overdue_by_kecamatan": overdue_by_kecamatan(lead.region_code, now),
        "case_stats": _case_stats(lead, now),
        "week_label": week_label,
    }


def overdue_by_kecamatan(region_code: str, now: datetime) -> list[dict[str, Any]]:
    """Overdue actions in a region, counted per kecamatan (whatever their program's status)."""
    kecamatan = func.substr(Action.kelurahan_code, 1, 8)
    rows = db.session.execute(
        select(kecamatan, func.count())
        .where(overdue_clause(now), region_filter(Action.kelurahan_code, region_code))
        .group_by(kecamatan).order_by(kecamatan)
    ).all()
    names = dict(db.session.execute(
        select(Region.code, Region.name).where(Region.code.in_([r[0] for r in rows]))
    ).all())
    return [{"code": code, "name": names.get(code, code), "count": n} for code, n in rows]


def _case_stats(lead: Person, now: datetime) -> list[dict[str, Any]]:
    """Year-to-date case statistics against target in the lead's region (from the rollups)."""
    items = []
    for progress in indicator_progress(lead.region_code, to_local(now).year, now=now):
        if progress.through_month == 0 or progress.target_for_period is None:
            continue
        indicator = progress.indicator
        items.append({
            "label": indicator.name_en if lead.language == "en" else indicator.name_id,
            "actual": progress.ytd,
            "target": progress.target_for_period,
            "period": f"{progress.year}-01..{progress.year}-{progress.through_month:02d}",
        })
    return items


def daily_summaries(now: datetime) -> list[int]:
    """A morning summary for each coordinator whose kelurahan has overdue actions."""
    day = to_local(now).date()
    if is_day_off(day):
        return []
    rows = []
    for coordinator, kelurahan, actions in _overdue_by_coordinator(now):
        context = {"kelurahan": kelurahan, "actions": actions}
        rows.append(_row("daily_summary", coordinator, day.isoformat(), now, context))
    ids = insert_ignoring_duplicates([r for r in rows if r is not None])
    db.session.commit()
    return ids


def _overdue_by_coordinator(now: datetime) -> Iterator[tuple[Person, Region, list[Action]]]:
    actions = db.session.scalars(
        select(Action).where(overdue_clause(now))
        .order_by(Action.kelurahan_code, Action.due_at)
    )
    by_kelurahan: dict[str, list[Action]] = defaultdict(list)
    for action in actions:
        by_kelurahan[action.kelurahan_code].append(action)
    coordinators = db.session.scalars(
        select(Person).where(audiences.coordinators_in(by_kelurahan))
    )
    for coordinator in coordinators:
        items = by_kelurahan[coordinator.region_code]
        yield coordinator, items[0].kelurahan, items


def _row(kind: str, person: Person, occurrence: str, now: datetime,
         context: dict[str, Any]) -> dict[str, Any] | None:
    channels = channels_for(Recipient.of(person))
    channel = "email" if "email" in channels else (channels[0] if channels else None)
    if channel is None:
        return None
    key = dedupe_key(kind, None, person.id, channel, occurrence)
    if db.session.scalar(select(func.count()).where(_key_column() == key)):
        return None
    message = compose(kind, person, **context)
    return {
        "recipient_id": person.id, "channel": channel, "kind": kind, "dedupe_key": key,
        "subject": message.subject[:200], "status": "pending", "attempts": 0,
        "body": message.sms if channel == "sms" else message.text,
        "html_body": None if channel == "sms" else message.html,
        "scheduled_for": send_time(kind, channel, now), "created_at": now,
    }


def _key_column() -> Any:
    return Notification.dedupe_key
