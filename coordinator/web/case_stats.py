"""Case statistics pages: the monthly grid (kelurahan x indicators), the Excel import with its
preview, and the reporting grid (who reported which month). Both entry pages store through the
domain's ``record_case_stats``: whole batch or nothing, field errors next to their cells."""
from __future__ import annotations

import re
import secrets
from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from coordinator import policy
from coordinator.domain.calendar import local_now
from coordinator.domain.case_stats import (
    CaseStatEntry,
    counts_for_month,
    kelurahan_in_scope,
    parse_month,
    record_case_stats,
)
from coordinator.domain.case_stats_import import import_case_stats, preview_case_stats_import
from coordinator.domain.import_files import max_upload_bytes
from coordinator.errors import DomainError, InvalidInput
from coordinator.extensions import db
from coordinator.models import Indicator
from coordinator.rollups.report import check_region, default_region, trail_for, visible_children
from coordinator.rollups.reporting import reporting_rows
from coordinator.web import errors
from coordinator.web.staff import flash_domain_error, staff_required

blp = errors.install(Blueprint("case_stats", __name__, url_prefix="/statistik"))
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _default_month() -> date:
    today = local_now().date()
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


def _month_arg(raw: str | None) -> tuple[date, str | None]:
    if not (raw or "").strip():
        return _default_month(), None
    try:
        return parse_month(raw), None
    except InvalidInput:
        return _default_month(), _("Month must look like 2022-03.")


def _region_arg(raw: str | None) -> str | None:
    code = (raw or "").strip() or None
    if code is not None and not policy.in_scope(current_user, code):
        return None
    return code


def _indicators() -> list[Indicator]:
    return list(db.session.scalars(select(Indicator).where(Indicator.active).order_by(Indicator.id)))


def _render_grid(month: date, region: str | None, values: dict[str, str],
                 cell_errors: dict[str, str], status: int = 200) -> Any:
    kelurahan = kelurahan_in_scope(current_user, region)
    saved = counts_for_month(month, [k.code for k in kelurahan])
    return render_template(
        "dashboard/case_stats.html", month=month, region=region, kelurahan=kelurahan,
        indicators=_indicators(), saved=saved, values=values, cell_errors=cell_errors,
    ), status


@blp.get("")
@staff_required
def grid() -> Any:
    month, problem = _month_arg(request.args.get("month"))
    if problem:
        flash(problem, "warning")
    return _render_grid(month, _region_arg(request.args.get("region")), {}, {})


def _parse_cells(form: Any, month: date, region: str | None) -> tuple[list[CaseStatEntry], dict[str, str]]:
    entries, cell_errors = [], {}
    for kelurahan in kelurahan_in_scope(current_user, region):
        for indicator in _indicators():
            name = f"c-{kelurahan.code}-{indicator.id}"
            raw = (form.get(name) or "").strip()
            if raw == "":
                continue  # an empty cell leaves the stored value alone
            if not raw.isdigit():
                cell_errors[name] = _("Whole numbers only (0 or more).")
                continue
            entries.append(CaseStatEntry(kelurahan.code, indicator.id, int(raw)))
    return entries, cell_errors


def _cell_errors(error: InvalidInput) -> tuple[dict[str, str], InvalidInput]:
    """The domain's ``<kelurahan>/<indicator id>`` field errors as grid cells; the rest apart."""
    cells: dict[str, str] = {}
    other: dict[str, list[str]] = {}
    for name, messages in error.fields.items():
        code, _sep, indicator = name.partition("/")
        if indicator.isdigit():
            cells[f"c-{code}-{indicator}"] = " ".join(_(m) for m in messages)
        else:
            other[name] = messages
    return cells, InvalidInput(error.message, other)


