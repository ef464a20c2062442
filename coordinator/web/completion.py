"""The completion form shared by "Tugas saya" and the signed-link page: note + people reached."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, TextAreaField
from wtforms.validators import NumberRange, Optional

from coordinator.domain.errors import Conflict, DomainError, InvalidInput
from coordinator.models import Action, Person, utcnow
from coordinator.web.forms import WebForm

UNDO_WINDOW = timedelta(hours=24)


class CompleteForm(WebForm):
    note = TextAreaField(_l("Note (optional)"), validators=[Optional()])
    people_reached = IntegerField(
        _l("People reached (optional)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100000, message=_l("Enter a number from 0 to 100000.")),
        ],
    )


class UndoForm(WebForm):
    pass


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    category: str = "info"


def complete_from_form(action: Action, person: Person, form: CompleteForm) -> Outcome:
    """Call the domain with the form's values and say what happened, in the person's language."""
    from coordinator.domain.actions import complete_action

    try:
        result = complete_action(
            action.id, actor=person, note=form.note.data or None,
            people_reached=form.people_reached.data,
        )
    except InvalidInput as exc:
        for name, messages in exc.fields.items():
            if name in form:
                form[name].errors = list(messages)
        return Outcome(False, _("Please check the form."), "error")
    except Conflict:
        return Outcome(False, _("This task was cancelled and cannot be completed."), "error")
    except DomainError:
        return Outcome(False, _("This task cannot be completed here."), "error")
    if not result.changed:
        return Outcome(True, _("This task was already marked done."), "info")
    return Outcome(True, _("Thank you! The task is marked done."), "info")


def undo_completion(action: Action, person: Person) -> Outcome:
    from coordinator.domain.actions import reopen_action

    try:
        reopen_action(action.id, actor=person)
    except DomainError:
        return Outcome(False, _("This completion can no longer be undone."), "error")
    return Outcome(True, _("Undone: the task is open again."), "info")


def can_undo(action: Action, person: Person, now: datetime | None = None) -> bool:
    """Whether to show the undo button (the domain decides again when it is pressed)."""
    now = now or utcnow()
    return (
        action.status == "done"
        and action.completed_by_id == person.id
        and action.completed_at is not None
        and now - action.completed_at < UNDO_WINDOW
    )
