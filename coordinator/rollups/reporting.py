"""Who reported case statistics, month by month, from the indicator rollups' ``reported`` counts
(a recorded zero is a report; no row is none). A kelurahan has reported a month when it has a
count for every active indicator. Above the kelurahan, a cell counts the kelurahan that reported
the least-reported indicator: exact when reports are whole, an upper bound otherwise.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Indicator, IndicatorRollup
from coordinator.rollups.queries import kelurahan_counts

CHUNK = 5000  # codes per IN list


@dataclass(frozen=True)
class ReportingCell:
    complete: int  # kelurahan that reported every active indicator (see the module docstring)
    some: int  # kelurahan that reported at least the most-reported indicator
    kelurahan: int

    @property
    def state(self) -> str:
        """reported / partly (some kelurahan or indicators missing) / missing (none)."""
        if self.kelurahan and self.complete >= self.kelurahan:
            return "reported"
        return "partly" if self.some else "missing"


@dataclass(frozen=True)
class ReportingRow:
    code: str
    name: str
    level: str
    kelurahan: int
    months: dict[int, ReportingCell]


def _active_indicators() -> list[int]:
    return list(db.session.scalars(select(Indicator.id).where(Indicator.active)))


def reporting_rows(areas: list[tuple[str, str, str]], year: int) -> list[ReportingRow]:
    """For each area ``(code, name, level)``: every month of ``year``, who reported."""
    codes = [code for code, _name, _level in areas]
    indicators = _active_indicators()
    reported: dict[tuple[str, int], dict[int, int]] = defaultdict(dict)
    rows = db.session.execute(
        select(IndicatorRollup.region_code, IndicatorRollup.month, IndicatorRollup.indicator_id,
               IndicatorRollup.reported)
        .where(IndicatorRollup.region_code.in_(codes), IndicatorRollup.year == year,
               IndicatorRollup.indicator_id.in_(indicators or [-1]))
    )
    for code, month, indicator_id, count in rows:
        reported[(code, month)][indicator_id] = int(count)
    sizes = kelurahan_counts(codes)
    return [
        ReportingRow(code, name, level, sizes[code], {
            month: _cell(reported.get((code, month), {}), indicators, sizes[code])
            for month in range(1, 13)})
        for code, name, level in areas
    ]


def _cell(by_indicator: dict[int, int], indicators: list[int], kelurahan: int) -> ReportingCell:
    counts = [by_indicator.get(i, 0) for i in indicators] or [0]
    return ReportingCell(min(counts), max(counts), kelurahan)


def kelurahan_that_reported(codes: list[str], year: int, month: int) -> set[str]:
    """Which of the kelurahan ``codes`` have a count for every active indicator of the month."""
    indicators = set(_active_indicators())
    found: dict[str, set[int]] = defaultdict(set)
    for start in range(0, len(codes), CHUNK):
        rows = db.session.execute(
            select(IndicatorRollup.region_code, IndicatorRollup.indicator_id)
            .where(IndicatorRollup.region_code.in_(codes[start:start + CHUNK]),
                   IndicatorRollup.year == year, IndicatorRollup.month == month,
                   IndicatorRollup.reported > 0)
        )
        for code, indicator_id in rows:
            found[code].add(indicator_id)
    return {code for code, ids in found.items() if indicators <= ids}
