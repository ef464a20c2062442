"""A program's reminder policy: a small form for its lead (steps, escalation ladder, notices)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from coordinator.domain.programs import set_reminder_policy
from coordinator.domain.reminder_policy import (
    COORDINATOR_EVENTS,
    ESCALATION_TARGETS,
    MAX_ESCALATION_STEPS,
    policy_from_json,
)
from coordinator.errors import InvalidInput, NotFound
from coordinator.policy import can, get_program_or_404
from coordinator.web import errors
from coordinator.web.staff import staff_required

blp = errors.install(Blueprint("reminder_policy", __name__, url_prefix="/program"))


class PolicyForm(FlaskForm):
    pass


def _number(raw: str | None) -> Any:
    text = (raw or "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 6 else text


def policy_data(form: Any) -> dict[str, Any]:
    """The submitted form as a policy mapping; odd values are kept for the validator to name."""
    steps = []
    for index in range(MAX_ESCALATION_STEPS):
        to = (form.get(f"step_to_{index}") or "").strip()
        days = (form.get(f"step_days_{index}") or "").strip()
        if to or days:
            steps.append({"to": to, "after_days": _number(days)})
    return {
        "on_assignment": form.get("on_assignment") == "1",
        "before_due_hours": _number(form.get("before_due_hours")),
        "morning_of_due_day": form.get("morning_of_due_day") == "1",
        "morning_hour": _number(form.get("morning_hour")) or "",
        "when_overdue": form.get("when_overdue") == "1",
        "escalation": steps,
        "notify_coordinator_on": [e for e in COORDINATOR_EVENTS if form.get(f"notify_{e}") == "1"],
    }


def _render(program: Any, policy: Any, field_errors: dict[str, list[str]], status: int) -> Any:
    steps = list(policy["escalation"]) + [{"to": "", "after_days": ""}] * MAX_ESCALATION_STEPS
    return render_template(
        "reminder_policy/edit.html", program=program, policy=policy,
        steps=steps[:MAX_ESCALATION_STEPS], field_errors=field_errors, form=PolicyForm(),
        targets=ESCALATION_TARGETS, events=COORDINATOR_EVENTS,
        may_edit=can(current_user, "program.edit", program),
    ), status


@blp.get("/<int:program_id>/reminders")
@staff_required
def edit(program_id: int) -> Any:
    program = get_program_or_404(current_user, program_id)
    return _render(program, policy_from_json(program.reminder_policy).as_json(), {}, 200)


@blp.post("/<int:program_id>/reminders")
@staff_required
def save(program_id: int) -> Any:
    program = get_program_or_404(current_user, program_id)
    form = PolicyForm()
    if not form.validate_on_submit():
        flash(_("Your form expired or was sent twice. Go back, reload the page and try again."),
              "error")
        return redirect(url_for("reminder_policy.edit", program_id=program_id))
    if not can(current_user, "program.edit", program):
        raise NotFound("program")
    data = None if request.form.get("reset") == "1" else policy_data(request.form)
    try:
        set_reminder_policy(program_id, actor=current_user, data=data)
    except InvalidInput as error:
        flash(_("Nothing was saved: please check the form."), "error")
        messages = {name: [_(m) for m in msgs] for name, msgs in error.fields.items()}
        return _render(program, data, messages, 400)
    flash(_("Reminder settings saved."), "success")
    return redirect(url_for("reminder_policy.edit", program_id=program_id))
