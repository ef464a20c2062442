"""One region's dashboard as plain data: shared by the page, the Excel export, the print page
and the API, so they always show the same numbers. Reads rollup tables only (and the region
tree, targets, programs and annotations, none of which grows with the work done)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from coordinator import policy
from coordinator.domain.annotations import annotations_for
from coordinator.domain.calendar import local_now
from coordinator.errors import N_, InvalidInput, NotFound
from coordinator.extensions import db
from coordinator.models import Annotation, Network, Person, Program, Region
from coordinator.models.regions import ancestor_codes
from coordinator.models.rollups import ALL_NETWORKS, COUNTRY_CODE
from coordinator.rollups.comparison import AreaComparison, compare_areas
from coordinator.rollups.freshness import rollups_as_of
from coordinator.rollups.outreach import (
    NetworkReach,
    OutreachRow,
    outreach_targets,
    reach_by_network,
)
from coordinator.rollups.progress import IndicatorProgress, regions_progress
from coordinator.rollups.queries import (
    Progress,
    RegionYears,
    child_regions,
    progress,
    progress_by_program,
    progress_by_region,
    region_years,
)

DEFAULT_REGION = "31.73"  # Jakarta Barat, the task force's city
HOTSPOTS = 5


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str


COUNTRY = Place(COUNTRY_CODE, "Indonesia", "country")


@dataclass
class RegionRow:
    place: Place
    progress: Progress


@dataclass
class Filters:
    region: str
    year: int
    program_id: int | None = None
    network_id: int | None = None
    errors: list[str] = field(default_factory=list)

    def args(self) -> dict[str, str]:
        values = {"region": self.region, "period": self.year, "program": self.program_id,
                  "network": self.network_id}
        return {k: str(v) for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class YearOption:
    """A year the picker offers, and what data it has for the region."""

    year: int
    statistics: bool
    programs: bool


@dataclass
class Report:
    place: Place
    trail: list[Place]
    filters: Filters
    programs: list[Program]
    program_ids: list[int]
    progress: Progress
    children: list[RegionRow]
    hotspots: list[RegionRow]
    by_program: list[tuple[Program, Progress]]
    indicators: list[IndicatorProgress]
    comparison: list[AreaComparison]
    outreach: list[OutreachRow]
    reach_by_network: list[NetworkReach]
    annotations: list[Annotation]
    years: list[YearOption]
    networks: list[Network]
    as_of: datetime | None

    @property
    def through_month(self) -> int:
        return self.indicators[0].through_month if self.indicators else 0

    @property
    def baseline_year(self) -> int:
        return self.filters.year - 1

    @property
    def incomplete(self) -> list[IndicatorProgress]:
        """The indicators whose period includes kelurahan that did not report every month."""
        return [i for i in self.indicators if i.through_month and not i.complete]

    @property
    def missing_kelurahan(self) -> int:
        """The most kelurahan missing from any one month of any indicator of the period."""
        return max((i.missing_kelurahan for i in self.incomplete), default=0)


def place_of(code: str) -> Place | None:
    if code == COUNTRY_CODE:
        return COUNTRY
    region = db.session.get(Region, code)
    return Place(region.code, region.name, region.level) if region else None


def default_region(person: Person) -> str:
    scope = policy.scope_code(person)
    if scope is not None:
        return scope
    return DEFAULT_REGION if db.session.get(Region, DEFAULT_REGION) else COUNTRY_CODE


def check_region(person: Person, code: str) -> Place:
    """The region if ``person`` may see its dashboard; NotFound otherwise (never 403)."""
    place = place_of(code)
    if place is None or (code == COUNTRY_CODE and policy.scope_code(person) is not None):
        raise NotFound("region not found")
    if code != COUNTRY_CODE and not policy.in_scope(person, code):
        raise NotFound("region not found")
    return place


def available_years(years: RegionYears, now: datetime | None = None) -> list[YearOption]:
    """The years with case statistics or program work in the region, and this year."""
    statistics, programs = set(years.statistics), set(years.programs)
    this_year = local_now(now).year
    offered = sorted(statistics | programs | {this_year}, reverse=True)
    return [YearOption(y, y in statistics, y in programs) for y in offered]


def default_year(years: RegionYears, now: datetime | None = None) -> int:
    """The latest year (not in the future) with case statistics for the region; else with
    program work there; else this year."""
    this_year = local_now(now).year
    for candidates in (years.statistics, years.programs):
        past = [y for y in candidates if y <= this_year]
        if past:
            return past[0]
    return this_year


def _programs(person: Person, region: str, filters: Filters) -> list[Program]:
    query = policy.scoped_programs(person).where(Program.year == filters.year)
    if region != COUNTRY_CODE:
        query = query.where(Program.region_code.in_(ancestor_codes(region))
                            | policy.region_filter(Program.region_code, region))
    programs = list(db.session.scalars(query.order_by(Program.title)))
    if filters.program_id is not None:
        chosen = [p for p in programs if p.id == filters.program_id]
        if not chosen:
            raise InvalidInput("unknown program", {"program": [N_("Unknown program.")]})
        return chosen
    return programs


def trail_for(person: Person, code: str) -> list[Place]:
    """The regions from the top of what ``person`` sees down to ``code``."""
    codes = list(reversed(ancestor_codes(code))) if code != COUNTRY_CODE else []
    if policy.scope_code(person) is None:
        codes = [COUNTRY_CODE, *codes]
    places = [place_of(c) for c in codes if c == COUNTRY_CODE or policy.in_scope(person, c)]
    return [p for p in places if p is not None]


def _worst_first(rows: list[RegionRow]) -> list[RegionRow]:
    return sorted(rows, key=lambda r: (r.progress.active == 0, r.progress.done_percent,
                                       -r.progress.overdue, r.place.code))


def visible_children(person: Person, place: Place) -> list[Place]:
    """The areas one level below ``place`` that ``person`` may see."""
    kids = [Place(r.code, r.name, r.level) for r in child_regions(place.code)]
    return [k for k in kids if policy.scope_code(person) is None or policy.in_scope(person, k.code)]


def area_comparison(place: Place, kids: list[Place], year: int, now: datetime | None = None
                    ) -> tuple[list[IndicatorProgress], list[AreaComparison]]:
    """The region's own indicators and its child areas compared, over the same months (the
    region's period)."""
    figures = regions_progress([place.code, *[k.code for k in kids]], year, now=now)
    own = figures[place.code]
    rows = compare_areas([(k.code, k.name, k.level) for k in kids], figures, own)
    return own, rows


