"""Excel import of a month of case statistics: preview with row errors, whole file or nothing."""
from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from flask import Flask, g
from openpyxl import Workbook
from sqlalchemy import func, select

from coordinator.domain.case_stats_import import import_case_stats, preview_case_stats_import
from coordinator.errors import InvalidInput
from coordinator.extensions import db
from coordinator.models import CaseStat
from tests.rollups.conftest import CENGKARENG_BARAT, GROGOL, World, utc

NOW = utc(2022, 11, 20)
MARCH = date(2022, 3, 1)
HEADER = ("Kelurahan", "ktpa_women", "Korban KTPA anak", "TPPO (trafficking) victims")


def workbook(*rows: tuple[Any, ...]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def errors_of(world: World, data: bytes) -> list[str]:
    preview = preview_case_stats_import(actor=world.lead, data=data, month=MARCH, now=NOW)
    return [str(e) for e in preview.errors] + [f"{r.line}: {e}" for r in preview.rows for e in r.errors]


@pytest.fixture
def request_ctx(seeded: Flask) -> Any:
    with seeded.test_request_context():
        g.language = "en"  # the messages below are the English ones
        yield


def test_a_clean_sheet_imports_by_code_and_by_name(world: World, request_ctx: Any) -> None:
    data = workbook(HEADER, (CENGKARENG_BARAT, 1, 2, 3), ("grogol", 0, 4.0, "5"))
    preview = preview_case_stats_import(actor=world.lead, data=data, month=MARCH, now=NOW)
    assert preview.ok and [r.kelurahan.code for r in preview.rows] == [CENGKARENG_BARAT, GROGOL]
    assert import_case_stats(actor=world.lead, data=data, month=MARCH, now=NOW) == 6
    assert db.session.scalar(select(func.sum(CaseStat.count))) == 15


BROKEN_SHEETS = [
    ((HEADER, (GROGOL, -1, 0, 0)), "2: ktpa_women: -1 is not a whole number"),
    ((HEADER, (GROGOL, 2.5, 0, 0)), "2: ktpa_women: 2.5 is not a whole number"),
    ((HEADER, (GROGOL, "dua", 0, 0)), "2: ktpa_women: dua is not"),
    ((HEADER, (GROGOL, None, 0, 0)), "2: ktpa_women: (kosong) is not"),
    ((HEADER, ("Atlantis", 1, 1, 1)), "2: Unknown kelurahan (or outside your region): Atlantis"),
    ((HEADER, ("31.71.01.1001", 1, 1, 1)), "2: Unknown kelurahan"),
    ((HEADER, (GROGOL, 1, 1, 1), (GROGOL, 1, 1, 1)), "3: This kelurahan already has a row above."),
    ((("Kelurahan", "ktpa_women", "unicorns"), (GROGOL, 1, 1)), "Unknown indicator column: unicorns"),
    ((("Kelurahan", "ktpa_women", "KTPA_WOMEN"), (GROGOL, 1, 1)), "appears twice"),
    ((HEADER,), "no rows of kelurahan"),
    ((("Kelurahan",), (GROGOL,)), "must name the indicators"),
]


def test_broken_sheets_show_row_errors_and_store_nothing(world: World, request_ctx: Any) -> None:
    for rows, expected in BROKEN_SHEETS:
        data = workbook(*rows)
        found = errors_of(world, data)
        assert any(expected in message for message in found), (expected, found)
        with pytest.raises(InvalidInput):
            import_case_stats(actor=world.lead, data=data, month=MARCH, now=NOW)
        db.session.rollback()
        assert db.session.scalar(select(CaseStat.id)) is None


def test_one_bad_row_among_good_ones_stores_nothing(world: World, request_ctx: Any) -> None:
    data = workbook(HEADER, (CENGKARENG_BARAT, 1, 2, 3), (GROGOL, 1, -2, 3))
    with pytest.raises(InvalidInput):
        import_case_stats(actor=world.lead, data=data, month=MARCH, now=NOW)
    assert db.session.scalar(select(CaseStat.id)) is None


def test_not_a_workbook_and_a_future_month_are_refused(world: World, request_ctx: Any) -> None:
    assert errors_of(world, b"kelurahan,ktpa_women\n") == ["The file is not a readable Excel (.xlsx) file."]
    preview = preview_case_stats_import(actor=world.lead, data=workbook(HEADER, (GROGOL, 1, 1, 1)),
                                        month=date(2023, 1, 1), now=NOW)
    assert [str(e) for e in preview.errors] == ["The month must not be in the future."]
