"""What a supervisor's page about one action needs: its forms, the people it may go to (same
network first) and the answers in the reader's language.

Shared by the follow-up / assign link pages (:mod:`coordinator.web.links`) and the staff
action page (the cancel form with its reason).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import desc, exists, select
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from coordinator.domain.actions import REPORTED_HOW
from coordinator.extensions import db
from coordinator.models import Action, Person, person_networks
from coordinator.policy import audiences
from coordinator.policy.limits import MAX_CANCEL_REASON_LENGTH
from coordinator.web.completion import CompleteForm
from coordinator.web.forms import WebForm

REPORTED_LABELS = {"phone": _l("by phone"), "in_person": _l("in person")}


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class CancelForm(WebForm):
    reason = TextAreaField(_l("Why is it cancelled?"), filters=[_stripped], validators=[
        DataRequired(_l("Say why the action is cancelled.")),
        Length(max=MAX_CANCEL_REASON_LENGTH,
               message=_l("At most %(n)s characters.", n=MAX_CANCEL_REASON_LENGTH)),
    ])


class ChooseForm(WebForm):
    """One person of the kelurahan, picked from a radio list (no JavaScript needed)."""

    assignee_id = RadioField(_l("Give the task to"), coerce=str, validate_choice=True,
                             validators=[InputRequired(_l("Choose a person from the list."))])


class OnBehalfForm(CompleteForm):
    """A completion the cadre reported by phone or in person, recorded by staff."""

    reported = RadioField(_l("How was it reported to you?"),
                          choices=[(k, REPORTED_LABELS[k]) for k in REPORTED_HOW],
                          validators=[InputRequired(_l("Choose how it was reported."))])


@dataclass(frozen=True)
class Candidate:
    person: Person
    same_network: bool


def candidates(action: Action, viewer: Person | None = None) -> list[Candidate]:
    """Who the action may go to: active cadres (then coordinators) of its kelurahan, those of the
    action's network first; neither the current assignee nor the viewer (who "takes" it)."""
    query = select(Person).where(audiences.assignable_in(action.kelurahan_code))
    if action.assignee_id is not None:
        query = query.where(Person.id != action.assignee_id)
    if viewer is not None:
        query = query.where(Person.id != viewer.id)
    if action.network_id is None:
        people = db.session.scalars(query.order_by(Person.role, Person.name, Person.id))
        return [Candidate(p, False) for p in people]
    same = exists().where(person_networks.c.person_id == Person.id,
                          person_networks.c.network_id == action.network_id)
    rows = db.session.execute(query.add_columns(same.label("same"))
                              .order_by(desc(same), Person.role, Person.name, Person.id))
    return [Candidate(row[0], bool(row[1])) for row in rows]


def choose_form(action: Action, viewer: Person | None, formdata: Any = None) -> ChooseForm:
    form = ChooseForm(formdata=formdata) if formdata is not None else ChooseForm(formdata=None)
    form.assignee_id.choices = [(str(c.person.id), c.person.name)
                                for c in candidates(action, viewer)]
    return form


def reminded_message(planned: int, name: str) -> tuple[str, str]:
    if planned:
        return _("A reminder to %(name)s is on its way (SMS waits for the morning in quiet "
                 "hours).", name=name), "info"
    return _("%(name)s was already reminded today: one reminder a day.", name=name), "warning"
