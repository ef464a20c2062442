"""Discreet, short SMS text: no case words, GSM-7 where possible, one part whenever a readable
title allows it (SMS credit is paid per part), else at most two."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coordinator.channels.sms_encoding import PART_LIMIT, SINGLE_LIMIT, analyse, to_gsm7
from coordinator.domain.discretion import sensitive_words_in

MAX_PARTS = 2
MAX_TITLE = 60
# A title cut shorter than this says too little: the SMS may take a second part instead.
MIN_TITLE = 20
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
    """``text`` in at most ``limit`` characters, cut at a word where one is near, with "..."."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 3)]
    space = cut.rfind(" ")
    if space >= len(cut) * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "..."


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
    """Render the SMS in one part if the title, shortened to no less than ``MIN_TITLE``
    characters, allows it; else in two (the title shortened as needed); else with a neutral
    title."""
    text = mask_sensitive(clean(render({})))
    title = values.get("sms_title")
    if analyse(text).parts == 1 or not title:
        return text
    for parts, shortest in ((1, MIN_TITLE), (MAX_PARTS, 4)):
        fitted = _with_title_within(render, text, title, parts, shortest)
        if fitted is not None:
            return fitted
    code = values.get("code", "")
    neutral = NEUTRAL_TITLE.get(language, NEUTRAL_TITLE["id"]).format(code=code)
    return mask_sensitive(clean(render({"sms_title": neutral})))


def _with_title_within(render: Callable[[dict[str, Any]], str], text: str, title: str,
                       parts: int, shortest: int) -> str | None:
    """The text in at most ``parts`` parts with the title cut to fit, if it stays readable
    (``shortest`` characters or more)."""
    for _ in range(3):  # extension characters count twice: a second cut may be needed
        info = analyse(text)
        if info.parts <= parts:
            return text
        budget = SINGLE_LIMIT[info.encoding] if parts == 1 else PART_LIMIT[info.encoding] * parts
        title = shorten(title, len(title) - (info.units - budget))
        if len(title) < shortest:
            return None
        text = mask_sensitive(clean(render({"sms_title": title})))
    return text if analyse(text).parts <= parts else None