def build_report(person: Person, filters: Filters, now: datetime | None = None, *,
                 years: RegionYears | None = None) -> Report:
    """The dashboard of ``filters.region`` as ``person`` may see it (``years``: the region's,
    when the caller has read them already)."""
    place = check_region(person, filters.region)
    years = years if years is not None else region_years(place.code)
    networks = list(db.session.scalars(select(Network).order_by(Network.name)))
    if filters.network_id is not None and filters.network_id not in {n.id for n in networks}:
        raise InvalidInput("unknown network", {"network": [N_("Unknown network.")]})
    network_key = filters.network_id or ALL_NETWORKS
    programs = _programs(person, place.code, filters)
    ids = [p.id for p in programs]
    kids = visible_children(person, place)
    by_child = progress_by_region([k.code for k in kids], ids, network_key)
    children = _worst_first([RegionRow(k, by_child[k.code]) for k in kids])
    hotspots = sorted((r for r in children if r.progress.overdue),
                      key=lambda r: (-r.progress.overdue, r.place.code))[:HOTSPOTS]
    per_program = progress_by_program(place.code, ids, network_key)
    indicators, comparison = area_comparison(place, kids, filters.year, now)
    outreach = outreach_targets(place.code, programs)
    trail = trail_for(person, place.code)
    return Report(
        place=place, trail=trail, filters=filters, programs=programs,
        program_ids=ids, progress=progress(place.code, ids, network_key), children=children,
        hotspots=hotspots,
        by_program=[(p, per_program.get(p.id, Progress())) for p in programs],
        indicators=indicators, comparison=comparison, outreach=outreach,
        reach_by_network=reach_by_network(place.code, programs, outreach, networks),
        annotations=annotations_for(place.code, filters.year),
        years=available_years(years, now), networks=networks, as_of=rollups_as_of(),
    )
