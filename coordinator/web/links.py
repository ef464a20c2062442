"""``/t/<token>``: a link from a message opens one action's page for its purpose, no password.

- "do" (the assignee): mark the task done, or take that back.
- "follow up" (escalations, notices to coordinators) and "assign" (unassigned actions): the
  staff it was sent to see the status, the assignee, how late it is and the messages already
  sent, and act: choose a cadre or take it themselves, remind again, reassign, record a
  completion reported by phone or in person, cancel with a reason, restore a cancellation.

It grants nothing else: no session login, no other page; every POST carries the token again
and answers with a redirect back to the page (post/redirect/get). Whether the link still works,
and each change it offers, is the policy's decision; a link that does not work gets a page
saying why and how to get a new one.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from coordinator import policy, read_cache
from coordinator.domain.actions import cancel_action, reassign_action, restore_action
from coordinator.domain.history import action_history
from coordinator.domain.overdue import days_overdue
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.messages.links import LinkClaim, LinkExpired, LinkInvalid, read_action_token
from coordinator.models import Action, Person, utcnow
from coordinator.models.people import narrow_person
from coordinator.notifications.follow_up import remind_now
from coordinator.policy import LinkPurpose, Reason, Via
from coordinator.web import errors
from coordinator.web.completion import (
    CompleteForm,
    UndoForm,
    can_undo,
    complete_from_form,
    undo_completion,
)
from coordinator.web.follow_up import (
    CancelForm,
    OnBehalfForm,
    candidates,
    choose_form,
    reminded_message,
)
from coordinator.web.forms import ButtonForm
from coordinator.web.reasons import message_for
from coordinator.web.staff import flash_domain_error

blp = errors.install(Blueprint("links", __name__, url_prefix="/t"))
# The problem page's wording, by the policy's reason (anything else: "not valid").
PROBLEMS = {Reason.NOT_YOURS: "reassigned", Reason.CANCELLED: "cancelled"}


class _LinkProblem(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


# Built once (building and keying a SELECT with loader options costs more than running it):
# the link's person, narrow, and its action with its kelurahan, which the page names.
_LINK_PERSON = select(Person).where(Person.id == bindparam("id")).options(*narrow_person())
_LINK_ACTION = (select(Action).where(Action.id == bindparam("id"))
                .options(joinedload(Action.kelurahan)))


def _resolve(token: str) -> tuple[Person, Action, LinkClaim]:
    try:
        claim = read_action_token(token)
    except LinkExpired:
        raise _LinkProblem("expired") from None
    except LinkInvalid:
        raise _LinkProblem("invalid") from None
    person = db.session.scalars(_LINK_PERSON, {"id": claim.person_id}).first()
    action = db.session.scalars(_LINK_ACTION, {"id": claim.action_id}).first()
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


def _manages(claim: LinkClaim) -> bool:
    return claim.purpose != LinkPurpose.DO


def _page(token: str, person: Person, action: Action, claim: LinkClaim,
          status: int = 200, **forms: Any) -> Any:
    """The task page (the assignee's) or the follow-up / assign page (staff's)."""
    if _manages(claim):
        return _manage_page(token, person, action, claim, status, **forms)
    with force_locale(person.language):
        html = render_template(
            "links/action.html", token=token, person=person, action=action,
            form=forms.get("form") or CompleteForm(formdata=None),
            undo_form=UndoForm(), now=utcnow(), can_undo=can_undo(action, person),
            on_behalf=False,
            may_complete=policy.can(person, "action.complete", action, via=Via.LINK),
            hide_nav=True,
        )
    return html, status


def _manage_page(token: str, person: Person, action: Action, claim: LinkClaim, status: int,
                 **forms: Any) -> Any:
    now = utcnow()
    allowed = {name: policy.can(person, f"action.{name}", action, now=now, via=Via.LINK)
               for name in ("complete", "reopen", "cancel", "reassign", "remind", "take",
                            "restore")}
    mine = policy.actions.is_assignee(person, action)
    with force_locale(person.language):
        html = render_template(
            "links/follow_up.html", token=token, person=person, action=action, now=now,
            purpose=claim.purpose, allowed=allowed, mine=mine,
            days_late=days_overdue(action.status, action.due_at, now),
            candidates=candidates(action, person),
            choose=forms.get("choose") or choose_form(action, person),
            complete=forms.get("complete") or (CompleteForm(formdata=None) if mine
                                               else OnBehalfForm(formdata=None)),
            cancel=forms.get("cancel") or CancelForm(formdata=None),
            button=ButtonForm(), history=action_history(action.id),
            restore_until=policy.actions.restore_deadline(action), hide_nav=True,
        )
    return html, status


def _back(token: str) -> Response:
    return redirect(url_for("links.open_link", token=token), code=303)


def _with_link(view: Callable[[str, Person, Action, LinkClaim], Any]) -> Callable[[str], Any]:
    """Resolve the token (or answer with the problem page), then run ``view`` in the language
    of the person the link was sent to."""
    def wrapper(token: str) -> Any:
        try:
            person, action, claim = _resolve(token)
        except _LinkProblem as problem:
            return _problem_page(problem)
        with force_locale(person.language):
            return view(token, person, action, claim)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _staff_only(claim: LinkClaim) -> None:
    """The follow-up forms answer only on a follow-up or assign link: a task link stays a task
    link, whoever holds it."""
    if not _manages(claim):
        raise errors.page_not_found()


def _run(token: str, operation: Callable[[], object], done: str) -> Response:
    """A change behind a one-button form: flash its outcome, back to the page."""
    if not ButtonForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return _back(token)
    try:
        operation()
    except DomainError as exc:
        db.session.rollback()
        flash(message_for(exc) or _("This cannot be done here."), "error")
        return _back(token)
    flash(done, "info")
    return _back(token)


@blp.get("/<token>")
def open_link(token: str) -> Any:
    """The link's page, kept while nothing is written (``read_cache``) unless the link stops
    working before a kept page would be retired; a broken link's page is never kept."""
    status = 200

    def render() -> tuple[str, bool]:
        nonlocal status
        try:
            person, action, claim = _resolve(token)
        except _LinkProblem as problem:
            html, status = _problem_page(problem)
            return html, False
        with force_locale(person.language):
            html, status = _page(token, person, action, claim)
        ends = claim.expires_at
        return html, ends is None or ends > utcnow() + timedelta(seconds=read_cache.max_age())

    html = read_cache.kept_page(("link", token), render)
    return html, status


