"""The rules that turn figures into verdicts, as pure functions (no database):

* **Like for like.** Year to date (January to month T) is compared with January to T of the
  baseline year: from the monthly statistics for the months in which every kelurahan of the
  area reported; the other months from the area's own target baseline (its value over its
  period: exact when those months are the whole period, else pro rata and marked as estimates);
  without its own target, no baseline at all. A child's numbers are never borrowed.
* **Status against the aim for the period** (the like-for-like baseline, less the target's
  reduction). Lower is better: *off target* above the aim (a "no increase" goal is missed);
  *at risk* at or below it by less than 10%; *on track* 10% or more below. Higher is better
  mirrors it. *Incomplete* when not every kelurahan reported every month and the figures so
  far do not already decide (missing reports can only add cases). *No data* without an aim.
* **Could the change be chance?** Fewer than 10 cases in the baseline months: too few to judge.
  Else the change is within chance when the year to date lies inside the baseline's 95% Poisson
  interval, baseline ± 1.96 × √baseline. With reports missing only a rise beyond it is decided.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

AT_RISK_MARGIN = 0.10
MIN_CASES = 10
Z_95 = 1.96
LOWER_IS_BETTER = "lower_is_better"
HIGHER_IS_BETTER = "higher_is_better"
STATUSES = ("off_track", "incomplete", "at_risk", "on_track", "no_data")
CHANGES = ("up", "down", "chance", "incomplete", "too_few", "no_baseline")


@dataclass(frozen=True)
class BaselinePeriod:
    """A target's baseline: ``value`` cases in months ``first`` to ``last`` of its year."""

    first: int
    last: int
    value: float

    @property
    def months(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True)
class LikeForLike:
    """The baseline for months 1..through; ``estimated`` lists the months estimated pro rata."""

    value: float | None
    estimated: tuple[int, ...] = ()
    from_statistics: bool = False

    @property
    def is_estimate(self) -> bool:
        return bool(self.estimated)


def like_for_like(through: int, monthly: dict[int, int], complete_months: set[int],
                  target: BaselinePeriod | None) -> LikeForLike:
    """January to ``through`` of the baseline year, from complete months, else the target."""
    months = range(1, through + 1)
    if through == 0:
        return LikeForLike(None)
    needed = [m for m in months if m not in complete_months]
    known = sum(monthly.get(m, 0) for m in months if m in complete_months)
    if not needed:
        return LikeForLike(float(known), from_statistics=True)
    if target is None:
        return LikeForLike(None)
    if needed == list(range(target.first, target.last + 1)):
        return LikeForLike(float(known + target.value), from_statistics=len(needed) < through)
    total = known + target.value / target.months * len(needed)
    return LikeForLike(round(total, 1), tuple(needed), from_statistics=len(needed) < through)


def aim_for(baseline: float | None, reduce_percent: float | None = None) -> float | None:
    """The aim for a period: its baseline, less the target's reduction (if any)."""
    if baseline is None:
        return None
    return round(baseline * (1 - float(reduce_percent or 0) / 100), 1)


def status_for(ytd: int, aim: float | None, direction: str = LOWER_IS_BETTER,
               complete: bool = True) -> str:
    """The status of a year-to-date figure against the aim for the same months (the bounds
    are :func:`thresholds_for`'s, so the legend and the verdict cannot disagree)."""
    bounds = thresholds_for(aim, direction)
    if bounds is None:
        return "no_data"
    if direction == HIGHER_IS_BETTER:
        status = ("off_track" if ytd <= bounds.off_track else
                  "on_track" if ytd >= bounds.on_track else "at_risk")
        final = "on_track"  # missing reports can only raise the figure
    else:
        status = ("off_track" if ytd >= bounds.off_track else
                  "on_track" if ytd <= bounds.on_track else "at_risk")
        final = "off_track"  # missing reports can only raise the figure
    return status if complete or status == final else "incomplete"


@dataclass(frozen=True)
class Thresholds:
    """Whole-number bounds of each status for one aim (what the legend prints)."""

    direction: str
    on_track: int   # lower is better: at most this; higher is better: at least this
    off_track: int  # lower is better: at least this; higher is better: at most this


def thresholds_for(aim: float | None, direction: str = LOWER_IS_BETTER) -> Thresholds | None:
    """The bounds :func:`status_for` applies to whole counts, for the legend."""
    if aim is None:
        return None
    if direction == HIGHER_IS_BETTER:
        return Thresholds(direction, math.ceil(aim * (1 + AT_RISK_MARGIN) - 1e-9),
                          math.ceil(aim - 1e-9) - 1)
    return Thresholds(direction, math.floor(aim * (1 - AT_RISK_MARGIN) + 1e-9),
                      math.floor(aim + 1e-9) + 1)


def difference(ytd: int | None, baseline: float | None) -> float | None:
    if ytd is None or baseline is None:
        return None
    return round(ytd - baseline, 1)


def change_percent(ytd: int | None, baseline: float | None) -> float | None:
    """The change against the baseline in percent; None without a baseline or from zero."""
    if ytd is None or baseline is None or baseline == 0:
        return None
    return round(100 * (ytd - baseline) / baseline, 1)


def judge_change(ytd: int | None, baseline: float | None, complete: bool = True) -> str:
    """up / down (beyond chance), chance, too_few (baseline under 10), no_baseline; with
    reports missing, only a rise beyond chance is decided (they can only add cases), the
    rest is ``incomplete``."""
    if ytd is None or baseline is None:
        return "no_baseline"
    if baseline < MIN_CASES:
        return "too_few"
    margin = Z_95 * math.sqrt(baseline)
    if ytd > baseline + margin:
        return "up"
    if not complete:
        return "incomplete"
    if ytd < baseline - margin:
        return "down"
    return "chance"


def projected_full_year(ytd: int, through: int) -> float | None:
    """A straight-line projection to twelve months; None before any month or at year end."""
    if through == 0 or through >= 12:
        return None
    return round(ytd / through * 12, 1)
