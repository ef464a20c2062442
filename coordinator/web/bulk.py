"""Bulk assignment: networks x regions x due date (x recurrence) -> preview -> confirm.

The preview page carries every value and a fresh idempotency key in hidden fields, so a
double submit of the confirmation creates nothing new.
"""
from __future__ import annotations

import secrets
from datetime import time
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField, TimeField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from coordinator.domain.bulk import BulkRequest, assign_actions_in_bulk, preview_bulk_assignment
from coordinator.domain.calendar import local_datetime
from coordinator.domain.validation import check_due_not_past
from coordinator.errors import DomainError, NotFound
from coordinator.extensions import db
from coordinator.models import Network, Program
from coordinator.policy import can, scoped_programs
from coordinator.web import errors
from coordinator.web.forms import NoCaseWords, WebForm
from coordinator.web.labels import choices
from coordinator.web.regions import region_choices, region_picker
from coordinator.web.staff import flash_domain_error, staff_required

blp = errors.install(Blueprint("bulk", __name__, url_prefix="/aksi/massal"))


@blp.before_request
def _only_those_who_may_assign_in_bulk() -> None:
    if current_user.is_authenticated and not can(current_user, "bulk.assign",
                                                  current_user.region_code):
        raise NotFound("bulk assignment")


class BulkForm(WebForm):
    program_id = SelectField(_l("Program"), coerce=int,
                             validators=[DataRequired(_l("Choose a program."))])
    title = StringField(_l("What is to be done"), validators=[
        DataRequired(_l("Enter what is to be done.")),
        Length(max=200, message=_l("At most 200 characters."))])
    public_title = StringField(_l("Public title (optional)"), validators=[
        Optional(), Length(max=200, message=_l("At most 200 characters.")), NoCaseWords()],
        description=_l("What SMS, e-mail and the cadre page show; empty: the program's public "
                       "title."))
    network_ids = SelectMultipleField(
        _l("Networks"), coerce=int, widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(), validators=[DataRequired(_l("Choose at least one network."))])
    region_codes = SelectMultipleField(
        _l("Regions (the whole city, kecamatan or kelurahan)"),
        validators=[DataRequired(_l("Choose at least one region."))])
    due_date = DateField(_l("Due date"), validators=[DataRequired(_l("Enter a due date."))])
    due_time = TimeField(_l("Due time (WIB)"), default=time(17, 0),
                         validators=[DataRequired(_l("Enter a due time."))])
    recurrence = SelectField(_l("Repeat"), default="none")
    until = DateField(_l("Repeat until"), validators=[Optional()])
    idempotency_key = HiddenField(validators=[
        Optional(), Regexp(r"^[A-Za-z0-9_-]{8,64}$", message=_l("Invalid form key."))])
    region_query = StringField(_l("Find a kecamatan or kelurahan"), validators=[
        Optional(), Length(max=100, message=_l("At most 100 characters."))])

    def fill_choices(self) -> BulkForm:
        programs = db.session.scalars(
            scoped_programs(current_user).where(Program.status == "active")
            .order_by(Program.year.desc(), Program.title)).all()
        self.program_id.choices = [(p.id, f"{p.title} ({p.year})") for p in programs]
        self.network_ids.choices = [(n.id, n.name) for n in db.session.scalars(
            select(Network).where(Network.active.is_(True)).order_by(Network.name))]
        self.region_codes.choices = region_choices(current_user, ("city", "kecamatan", "kelurahan"))
        self.recurrence.choices = choices("recurrence")
        return self

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.recurrence.data != "none" and not self.until.data:
            self.until.errors = [*self.until.errors, _("A repeating assignment needs an end date.")]
            ok = False
        if self.due_date.data and self.due_time.data:
            # The rule the domain applies too; asked here as well so every error shows at once.
            first = local_datetime(self.due_date.data, self.due_time.data)
            for message in check_due_not_past(first, field="due_date").get("due_date", []):
                self.due_date.errors = [*self.due_date.errors, _(message)]
                ok = False
        return ok

    def to_request(self) -> Any:
        recurrence = None if self.recurrence.data == "none" else self.recurrence.data
        return BulkRequest(
            program_id=self.program_id.data, network_ids=tuple(self.network_ids.data or ()),
            region_codes=tuple(self.region_codes.data or ()), due_date=self.due_date.data,
            title=self.title.data or "", public_title=(self.public_title.data or "").strip() or None,
            due_time=self.due_time.data, recurrence=recurrence,
            until=self.until.data if recurrence else None,
            idempotency_key=self.idempotency_key.data or None,
        )


def _show_form(form: BulkForm, status: int = 200) -> Any:
    query = (form.region_query.data or "")[:100]
    picker = region_picker(current_user, query, list(form.region_codes.data or []))
    return render_template("bulk/form.html", form=form, picker=picker), status


@blp.get("/")
@staff_required
def new() -> Any:
    form = BulkForm(formdata=None).fill_choices()
    program = request.args.get("program", "")
    if program.isdigit():
        form.program_id.data = int(program)
    form.region_query.data = request.args.get("wilayah", "")[:100]
    return _show_form(form)


@blp.post("/pratinjau")
@staff_required
def preview() -> Any:
    form = BulkForm().fill_choices()
    step = request.form.get("step", "")
    if step in ("search", "edit"):
        # Narrowing the region tree, or coming back from the preview to change something:
        # the form again with every value kept, and no errors yet.
        if step == "edit":
            form.idempotency_key.data = ""
        return _show_form(form)
    if not form.validate_on_submit():
        return _show_form(form, 400)
    try:
        result = preview_bulk_assignment(form.to_request(), actor=current_user)
    except DomainError as exc:
        flash_domain_error(exc, form)
        return _show_form(form, 400)
    form.idempotency_key.data = form.idempotency_key.data or secrets.token_urlsafe(24)
    return render_template("bulk/preview.html", form=form, preview=result,
                           program=db.session.get(Program, form.program_id.data))


@blp.post("/konfirmasi")
@staff_required
def confirm() -> Any:
    form = BulkForm().fill_choices()
    if not form.validate_on_submit() or not form.idempotency_key.data:
        flash(_("The form was incomplete; please check and preview again."), "error")
        return _show_form(form, 400)
    try:
        result = assign_actions_in_bulk(form.to_request(), actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash_domain_error(exc, form)
        return _show_form(form, 400)
    if result.already_submitted:
        flash(_("This assignment was already created; nothing new was added."), "info")
    else:
        flash(_("%(n)s actions created.", n=result.created), "info")
    return redirect(url_for("programs.show", program_id=form.program_id.data))
