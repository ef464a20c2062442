"""The Jakarta Barat demo statistics: exactly DESIGN.md's baselines, and the statuses they give."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import CaseStat, Indicator, IndicatorRollup
from coordinator.rollups.progress import indicator_progress
from coordinator.seeding.demo_case_stats import seed_demo_case_stats
from tests.rollups.conftest import utc


def rollup_total(region: str, code: str, year: int) -> int:
    return int(db.session.scalar(
        select(func.coalesce(func.sum(IndicatorRollup.count), 0))
        .join(Indicator, Indicator.id == IndicatorRollup.indicator_id)
        .where(IndicatorRollup.region_code == region, Indicator.code == code,
               IndicatorRollup.year == year)))


def source_total(prefix: str, code: str, year: int) -> int:
    return int(db.session.scalar(
        select(func.coalesce(func.sum(CaseStat.count), 0))
        .join(Indicator, Indicator.id == CaseStat.indicator_id)
        .where(CaseStat.kelurahan_code.like(prefix + "%"), Indicator.code == code,
               func.extract("year", CaseStat.month) == year)))


def test_demo_statistics_match_the_baselines_and_roll_up(seeded: Flask) -> None:
    stats = seed_demo_case_stats()
    assert stats.totals[(2021, "ktpa_victims")] == 307
    assert stats.totals[(2021, "ktpa_women")] == 81
    assert stats.totals[(2021, "ktpa_children")] == 226
    assert stats.totals[(2021, "tppo_victims")] == 105
    for code, total in (("ktpa_victims", 307), ("ktpa_women", 81), ("ktpa_children", 226),
                        ("tppo_victims", 105)):
        assert rollup_total("31.73", code, 2021) == total
    # A kecamatan and one of its kelurahan equal the sums of their kelurahan's statistics.
    for region in ("31.73.04", "31.73.04.1001", "31.73.08"):
        assert rollup_total(region, "ktpa_victims", 2021) == source_total(region, "ktpa_victims", 2021)
    assert rollup_total("31", "tppo_victims", 2022) == 118
    assert seed_demo_case_stats().rows == 0  # a second run adds nothing

    progress = {p.indicator.code: p for p in indicator_progress("31.73", 2022, now=utc(2026, 11, 1))}
    # A "no increase" target is missed once the year to date is above the same months of 2021.
    assert {code: p.status for code, p in progress.items()} == {
        "ktpa_victims": "off_track", "ktpa_women": "on_track", "ktpa_children": "off_track",
        "tppo_victims": "off_track"}
    assert all(p.complete for p in progress.values())  # every kelurahan reported every month
    assert progress["ktpa_victims"].through_month == 10
    assert progress["ktpa_victims"].comparison == 307 and not progress["ktpa_victims"].comparison_is_estimate
    assert progress["ktpa_victims"].ytd == 310


def test_the_demo_is_the_same_every_time(seeded: Flask) -> None:
    seed_demo_case_stats()
    first = sorted(db.session.execute(select(CaseStat.kelurahan_code, CaseStat.indicator_id,
                                             CaseStat.month, CaseStat.count)).all())
    db.session.execute(CaseStat.__table__.delete())
    db.session.commit()
    seed_demo_case_stats()
    again = sorted(db.session.execute(select(CaseStat.kelurahan_code, CaseStat.indicator_id,
                                             CaseStat.month, CaseStat.count)).all())
    assert first == again
