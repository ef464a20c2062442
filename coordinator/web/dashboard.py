"""The lead's dashboard: the child areas compared on cases (worst first), targets against
actuals, outputs against outreach targets, program progress per region with drill-down,
overdue hotspots; its Excel export, a printable A4 page to file and the annotation form."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from coordinator import read_cache
from coordinator.domain.annotations import add_annotation
from coordinator.domain.calendar import local_now
from coordinator.errors import DomainError, InvalidInput
from coordinator.errors import NotFound as DomainNotFound
from coordinator.rollups.queries import RegionYears, region_years
from coordinator.rollups.report import Filters, Report, build_report, default_region, default_year
from coordinator.web import errors
from coordinator.web.dashboard_charts import (
    chart_data,
    full_month_names,
    month_names,
    status_label,
)
from coordinator.web.dashboard_export import report_workbook
from coordinator.web.dashboard_svg import change_chart, indicator_chart
from coordinator.web.jinja import current_language
from coordinator.web.staff import flash_domain_error, staff_required

blp = errors.install(Blueprint("dashboard", __name__, url_prefix="/dashboard"))
blp.add_app_template_global(status_label, "status_label")
blp.add_app_template_global(month_names, "month_names")
blp.add_app_template_global(full_month_names, "full_month_names")


def _number(args: Mapping[str, str], name: str, problems: list[str]) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        problems.append(_("%(name)s must be a number; %(value)s was ignored.",
                          name=name, value=raw[:40]))
        return None
    return int(raw)


def parse_filters(args: Mapping[str, str]) -> tuple[Filters, RegionYears]:
    """Filters from the query string, and the years of their region (read once: the default
    period and the year picker both need them); bad values are reported and replaced by the
    defaults."""
    problems: list[str] = []
    region = (args.get("region") or "").strip()
    if region and region != "ID" and not all(p.isdigit() for p in region.split(".")):
        problems.append(_("Unknown region code %(value)s was ignored.", value=region[:40]))
        region = ""
    region = region or default_region(current_user)
    year = _number(args, "period", problems)
    if year is not None and not 2000 <= year <= 2100:
        problems.append(_("The period must be a year such as 2022."))
        year = None
    years = region_years(region)
    filters = Filters(region=region, year=year or default_year(years),
                      program_id=_number(args, "program", problems),
                      network_id=_number(args, "network", problems), errors=problems)
    return filters, years


def load_report(args: Mapping[str, str]) -> Report:
    """The report for the query string; an unknown program or network is dropped with a notice."""
    filters, years = parse_filters(args)
    try:
        report = build_report(current_user, filters, years=years)
    except InvalidInput as error:
        for name in error.fields:
            filters.errors.append(_("Unknown %(name)s was ignored.", name=_(name)))
            setattr(filters, f"{name}_id", None)
        report = build_report(current_user, filters, years=years)
    for problem in filters.errors:
        flash(problem, "warning")
    return report


def _report_or_404() -> Report:
    try:
        return load_report(request.args)
    except DomainNotFound:

        raise NotFound() from None


@blp.get("")
@staff_required
def index() -> Any:
    # Kept per person (scope, permissions), language, query string and day (the note's date).
    today = local_now().date().isoformat()
    key = ("dashboard", current_user.id, current_language(), request.query_string, today)
    return read_cache.kept_page(key, lambda: _render_index(today))


def _render_index(today: str) -> tuple[str, bool]:
    """The page, and whether it may be kept (not when bad query values were reported)."""
    report = _report_or_404()
    html = render_template("dashboard/index.html", report=report, charts=chart_data(report),
                           args=report.filters.args(), today=today)
    return html, not report.filters.errors


def _print_charts(report: Report) -> dict[str, Any]:
    names = full_month_names()
    legend = (str(report.baseline_year), str(report.filters.year), _("Aim per month"))
    indicators = [
        indicator_chart(item, item.indicator.name_id if current_language() == "id"
                        else item.indicator.name_en, names, legend)
        for item in report.indicators
    ]
    head = report.indicators[0].indicator if report.indicators else None
    title = _("Change against the same months of %(year)s: %(indicator)s",
              year=report.baseline_year,
              indicator=(head.name_id if current_language() == "id" else head.name_en)
              if head else "")
    change = change_chart(report.comparison, title) if report.comparison else None
    return {"indicators": indicators, "change": change}


@blp.get("/cetak")
@staff_required
def printable() -> Any:
    report = _report_or_404()
    return render_template("dashboard/print.html", report=report, args=report.filters.args(),
                           charts=_print_charts(report), printed_at=local_now())


@blp.get("/ekspor.xlsx")
@staff_required
def export() -> Any:
    report = _report_or_404()
    name = f"sinergi-dashboard-{report.place.code}-{report.filters.year}.xlsx"
    return Response(
        report_workbook(report),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blp.post("/catatan")
@staff_required
def annotate() -> Any:
    form = request.form
    back: dict[str, Any] = {
        k: form[k] for k in ("region", "period", "program", "network") if form.get(k)}
    try:
        on_date = date.fromisoformat((form.get("on_date") or "").strip())
    except ValueError:
        flash(_("Give the note's date, e.g. 2022-03-15."), "error")
        return redirect(url_for("dashboard.index", **back))
    indicator = (form.get("indicator_id") or "").strip()
    try:
        add_annotation(actor=current_user, indicator_id=int(indicator) if indicator.isdigit() else -1,
                       region_code=(form.get("region") or "").strip(), on_date=on_date,
                       text=form.get("text") or "")
    except DomainError as error:
        flash_domain_error(error)
    else:
        flash(_("Note pinned."), "success")
    return redirect(url_for("dashboard.index", **back))