@blp.post("/<token>")
@_with_link
def complete(token: str, person: Person, action: Action, claim: LinkClaim) -> Any:
    """Mark done: the assignee's own, or staff recording what the cadre reported."""
    on_behalf = _manages(claim) and not policy.actions.is_assignee(person, action)
    form = OnBehalfForm() if on_behalf else CompleteForm()
    if not form.validate_on_submit():
        return _page(token, person, action, claim, 400, form=form, complete=form)
    outcome = complete_from_form(action, person, form, via=Via.LINK)
    if not outcome.ok and form.errors:
        return _page(token, person, action, claim, 400, form=form, complete=form)
    flash(outcome.message, outcome.category)
    return _back(token)


@blp.post("/<token>/batal")
@_with_link
def undo(token: str, person: Person, action: Action, claim: LinkClaim) -> Any:
    if UndoForm().validate_on_submit():
        outcome = undo_completion(action, person, via=Via.LINK)
        flash(outcome.message, outcome.category)
    return _back(token)


@blp.post("/<token>/pilih")
@_with_link
def choose(token: str, person: Person, action: Action, claim: LinkClaim) -> Any:
    """Give the action to a person of its kelurahan (assign, or reassign)."""
    _staff_only(claim)
    form = choose_form(action, person, formdata=request.form)
    if not form.validate_on_submit():
        if form.assignee_id.errors:  # one clear message for "none" and "not in the list"
            form.assignee_id.errors = [_("Choose a person from the list.")]
        return _page(token, person, action, claim, 400, choose=form)
    try:
        reassign_action(action.id, actor=person, assignee_id=int(form.assignee_id.data))
    except DomainError as exc:
        db.session.rollback()
        flash_domain_error(exc, form)
        return _back(token)
    flash(_("The task now goes to %(name)s, who will be told.",
            name=db.session.get(Person, int(form.assignee_id.data)).name), "info")  # type: ignore[union-attr]
    return _back(token)


@blp.post("/<token>/ambil")
@_with_link
def take(token: str, person: Person, action: Action, claim: LinkClaim) -> Any:
    """"Saya kerjakan sendiri": the coordinator takes the action herself."""
    _staff_only(claim)

    def taking() -> None:
        policy.require(person, "action.take", action, via=Via.LINK)
        reassign_action(action.id, actor=person, assignee_id=person.id)

    return _run(token, taking, _("The task is yours now: mark it done here when it is done."))


@blp.post("/<token>/ingatkan")
@_with_link
def remind(token: str, person: Person, action: Action, claim: LinkClaim) -> Any:
    """"Ingatkan lagi": one more reminder to the assignee, today."""
    _staff_only(claim)
    if not ButtonForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return _back(token)
    try:
        reminded = remind_now(action.id, actor=person, via=Via.LINK)
    except DomainError as exc:
        db.session.rollback()
        flash(message_for(exc) or _("This cannot be done here."), "error")
        return _back(token)
    flash(*reminded_message(reminded.planned, reminded.assignee.name))
    return _back(token)


@blp.post("/<token>/batalkan")
@_with_link
def cancel(token: str, person: Person, action: Action, claim: LinkClaim) -> Any:
    """Cancel, saying why (required); it can be restored from this page."""
    _staff_only(claim)
    form = CancelForm()
    if not form.validate_on_submit():
        return _page(token, person, action, claim, 400, cancel=form)
    try:
        cancel_action(action.id, actor=person, reason=form.reason.data)
    except DomainError as exc:
        db.session.rollback()
        flash(message_for(exc) or _("This cannot be done here."), "error")
        return _back(token)
    flash(_("The task is cancelled. You can restore it from this page."), "info")
    return _back(token)


@blp.post("/<token>/pulihkan")
@_with_link
def restore(token: str, person: Person, action: Action, claim: LinkClaim) -> Any:
    """Undo a cancellation: the task is open again."""
    _staff_only(claim)
    return _run(token, lambda: restore_action(action.id, actor=person),
                _("The task is restored and open again."))
