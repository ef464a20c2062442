"""Languages: Bahasa Indonesia by default, English available.

One catalog per language in ``coordinator/translations`` (msgids in English; ``make
translations`` extracts, updates and compiles it; a test fails on any text left untranslated).
Workers pick a person's language with ``flask_babel.force_locale``. Message texts (SMS, e-mail)
are templates per language instead (:mod:`coordinator.messages`).
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, request, session
from flask_login import current_user

from coordinator.config import LANGUAGES
from coordinator.extensions import babel

PACKAGE_DIR = Path(__file__).resolve().parent


TRANSLATIONS_DIR = PACKAGE_DIR / "translations"


def select_locale() -> str:
    """The person's own language, else the one chosen this session, else the default."""
    forced = g.get("language")
    if forced in LANGUAGES:
        return str(forced)
    if current_user and getattr(current_user, "is_authenticated", False):
        return str(current_user.language)
    chosen = session.get("language") if request else None
    if chosen in LANGUAGES:
        return str(chosen)

    return str(current_app.extensions["sinergi"].default_language)


def init_app(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = app.extensions["sinergi"].default_language
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.extensions["sinergi"].timezone
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
