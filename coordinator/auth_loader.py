"""Flask-Login wiring: how a session cookie becomes a :class:`Person`.

The cookie holds the person's id and a server-side session id (``sid``); the person is loaded
only while that session is live (``domain.sessions``), in one SELECT.
"""
from __future__ import annotations

from flask import Flask, session

from coordinator.domain.sessions import person_for_session
from coordinator.extensions import login_manager
from coordinator.models import Person

SESSION_KEY = "sid"


def load_person(user_id: str) -> Person | None:
    session_id = session.get(SESSION_KEY)
    if not user_id.isdigit() or len(user_id) > 10 or not isinstance(session_id, str):
        return None
    return person_for_session(int(user_id), session_id)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_person)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
