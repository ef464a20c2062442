"""The rules that turn figures into verdicts (coordinator.rollups.status), without a database:
status against the aim (table-driven), its legend, like-for-like baselines, chance."""
from __future__ import annotations

import pytest

from coordinator.rollups.status import (
    BaselinePeriod,
    Thresholds,
    change_percent,
    judge_change,
    like_for_like,
    projected_full_year,
    status_for,
    thresholds_for,
)

LOWER, HIGHER = "lower_is_better", "higher_is_better"

# (year to date, aim for the period, direction, every kelurahan reported, expected status)
STATUS_TABLE = [
    # The DESIGN case: a "no increase" target, 310 KTPA victims against 307 the year before.
    (310, 307.0, LOWER, True, "off_track"),
    (308, 307.0, LOWER, True, "off_track"),   # one above the aim is already missed
    (307, 307.0, LOWER, True, "at_risk"),     # on the line: met, by less than 10%
    (277, 307.0, LOWER, True, "at_risk"),     # 277 > 276.3 (10% below 307)
    (276, 307.0, LOWER, True, "on_track"),
    (0, 307.0, LOWER, True, "on_track"),
    (32, 31.5, LOWER, True, "off_track"),     # a pro-rata aim: 32 > 31.5
    (31, 31.5, LOWER, True, "at_risk"),
    (0, 0.0, LOWER, True, "on_track"),        # none before, none now
    (1, 0.0, LOWER, True, "off_track"),       # none before, one now: an increase
    (5, None, LOWER, True, "no_data"),        # no baseline: no verdict
    # Missing reports can only add cases: above the aim stays off target, the rest is open.
    (310, 1051.0, LOWER, False, "incomplete"),
    (1100, 1051.0, LOWER, False, "off_track"),
    (1000, 1051.0, LOWER, False, "incomplete"),
    # Higher is better mirrors it.
    (99, 100.0, HIGHER, True, "off_track"),
    (100, 100.0, HIGHER, True, "at_risk"),
    (109, 100.0, HIGHER, True, "at_risk"),
    (110, 100.0, HIGHER, True, "on_track"),
    (110, 100.0, HIGHER, False, "on_track"),
    (99, 100.0, HIGHER, False, "incomplete"),
]


@pytest.mark.parametrize(("ytd", "aim", "direction", "complete", "expected"), STATUS_TABLE)
def test_status_follows_the_stated_rule(ytd: int, aim: float | None, direction: str,
                                        complete: bool, expected: str) -> None:
    assert status_for(ytd, aim, direction, complete) == expected


@pytest.mark.parametrize(("aim", "direction"), [
    (307.0, LOWER), (31.5, LOWER), (81.0, LOWER), (0.0, LOWER), (100.0, HIGHER), (12.3, HIGHER)])
def test_the_legend_thresholds_are_the_ones_the_status_uses(aim: float, direction: str) -> None:
    bounds = thresholds_for(aim, direction)
    assert bounds is not None
    for ytd in range(int(aim * 2) + 3):
        expected = status_for(ytd, aim, direction)
        if direction == LOWER:
            legend = ("on_track" if ytd <= bounds.on_track else
                      "off_track" if ytd >= bounds.off_track else "at_risk")
        else:
            legend = ("on_track" if ytd >= bounds.on_track else
                      "off_track" if ytd <= bounds.off_track else "at_risk")
        assert legend == expected, ytd


def test_the_legend_of_the_design_baseline() -> None:
    assert thresholds_for(307.0) == Thresholds(LOWER, on_track=276, off_track=308)
    assert thresholds_for(None) is None


JAN_OCT_307 = BaselinePeriod(1, 10, 307)


def test_complete_months_come_from_the_statistics() -> None:
    like = like_for_like(3, {1: 30, 2: 20, 3: 10}, {1, 2, 3}, JAN_OCT_307)
    assert (like.value, like.is_estimate, like.from_statistics) == (60.0, False, True)


def test_the_whole_baseline_period_is_the_baseline_itself_not_an_estimate() -> None:
    like = like_for_like(10, {}, set(), JAN_OCT_307)
    assert (like.value, like.is_estimate) == (307.0, False)


def test_missing_months_are_estimated_pro_rata_from_the_own_baseline() -> None:
    like = like_for_like(3, {1: 99}, set(), JAN_OCT_307)  # January incomplete: not used
    assert like.value == 92.1 and like.estimated == (1, 2, 3)
    mixed = like_for_like(12, {m: 30 for m in range(1, 11)}, set(range(1, 11)), JAN_OCT_307)
    assert mixed.value == 361.4 and mixed.estimated == (11, 12)


def test_without_complete_months_or_an_own_baseline_there_is_none() -> None:
    assert like_for_like(3, {1: 5, 2: 5, 3: 5}, {1, 2}, None).value is None
    assert like_for_like(0, {}, set(), JAN_OCT_307).value is None


@pytest.mark.parametrize(("ytd", "baseline", "expected"), [
    (310, 307.0, "chance"),          # 307 ± 34.3
    (342, 307.0, "up"),
    (272, 307.0, "down"),
    (273, 307.0, "chance"),
    (37, 27.0, "chance"),            # +37%, but 27 ± 10.2
    (9, 5.0, "too_few"),             # fewer than 10 cases in the baseline months
    (50, 9.0, "too_few"),
    (3, None, "no_baseline"),
    (None, 30.0, "no_baseline"),     # no report
])
def test_a_change_is_judged_against_chance(ytd: int | None, baseline: float | None,
                                           expected: str) -> None:
    assert judge_change(ytd, baseline) == expected


def test_with_reports_missing_only_a_rise_is_decided() -> None:
    assert judge_change(310, 1051.0, complete=False) == "incomplete"  # DKI: 56 of 267 reported
    assert judge_change(1200, 1051.0, complete=False) == "up"
    assert judge_change(1051, 1051.0, complete=False) == "incomplete"
    assert judge_change(5, 9.0, complete=False) == "too_few"


def test_change_and_projection() -> None:
    assert change_percent(37, 27.0) == 37.0
    assert change_percent(3, 0.0) is None
    assert projected_full_year(310, 10) == 372.0
    assert projected_full_year(310, 12) is None and projected_full_year(0, 0) is None
