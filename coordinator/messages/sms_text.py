"""Discreet, short SMS text: no case words, GSM-7 where possible, at most two parts if it fits."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coordinator.channels.sms_encoding import PART_LIMIT, analyse, to_gsm7
from coordinator.domain.discretion import sensitive_words_in

MAX_PARTS = 2
MAX_TITLE = 60
MAX_NAME = 30
MAX_CODES = 8
NEUTRAL_TITLE = {"id": "Tugas {code}", "en": "Task {code}"}
NEUTRAL_PROGRAM = {"id": "program gugus tugas", "en": "a task force program"}
MASK = "***"
MAX_MASK_WIDTH = 12


def clean(text: str) -> str:
    """One line, single spaces, folded towards GSM-7."""
    return " ".join(to_gsm7(text).split())


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 3)].rstrip() + "..."


def discreet_title(title: str, code: str, language: str) -> str:
    """The title fit for a shared phone: a neutral ``Tugas <code>`` if it holds a case word."""
    if sensitive_words_in(title):
        return NEUTRAL_TITLE.get(language, NEUTRAL_TITLE["id"]).format(code=code)
    return shorten(clean(title), MAX_TITLE)


def subject_title(title: str, code: str, language: str) -> str:
    """The title as an email subject may show it: unchanged unless it holds a case word."""
    if sensitive_words_in(title):
        return NEUTRAL_TITLE.get(language, NEUTRAL_TITLE["id"]).format(code=code)
    return title


def program_title(title: str, language: str) -> str:
    """A program's title as messages may show it: neutral if it holds a case word."""
    if sensitive_words_in(title):
        return NEUTRAL_PROGRAM.get(language, NEUTRAL_PROGRAM["id"])
    return title


def discreet_name(name: str) -> str:
    return "" if sensitive_words_in(name) else shorten(clean(name), MAX_NAME)


def code_list(codes: list[str]) -> str:
    shown = ", ".join(codes[:MAX_CODES])
    return shown + (f" +{len(codes) - MAX_CODES}" if len(codes) > MAX_CODES else "")


def mask_sensitive(text: str) -> str:
    """Replace any sensitive word left in ``text`` (a last line of defence).

    Masks the fewest whitespace-separated pieces that hold a find, so a phrase or a word spelt
    letter by letter is masked whole.
    """
    if not sensitive_words_in(text):
        return text
    pieces = text.split(" ")
    for width in range(1, MAX_MASK_WIDTH + 1):
        for start in range(len(pieces) - width + 1):
            window = [p for p in pieces[start:start + width] if p != MASK]
            if len(window) == width and sensitive_words_in(" ".join(window)):
                pieces[start:start + width] = [MASK] + [""] * (width - 1)
    masked = " ".join(p for p in pieces if p)
    return masked if not sensitive_words_in(masked) else MASK


def fit(render: Callable[[dict[str, Any]], str], values: dict[str, Any], language: str) -> str:
    """Render the SMS; shorten the title until it fits in two parts, else use a neutral title."""
    text = mask_sensitive(clean(render({})))
    title = values.get("sms_title")
    if analyse(text).parts <= MAX_PARTS or not title:
        return text
    budget = PART_LIMIT[analyse(text).encoding] * MAX_PARTS
    overflow = analyse(text).units - budget
    shorter = shorten(title, len(title) - overflow - 3)
    if len(shorter) > 3:
        text = mask_sensitive(clean(render({"sms_title": shorter})))
        if analyse(text).parts <= MAX_PARTS:
            return text
    code = values.get("code", "")
    neutral = NEUTRAL_TITLE.get(language, NEUTRAL_TITLE["id"]).format(code=code)
    return mask_sensitive(clean(render({"sms_title": neutral})))
