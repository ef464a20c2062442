"""Numbers, percentages and dates in Indonesian (and English) formats, through Babel."""
from __future__ import annotations

from datetime import date

from coordinator.web.formats import day, number, percent, share


def test_whole_counts_have_no_decimals_and_indonesian_grouping() -> None:
    assert number(1051, "id") == "1.051"
    assert number(307.0, "id") == "307"
    assert number(20.5, "id") == "20,5"
    assert number(1051, "en") == "1,051"
    assert number(3, "id", signed=True) == "+3" and number(-3.5, "id", signed=True) == "-3,5"
    assert number(None, "id") == "–"


def test_percentages_have_one_decimal_and_shares_none() -> None:
    assert percent(34.1, "id") == "34,1%"
    assert percent(34.1, "en") == "34.1%"
    assert percent(37.0, "id", signed=True) == "+37,0%"
    assert share(29.2, "id") == "29%"  # 307 of 1,051


def test_dates_are_day_month_year() -> None:
    assert day(date(2026, 12, 1), "id") == "01-12-2026"
