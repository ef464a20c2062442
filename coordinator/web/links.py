"""``/t/<token>``: a link from a message opens one action's page for its purpose, no password.

The assignee's link (purpose "do") marks the task done or takes that back; a follow-up or
assign link (escalations, unassigned actions, notices to coordinators) shows the action to the
staff it was sent to, who may record a completion reported by phone (on the cadre's behalf).
It grants nothing else: no session login, no other page; every POST carries the token again.
Whether the link still works is the policy's decision; a link that does not gets a page
saying why and how to get a new one.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import force_locale

from coordinator import policy
from coordinator.extensions import db
from coordinator.messages.links import LinkClaim, LinkExpired, LinkInvalid, read_action_token
from coordinator.models import Action, Person, utcnow
from coordinator.policy import LinkPurpose, Reason, Via
from coordinator.web import errors
from coordinator.web.completion import (
    CompleteForm,
    UndoForm,
    can_undo,
    complete_from_form,
    undo_completion,
)

blp = errors.install(Blueprint("links", __name__, url_prefix="/t"))
# The problem page's wording, by the policy's reason (anything else: "not valid").
PROBLEMS = {Reason.NOT_YOURS: "reassigned", Reason.CANCELLED: "cancelled"}


class _LinkProblem(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _resolve(token: str) -> tuple[Person, Action, LinkClaim]:
    try:
        claim = read_action_token(token)
    except LinkExpired:
        raise _LinkProblem("expired") from None
    except LinkInvalid:
        raise _LinkProblem("invalid") from None
    person = db.session.get(Person, claim.person_id)
    action = db.session.get(Action, claim.action_id)
    if person is None or action is None:
        raise _LinkProblem("invalid")
    decision = policy.actions.open_link(person, action, claim.purpose)
    if not decision:
        raise _LinkProblem(PROBLEMS.get(decision.reason, "invalid"))  # type: ignore[arg-type]
    return person, action, claim


def _problem_page(problem: _LinkProblem) -> Any:
    # Shown in Indonesian: whoever holds a broken link may not be logged in to anything.
    with force_locale("id"):
        html = render_template("links/problem.html", reason=problem.reason, hide_nav=True)
    return html, 410 if problem.reason in ("expired", "cancelled") else 404


def _page(token: str, person: Person, action: Action, claim: LinkClaim, form: CompleteForm,
          status: int = 200) -> Any:
    with force_locale(person.language):
        html = render_template(
            "links/action.html", token=token, person=person, action=action, form=form,
            undo_form=UndoForm(), now=utcnow(), can_undo=can_undo(action, person),
            on_behalf=claim.purpose != LinkPurpose.DO,
            may_complete=policy.can(person, "action.complete", action, via=Via.LINK),
            hide_nav=True,
        )
    return html, status


@blp.get("/<token>")
def open_link(token: str) -> Any:
    try:
        person, action, claim = _resolve(token)
    except _LinkProblem as problem:
        return _problem_page(problem)
    return _page(token, person, action, claim, CompleteForm())


@blp.post("/<token>")
def complete(token: str) -> Any:
    try:
        person, action, claim = _resolve(token)
    except _LinkProblem as problem:
        return _problem_page(problem)
    form = CompleteForm()
    with force_locale(person.language):
        if not form.validate_on_submit():
            return _page(token, person, action, claim, form, 400)
        outcome = complete_from_form(action, person, form, via=Via.LINK)
        if not outcome.ok and form.errors:
            return _page(token, person, action, claim, form, 400)
        flash(outcome.message, outcome.category)
    return redirect(url_for("links.open_link", token=token), code=303)


@blp.post("/<token>/batal")
def undo(token: str) -> Any:
    try:
        person, _action, _claim = _resolve(token)
    except _LinkProblem as problem:
        return _problem_page(problem)
    with force_locale(person.language):
        if UndoForm().validate_on_submit():
            outcome = undo_completion(_action, person, via=Via.LINK)
            flash(outcome.message, outcome.category)
    return redirect(url_for("links.open_link", token=token), code=303)
