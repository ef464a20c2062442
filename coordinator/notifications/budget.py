"""SMS spending: messages and parts sent per program and per city in a WIB month.

SMS credit is paid from a government budget, so leads see these counts every month.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import case, func, select

from coordinator.domain.calendar import local_datetime
from coordinator.extensions import db
from coordinator.models import Notification, Person, Program, Region


@dataclass(frozen=True)
class SmsCount:
    key: str
    name: str
    messages: int
    parts: int
    one_part: int = 0  # messages that fit one part (160 GSM-7 / 70 UCS-2 characters)

    @property
    def parts_per_message(self) -> float:
        return self.parts / self.messages if self.messages else 0.0

    @property
    def one_part_percent(self) -> float:
        return 100.0 * self.one_part / self.messages if self.messages else 0.0


def month_bounds(month: date) -> tuple[Any, Any]:
    """The UTC moments where the WIB month of ``month`` starts and ends."""
    first = month.replace(day=1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return local_datetime(first, time(0)), local_datetime(following, time(0))


def _sent_sms(month: date, scope: str | None) -> Any:
    start, end = month_bounds(month)
    query = (
        select(Notification)
        .join(Person, Person.id == Notification.recipient_id)
        .where(Notification.channel == "sms", Notification.sent_at >= start,
               Notification.sent_at < end, Notification.status == "sent")
    )
    if scope is not None:
        query = query.where((Person.region_code == scope) | Person.region_code.like(scope + ".%"))
    return query.subquery()


def sms_per_program(month: date, scope: str | None = None) -> list[SmsCount]:
    """SMS sent in the month per program (messages without a program under "-")."""
    sent = _sent_sms(month, scope)
    rows = db.session.execute(
        select(sent.c.program_id, Program.title, func.count(),
               func.coalesce(func.sum(sent.c.sms_parts), 0), _one_part(sent))
        .select_from(sent).join(Program, Program.id == sent.c.program_id, isouter=True)
        .group_by(sent.c.program_id, Program.title).order_by(func.count().desc())
    )
    return [SmsCount(str(pid or "-"), title or "-", n, int(parts), int(one))
            for pid, title, n, parts, one in rows]


def _one_part(sent: Any) -> Any:
    return func.coalesce(func.sum(case((sent.c.sms_parts == 1, 1), else_=0)), 0)


def sms_per_city(month: date, scope: str | None = None) -> list[SmsCount]:
    """SMS sent in the month per city (the recipient's home city, code ``NN.NN``)."""
    sent = _sent_sms(month, scope)
    city = func.substr(Person.region_code, 1, 5)
    rows = db.session.execute(
        select(city, func.count(), func.coalesce(func.sum(sent.c.sms_parts), 0), _one_part(sent))
        .select_from(sent).join(Person, Person.id == sent.c.recipient_id)
        .group_by(city).order_by(city)
    ).all()
    names = dict(db.session.execute(
        select(Region.code, Region.name).where(Region.code.in_([r[0] for r in rows]))
    ).all())
    return [SmsCount(code, names.get(code, code), n, int(parts), int(one))
            for code, n, parts, one in rows]
