"""The completion form shared by "Tugas saya" and the link pages: note + people reached,
and the answers to a completion or an undo in the reader's language."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from coordinator import policy
from coordinator.domain.actions import complete_action, reopen_action
from coordinator.errors import DomainError, InvalidInput
from coordinator.models import Action, Person
from coordinator.policy import Via
from coordinator.policy.limits import MAX_NOTE_LENGTH, MAX_PEOPLE_REACHED
from coordinator.web.forms import WebForm
from coordinator.web.reasons import message_for


class CompleteForm(WebForm):
    note = TextAreaField(_l("Note (optional)"), validators=[
        Optional(), Length(max=MAX_NOTE_LENGTH,
                           message=_l("At most %(n)s characters.", n=MAX_NOTE_LENGTH))])
    people_reached = IntegerField(
        _l("People reached (optional)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_PEOPLE_REACHED,
                        message=_l("Enter a number from 0 to %(n)s.", n=MAX_PEOPLE_REACHED)),
        ],
    )


class UndoForm(WebForm):
    pass


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    category: str = "info"


def complete_from_form(action: Action, person: Person, form: CompleteForm,
                       via: Via = Via.WEB) -> Outcome:
    """Call the domain with the form's values and say what happened, in the person's language.

    A form with a ``reported`` field is a completion recorded on the cadre's behalf."""
    reported = form["reported"].data if "reported" in form else None
    try:
        result = complete_action(
            action.id, actor=person, note=form.note.data or None,
            people_reached=form.people_reached.data, via=via, reported=reported,
        )
    except InvalidInput as exc:
        for name, messages in exc.fields.items():
            if name in form:
                form[name].errors = list(messages)
        return Outcome(False, _("Please check the form."), "error")
    except DomainError as exc:
        return Outcome(False, message_for(exc) or _("This task cannot be completed here."),
                       "error")
    if not result.changed:
        return Outcome(True, _("This task was already marked done."), "info")
    return Outcome(True, _("Thank you! The task is marked done."), "info")


def undo_completion(action: Action, person: Person, via: Via = Via.WEB) -> Outcome:
    try:
        reopen_action(action.id, actor=person, via=via)
    except DomainError as exc:
        return Outcome(False, message_for(exc) or _("This completion can no longer be undone."),
                       "error")
    return Outcome(True, _("Undone: the task is open again."), "info")


def can_undo(action: Action, person: Person) -> bool:
    """Whether to show the undo button (the domain asks the policy again when it is pressed)."""
    return policy.can(person, "action.reopen", action)
