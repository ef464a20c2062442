"""The dashboard of a region as an Excel workbook: one sheet per table, same numbers and the
same worst-first order as the page. Numbers stay numbers (Excel shows them in the reader's
locale); the first rows of the summary say the area, the period and as of when."""
from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from coordinator.rollups.comparison import AreaComparison
from coordinator.rollups.progress import IndicatorProgress
from coordinator.rollups.queries import Progress
from coordinator.rollups.report import Report
from coordinator.web.dashboard_charts import change_label, status_label
from coordinator.web.jinja import current_language, wib

WHOLE, ONE_DECIMAL, PERCENT = "#,##0", "#,##0.0", '#,##0.0"%"'
FILLS = {"up": "F8C9C5", "down": "CDEBD3", "chance": "F3F0F6", "incomplete": "E6ECF5",
         "too_few": "EEEEEE"}


def progress_header() -> list[str]:
    return [_("Actions"), _("open"), _("done"), _("done on time"), _("overdue"),
            _("cancelled"), _("People reached"), _("Percent done")]


def progress_cells(p: Progress) -> list[float]:
    return [p.total, p.open, p.done, p.done_on_time, p.overdue, p.cancelled, p.people_reached,
            p.done_percent]


def _name(item: IndicatorProgress) -> str:
    return item.indicator.name_id if current_language() == "id" else item.indicator.name_en


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[Any]],
           formats: dict[int, str] | None = None) -> Any:
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
    for column, number_format in (formats or {}).items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = number_format
    sheet.freeze_panes = "A2"
    return sheet


def _period(report: Report) -> str:
    if not report.through_month:
        return _("No case statistics for %(year)s yet", year=report.filters.year)
    return f"{report.filters.year}-01..{report.filters.year}-{report.through_month:02d} / " \
           f"{report.baseline_year}-01..{report.baseline_year}-{report.through_month:02d}"


def _summary(book: Workbook, report: Report) -> None:
    place = report.place
    sheet = _sheet(book, _("Summary"), [_("Region"), _("Code"), _("Year"), *progress_header()],
                   [[place.name, place.code, report.filters.year,
                     *progress_cells(report.progress)]])
    sheet.append([])
    sheet.append([_("Figures as of"), wib(report.as_of) if report.as_of else "-"])
    sheet.append([_("Period"), _period(report)])
    if report.incomplete:
        sheet.append([_("Reports"), _("Up to %(n)s of %(total)s kelurahan did not report a "
                                      "month of this period.", n=report.missing_kelurahan,
                                      total=report.incomplete[0].kelurahan)])


def _indicator_rows(report: Report) -> list[list[object]]:
    return [[
        item.indicator.code, _name(item), item.through_month,
        item.ytd if item.reported_any else None,
        item.comparison if item.comparison is not None else _("no baseline data"),
        _("yes") if item.comparison_is_estimate else _("no"), item.difference,
        item.change_percent, item.target_for_period, status_label(item.status),
        item.projected_full_year, item.full_year_aim,
        item.target.baseline_source if item.target else "",
    ] for item in report.indicators]


def _comparison(book: Workbook, report: Report) -> None:
    header = [_("Rank"), _("Area"), _("Code")]
    columns = [_("Difference"), _("Change against the baseline") + " %", _("Judgement"),
               _("share of %(region)s", region=report.place.name) + " %"]
    for item in report.indicators:
        name = _name(item)
        header += [f"{name} {report.filters.year}", f"{name} {report.baseline_year}",
                   *[f"{name}: {column}" for column in columns]]
    header += [_("Indicators above the baseline"), _("Kelurahan that reported every month"),
               _("Kelurahan")]
    rows = [_comparison_row(n, row) for n, row in enumerate(report.comparison, start=1)]
    width = 6
    formats = {}
    for i in range(len(report.indicators)):
        base = 4 + i * width
        formats.update({base: WHOLE, base + 1: ONE_DECIMAL, base + 2: ONE_DECIMAL,
                        base + 3: PERCENT, base + 5: PERCENT})
    sheet = _sheet(book, _("Areas compared"), header, rows, formats)
    for r, row in enumerate(report.comparison, start=2):
        for i, item in enumerate(row.indicators):
            fill = FILLS.get(item.change)
            if fill:
                for column in (4 + i * width + 2, 4 + i * width + 3):
                    sheet.cell(row=r, column=column).fill = PatternFill("solid", fgColor=fill)


def _comparison_row(rank: int, row: AreaComparison) -> list[Any]:
    cells: list[Any] = [rank, row.name, row.code]
    for item in row.indicators:
        cells += [item.ytd if item.reported_any else None, item.comparison, item.difference,
                  item.change_percent, change_label(item.change),
                  row.shares.get(item.indicator.id)]
    return cells + [row.above_baseline, row.kelurahan - row.missing_kelurahan, row.kelurahan]


def report_workbook(report: Report) -> bytes:
    """The workbook's bytes: summary, areas compared, indicators, monthly counts, outreach,
    regions, programs, hotspots."""
    book = Workbook()
    book.remove(book.active)
    _summary(book, report)
    _comparison(book, report)
    _sheet(book, _("Indicators"), [
        _("Indicator"), _("Name"), _("Through month"), _("Year to date"),
        _("Same months of the baseline year"), _("Estimate"), _("Difference"),
        _("Change against the baseline") + " %",
        _("Aim for the period"), _("Status"), _("Projected full year (12 months)"),
        _("Aim for the full year"), _("Baseline source")], _indicator_rows(report),
        {4: WHOLE, 7: ONE_DECIMAL, 8: PERCENT, 9: ONE_DECIMAL, 11: ONE_DECIMAL, 12: ONE_DECIMAL})
    _sheet(book, _("Monthly counts"), [_("Indicator"), _("Year"), *[str(m) for m in range(1, 13)]], [
        [item.indicator.code, y, *[months.get(m) for m in range(1, 13)]]
        for item in report.indicators
        for y, months in ((item.baseline_year, item.baseline_monthly), (item.year, item.monthly))
    ])
    _sheet(book, _("Outreach"), [_("Program"), _("Area"), _("Network"), _("Target"),
                                 _("People reached"), "%"], [
        [r.program.title, r.region_name, r.network.name if r.network else _("All networks"),
         r.target, r.reached, r.percent] for r in report.outreach], {6: PERCENT})
    _sheet(book, _("Regions"), [_("Region"), _("Code"), *progress_header()], [
        [row.place.name, row.place.code, *progress_cells(row.progress)] for row in report.children])
    _sheet(book, _("Programs"), [_("Program"), *progress_header()], [
        [program.title, *progress_cells(p)] for program, p in report.by_program])
    _sheet(book, _("Overdue hotspots"), [_("Region"), _("Code"), _("overdue")], [
        [row.place.name, row.place.code, row.progress.overdue] for row in report.hotspots])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
