"""Progress against targets, read from the indicator rollups, always comparing like periods.

Year to date (January to the last month with statistics) is compared with the same months of
the baseline year, for one region or many at once (the dashboard's comparison of areas); the
rules (like for like, status, chance) are :mod:`coordinator.rollups.status`'s. A region's
figures are complete when every one of its kelurahan reported every month of the period.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from coordinator.domain.calendar import local_now
from coordinator.extensions import db
from coordinator.models import Indicator, Target
from coordinator.rollups.queries import (
    Figures,
    MonthFigure,
    indicator_figures,
    kelurahan_counts,
    last_month_in,
)
from coordinator.rollups.status import (
    LOWER_IS_BETTER,
    BaselinePeriod,
    Thresholds,
    aim_for,
    change_percent,
    difference,
    judge_change,
    like_for_like,
    projected_full_year,
    status_for,
    thresholds_for,
)


@dataclass
class IndicatorProgress:
    indicator: Indicator
    region_code: str
    year: int
    baseline_year: int
    through_month: int
    monthly: dict[int, int]
    baseline_monthly: dict[int, int]  # the baseline year's months every kelurahan reported
    ytd: int
    kelurahan: int  # how many kelurahan the region has
    fewest_reporting: int  # the fewest kelurahan that reported any one month of the period
    comparison: float | None
    comparison_is_estimate: bool
    comparison_from_statistics: bool
    target: Target | None
    target_for_period: float | None
    monthly_target: float | None
    direction: str
    thresholds: Thresholds | None
    status: str
    projected_full_year: float | None
    full_year_aim: float | None
    full_year_aim_is_estimate: bool
    estimated_months: list[int] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every kelurahan reported every month of the period."""
        return self.through_month > 0 and 0 < self.kelurahan <= self.fewest_reporting

    @property
    def reported_any(self) -> bool:
        return bool(self.monthly)

    @property
    def missing_kelurahan(self) -> int:
        return max(0, self.kelurahan - self.fewest_reporting)

    @property
    def difference(self) -> float | None:
        return difference(self.ytd if self.reported_any else None, self.comparison)

    @property
    def change_percent(self) -> float | None:
        return change_percent(self.ytd if self.reported_any else None, self.comparison)

    @property
    def change(self) -> str:
        """up / down / chance / incomplete / too_few / no_baseline (:func:`judge_change`)."""
        return judge_change(self.ytd if self.reported_any else None, self.comparison,
                            self.complete)


def period_end(last_with_data: int, year: int, now: datetime | None = None) -> int:
    """The last month of the period: the last month of ``year`` with statistics, never beyond
    the current month (0 for a year still to come)."""
    today = local_now(now)
    if year > today.year:
        return 0
    return min(last_with_data, today.month) if year == today.year else last_with_data


def indicator_progress(region_code: str, year: int, *, through_month: int | None = None,
                       now: datetime | None = None) -> list[IndicatorProgress]:
    """Progress of every active indicator in a region for a year."""
    return regions_progress([region_code], year, through_month, now=now)[region_code]


def regions_progress(codes: list[str], year: int, through: int | None = None, *,
                     now: datetime | None = None) -> dict[str, list[IndicatorProgress]]:
    """Progress of every active indicator in each region, January to ``through`` of ``year``
    (None: to the end of the period of ``codes[0]``, the region the others are compared in)."""
    indicators = db.session.scalars(
        select(Indicator).where(Indicator.active).order_by(Indicator.id)).all()
    targets = {(t.region_code, t.indicator_id): t for t in db.session.scalars(
        select(Target).where(Target.region_code.in_(codes), Target.year == year))}
    years = {year, year - 1} | {t.baseline_year for t in targets.values()}
    figures = indicator_figures(codes, sorted(years))
    if through is None:
        through = period_end(last_month_in(figures, codes[0], year), year, now)
    sizes = kelurahan_counts(codes)
    return {
        code: [_progress(i, code, year, through, targets.get((code, i.id)), figures, sizes[code])
               for i in indicators]
        for code in codes
    }


def _counts(months: dict[int, MonthFigure]) -> dict[int, int]:
    return {m: f.count for m, f in months.items()}


def _baseline_period(target: Target | None) -> BaselinePeriod | None:
    if target is None:
        return None
    return BaselinePeriod(target.baseline_month_from, target.baseline_month_to,
                          float(target.baseline_value))


def _progress(indicator: Indicator, region_code: str, year: int, through: int,
              target: Target | None, figures: Figures, kelurahan: int) -> IndicatorProgress:
    baseline_year = target.baseline_year if target else year - 1
    current = {m: f for m, f in figures.get((region_code, indicator.id, year), {}).items()
               if m <= through}
    before = figures.get((region_code, indicator.id, baseline_year), {})
    complete_months = {m for m, f in before.items() if kelurahan and f.reported >= kelurahan}
    period = _baseline_period(target)
    like = like_for_like(through, _counts(before), complete_months, period)
    full_year = like_for_like(12, _counts(before), complete_months, period)
    reduce = float(target.reduce_percent or 0) if target and target.rule == "reduce_by_percent" else 0
    aim = aim_for(like.value, reduce)
    direction = target.direction if target else LOWER_IS_BETTER
    ytd = sum(f.count for f in current.values())
    fewest = min((current[m].reported if m in current else 0) for m in range(1, through + 1)) \
        if through else 0
    complete = through > 0 and 0 < kelurahan <= fewest
    return IndicatorProgress(
        indicator=indicator, region_code=region_code, year=year, baseline_year=baseline_year,
        through_month=through, monthly=_counts(current),
        baseline_monthly={m: f.count for m, f in before.items() if m in complete_months},
        ytd=ytd, kelurahan=kelurahan, fewest_reporting=fewest, comparison=like.value,
        comparison_is_estimate=like.is_estimate, comparison_from_statistics=like.from_statistics,
        target=target, target_for_period=aim,
        monthly_target=round(target.target_value / period.months, 2) if target and period else None,
        direction=direction, thresholds=thresholds_for(aim, direction),
        status=status_for(ytd, aim, direction, complete),
        projected_full_year=projected_full_year(ytd, through),
        full_year_aim=aim_for(full_year.value, reduce),
        full_year_aim_is_estimate=full_year.is_estimate, estimated_months=list(like.estimated),
    )
