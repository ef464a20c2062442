"""Demo case statistics for Jakarta Barat: 2021 January-October summing exactly to the
DESIGN.md baselines (307 KTPA victims = 81 women + 226 children; 105 TPPO) and 2022 from
January to the demo month, spread over the 56 kelurahan deterministically; then a full
rollup recompute. Counts only, never anything about a person."""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select

from coordinator.extensions import db
from coordinator.models import CaseStat, Indicator, Region, utcnow
from coordinator.rollups import recompute_all

CITY = "31.73"
SEED = 2021
BASELINE_MONTHS = 10  # the baseline covers January to October 2021
DEMO_MONTH = 10  # 2022 is shown January to October: the like period of the baseline
# (women, children, of which TPPO) per year: 2021 is DESIGN.md's baseline; 2022 has women on
# track (72 of 81) and the rest above the "no increase" aim (total 310 of 307, children, TPPO).
TOTALS = {2021: (81, 226, 105), 2022: (72, 238, 118)}


@dataclass(frozen=True)
class DemoStats:
    rows: int
    totals: dict[tuple[int, str], int]


def _weights(kelurahan: list[str], rng: random.Random) -> list[float]:
    return [rng.uniform(0.4, 2.0) for _ in kelurahan]


def _spread(count: int, cells: list[tuple[str, int]], weights: list[float],
            rng: random.Random) -> Counter[tuple[str, int]]:
    return Counter(rng.choices(cells, weights=weights, k=count))


def _year_counts(year: int, months: int, kelurahan: list[str], rng: random.Random,
                 ) -> dict[str, Counter[tuple[str, int]]]:
    women_total, children_total, tppo_total = TOTALS[year]
    cells = [(k, m) for k in kelurahan for m in range(1, months + 1)]
    place = _weights(kelurahan, rng)
    weights = [place[i // months] for i in range(len(cells))]
    scale = months / BASELINE_MONTHS  # a shorter demo year gets proportionally fewer cases
    women = _spread(round(women_total * scale), cells, weights, rng)
    children = _spread(round(children_total * scale), cells, weights, rng)
    victims = women + children
    # TPPO victims are among the KTPA victims: draw them from the victims, cell by cell.
    units = sorted(victims.elements())
    tppo = Counter(rng.sample(units, min(len(units), round(tppo_total * scale))))
    return {"ktpa_women": women, "ktpa_children": children, "ktpa_victims": victims,
            "tppo_victims": tppo}


def seed_demo_case_stats(through_month: int = DEMO_MONTH) -> DemoStats:
    """Insert the demo statistics (once: a city that has some keeps them) and recompute."""
    kelurahan = list(db.session.scalars(select(Region.code).where(
        Region.level == "kelurahan", Region.code.like(CITY + ".%")).order_by(Region.code)))
    indicators = {i.code: i.id for i in db.session.scalars(select(Indicator))}
    existing = db.session.scalar(select(func.count()).select_from(CaseStat).where(
        CaseStat.kelurahan_code.like(CITY + ".%")))
    if not kelurahan or existing or not indicators:
        return DemoStats(0, {})
    rng = random.Random(SEED)
    rows, totals = [], {}
    for year, months in ((2021, BASELINE_MONTHS), (2022, through_month)):
        for code, counts in _year_counts(year, months, kelurahan, rng).items():
            totals[(year, code)] = sum(counts.values())
            rows += [
                {"kelurahan_code": k, "indicator_id": indicators[code], "month": date(year, m, 1),
                 "count": counts.get((k, m), 0), "recorded_at": utcnow()}
                for k in kelurahan for m in range(1, months + 1)
            ]
    db.session.execute(insert(CaseStat), rows)
    db.session.commit()
    recompute_all(building=True)  # these rows carry no events: build, don't report drift
    return DemoStats(len(rows), totals)
