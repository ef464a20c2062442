"""How one kelurahan's counts of one month must agree, as the indicators define it (pure).

* ``sum_of``: this indicator is the total of others (KTPA victims = women + children): when all
  are known the parts add up to the total; when some part is still missing, the known parts do
  not exceed it.
* ``within_code``: every case of this indicator is also counted by another (TPPO victims are
  KTPA victims): it may not exceed that one.

A rule is checked for a kelurahan when the new entries touch one of its indicators; counts
already stored for the month fill in the ones not entered, so a correction is checked against
the rest of the month. The grid, the Excel import and the API all pass through
:func:`coordinator.domain.case_stats.validate_entries`, which calls :func:`find_inconsistencies`.
"""
from __future__ import annotations

from dataclasses import dataclass

Cell = tuple[str, int]  # (kelurahan code, indicator id)


@dataclass(frozen=True)
class IndicatorRule:
    """What the rules need of an indicator (plain values, no ORM object)."""

    id: int
    code: str
    sum_of: tuple[str, ...] = ()
    within_code: str | None = None


@dataclass(frozen=True)
class Inconsistency:
    """``cell`` breaks its rule: ``kind`` "sum" (``parts`` add to ``found``, not ``expected``)
    or "within" (``found`` exceeds ``expected``, the count of ``other_ids[0]``)."""

    cell: Cell
    kind: str
    found: int
    expected: int
    other_ids: tuple[int, ...]


def _sum_rule(kelurahan: str, rule: IndicatorRule, ids: dict[str, int],
              counts: dict[Cell, int]) -> Inconsistency | None:
    total = counts.get((kelurahan, rule.id))
    parts = [ids[code] for code in rule.sum_of if code in ids]
    if total is None or len(parts) != len(rule.sum_of):
        return None
    known = [counts[(kelurahan, p)] for p in parts if (kelurahan, p) in counts]
    complete = len(known) == len(parts)
    if (complete and sum(known) != total) or (not complete and sum(known) > total):
        return Inconsistency((kelurahan, rule.id), "sum", sum(known), total, tuple(parts))
    return None


def _within_rule(kelurahan: str, rule: IndicatorRule, ids: dict[str, int],
                 counts: dict[Cell, int]) -> Inconsistency | None:
    whole = ids.get(rule.within_code or "")
    part = counts.get((kelurahan, rule.id))
    if whole is None or part is None or (kelurahan, whole) not in counts:
        return None
    if part > counts[(kelurahan, whole)]:
        return Inconsistency((kelurahan, rule.id), "within", part, counts[(kelurahan, whole)],
                             (whole,))
    return None


def find_inconsistencies(rules: list[IndicatorRule], stored: dict[Cell, int],
                         entered: dict[Cell, int]) -> list[Inconsistency]:
    """Every rule broken by the entered counts (stored ones fill in the rest of the month)."""
    ids = {r.code: r.id for r in rules}
    counts = {**stored, **entered}
    touched: dict[str, set[int]] = {}
    for kelurahan, indicator_id in entered:
        touched.setdefault(kelurahan, set()).add(indicator_id)
    found = []
    for kelurahan in sorted(touched):
        for rule in rules:
            involved = {rule.id} | {ids[c] for c in (*rule.sum_of, rule.within_code or "")
                                    if c in ids}
            if not involved & touched[kelurahan]:
                continue
            for check in (_sum_rule if rule.sum_of else None,
                          _within_rule if rule.within_code else None):
                problem = check(kelurahan, rule, ids, counts) if check else None
                if problem is not None:
                    found.append(problem)
    return found
