"""Case statistics: monthly counts per kelurahan and indicator (never anything about a person).

``record_case_stats`` is the one way counts enter: the grid page, the Excel import and the API
all call it. It validates everything first (whole batch or nothing), keeps history through
the audit log (before/after of every changed count) and emits ``CaseStatsRecorded`` per change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from coordinator import policy
from coordinator.domain.calendar import local_now
from coordinator.domain.case_stat_rules import Inconsistency, IndicatorRule, find_inconsistencies
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
    """Raise InvalidInput naming every bad entry (``<kelurahan>/<indicator id>``): unknown,
    out of range, or breaking an indicator's consistency rule with the rest of the month."""
    policy.require(actor, "case_stats.record")
    check_month(month, now)
    kelurahan = {r.code for r in kelurahan_in_scope(actor)}
    indicators = set(db.session.scalars(select(Indicator.id).where(Indicator.active)))
    fields: dict[str, list[str]] = {}
    for entry in entries:
        errors = _entry_errors(entry, kelurahan, indicators)
        if errors:
            fields[f"{entry.kelurahan_code}/{entry.indicator_id}"] = errors
    for name, errors in consistency_errors(month, entries).items():
        fields.setdefault(name, []).extend(errors)
    if fields:
        raise InvalidInput("invalid case statistics", fields)


def _indicator_name(indicator: Indicator) -> str:
    locale = get_locale()
    return indicator.name_en if locale is not None and locale.language == "en" else indicator.name_id


def _describe(problem: Inconsistency, indicators: dict[int, Indicator]) -> str:
    """The broken rule in the reader's language, with the numbers."""
    name = _indicator_name(indicators[problem.cell[1]])
    others = [_indicator_name(indicators[i]) for i in problem.other_ids]
    if problem.kind == "sum":
        return _("%(parts)s must add up to %(total_name)s: they make %(found)s, not %(total)s.",
                 parts=" + ".join(others), total_name=name, found=problem.found,
                 total=problem.expected)
    return _("%(name)s (%(found)s) cannot be more than %(other)s (%(expected)s).",
             name=name, found=problem.found, other=others[0], expected=problem.expected)


def consistency_errors(month: date, entries: list[CaseStatEntry]) -> dict[str, list[str]]:
    """Field errors (``<kelurahan>/<indicator id>``) of entries breaking an indicator's rule."""
    indicators = {i.id: i for i in db.session.scalars(select(Indicator).where(Indicator.active))}
    rules = [IndicatorRule(i.id, i.code, tuple(i.sum_of or ()), i.within_code)
             for i in indicators.values()]
    entered = {(e.kelurahan_code, e.indicator_id): e.count for e in entries
               if e.indicator_id in indicators and isinstance(e.count, int)
               and not isinstance(e.count, bool) and 0 <= e.count <= MAX_COUNT}
    if not entered or not any(r.sum_of or r.within_code for r in rules):
        return {}
    stored = counts_for_month(month, sorted({cell[0] for cell in entered}))
    fields: dict[str, list[str]] = {}
    for problem in find_inconsistencies(rules, stored, entered):
        kelurahan, indicator_id = problem.cell
        fields.setdefault(f"{kelurahan}/{indicator_id}", []).append(
            _describe(problem, indicators))
    return fields


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
