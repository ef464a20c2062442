"""Targets per region and year (leads and admins), the indicators themselves (admins), and the
outreach targets of a program (people to reach, per area and network)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from coordinator import policy
from coordinator.domain.calendar import local_now
from coordinator.domain.outreach import remove_outreach_target, save_outreach_target
from coordinator.domain.targets import save_target, update_indicator
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.models import Indicator, Network, OutreachTarget, Program, Region, Target
from coordinator.rollups.outreach import outreach_targets
from coordinator.rollups.queries import child_regions
from coordinator.rollups.report import default_region
from coordinator.web import errors
from coordinator.web.staff import flash_domain_error, staff_required

blp = errors.install(Blueprint("targets", __name__, url_prefix="/target"))
TARGET_FIELDS = ("baseline_year", "baseline_month_from", "baseline_month_to", "baseline_value")


def _region_and_year(values: Any) -> tuple[Region, int]:
    code = (values.get("region") or "").strip() or default_region(current_user)
    region = db.session.get(Region, code)
    if region is None or not policy.in_scope(current_user, code):
        raise NotFound()
    raw = (values.get("year") or "").strip()
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else local_now().year
    return region, year


def _page(region: Region, year: int, status: int = 200, form: Any = None) -> Any:
    indicators = db.session.scalars(select(Indicator).order_by(Indicator.id)).all()
    targets = {t.indicator_id: t for t in db.session.scalars(
        select(Target).where(Target.region_code == region.code, Target.year == year))}
    editable = policy.can(current_user, "target.save", region.code)
    return render_template("dashboard/targets.html", region=region, year=year,
                           indicators=indicators, targets=targets, editable=editable,
                           form=form or {}), status


@blp.get("")
@staff_required
def index() -> Any:
    region, year = _region_and_year(request.args)
    return _page(region, year)


def _int(raw: str | None) -> int | None:
    value = (raw or "").strip()
    return int(value) if value.isdigit() else None


@blp.post("")
@staff_required
def save() -> Any:
    region, year = _region_and_year(request.form)
    form = request.form
    percent_raw = (form.get("reduce_percent") or "").strip().replace(",", ".")
    try:
        percent = float(percent_raw) if percent_raw else None
    except ValueError:
        percent = -1.0  # refused by the domain with its own message
    try:
        save_target(
            actor=current_user, region_code=region.code, year=year,
            indicator_id=_int(form.get("indicator_id")) or -1,
            **{name: _int(form.get(name)) for name in TARGET_FIELDS},  # type: ignore[arg-type]
            baseline_source=form.get("baseline_source") or "",
            rule=form.get("rule") or "", reduce_percent=percent,
        )
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return _page(region, year, 400, form)
    flash(_("Target saved."), "success")
    return redirect(url_for("targets.index", region=region.code, year=year))


@blp.post("/indikator/<int:indicator_id>")
@staff_required
def edit_indicator(indicator_id: int) -> Any:
    region, year = _region_and_year(request.form)
    try:
        update_indicator(indicator_id, actor=current_user, name_id=request.form.get("name_id", ""),
                         name_en=request.form.get("name_en", ""),
                         active=request.form.get("active") == "1")
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return _page(region, year, 400)
    flash(_("Indicator saved."), "success")
    return redirect(url_for("targets.index", region=region.code, year=year))


def _outreach_page(program: Program, status: int = 200, form: Any = None) -> Any:
    areas = [program.region, *child_regions(program.region_code)]
    targets = db.session.scalars(select(OutreachTarget).where(
        OutreachTarget.program_id == program.id).order_by(OutreachTarget.region_code)).all()
    reached = {(r.region_code, r.network.id if r.network else None): r
               for r in outreach_targets(program.region_code, [program])}
    return render_template(
        "dashboard/outreach.html", program=program, areas=areas, targets=targets,
        reached=reached, networks=db.session.scalars(select(Network).order_by(Network.name)).all(),
        editable=policy.can(current_user, "outreach.save", program), form=form or {}), status


@blp.get("/jangkauan/<int:program_id>")
@staff_required
def outreach(program_id: int) -> Any:
    """A program's outreach targets: people to reach, per area and network, and reached so far."""
    try:
        program = policy.get_program_or_404(current_user, program_id)
    except DomainError:
        raise NotFound() from None
    return _outreach_page(program)


@blp.post("/jangkauan/<int:program_id>")
@staff_required
def save_outreach(program_id: int) -> Any:
    try:
        program = policy.get_program_or_404(current_user, program_id)
    except DomainError:
        raise NotFound() from None
    form = request.form
    network = _int(form.get("network_id"))
    try:
        save_outreach_target(actor=current_user, program_id=program.id,
                             people=_int(form.get("people")) or -1,
                             region_code=form.get("region_code") or None,
                             network_id=network or None)
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return _outreach_page(program, 400, form)
    flash(_("Outreach target saved."), "success")
    return redirect(url_for("targets.outreach", program_id=program.id))


@blp.post("/jangkauan/<int:program_id>/hapus/<int:target_id>")
@staff_required
def remove_outreach(program_id: int, target_id: int) -> Any:
    try:
        program = policy.get_program_or_404(current_user, program_id)
        target = db.session.get(OutreachTarget, target_id)
        if target is None or target.program_id != program.id:
            raise NotFound()
        remove_outreach_target(actor=current_user, target_id=target_id)
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
    else:
        flash(_("Outreach target removed."), "success")
    return redirect(url_for("targets.outreach", program_id=program_id))
