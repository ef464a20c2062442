"""Case statistics: entry, corrections with history, indicator rollups and like-period progress."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from coordinator.domain.case_stats import CaseStatEntry, parse_month, record_case_stats
from coordinator.domain.targets import save_target
from coordinator.errors import Forbidden, InvalidInput
from coordinator.extensions import db
from coordinator.models import AuditEntry, CaseStat, Event, Indicator, IndicatorRollup, Region
from coordinator.rollups import recompute_all
from coordinator.rollups.progress import indicator_progress
from tests.rollups.conftest import (
    CENGKARENG,
    CENGKARENG_BARAT,
    DURI_KOSAMBI,
    GROGOL,
    JAKARTA_BARAT,
    World,
    add_person,
    apply_pending_events,
    utc,
)

NOW = utc(2022, 11, 20)


def indicator(code: str) -> int:
    return db.session.scalars(select(Indicator.id).where(Indicator.code == code)).one()


def monthly(region: str, code: str, year: int) -> dict[int, int]:
    rows = db.session.scalars(select(IndicatorRollup).where(
        IndicatorRollup.region_code == region, IndicatorRollup.indicator_id == indicator(code),
        IndicatorRollup.year == year))
    return {r.month: r.count for r in rows}


def record(world: World, month: date, *entries: tuple[str, str, int]) -> int:
    return record_case_stats(
        actor=world.lead, month=month, now=NOW,
        entries=[CaseStatEntry(k, indicator(i), n) for k, i, n in entries])


def every_kelurahan_reports(world: World, code: str, year: int, months: range,
                            counts: dict[str, int]) -> None:
    """Every kelurahan of Jakarta Barat reports ``code`` for ``months``: 0, or its count."""
    kelurahan = db.session.scalars(select(Region.code).where(
        Region.level == "kelurahan", Region.code.like(JAKARTA_BARAT + ".%"))).all()
    for month in months:
        record(world, date(year, month, 1), *[(k, code, counts.get(k, 0)) for k in kelurahan])


def test_counts_roll_up_by_month_to_every_level(world: World) -> None:
    record(world, date(2022, 1, 1), (CENGKARENG_BARAT, "tppo_victims", 2),
           (DURI_KOSAMBI, "tppo_victims", 3), (GROGOL, "tppo_victims", 4))
    record(world, date(2022, 2, 1), (CENGKARENG_BARAT, "tppo_victims", 1))
    apply_pending_events()
    assert monthly(CENGKARENG, "tppo_victims", 2022) == {1: 5, 2: 1}
    assert monthly(JAKARTA_BARAT, "tppo_victims", 2022) == {1: 9, 2: 1}
    assert monthly("ID", "tppo_victims", 2022) == {1: 9, 2: 1}
    assert recompute_all().drift_count == 0


def test_a_correction_keeps_history_and_emits_one_event(world: World) -> None:
    record(world, date(2022, 1, 1), (GROGOL, "ktpa_women", 4))
    assert record(world, date(2022, 1, 1), (GROGOL, "ktpa_women", 4)) == 0
    assert record(world, date(2022, 1, 1), (GROGOL, "ktpa_women", 1)) == 1
    apply_pending_events()
    assert monthly(JAKARTA_BARAT, "ktpa_women", 2022) == {1: 1}
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "case_stat")
                               .order_by(AuditEntry.id)).all()
    assert [(a.before and a.before["count"], a.after["count"]) for a in audit] == [(None, 4), (4, 1)]
    events = db.session.scalars(select(Event).where(Event.type == "CaseStatsRecorded")
                               .order_by(Event.id)).all()
    assert [(e.payload["count"], e.payload["previous_count"]) for e in events] == [(4, None), (1, 4)]


BAD_ENTRIES = [
    ((GROGOL, "ktpa_women", -1), f"{GROGOL}/"),
    (("31.73.99.9999", "ktpa_women", 1), "31.73.99.9999/"),
    (("31.71.01.1001", "ktpa_women", 1), "31.71.01.1001/"),  # Jakarta Pusat: outside the lead's city
]


def test_bad_counts_are_refused_and_nothing_is_stored(world: World) -> None:
    for entry, field in BAD_ENTRIES:
        with pytest.raises(InvalidInput) as error:
            record(world, date(2022, 1, 1), (CENGKARENG_BARAT, "ktpa_women", 2), entry)
        assert any(key.startswith(field) for key in error.value.fields)
        assert db.session.scalar(select(CaseStat.id)) is None


def test_a_future_month_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as error:
        record(world, date(2022, 12, 1), (GROGOL, "ktpa_women", 1))
    assert "month" in error.value.fields
    with pytest.raises(InvalidInput):
        parse_month("2022-13")


def test_a_cadre_cannot_record_statistics(world: World) -> None:
    with pytest.raises(Forbidden):
        record_case_stats(actor=world.cadres[GROGOL], month=date(2022, 1, 1), now=NOW,
                          entries=[CaseStatEntry(GROGOL, indicator("ktpa_women"), 1)])


def test_progress_compares_like_periods_and_estimates_missing_months(world: World) -> None:
    # Every kelurahan reports TPPO: 2021 Jan-Mar (Grogol 10, 20, 30; the rest 0); 2022 Jan-Apr
    # (Grogol 10 a month).
    for month, count in ((1, 10), (2, 20), (3, 30)):
        every_kelurahan_reports(world, "tppo_victims", 2021, range(month, month + 1),
                                {GROGOL: count})
    every_kelurahan_reports(world, "tppo_victims", 2022, range(1, 5), {GROGOL: 10})
    apply_pending_events()
    tppo = {p.indicator.code: p for p in indicator_progress(JAKARTA_BARAT, 2022, now=NOW)}
    progress = tppo["tppo_victims"]
    assert progress.through_month == 4 and progress.ytd == 40 and progress.complete
    # Jan-Mar 2021 from the statistics (60) + April pro rata from the seeded 105 over 10 months.
    assert progress.comparison == 70.5 and progress.comparison_is_estimate
    assert progress.estimated_months == [4]
    assert progress.difference == -30.5 and progress.change_percent == -43.3
    assert progress.status == "on_track"  # 40 <= 70.5 less 10%
    # The straight-line projection against the full year: 60 + nine months at 10.5.
    assert progress.projected_full_year == 120.0
    assert progress.full_year_aim == 154.5 and progress.full_year_aim_is_estimate
    assert progress.monthly_target == 10.5


def test_a_city_whose_kelurahan_did_not_all_report_borrows_no_baseline(world: World) -> None:
    # Only Grogol reported 2021: those 60 cases are not the city's baseline; its own target is.
    for month, count in ((1, 10), (2, 20), (3, 30)):
        record(world, date(2021, month, 1), (GROGOL, "tppo_victims", count))
    for month in (1, 2, 3):
        record(world, date(2022, month, 1), (GROGOL, "tppo_victims", 5))
    apply_pending_events()
    city = {p.indicator.code: p for p in indicator_progress(JAKARTA_BARAT, 2022, now=NOW)}
    assert city["tppo_victims"].comparison == 31.5  # 105 over ten months, pro rata for three
    assert city["tppo_victims"].estimated_months == [1, 2, 3]
    assert not city["tppo_victims"].complete and city["tppo_victims"].missing_kelurahan == 55
    assert city["tppo_victims"].status == "incomplete"  # 15 of 31.5, but 55 kelurahan missing
    # Grogol Petamburan (no target of its own, not every kelurahan reported): no baseline.
    kecamatan = {p.indicator.code: p for p in indicator_progress("31.73.02", 2022, now=NOW)}
    assert kecamatan["tppo_victims"].comparison is None
    assert kecamatan["tppo_victims"].status == "no_data"
    # Grogol kelurahan itself reported every month: its own statistics are its baseline.
    grogol = {p.indicator.code: p for p in indicator_progress(GROGOL, 2022, now=NOW)}
    assert grogol["tppo_victims"].comparison == 60 and grogol["tppo_victims"].ytd == 15
    assert grogol["tppo_victims"].status == "on_track"


def test_a_reduce_by_percent_target_lowers_the_aim(world: World) -> None:
    target = save_target(
        actor=world.lead, region_code=JAKARTA_BARAT, indicator_id=indicator("ktpa_women"),
        year=2022, baseline_year=2021, baseline_month_from=1, baseline_month_to=10,
        baseline_value=81, baseline_source="Sudin PPAPP", rule="reduce_by_percent",
        reduce_percent=10)
    assert target.target_value == 73
    for year in (2021, 2022):
        every_kelurahan_reports(world, "ktpa_women", year, range(1, 3), {GROGOL: 10})
    apply_pending_events()
    women = {p.indicator.code: p for p in indicator_progress(JAKARTA_BARAT, 2022, now=NOW)}
    assert women["ktpa_women"].comparison == 20
    assert women["ktpa_women"].target_for_period == 18.0
    assert women["ktpa_women"].status == "off_track"  # 20 above the aim of 18


def test_bad_targets_are_refused(world: World) -> None:
    cadre = add_person("Kader", "cadre", GROGOL)
    with pytest.raises(InvalidInput) as error:
        save_target(actor=world.lead, region_code=JAKARTA_BARAT, indicator_id=indicator("ktpa_women"),
                    year=2022, baseline_year=2021, baseline_month_from=11, baseline_month_to=3,
                    baseline_value=-1, baseline_source=" ", rule="reduce_by_percent",
                    reduce_percent=120)
    assert set(error.value.fields) == {
        "baseline_month_from", "baseline_value", "baseline_source", "reduce_percent"}
    with pytest.raises(Forbidden):
        save_target(actor=cadre, region_code=JAKARTA_BARAT, indicator_id=indicator("ktpa_women"),
                    year=2022, baseline_year=2021, baseline_month_from=1, baseline_month_to=10,
                    baseline_value=1, baseline_source="x", rule="not_above_baseline")
