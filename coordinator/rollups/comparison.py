"""Areas compared on cases: the child areas of a region, each indicator's year to date against
the same months of the baseline year, worst first. Read from the indicator rollups only.

Worst first: areas whose headline indicator (the first active one, KTPA victims in total) has a
baseline of at least ``MIN_CASES`` cases, by the largest change in percent, then the largest
difference; then the areas with too few cases to judge, the same way; areas without a baseline
last. Every column can be re-sorted on the page.
"""
from __future__ import annotations

from dataclasses import dataclass

from coordinator.rollups.progress import IndicatorProgress
from coordinator.rollups.status import MIN_CASES


@dataclass(frozen=True)
class AreaComparison:
    code: str
    name: str
    level: str
    indicators: list[IndicatorProgress]
    # Each indicator's baseline as a share (%) of the parent area's own baseline, where both exist.
    shares: dict[int, float | None]

    @property
    def headline(self) -> IndicatorProgress | None:
        return self.indicators[0] if self.indicators else None

    @property
    def above_baseline(self) -> int:
        """How many indicators are above the same months of the baseline year."""
        return sum(1 for i in self.indicators
                   if i.reported_any and i.comparison is not None and i.ytd > i.comparison)

    @property
    def complete(self) -> bool:
        return all(i.complete for i in self.indicators)

    @property
    def missing_kelurahan(self) -> int:
        return max((i.missing_kelurahan for i in self.indicators), default=0)

    @property
    def kelurahan(self) -> int:
        return self.indicators[0].kelurahan if self.indicators else 0


def share_of(child: IndicatorProgress, parent: IndicatorProgress | None) -> float | None:
    """The child's baseline as a percentage of the parent's own baseline (same months)."""
    if parent is None or parent.comparison in (None, 0) or child.comparison is None:
        return None
    return round(100 * child.comparison / float(parent.comparison or 1), 1)


def worst_first_key(row: AreaComparison) -> tuple[int, float, float, str]:
    """Sort key of :func:`compare_areas`' default order (see the module docstring)."""
    head = row.headline
    if head is None or head.change_percent is None:
        # Without a percentage (no baseline, or a zero one): last, then by the raw increase.
        return (3 if head is None or head.comparison is None else 2,
                0.0, -(head.difference or 0.0) if head else 0.0, row.code)
    group = 0 if (head.comparison or 0) >= MIN_CASES else 1
    return (group, -head.change_percent, -(head.difference or 0.0), row.code)


def compare_areas(children: list[tuple[str, str, str]],
                  progress: dict[str, list[IndicatorProgress]],
                  parent: list[IndicatorProgress]) -> list[AreaComparison]:
    """One row per child area ``(code, name, level)``, worst first."""
    parents = {p.indicator.id: p for p in parent}
    rows = [
        AreaComparison(code, name, level, progress[code],
                       {i.indicator.id: share_of(i, parents.get(i.indicator.id))
                        for i in progress[code]})
        for code, name, level in children
    ]
    return sorted(rows, key=worst_first_key)
