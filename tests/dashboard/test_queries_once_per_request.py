"""A dashboard or rollup API request asks each question of the database once: the region's
years (for the default period and the year picker) in one statement, the last month with
statistics from the figures it reads anyway. Statements are counted, never timed."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from coordinator.extensions import db
from coordinator.models import Person
from coordinator.rollups.queries import RegionYears
from coordinator.rollups.report import available_years, default_year
from tests.dashboard.conftest import NOW, World


@contextmanager
def statements() -> Iterator[list[tuple[str, str]]]:
    seen: list[tuple[str, str]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((" ".join(statement.split()), repr(parameters)))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _repeated(seen: list[tuple[str, str]]) -> list[str]:
    return [statement for (statement, _), n in Counter(seen).items() if n > 1]


def _reading_years(seen: list[tuple[str, str]]) -> list[str]:
    return [s for s, _ in seen
            if ".year" in s and ("DISTINCT" in s.upper() or " UNION " in s.upper())]


def test_the_dashboard_reads_its_years_once_and_repeats_no_statement(
    dash_world: World, login_as: Callable[[Person], FlaskClient]
) -> None:
    client = login_as(dash_world.lead)
    for url in ("/dashboard?region=31.73", "/dashboard?region=31.73&period=2022"):
        client.get(url)  # the first request of a session reads more (login, worklist)
        with statements() as seen:
            assert client.get(url).status_code == 200, url
        assert _repeated(seen) == [], url
        assert len(_reading_years(seen)) == 1, (url, _reading_years(seen))
        assert not [s for s, _ in seen if "max(indicator_rollups.month)" in s], url
        assert len([s for s, _ in seen if "rollup_marks" in s or "rollup_runs" in s]) == 1, url
        assert len([s for s, _ in seen if "FROM networks" in s]) == 1, url  # filter and reach


def test_the_indicator_api_reads_years_only_without_a_year_and_once(
    dash_world: World, login_as: Callable[[Person], FlaskClient]
) -> None:
    client = login_as(dash_world.lead)
    for url, reading_years in (("/api/v1/rollups/indicators?region=31.73", 1),
                               ("/api/v1/rollups/indicators?region=31.73&year=2022", 0),
                               ("/api/v1/rollups/areas?region=31.73", 1)):
        client.get(url)
        with statements() as seen:
            assert client.get(url).status_code == 200, url
        assert _repeated(seen) == [], url
        assert len(_reading_years(seen)) == reading_years, (url, _reading_years(seen))
        assert not [s for s, _ in seen if "max(indicator_rollups.month)" in s], url
        assert len([s for s, _ in seen if "rollup_marks" in s or "rollup_runs" in s]) == 1, url


def test_the_default_year_is_the_latest_past_year_with_statistics_then_with_programs(
    app: Flask,  # the time zone is a setting
) -> None:
    assert default_year(RegionYears((2030, 2022, 2021), (2023,)), NOW) == 2022
    assert default_year(RegionYears((), (2030, 2021)), NOW) == 2021
    assert default_year(RegionYears((2030,), ()), NOW) == 2022  # NOW's year
    assert default_year(RegionYears((), ()), NOW) == 2022


def test_the_year_picker_offers_every_year_with_data_and_this_year(app: Flask) -> None:
    options = available_years(RegionYears((2021,), (2023, 2021)), NOW)
    assert [(o.year, o.statistics, o.programs) for o in options] == [
        (2023, False, True), (2022, False, False), (2021, True, True)]
