"""Discretion: public titles, SMS and e-mail must not carry case words (cadres' phones are shared).

The matching rule lives in :mod:`coordinator.domain.wording` (pure); this module binds it to the
configured word list (``SMS_SENSITIVE_WORDS``) and turns a find into a refusal for entry points.
"""
from __future__ import annotations

from flask import current_app

from coordinator.domain.wording import find_words
from coordinator.errors import N_, InvalidInput


def configured_words() -> tuple[str, ...]:
    words: tuple[str, ...] = current_app.extensions["sinergi"].sensitive_words
    return words


def sensitive_words_in(text: str | None) -> list[str]:
    """The configured sensitive words or phrases found in ``text``, however disguised."""
    return find_words(text, configured_words())


PUBLIC_TITLE_REFUSED = N_(
    "A public title is read on shared phones and in e-mail: it must not contain case words. "
    "Use a neutral title, such as \"Kegiatan sosialisasi\"."
)


def public_title_errors(field: str, title: str | None) -> dict[str, list[str]]:
    """``{field: [message]}`` when a public title holds a case word, else ``{}``."""
    return {field: [PUBLIC_TITLE_REFUSED]} if sensitive_words_in(title) else {}


def check_public_title(field: str, title: str | None) -> None:
    """Refuse (``InvalidInput``) a public title that holds a case word."""
    errors = public_title_errors(field, title)
    if errors:
        raise InvalidInput("sensitive public title", errors)
