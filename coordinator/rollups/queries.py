"""Reads for the dashboard, the export and the API: every number comes from the rollup tables,
by region code; the actions and case statistics tables are never scanned here."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields

from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import IndicatorRollup, ProgramRollup, Region
from coordinator.models.rollups import ALL_NETWORKS, COUNTRY_CODE, PROGRAM_COUNTS


@dataclass(frozen=True)
class Progress:
    total: int = 0
    open: int = 0
    done: int = 0
    done_on_time: int = 0
    overdue: int = 0
    cancelled: int = 0
    people_reached: int = 0

    @property
    def active(self) -> int:
        """Actions that still count (not cancelled)."""
        return self.total - self.cancelled

    @property
    def done_percent(self) -> float:
        return round(100 * self.done / self.active, 1) if self.active else 0.0

    @property
    def on_time_percent(self) -> float:
        return round(100 * self.done_on_time / self.done, 1) if self.done else 0.0

    def as_dict(self) -> dict[str, float]:
        values: dict[str, float] = {f.name: getattr(self, f.name) for f in fields(self)}
        values["done_percent"] = self.done_percent
        values["on_time_percent"] = self.on_time_percent
        return values


SUMS = [func.coalesce(func.sum(getattr(ProgramRollup, c)), 0) for c in PROGRAM_COUNTS]


def _filtered(query, program_ids: list[int] | None, network_key: int):  # type: ignore[no-untyped-def]
    query = query.where(ProgramRollup.network_key == network_key)
    if program_ids is not None:
        query = query.where(ProgramRollup.program_id.in_(program_ids or [-1]))
    return query


def progress(region_code: str, program_ids: list[int] | None = None,
             network_key: int = ALL_NETWORKS) -> Progress:
    """Program progress in one region, summed over ``program_ids`` (None: every program)."""
    query = _filtered(select(*SUMS), program_ids, network_key)
    row = db.session.execute(query.where(ProgramRollup.region_code == region_code)).one()
    return Progress(*(int(v) for v in row))


def child_regions(region_code: str) -> list[Region]:
    """The regions one level below ``region_code`` (provinces below the country)."""
    if region_code == COUNTRY_CODE:
        where = Region.level == "province"
    else:
        where = Region.parent_code == region_code
    return list(db.session.scalars(select(Region).where(where).order_by(Region.code)))


def progress_by_region(codes: list[str], program_ids: list[int] | None = None,
                       network_key: int = ALL_NETWORKS) -> dict[str, Progress]:
    """Progress of each region in ``codes`` (zeros where nothing is counted)."""
    query = _filtered(select(ProgramRollup.region_code, *SUMS), program_ids, network_key)
    rows = db.session.execute(
        query.where(ProgramRollup.region_code.in_(codes)).group_by(ProgramRollup.region_code)
    )
    found = {code: Progress(*(int(v) for v in values)) for code, *values in rows}
    return {code: found.get(code, Progress()) for code in codes}


def progress_by_program(region_code: str, program_ids: list[int] | None = None,
                        network_key: int = ALL_NETWORKS) -> dict[int, Progress]:
    query = _filtered(select(ProgramRollup.program_id, *SUMS), program_ids, network_key)
    rows = db.session.execute(
        query.where(ProgramRollup.region_code == region_code).group_by(ProgramRollup.program_id)
    )
    return {pid: Progress(*(int(v) for v in values)) for pid, *values in rows}


def indicator_months(region_code: str, years: list[int]) -> dict[tuple[int, int], dict[int, int]]:
    """Monthly counts by (indicator id, year): {month: count}."""
    rows = db.session.execute(
        select(IndicatorRollup.indicator_id, IndicatorRollup.year, IndicatorRollup.month,
               IndicatorRollup.count)
        .where(IndicatorRollup.region_code == region_code, IndicatorRollup.year.in_(years))
    )
    months: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for indicator_id, year, month, count in rows:
        months[(indicator_id, year)][month] = count
    return months


def last_month_with_data(region_code: str, year: int) -> int:
    """The latest month of ``year`` with any count recorded in the region, else 0."""
    value = db.session.scalar(
        select(func.max(IndicatorRollup.month)).where(
            IndicatorRollup.region_code == region_code, IndicatorRollup.year == year
        )
    )
    return int(value or 0)
