"""Flask-Login wiring: how a session's user id becomes a :class:`Person`."""
from __future__ import annotations

from flask import Flask

from coordinator.extensions import db, login_manager
from coordinator.models import Person


def load_person(user_id: str) -> Person | None:
    if not user_id.isdigit():
        return None
    person = db.session.get(Person, int(user_id))
    return person if person is not None and person.active else None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_person)
    login_manager.login_view = "auth.login"
