"""Reads never scan the actions (or case statistics) tables: every number is a rollup row,
including the comparison of areas and the reporting grid."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event

from coordinator.extensions import db
from coordinator.models import Person
from coordinator.web.worklist import TAG as WORKLIST_TAG
from tests.dashboard.conftest import World

SOURCE_TABLES = re.compile(r"\b(FROM|JOIN)\s+(actions|case_stats|events)\b", re.IGNORECASE)


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_dashboard_export_print_and_api_read_only_rollup_tables(
    dash_world: World, login_as: Callable[[Person], FlaskClient]
) -> None:
    client = login_as(dash_world.lead)
    program = dash_world.program.id
    urls = [
        "/dashboard?region=31.73&period=2022", "/dashboard?region=31.73.01&period=2022",
        "/dashboard?region=31.73.01.1001&period=2022", "/dashboard/cetak?region=31.73&period=2022",
        "/dashboard/ekspor.xlsx?region=31.73&period=2022",
        f"/api/v1/rollups/programs/{program}?region=31.73",
        "/api/v1/rollups/indicators?region=31.73&year=2022",
        "/api/v1/rollups/areas?region=31.73&year=2022", "/dashboard?region=31.73.04&period=2022",
        "/statistik/pelaporan?region=31.73&year=2022", "/dashboard",
    ]
    with statements() as seen:
        for url in urls:
            assert client.get(url).status_code == 200, url
    assert len(seen) > len(urls)
    # The navigation's personal worklist count ("Tugas saya 3") reads the actions, bounded, by
    # design (coordinator.web.worklist); it is no dashboard figure.
    offending = [s for s in seen if SOURCE_TABLES.search(s) and WORKLIST_TAG not in s]
    assert offending == []
