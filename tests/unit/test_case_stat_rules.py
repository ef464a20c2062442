"""How one kelurahan's counts of a month must agree, as the indicators define it (pure)."""
from __future__ import annotations

from coordinator.domain.case_stat_rules import Inconsistency, IndicatorRule, find_inconsistencies

TOTAL, WOMEN, CHILDREN, TPPO = 1, 2, 3, 4
RULES = [
    IndicatorRule(TOTAL, "ktpa_victims", sum_of=("ktpa_women", "ktpa_children")),
    IndicatorRule(WOMEN, "ktpa_women"),
    IndicatorRule(CHILDREN, "ktpa_children"),
    IndicatorRule(TPPO, "tppo_victims", within_code="ktpa_victims"),
]
K = "31.73.04.1001"


def check(entered: dict[int, int], stored: dict[int, int] | None = None) -> list[Inconsistency]:
    return find_inconsistencies(RULES, {(K, i): n for i, n in (stored or {}).items()},
                                {(K, i): n for i, n in entered.items()})


def test_total_one_women_five_children_seven_is_refused() -> None:
    assert check({TOTAL: 1, WOMEN: 5, CHILDREN: 7}) == [
        Inconsistency((K, TOTAL), "sum", 12, 1, (WOMEN, CHILDREN))]


def test_parts_that_add_up_pass() -> None:
    assert check({TOTAL: 12, WOMEN: 5, CHILDREN: 7, TPPO: 4}) == []
    assert check({TOTAL: 0, WOMEN: 0, CHILDREN: 0, TPPO: 0}) == []


def test_a_partial_report_passes_unless_its_parts_already_exceed_the_total() -> None:
    assert check({TOTAL: 10, WOMEN: 4}) == []
    assert check({WOMEN: 4, CHILDREN: 9}) == []  # no total yet: nothing to agree with
    assert check({TOTAL: 3, WOMEN: 4})[0].kind == "sum"


def test_stored_counts_of_the_month_fill_in_the_rest() -> None:
    stored = {TOTAL: 12, WOMEN: 5, CHILDREN: 7}
    assert check({WOMEN: 6}, stored)[0] == Inconsistency((K, TOTAL), "sum", 13, 12,
                                                          (WOMEN, CHILDREN))
    assert check({WOMEN: 6, TOTAL: 13}, stored) == []


def test_tppo_victims_cannot_exceed_the_ktpa_victims() -> None:
    assert check({TOTAL: 2, WOMEN: 1, CHILDREN: 1, TPPO: 3}) == [
        Inconsistency((K, TPPO), "within", 3, 2, (TOTAL,))]
    assert check({TPPO: 3}, {TOTAL: 5}) == []


def test_an_untouched_kelurahan_and_untouched_rules_are_not_checked() -> None:
    stored = {(K, TOTAL): 1, (K, WOMEN): 5, (K, CHILDREN): 7}  # already inconsistent
    assert find_inconsistencies(RULES, stored, {("31.73.04.1002", WOMEN): 1}) == []
    # Entering TPPO touches only the TPPO rule, not the sum rule of the stored counts.
    assert find_inconsistencies(RULES, stored, {(K, TPPO): 1}) == []
