""""Tugas saya": a cadre's own open and overdue actions, completed in two taps on a phone."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from coordinator.access import get_action_or_404
from coordinator.extensions import db
from coordinator.models import Action, utcnow
from coordinator.web import errors
from coordinator.web.completion import (
    UNDO_WINDOW,
    CompleteForm,
    UndoForm,
    can_undo,
    complete_from_form,
    undo_completion,
)

blp = errors.install(Blueprint("cadre", __name__, url_prefix="/tugas"))


def _own_actions() -> tuple[list[Action], list[Action]]:
    now = utcnow()
    mine = select(Action).where(Action.assignee_id == current_user.id)
    open_actions = db.session.scalars(
        mine.where(Action.status == "open").order_by(Action.due_at, Action.id)
    ).all()
    recent_done = db.session.scalars(
        mine.where(Action.status == "done", Action.completed_at > now - UNDO_WINDOW)
        .where(or_(Action.completed_by_id == current_user.id, Action.completed_by_id.is_(None)))
        .order_by(Action.completed_at.desc())
    ).all()
    return list(open_actions), list(recent_done)


@blp.get("/")
@login_required
def index() -> Any:
    open_actions, recent_done = _own_actions()
    return render_template(
        "cadre/index.html", open_actions=open_actions, recent_done=recent_done,
        now=utcnow(), form=CompleteForm(), undo_form=UndoForm(), can_undo=can_undo,
    )


def _own_action_or_404(action_id: int) -> Action:
    action = get_action_or_404(current_user, action_id)
    if action.assignee_id != current_user.id:
        # Staff may see the action, but "Tugas saya" only ever acts on one's own.
        from coordinator.domain.errors import NotFound

        raise NotFound("not your action")
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
