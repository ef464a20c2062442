"""Staff pages for actions: filtered, paginated list; one action with its history, reassign,
cancel, reopen; exports of the filtered list."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound
from wtforms import DateField, SelectField, TimeField
from wtforms.validators import InputRequired

from coordinator.domain.actions import (
    cancel_action,
    reassign_action,
    reopen_action,
    reschedule_action,
    restore_action,
)
from coordinator.domain.calendar import local_datetime
from coordinator.domain.history import action_history
from coordinator.domain.validation import require_due_not_past
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.models import Action, Network, Person, Program, utcnow
from coordinator.policy import audiences, can, get_action_or_404, scoped_people, scoped_programs
from coordinator.policy.actions import restore_deadline
from coordinator.web import errors, exports
from coordinator.web.action_filters import (
    STATUSES,
    filtered_actions,
    page_number,
    parse_filters,
)
from coordinator.web.follow_up import CancelForm
from coordinator.web.forms import ButtonForm, WebForm
from coordinator.web.jinja import to_wib
from coordinator.web.labels import label
from coordinator.web.regions import regions_in_scope
from coordinator.web.staff import flash_domain_error, run_button, staff_required

blp = errors.install(Blueprint("actions", __name__, url_prefix="/aksi"))
PER_PAGE = 50
MAX_ASSIGNEE_CHOICES = 300
EAGER = (selectinload(Action.program), selectinload(Action.assignee),
         selectinload(Action.network), selectinload(Action.kelurahan))


class ReassignForm(WebForm):
    assignee_id = SelectField(coerce=str, validate_choice=True)


class RescheduleForm(WebForm):
    due_date = DateField(_l("New due date"), validators=[InputRequired(_l("Enter a date."))])
    due_time = TimeField(_l("Time (WIB)"), validators=[InputRequired(_l("Enter a time."))])


def _filter_choices() -> dict[str, Any]:
    regions = regions_in_scope(current_user, ("kecamatan", "kelurahan"))
    return {
        "programs": db.session.scalars(scoped_programs(current_user).order_by(Program.year.desc(), Program.title)).all(),
        "regions": regions,
        "networks": db.session.scalars(select(Network).order_by(Network.name)).all(),
        # A kelurahan has tens of cadres, a city thousands: offer a list only when it is short.
        "assignees": db.session.scalars(
            scoped_people(current_user).where(audiences.assignable_anywhere())
            .order_by(Person.name).limit(MAX_ASSIGNEE_CHOICES + 1)).all(),
        "statuses": STATUSES,
    }


@blp.get("/")
@staff_required
def index() -> Any:
    f = parse_filters(request.args)
    pagination = db.paginate(filtered_actions(current_user, f).options(*EAGER),
                             page=page_number(request.args.get("page")), per_page=PER_PAGE,
                             error_out=False)
    return render_template("actions/index.html", f=f, pagination=pagination, now=utcnow(),
                           **_filter_choices()), (400 if f.errors else 200)


@blp.get("/ekspor.<fmt>")
@staff_required
def export(fmt: str) -> Any:
    if fmt not in ("csv", "xlsx"):
        raise NotFound()
    f = parse_filters(request.args)
    actions: list[Action] = list(
        db.session.scalars(filtered_actions(current_user, f).options(*EAGER)).all())
    stamp = utcnow().strftime("%Y%m%d")
    if fmt == "csv":
        return Response(exports.to_csv(actions), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename=aksi-{stamp}.csv"})
    return Response(
        exports.to_xlsx(actions),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=aksi-{stamp}.xlsx"},
    )


def _assignee_choices(action: Action) -> list[tuple[str, str]]:
    people = db.session.scalars(
        select(Person).where(audiences.assignable_in(action.kelurahan_code))
        .order_by(Person.role, Person.name)
    ).all()
    return [("", _("— nobody (unassigned) —"))] + [
        (str(p.id), f"{p.name} ({label('role', p.role)})") for p in people
    ]


@blp.get("/<int:action_id>")
@staff_required
def show(action_id: int) -> Any:
    action = get_action_or_404(current_user, action_id)
    return _show(action, _reassign_form(action))


def _reassign_form(action: Action) -> ReassignForm:
    form = ReassignForm(formdata=None, assignee_id=str(action.assignee_id or ""))
    form.assignee_id.choices = _assignee_choices(action)
    return form


def _show(action: Action, form: ReassignForm, status: int = 200,
          reschedule: RescheduleForm | None = None, cancel: CancelForm | None = None) -> Any:
    if reschedule is None:
        local = to_wib(action.due_at)
        reschedule = RescheduleForm(formdata=None, due_date=local.date() if local else None,
                                    due_time=local.time() if local else None)
    return render_template(
        "actions/show.html", action=action, form=form, button=ButtonForm(), now=utcnow(),
        may_reassign=can(current_user, "action.reassign", action),
        may_cancel=can(current_user, "action.cancel", action),
        cancel_form=cancel or CancelForm(formdata=None),
        may_restore=can(current_user, "action.restore", action),
        restore_until=restore_deadline(action),
        may_reopen=can(current_user, "action.reopen", action),
        may_reschedule=can(current_user, "action.reschedule", action), reschedule=reschedule,
        history=action_history(action.id),
    ), status


@blp.post("/<int:action_id>/tugaskan")
@staff_required
def reassign(action_id: int) -> Any:
    action = get_action_or_404(current_user, action_id)
    form = ReassignForm()
    form.assignee_id.choices = _assignee_choices(action)
    if not form.validate_on_submit():
        flash(_("Choose a person from the list."), "error")
        return _show(action, form, 400)
    try:
        reassign_action(action.id, actor=current_user,
                        assignee_id=int(form.assignee_id.data) if form.assignee_id.data else None)
    except DomainError as exc:
        flash_domain_error(exc, form)
        db.session.rollback()
        return _show(get_action_or_404(current_user, action_id), form, 409)
    flash(_("The action has been reassigned."), "info")
    return redirect(url_for("actions.show", action_id=action.id))


def _button(action_id: int, operation: Any, done_message: str) -> Any:
    action = get_action_or_404(current_user, action_id)
    run_button(lambda: operation(action.id, actor=current_user), done_message)
    return redirect(url_for("actions.show", action_id=action.id))


@blp.post("/<int:action_id>/batalkan")
@staff_required
def cancel(action_id: int) -> Any:
    """Cancel, saying why (required); "Pulihkan" undoes it for a while."""
    action = get_action_or_404(current_user, action_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _show(action, _reassign_form(action), 400, cancel=form)
    try:
        cancel_action(action.id, actor=current_user, reason=form.reason.data)
    except DomainError as exc:
        db.session.rollback()
        flash_domain_error(exc, form)
        return redirect(url_for("actions.show", action_id=action.id))
    flash(_("The action has been cancelled. You can restore it from this page."), "info")
    return redirect(url_for("actions.show", action_id=action.id))


@blp.post("/<int:action_id>/pulihkan")
@staff_required
def restore(action_id: int) -> Any:
    return _button(action_id, restore_action, _("The action is restored and open again."))


@blp.post("/<int:action_id>/buka-lagi")
@staff_required
def reopen(action_id: int) -> Any:
    return _button(action_id, reopen_action, _("The action is open again."))


@blp.post("/<int:action_id>/jadwal")
@staff_required
def reschedule(action_id: int) -> Any:
    """Move the due time (WIB); reminders and overdue counts follow the new one."""
    action = get_action_or_404(current_user, action_id)
    form = RescheduleForm()
    if not form.validate_on_submit():
        return _show(action, _reassign_form(action), 400, reschedule=form)
    due_at = local_datetime(form.due_date.data, form.due_time.data)  # type: ignore[arg-type]
    try:
        require_due_not_past(due_at, field="due_date")
        reschedule_action(action.id, actor=current_user, due_at=due_at)
    except DomainError as exc:
        db.session.rollback()
        flash_domain_error(exc, form)
        return _show(get_action_or_404(current_user, action_id), _reassign_form(action), 409,
                     reschedule=form)
    flash(_("The due date has been changed."), "info")
    return redirect(url_for("actions.show", action_id=action.id))
