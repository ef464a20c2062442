"""The dashboard of a region as an Excel workbook: one sheet per table, same numbers."""
from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from coordinator.rollups.queries import Progress
from coordinator.rollups.report import Report
from coordinator.web.dashboard_charts import status_label


def progress_header() -> list[str]:
    return [_("Actions"), _("open"), _("done"), _("done on time"), _("overdue"),
            _("cancelled"), _("People reached"), _("Percent done")]


def progress_cells(p: Progress) -> list[float]:
    return [p.total, p.open, p.done, p.done_on_time, p.overdue, p.cancelled, p.people_reached,
            p.done_percent]


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[object]]) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                # A title like "=HYPERLINK(...)" is text someone typed, never a live formula.
                cell.data_type = "s"
    sheet.freeze_panes = "A2"


def _indicator_rows(report: Report) -> list[list[object]]:
    rows: list[list[object]] = []
    for item in report.indicators:
        rows.append([
            item.indicator.code, item.indicator.name_id, item.through_month, item.ytd,
            item.comparison, _("yes") if item.comparison_is_estimate else _("no"),
            item.target_for_period, item.projected_year_end, status_label(item.status),
            item.target.baseline_source if item.target else "",
        ])
    return rows


def report_workbook(report: Report) -> bytes:
    """The workbook's bytes: summary, indicators, monthly counts, regions, programs, hotspots."""
    book = Workbook()
    book.remove(book.active)
    place, year = report.place, report.filters.year
    _sheet(book, _("Summary"), [_("Region"), _("Code"), _("Year"), *progress_header()],
           [[place.name, place.code, year, *progress_cells(report.progress)]])
    _sheet(book, _("Indicators"), [
        _("Indicator"), _("Name"), _("Through month"), _("Year to date"),
        _("Same months of the baseline year"), _("Estimate"), _("Aim for the period"),
        _("Projected year-end"), _("Status"), _("Baseline source")], _indicator_rows(report))
    _sheet(book, _("Monthly counts"), [_("Indicator"), _("Year"), *[str(m) for m in range(1, 13)]], [
        [item.indicator.code, y, *[months.get(m) for m in range(1, 13)]]
        for item in report.indicators
        for y, months in ((item.baseline_year, item.baseline_monthly), (item.year, item.monthly))
    ])
    _sheet(book, _("Regions"), [_("Region"), _("Code"), *progress_header()], [
        [row.place.name, row.place.code, *progress_cells(row.progress)] for row in report.children])
    _sheet(book, _("Programs"), [_("Program"), *progress_header()], [
        [program.title, *progress_cells(p)] for program, p in report.by_program])
    _sheet(book, _("Overdue hotspots"), [_("Region"), _("Code"), _("overdue")], [
        [row.place.name, row.place.code, row.progress.overdue] for row in report.hotspots])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
