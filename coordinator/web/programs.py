"""Staff pages for programs: filtered list, create/edit, activate, close and reopen (each after
a page that says what it will do), one program's page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from coordinator.domain.overdue import overdue_clause
from coordinator.domain.program_closing import closing_preview, reopening_preview
from coordinator.domain.programs import (
    activate_program,
    close_program,
    create_program,
    reopen_program,
    update_program,
)
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.models import Action, Program, Region, utcnow
from coordinator.models.programs import PROGRAM_CATEGORIES
from coordinator.policy import (
    Reason,
    can,
    decide,
    get_program_or_404,
    scoped_actions,
    scoped_programs,
)
from coordinator.policy.programs import reopen_deadline
from coordinator.web import errors
from coordinator.web.forms import ButtonForm, NoCaseWords, WebForm
from coordinator.web.labels import choices, label
from coordinator.web.reasons import text_of
from coordinator.web.regions import region_choices
from coordinator.web.staff import flash_domain_error, run_button, staff_required

blp = errors.install(Blueprint("programs", __name__, url_prefix="/program"))
STATES = ("open", "overdue", "done", "cancelled")


class ProgramForm(WebForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Enter a title.")), Length(max=200, message=_l("At most 200 characters."))])
    public_title = StringField(_l("Public title"), validators=[
        DataRequired(_l("Enter a public title.")),
        Length(max=200, message=_l("At most 200 characters.")), NoCaseWords()],
        description=_l("Shown in every SMS, e-mail and on the cadre page instead of the title: "
                       "neutral, without case words (e.g. \"Kegiatan sosialisasi\")."))
    description = TextAreaField(_l("Description"), validators=[
        Length(max=10000, message=_l("At most 10,000 characters."))])
    category = SelectField(_l("Category"))
    year = IntegerField(_l("Year"), validators=[
        DataRequired(_l("Enter a year.")),
        NumberRange(min=2000, max=2100, message=_l("Enter a year between 2000 and 2100."))])
    region_code = SelectField(_l("Region"))

    def fill_choices(self) -> ProgramForm:
        self.category.choices = choices("category")
        self.region_code.choices = region_choices(
            current_user, ("province", "city", "kecamatan", "kelurahan"))
        return self


@blp.get("/")
@staff_required
def index() -> Any:
    query = scoped_programs(current_user)
    status, year, q, category = (request.args.get(k, "").strip()
                                 for k in ("status", "year", "q", "category"))
    problems = []
    if category in PROGRAM_CATEGORIES:
        query = query.where(Program.category == category)
    elif category:
        problems.append(_("Unknown category %(value)s was ignored.", value=category[:40]))
    if status in ("draft", "active", "closed"):
        query = query.where(Program.status == status)
    elif status:
        problems.append(_("Unknown status %(value)s was ignored.", value=status[:40]))
    if year.isdigit() and len(year) == 4:
        query = query.where(Program.year == int(year))
    elif year:
        problems.append(_("Filter %(name)s must be a number; %(value)s was ignored.",
                          name=_("year"), value=year[:40]))
    if q:
        query = query.where(Program.title.ilike(f"%{q[:100]}%"))
    programs = db.session.scalars(query.order_by(Program.year.desc(), Program.title)).all()
    return render_template("programs/index.html", programs=programs, problems=problems,
                           status=status, year=year, q=q, category=category,
                           may_create=can(current_user, "program.create", current_user.region_code),
                           ), (400 if problems else 200)


@blp.route("/baru", methods=["GET", "POST"])
@staff_required
def new() -> Any:
    if not can(current_user, "program.create", current_user.region_code):
        return errors._not_found(Exception())
    form = ProgramForm().fill_choices()
    if request.method == "GET":
        form.year.data = utcnow().year
        form.region_code.data = current_user.region_code
    if form.validate_on_submit():
        try:
            program = create_program(actor=current_user, title=form.title.data or "",
                                     public_title=form.public_title.data or "",
                                     description=form.description.data or "",
                                     category=form.category.data, year=form.year.data,
                                     region_code=form.region_code.data)
        except DomainError as exc:
            db.session.rollback()
            flash_domain_error(exc, form)
        else:
            flash(_("Program created as a draft. Activate it to assign actions."), "info")
            return redirect(url_for("programs.show", program_id=program.id))
    return render_template("programs/form.html", form=form, program=None), (
        400 if form.errors else 200)


@blp.route("/<int:program_id>/ubah", methods=["GET", "POST"])
@staff_required
def edit(program_id: int) -> Any:
    program = get_program_or_404(current_user, program_id)
    if not can(current_user, "program.edit", program):
        return errors._not_found(Exception())
    form = ProgramForm(obj=program).fill_choices()
    if form.validate_on_submit():
        try:
            update_program(program.id, actor=current_user, title=form.title.data or "",
                           public_title=form.public_title.data or "",
                           description=form.description.data or "", category=form.category.data,
                           year=form.year.data, region_code=form.region_code.data)
        except DomainError as exc:
            db.session.rollback()
            flash_domain_error(exc, form)
        else:
            flash(_("Program saved."), "info")
            return redirect(url_for("programs.show", program_id=program.id))
    return render_template("programs/form.html", form=form, program=program), (
        400 if form.errors else 200)


def _counts(program: Program) -> tuple[dict[str, int], list[tuple[str, str, dict[str, int]]]]:
    """Counts of the program's visible actions by status and, per kecamatan, by status.

    "overdue" is counted apart (open and past due), so open + overdue = all open actions.
    """
    visible = scoped_actions(current_user).where(Action.program_id == program.id).subquery()
    by_status = select(Region.parent_code, visible.c.status, func.count()).select_from(
        visible).join(Region, Region.code == visible.c.kelurahan_code)
    rows = db.session.execute(by_status.group_by(Region.parent_code, visible.c.status)).all()
    late = db.session.execute(
        select(Region.parent_code, func.count()).select_from(visible)
        .join(Region, Region.code == visible.c.kelurahan_code)
        .where(visible.c.id.in_(select(Action.id).where(overdue_clause(utcnow()))))
        .group_by(Region.parent_code)
    ).all()
    per: dict[str, dict[str, int]] = {}
    for kecamatan, status, count in rows:
        per.setdefault(str(kecamatan), dict.fromkeys(STATES, 0))[status] += count
    for kecamatan, count in late:
        per[str(kecamatan)]["overdue"] += count
        per[str(kecamatan)]["open"] -= count
    totals = {state: sum(bucket[state] for bucket in per.values()) for state in STATES}
    names = dict(db.session.execute(
        select(Region.code, Region.name).where(Region.code.in_(list(per)))).all())
    return totals, [(code, names.get(code, code), per[code]) for code in sorted(per)]


@blp.get("/<int:program_id>")
@staff_required
def show(program_id: int) -> Any:
    program = get_program_or_404(current_user, program_id)
    totals, by_kecamatan = _counts(program)
    recent = db.session.scalars(
        scoped_actions(current_user).where(Action.program_id == program.id)
        .order_by(Action.due_at, Action.id).limit(20)
    ).all()
    return render_template(
        "programs/show.html", program=program, totals=totals, by_kecamatan=by_kecamatan,
        actions=recent, now=utcnow(), button=ButtonForm(), label=label,
        may_edit=can(current_user, "program.edit", program),
        may_bulk=can(current_user, "bulk.assign", program.region_code),
        may_close=can(current_user, "program.close", program),
        may_reopen=can(current_user, "program.reopen", program),
        reopen_deadline=reopen_deadline(program),
    )


def _transition(program_id: int, operation: Any, message: str) -> Any:
    program = get_program_or_404(current_user, program_id)
    if not can(current_user, "program.edit", program):
        return errors._not_found(Exception())
    run_button(lambda: operation(program.id, actor=current_user), message)
    return redirect(url_for("programs.show", program_id=program.id))


@blp.post("/<int:program_id>/aktifkan")
@staff_required
def activate(program_id: int) -> Any:
    return _transition(program_id, activate_program, _("Program activated."))


def _confirmed(program: Program, permission: str, operation: Any, page: str,
               preview: Any, done: str) -> Any:
    """GET: what the change will do, with a confirm button; POST: do it, back to the program.
    A refusal (not allowed, window passed) goes back to the program page with its reason."""
    decision = decide(current_user, permission, program)
    if not decision:
        if decision.reason in (Reason.NOT_FOUND, Reason.NOT_ALLOWED):
            return errors._not_found(Exception())
        flash(text_of(decision.reason), "error")
        return redirect(url_for("programs.show", program_id=program.id))
    if request.method == "POST":
        run_button(lambda: operation(program.id, actor=current_user), done)
        return redirect(url_for("programs.show", program_id=program.id))
    return render_template(page, program=program, preview=preview(program.id),
                           button=ButtonForm(), deadline=reopen_deadline(program))


@blp.route("/<int:program_id>/tutup", methods=["GET", "POST"])
@staff_required
def close(program_id: int) -> Any:
    """Closing cancels every open action: a page says which and who is told, then confirm."""
    program = get_program_or_404(current_user, program_id)
    if program.status == "closed" and can(current_user, "program.close", program):
        flash(_("This program is already closed."), "info")
        return redirect(url_for("programs.show", program_id=program.id))
    return _confirmed(program, "program.close", close_program, "programs/close.html",
                      closing_preview, _("Program closed; its open actions were cancelled."))


@blp.route("/<int:program_id>/buka-lagi", methods=["GET", "POST"])
@staff_required
def reopen(program_id: int) -> Any:
    """Reopen within the window: the actions the closing cancelled are open again."""
    program = get_program_or_404(current_user, program_id)
    return _confirmed(program, "program.reopen", reopen_program, "programs/reopen.html",
                      reopening_preview,
                      _("Program reopened; the actions its closing cancelled are open again."))
