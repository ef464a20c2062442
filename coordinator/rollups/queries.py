"""Reads for the dashboard, the export and the API: every number comes from the rollup tables,
by region code; the actions and case statistics tables are never scanned here."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields

from sqlalchemy import Select, func, literal, select, union, union_all
from sqlalchemy.orm import InstrumentedAttribute, aliased

from coordinator.extensions import db
from coordinator.models import IndicatorRollup, Program, ProgramRollup, Region
from coordinator.models.regions import LEVEL_BY_PARTS
from coordinator.models.rollups import ALL_NETWORKS, COUNTRY_CODE, PROGRAM_COUNTS

KELURAHAN_DEPTH = max(LEVEL_BY_PARTS)  # parts in a kelurahan's code: 31.73.01.1001


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


@dataclass(frozen=True)
class MonthFigure:
    """One month of one indicator in one region: the count and how many kelurahan reported."""

    count: int
    reported: int


# (region code, indicator id, year) -> {month: figure}
Figures = dict[tuple[str, int, int], dict[int, MonthFigure]]


def indicator_figures(region_codes: list[str], years: list[int]) -> Figures:
    """Monthly counts and reports of every indicator in each region, for ``years``."""
    rows = db.session.execute(
        select(IndicatorRollup.region_code, IndicatorRollup.indicator_id, IndicatorRollup.year,
               IndicatorRollup.month, IndicatorRollup.count, IndicatorRollup.reported)
        .where(IndicatorRollup.region_code.in_(region_codes), IndicatorRollup.year.in_(years))
    )
    figures: Figures = defaultdict(dict)
    for code, indicator_id, year, month, count, reported in rows:
        figures[(code, indicator_id, year)][month] = MonthFigure(count, reported)
    return figures


def kelurahan_counts(region_codes: list[str]) -> dict[str, int]:
    """How many kelurahan each region has (a kelurahan: 1), from the region tree.

    One statement, one branch per level asked for, each joining down ``parent_code``
    (indexed) from the regions asked for: a city's dashboard reads its 8 kecamatan and 56
    kelurahan. Counting by code prefix scanned the country's 83,762 kelurahan (25 ms a
    statement), and a recursive walk left the planner blind (a hash of all regions per step)."""
    counts = {code: 0 for code in region_codes}
    if COUNTRY_CODE in counts:
        counts[COUNTRY_CODE] = int(db.session.scalar(
            select(func.count()).select_from(Region).where(Region.level == "kelurahan")) or 0)
    by_depth: dict[int, list[str]] = defaultdict(list)
    for code in region_codes:
        if code != COUNTRY_CODE:
            by_depth[len(code.split("."))].append(code)
    branches = [_kelurahan_under(codes, depth) for depth, codes in sorted(by_depth.items())
                if depth <= KELURAHAN_DEPTH]
    if branches:
        rows = db.session.execute(branches[0] if len(branches) == 1 else union_all(*branches))
        counts.update({str(code): int(n) for code, n in rows})
    return counts


def _kelurahan_under(codes: list[str], depth: int) -> Select[str | None, int]:
    """Kelurahan per region, for regions ``depth`` levels down the tree (1: a province):
    from the kelurahan up through their parents to the level below the regions asked for."""
    kelurahan = aliased(Region)
    query = select(kelurahan).where(kelurahan.level == "kelurahan")
    root: InstrumentedAttribute[str] | InstrumentedAttribute[str | None] = kelurahan.code
    if depth < KELURAHAN_DEPTH:
        below = kelurahan  # the region one level below the ones asked for, once joined to it
        for _ in range(KELURAHAN_DEPTH - depth - 1):
            parent = aliased(Region)
            query = query.join(parent, parent.code == below.parent_code)
            below = parent
        root = below.parent_code
    return (query.with_only_columns(root, func.count()).where(root.in_(codes))
            .group_by(root))


def last_month_in(figures: Figures, region_code: str, year: int) -> int:
    """The latest month of ``year`` with any count recorded in the region, else 0 (from
    figures read for that region and year)."""
    return max((month for (code, _indicator, y), months in figures.items()
                if code == region_code and y == year for month in months), default=0)


@dataclass(frozen=True)
class RegionYears:
    """The years with case statistics and with program work in a region, latest first."""

    statistics: tuple[int, ...]
    programs: tuple[int, ...]


STATISTICS, PROGRAMS = 0, 1


def region_years(region_code: str) -> RegionYears:
    """The years with any case statistics recorded in the region and the years of the programs
    with actions there (from the rollups), in one statement."""
    statistics = (select(IndicatorRollup.year, literal(STATISTICS).label("kind"))
                  .where(IndicatorRollup.region_code == region_code))
    programs = (select(Program.year, literal(PROGRAMS).label("kind"))
                .join(ProgramRollup, ProgramRollup.program_id == Program.id)
                .where(ProgramRollup.region_code == region_code,
                       ProgramRollup.network_key == ALL_NETWORKS, ProgramRollup.total > 0))
    found: dict[int, set[int]] = {STATISTICS: set(), PROGRAMS: set()}
    for year, kind in db.session.execute(union(statistics, programs)):
        found[kind].add(year)
    return RegionYears(tuple(sorted(found[STATISTICS], reverse=True)),
                       tuple(sorted(found[PROGRAMS], reverse=True)))
