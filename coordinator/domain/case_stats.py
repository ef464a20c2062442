"""Case statistics: monthly counts per kelurahan and indicator (never anything about a person).

``record_case_stats`` is the one way counts enter: the grid page, the Excel import and the API
all call it. It validates everything first (whole batch or nothing), keeps history through
the audit log (before/after of every changed count) and emits ``CaseStatsRecorded`` per change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from coordinator import policy
from coordinator.domain.calendar import local_now
from coordinator.domain.changes import record_audit
from coordinator.domain.events import CaseStatsRecorded, record_event
from coordinator.errors import N_, InvalidInput
from coordinator.extensions import db
from coordinator.models import CaseStat, Indicator, Person, Region

MAX_COUNT = 100_000


@dataclass(frozen=True)
class CaseStatEntry:
    kelurahan_code: str
    indicator_id: int
    count: int


def first_of_month(value: date) -> date:
    return date(value.year, value.month, 1)


def parse_month(raw: str | None) -> date:
    """``YYYY-MM`` to the first day of that month; InvalidInput otherwise."""
    try:
        year, month = (int(part) for part in (raw or "").strip().split("-"))
        return date(year, month, 1)
    except ValueError:
        raise InvalidInput("bad month", {"month": [N_("Month must look like 2022-03.")]}) from None


def check_month(month: date, now: datetime | None = None) -> None:
    """No statistics for a month that has not begun yet (in WIB)."""
    today = local_now(now).date()
    if first_of_month(month) > first_of_month(today) or month.year < 2000:
        raise InvalidInput("future month", {"month": [N_("The month must not be in the future.")]})


def kelurahan_in_scope(actor: Person | None, under: str | None = None) -> list[Region]:
    """The kelurahan ``actor`` may record for, optionally only those under ``under``."""
    query = select(Region).where(Region.level == "kelurahan").order_by(Region.code)
    scope = policy.scope_code(actor) if actor is not None else None
    if scope is not None:
        query = query.where(policy.region_filter(Region.code, scope))
    if under:
        query = query.where(policy.region_filter(Region.code, under))
    return list(db.session.scalars(query))


def _entry_errors(entry: CaseStatEntry, kelurahan: set[str], indicators: set[int]) -> list[str]:
    errors = []
    if entry.kelurahan_code not in kelurahan:
        errors.append(N_("Unknown kelurahan (or outside your region)."))
    if entry.indicator_id not in indicators:
        errors.append(N_("Unknown indicator."))
    count = entry.count
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
        errors.append(N_("The count must be a whole number from 0 to 100000."))
    return errors


def validate_entries(actor: Person | None, month: date, entries: list[CaseStatEntry],
                     now: datetime | None = None) -> None:
    """Raise InvalidInput naming every bad entry (``<kelurahan>/<indicator id>``)."""
    policy.require(actor, "case_stats.record")
    check_month(month, now)
    kelurahan = {r.code for r in kelurahan_in_scope(actor)}
    indicators = set(db.session.scalars(select(Indicator.id).where(Indicator.active)))
    fields: dict[str, list[str]] = {}
    for entry in entries:
        errors = _entry_errors(entry, kelurahan, indicators)
        if errors:
            fields[f"{entry.kelurahan_code}/{entry.indicator_id}"] = errors
    if fields:
        raise InvalidInput("invalid case statistics", fields)


def counts_for_month(month: date, kelurahan_codes: list[str]) -> dict[tuple[str, int], int]:
    """Recorded counts of one month, by (kelurahan code, indicator id)."""
    rows = db.session.execute(
        select(CaseStat.kelurahan_code, CaseStat.indicator_id, CaseStat.count).where(
            CaseStat.month == first_of_month(month), CaseStat.kelurahan_code.in_(kelurahan_codes)
        )
    )
    return {(code, indicator): count for code, indicator, count in rows}


def record_case_stats(*, actor: Person | None, month: date, entries: list[CaseStatEntry],
                      now: datetime | None = None) -> int:
    """Store the counts of one month; returns how many changed. All or nothing."""
    month = first_of_month(month)
    validate_entries(actor, month, entries, now)
    codes = sorted({e.kelurahan_code for e in entries})
    existing = {
        (s.kelurahan_code, s.indicator_id): s
        for s in db.session.scalars(
            select(CaseStat).where(CaseStat.month == month, CaseStat.kelurahan_code.in_(codes))
        )
    }
    changed = 0
    for entry in entries:
        stat = existing.get((entry.kelurahan_code, entry.indicator_id))
        if stat is not None and stat.count == entry.count:
            continue
        _write(actor, month, entry, stat)
        changed += 1
    db.session.commit()
    return changed


def _write(actor: Person | None, month: date, entry: CaseStatEntry, stat: CaseStat | None) -> None:
    previous = stat.count if stat is not None else None
    if stat is None:
        stat = CaseStat(kelurahan_code=entry.kelurahan_code, indicator_id=entry.indicator_id,
                        month=month, count=entry.count)
        db.session.add(stat)
    stat.count = entry.count
    stat.recorded_by_id = actor.id if actor is not None else None
    db.session.flush()
    snapshot = {"kelurahan_code": entry.kelurahan_code, "indicator_id": entry.indicator_id,
                "month": month.isoformat()}
    record_audit(actor.id if actor is not None else None, "record", "case_stat", stat.id,
                 {**snapshot, "count": previous} if previous is not None else None,
                 {**snapshot, "count": entry.count})
    record_event(CaseStatsRecorded(
        indicator_id=entry.indicator_id, kelurahan_code=entry.kelurahan_code,
        month=month.isoformat(), count=entry.count, previous_count=previous,
    ))
