"""Every message kind, rendered for staff titles that name the case: no configured word reaches
a subject, a text or HTML body, or an SMS (issue 11: messages carry the public title only)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask

from coordinator.domain.discretion import configured_words, sensitive_words_in
from coordinator.messages import KINDS, compose
from coordinator.messages.composing import Message
from tests.channels.conftest import make_action, make_person, make_program
from tests.support import sqlite_only

# Composing reads the objects it is given, never the database: one backend is enough.
pytestmark = sqlite_only

# The indicators' own names: the weekly digest must not carry them either.
CASE_STATS = [
    {"label": "Korban TPPO", "actual": 11, "target": 21, "period": "2022-01..2022-02"},
    {"label": "Korban KTPA perempuan", "actual": 30, "target": 25, "period": "2022-01..2022-02"},
]


def _context(action, word: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "action": action, "actions": [action], "about": action.assignee, "code": action.public_code,
        "people_reached": 40, "open_codes": [action.public_code, "C3DE"],
        "kelurahan": action.kelurahan, "program": action.program, "month": date(2022, 2, 1),
        "link": "https://sinergi.example.test/statistik", "due_day": 10,
        # What summaries.py reads is the public title; were a staff title ever handed over,
        # composing still keeps it out.
        "programs": [{"title": f"Program {word} 2022", "done": 1, "total": 2, "overdue": 1}],
        "overdue_by_kecamatan": [{"name": "Tambora", "count": 1}], "case_stats": CASE_STATS,
        "now": action.due_at + timedelta(days=3),
    }


def _parts(message: Message) -> dict[str, str]:
    return {"subject": message.subject, "text": message.text, "html": message.html,
            "sms": message.sms}


def _leaks(message: Message, words: tuple[str, ...]) -> list[str]:
    found = []
    for name, part in _parts(message).items():
        if sensitive_words_in(part):
            found.append(f"{name}: {sensitive_words_in(part)}")
        found += [f"{name}: {w!r} verbatim" for w in words if w.lower() in part.lower()]
    return found


@pytest.mark.parametrize(("role", "language"), [("cadre", "id"), ("coordinator", "id"),
                                               ("lead", "en")])
def test_no_kind_carries_a_case_word_of_a_staff_title(world: Flask, role: str,
                                                      language: str) -> None:
    words = configured_words()
    assert len(words) >= 5
    reader = make_person(role, language=language)
    cadre = make_person(name="Siti Aminah")
    for word in words:
        program = make_program(make_person("lead"), title=f"Penanganan {word} 2026",
                               public_title="Kegiatan warga 2026")
        action = make_action(program, cadre, title=f"Pendampingan {word} di RW 05",
                             public_title="Kunjungan warga RW 05")
        for kind in KINDS:
            message = compose(kind, reader, **_context(action, word))
            assert _leaks(message, words) == [], (word, kind)


def test_a_public_title_that_slipped_through_is_neutralised_everywhere(world: Flask) -> None:
    """Rows from before the check (or a changed word list): composing replaces such titles."""
    words = configured_words()
    reader = make_person()
    for word in words:
        program = make_program(make_person("lead"), title=word, public_title=f"Program {word}")
        action = make_action(program, reader, title=word, public_title=f"{word.upper()}-nya RW 05")
        for kind in KINDS:
            message = compose(kind, reader, **_context(action, word))
            assert _leaks(message, words) == [], (word, kind)
