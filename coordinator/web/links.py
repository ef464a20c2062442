"""``/t/<token>``: a signed link opens one action's completion page, without a password.

It grants nothing else: no session login, no other page; the POST carries the token again.
A tampered, expired or mismatched link gets a friendly page saying how to get a new one.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_babel import force_locale

from coordinator.extensions import db
from coordinator.models import Action, Person, utcnow
from coordinator.signed_links import LinkExpired, LinkInvalid, read_action_token
from coordinator.web import errors
from coordinator.web.completion import (
    CompleteForm,
    UndoForm,
    can_undo,
    complete_from_form,
    undo_completion,
)

blp = errors.install(Blueprint("links", __name__, url_prefix="/t"))


class _LinkProblem(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _resolve(token: str) -> tuple[Person, Action]:
    try:
        person_id, action_id = read_action_token(token)
    except LinkExpired:
        raise _LinkProblem("expired") from None
    except LinkInvalid:
        raise _LinkProblem("invalid") from None
    person = db.session.get(Person, person_id)
    action = db.session.get(Action, action_id)
    if person is None or not person.active or action is None:
        raise _LinkProblem("invalid")
    if action.assignee_id != person.id:
        raise _LinkProblem("reassigned")
    if action.status == "cancelled":
        raise _LinkProblem("cancelled")
    return person, action


def _problem_page(problem: _LinkProblem) -> Any:
    # Shown in Indonesian: whoever holds a broken link may not be logged in to anything.
    with force_locale("id"):
        html = render_template("links/problem.html", reason=problem.reason, hide_nav=True)
    return html, 410 if problem.reason in ("expired", "cancelled") else 404


def _page(token: str, person: Person, action: Action, form: CompleteForm, status: int = 200) -> Any:
    with force_locale(person.language):
        html = render_template(
            "links/action.html", token=token, person=person, action=action, form=form,
            undo_form=UndoForm(), now=utcnow(), can_undo=can_undo(action, person),
            hide_nav=True,
        )
    return html, status


@blp.get("/<token>")
def open_link(token: str) -> Any:
    try:
        person, action = _resolve(token)
    except _LinkProblem as problem:
        return _problem_page(problem)
    return _page(token, person, action, CompleteForm())


@blp.post("/<token>")
def complete(token: str) -> Any:
    try:
        person, action = _resolve(token)
    except _LinkProblem as problem:
        return _problem_page(problem)
    form = CompleteForm()
    with force_locale(person.language):
        if not form.validate_on_submit():
            return _page(token, person, action, form, 400)
        outcome = complete_from_form(action, person, form)
    return _page_with_message(token, person, action, form, outcome)


@blp.post("/<token>/batal")
def undo(token: str) -> Any:
    try:
        person, action = _resolve(token)
    except _LinkProblem as problem:
        return _problem_page(problem)
    if not UndoForm().validate_on_submit():
        return _page(token, person, action, CompleteForm(), 400)
    with force_locale(person.language):
        outcome = undo_completion(action, person)
    db.session.refresh(action)
    return _page_with_message(token, person, action, CompleteForm(formdata=None), outcome)


def _page_with_message(token: str, person: Person, action: Action, form: CompleteForm,
                       outcome: Any) -> Any:
    from flask import flash

    flash(outcome.message, outcome.category)
    return _page(token, person, action, form, 200 if outcome.ok else 409)
