"""Progress against targets, read from the indicator rollups, always comparing like periods.

Year to date (January to the last month with statistics) is compared with the same months of
the baseline year: from the monthly statistics where that year has them, else pro rata from the
target's baseline (its value over its period), and then marked as an estimate. Without a target
for the region, the aim is the city's: no more than the same months of the year before.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from coordinator.domain.calendar import local_now
from coordinator.extensions import db
from coordinator.models import Indicator, Target
from coordinator.rollups.queries import indicator_months, last_month_with_data

AT_RISK_MARGIN = 0.10
STATUSES = ("on_track", "at_risk", "off_track", "no_data")


@dataclass
class IndicatorProgress:
    indicator: Indicator
    region_code: str
    year: int
    baseline_year: int
    through_month: int
    monthly: dict[int, int]
    baseline_monthly: dict[int, int]
    ytd: int
    comparison: float | None
    comparison_is_estimate: bool
    target: Target | None
    target_for_period: float | None
    monthly_target: float | None
    projected_year_end: float | None
    status: str
    estimated_months: list[int] = field(default_factory=list)


def status_for(ytd: int, aim: float | None, direction: str = "lower_is_better") -> str:
    """on_track / at_risk (within 10% of the aim) / off_track; no_data without an aim."""
    if aim is None:
        return "no_data"
    if direction == "higher_is_better":
        if ytd >= aim:
            return "on_track"
        return "at_risk" if ytd >= aim * (1 - AT_RISK_MARGIN) else "off_track"
    if ytd <= aim:
        return "on_track"
    return "at_risk" if aim > 0 and ytd <= aim * (1 + AT_RISK_MARGIN) else "off_track"


def _aim(target: Target | None, comparison: float | None) -> float | None:
    if comparison is None:
        return None
    if target is not None and target.rule == "reduce_by_percent":
        return comparison * (1 - float(target.reduce_percent or 0) / 100)
    return comparison


def _comparison(target: Target | None, baseline: dict[int, int], last_baseline_month: int,
                through: int) -> tuple[float | None, list[int]]:
    """Sum of the baseline year's months 1..through; estimated months listed."""
    total, estimated = 0.0, []
    for month in range(1, through + 1):
        if month <= last_baseline_month:
            total += baseline.get(month, 0)
        elif target is not None:
            months = target.baseline_month_to - target.baseline_month_from + 1
            total += target.baseline_value / months
            estimated.append(month)
        else:
            return None, []
    return round(total, 1), estimated


def through_month_for(region_code: str, year: int, now: datetime | None = None) -> int:
    """The last month of ``year`` with statistics, never beyond the current month."""
    today = local_now(now)
    last = last_month_with_data(region_code, year)
    if year == today.year:
        last = min(last, today.month)
    return 0 if year > today.year else last


def indicator_progress(region_code: str, year: int, *, through_month: int | None = None,
                       now: datetime | None = None) -> list[IndicatorProgress]:
    """Progress of every active indicator in a region for a year."""
    indicators = db.session.scalars(
        select(Indicator).where(Indicator.active).order_by(Indicator.id)).all()
    targets = {t.indicator_id: t for t in db.session.scalars(
        select(Target).where(Target.region_code == region_code, Target.year == year))}
    baseline_years = {t.baseline_year for t in targets.values()} | {year - 1}
    months = indicator_months(region_code, [year, *baseline_years])
    through = through_month_for(region_code, year, now) if through_month is None else through_month
    last_baseline = {y: last_month_with_data(region_code, y) for y in baseline_years}
    return [
        _progress(i, region_code, year, through, targets.get(i.id), months, last_baseline)
        for i in indicators
    ]


def _progress(indicator: Indicator, region_code: str, year: int, through: int,
              target: Target | None, months: dict[tuple[int, int], dict[int, int]],
              last_baseline: dict[int, int]) -> IndicatorProgress:
    baseline_year = target.baseline_year if target else year - 1
    monthly = months.get((indicator.id, year), {})
    baseline = months.get((indicator.id, baseline_year), {})
    ytd = sum(v for m, v in monthly.items() if m <= through)
    comparison, estimated = _comparison(target, baseline, last_baseline[baseline_year], through)
    aim = _aim(target, comparison) if through else None
    direction = target.direction if target else "lower_is_better"
    monthly_target = None
    if target is not None:
        span = target.baseline_month_to - target.baseline_month_from + 1
        monthly_target = round(target.target_value / span, 2)
    return IndicatorProgress(
        indicator=indicator, region_code=region_code, year=year, baseline_year=baseline_year,
        through_month=through, monthly=monthly, baseline_monthly=baseline, ytd=ytd,
        comparison=comparison, comparison_is_estimate=bool(estimated),
        target=target, target_for_period=None if aim is None else round(aim, 1),
        monthly_target=monthly_target,
        projected_year_end=round(ytd / through * 12, 1) if through else None,
        status=status_for(ytd, aim, direction), estimated_months=estimated,
    )
