"""Discretion: SMS and titles must not carry case words (cadres' phones are shared)."""
from __future__ import annotations

import re

from flask import current_app


def _pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = [r"\s+".join(re.escape(p) for p in w.split()) for w in words if w.strip()]
    if not parts:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def sensitive_words_in(text: str | None) -> list[str]:
    """The configured sensitive words or phrases found in ``text`` (whole words, any case)."""
    if not text:
        return []
    words: tuple[str, ...] = current_app.extensions["sinergi"].sensitive_words
    pattern = _pattern(words)
    if pattern is None:
        return []
    found: list[str] = []
    by_lower = {" ".join(w.lower().split()): w for w in words}
    for match in pattern.finditer(text):
        word = by_lower.get(" ".join(match.group(1).lower().split()), match.group(1))
        if word not in found:
            found.append(word)
    return found