@blp.post("")
@staff_required
def save_grid() -> Any:
    month, problem = _month_arg(request.form.get("month"))
    region = _region_arg(request.form.get("region"))
    values = {k: v for k, v in request.form.items() if k.startswith("c-")}
    if problem:
        flash(problem, "error")
        return _render_grid(month, region, values, {}, 400)
    entries, cell_errors = _parse_cells(request.form, month, region)
    if cell_errors:
        flash(_("Nothing was saved: please check the marked cells."), "error")
        return _render_grid(month, region, values, cell_errors, 400)
    try:
        changed = record_case_stats(actor=current_user, month=month, entries=entries)
    except InvalidInput as error:
        db.session.rollback()
        cell_errors, other = _cell_errors(error)
        if other.fields or not cell_errors:
            flash_domain_error(other)
        flash(_("Nothing was saved: please check the marked cells."), "error")
        return _render_grid(month, region, values, cell_errors, 400)
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return _render_grid(month, region, values, {}, 400)
    flash(_("%(n)s counts saved.", n=changed), "success")
    return redirect(url_for("case_stats.grid", month=month.strftime("%Y-%m"), region=region or ""))


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "case-stat-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _upload_path(token: str) -> Path:
    """Where a previewed file waits; the name binds it to its uploader, so nobody else can
    confirm it (a token of another person names a file that does not exist)."""
    return _upload_dir() / f"{int(current_user.id)}-{token}.xlsx"


@blp.get("/impor")
@staff_required
def import_form() -> Any:
    return render_template("dashboard/case_stats_import.html", preview=None,
                           month=_default_month(), token=None)


@blp.post("/impor")
@staff_required
def import_preview() -> Any:
    month, problem = _month_arg(request.form.get("month"))
    upload = request.files.get("file")
    data = upload.read(max_upload_bytes() + 1) if upload else b""
    if problem or not data:
        named = Path((upload.filename if upload else "") or "").name[:120]
        flash(problem or (_("%(name)s is empty: nothing will be saved.", name=named) if named
                          else _("Choose an Excel file (.xlsx).")), "error")
        return render_template("dashboard/case_stats_import.html", preview=None, month=month,
                               token=None), 400
    preview = preview_case_stats_import(actor=current_user, data=data, month=month)
    token = None
    if preview.ok:
        token = secrets.token_urlsafe(24)
        _upload_path(token).write_bytes(data)
    filename = Path((upload.filename if upload else "") or "").name[:120]
    return render_template("dashboard/case_stats_import.html", preview=preview, month=month,
                           token=token, filename=filename), 200 if preview.ok else 400


@blp.post("/impor/simpan")
@staff_required
def import_confirm() -> Any:
    token = request.form.get("token") or ""
    month, problem = _month_arg(request.form.get("month"))
    path = _upload_path(token)
    if problem or not TOKEN.match(token) or not path.exists():
        flash(_("This import expired or was already saved: upload the file again."), "error")
        return redirect(url_for("case_stats.import_form"))
    try:
        changed = import_case_stats(actor=current_user, data=path.read_bytes(), month=month)
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return redirect(url_for("case_stats.import_form"))
    finally:
        path.unlink(missing_ok=True)
    flash(_("Import saved: %(n)s counts changed.", n=changed), "success")
    return redirect(url_for("case_stats.grid", month=month.strftime("%Y-%m")))


def _due(year: int, month: int, today: date) -> bool:
    """Whether a month's statistics are due by ``today`` (its due day of the next month)."""
    due_day = current_app.extensions["sinergi"].case_stats_due_day
    following = date(year + 1, 1, due_day) if month == 12 else date(year, month + 1, due_day)
    return today >= following


@blp.get("/pelaporan")
@staff_required
def reporting() -> Any:
    """Who reported case statistics, month by month, in the areas below a region."""
    code = (request.args.get("region") or "").strip() or default_region(current_user)
    try:
        place = check_region(current_user, code)
        policy.require(current_user, "case_stats.view", None if code == "ID" else code)
    except DomainError:
        raise NotFound() from None
    today = local_now().date()
    raw = (request.args.get("year") or "").strip()
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else today.year
    areas = visible_children(current_user, place) if place.level != "kelurahan" else [place]
    rows = reporting_rows([(a.code, a.name, a.level) for a in areas], year)
    due = {m: _due(year, m, today) for m in range(1, 13)}
    return render_template("dashboard/reporting.html", place=place, year=year, rows=rows, due=due,
                           trail=trail_for(current_user, place.code))
