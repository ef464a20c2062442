"""Helpers for staff pages: who counts as staff, flashing domain errors in the user's language."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import flash
from flask_babel import gettext as _
from flask_login import current_user, login_required

from coordinator.errors import Conflict, DomainError, Forbidden, InvalidInput
from coordinator.errors import NotFound as DomainNotFound
from coordinator.extensions import db
from coordinator.policy import can
from coordinator.web.forms import ButtonForm

F = TypeVar("F", bound=Callable[..., Any])


def staff_required(view: F) -> F:
    """Logged-in admin, lead or coordinator; a cadre gets 404 (staff pages do not exist for them)."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not can(current_user, "staff.area"):
            raise DomainNotFound("staff page")
        return view(*args, **kwargs)

    return login_required(wrapper)  # type: ignore[return-value]


def flash_domain_error(error: DomainError, form: Any = None) -> None:
    """Explain a refused change: field errors go next to their fields, the rest to a flash."""
    if isinstance(error, InvalidInput):
        for name, messages in error.fields.items():
            if form is not None and name in form:
                form[name].errors = list(form[name].errors or []) + [_(m) for m in messages]
            else:
                flash(f"{name}: {'; '.join(_(m) for m in messages)}", "error")
        flash(_("Nothing was saved: please check the form."), "error")
    elif isinstance(error, Conflict):
        flash(_("Not possible in the current state: %(reason)s", reason=_(error.message)), "error")
    elif isinstance(error, (Forbidden, DomainNotFound)):
        flash(_("You may not do this here."), "error")
    else:
        flash(_("Nothing was saved: %(reason)s", reason=_(error.message)), "error")


def run_button(operation: Callable[[], object], done_message: str) -> bool:
    """Run the domain change behind a one-button form and flash its outcome; True if it ran."""
    if not ButtonForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return False
    try:
        operation()
    except DomainError as exc:
        db.session.rollback()
        flash_domain_error(exc)
        return False
    flash(done_message, "info")
    return True
