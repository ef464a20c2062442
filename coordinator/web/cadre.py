""""Tugas saya": a person's own open and overdue actions, completed in two taps on a phone; for
staff also what their area waits for: actions to assign and overdue ones to follow up
(:mod:`coordinator.web.worklist`)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from coordinator import policy
from coordinator.domain.overdue import days_overdue
from coordinator.extensions import db
from coordinator.models import Action, utcnow
from coordinator.policy.limits import CADRE_UNDO_WINDOW
from coordinator.web import errors, worklist
from coordinator.web.completion import (
    CompleteForm,
    UndoForm,
    can_undo,
    complete_from_form,
    undo_completion,
)

blp = errors.install(Blueprint("cadre", __name__, url_prefix="/tugas"))


def _own_actions() -> tuple[list[Action], list[Action]]:
    """Open actions, soonest due first, and the completions the person may still take back."""
    now = utcnow()
    mine = select(Action).where(Action.assignee_id == current_user.id)
    open_actions = db.session.scalars(
        mine.where(Action.status == "open").order_by(Action.due_at, Action.id)
    ).all()
    recent_done = [
        action for action in db.session.scalars(
            mine.where(Action.status == "done", Action.completed_at > now - CADRE_UNDO_WINDOW)
            .order_by(Action.completed_at.desc())
        )
        if can_undo(action, current_user)
    ]
    return list(open_actions), recent_done


@blp.get("/")
@login_required
def index() -> Any:
    open_actions, recent_done = _own_actions()
    now = utcnow()
    staff = policy.can(current_user, "staff.area")
    return render_template(
        "cadre/index.html", open_actions=open_actions, recent_done=recent_done,
        now=now, form=CompleteForm(), undo_form=UndoForm(), can_undo=can_undo,
        staff=staff, counts=worklist.current_counts(),
        to_assign=worklist.to_assign(current_user) if staff else [],
        to_follow_up=worklist.to_follow_up(current_user, now) if staff else [],
        days_late=lambda action: days_overdue(action.status, action.due_at, now),
    )


def _own_action_or_404(action_id: int) -> Action:
    """"Tugas saya" only ever acts on one's own actions, whoever else may see them."""
    action = policy.get_action_or_404(current_user, action_id)
    if not policy.actions.is_assignee(current_user, action):
        raise errors.page_not_found()
    return action


@blp.post("/<int:action_id>/selesai")
@login_required
def complete(action_id: int) -> Any:
    action = _own_action_or_404(action_id)
    form = CompleteForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errs in form.errors.values() for e in errs), "error")
        return redirect(url_for("cadre.index"))
    outcome = complete_from_form(action, current_user, form)
    flash(outcome.message, outcome.category)
    return redirect(url_for("cadre.index"))


@blp.post("/<int:action_id>/batal-selesai")
@login_required
def undo(action_id: int) -> Any:
    action = _own_action_or_404(action_id)
    form = UndoForm()
    if form.validate_on_submit():
        outcome = undo_completion(action, current_user)
        flash(outcome.message, outcome.category)
    return redirect(url_for("cadre.index"))
