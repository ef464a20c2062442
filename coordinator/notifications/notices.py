"""Short notices only this area sends: to the coordinator when an action of their kelurahan is
completed, reopened or cancelled (if the program's policy asks for it), and to cadres when a
program closes and cancels their open actions. Plain text in Bahasa Indonesia or English; the
SMS form names the action by its public code only (no title: it may hold a sensitive word).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coordinator.models import Action, Person, Program

KINDS = ("action_completed", "action_reopened", "action_cancelled", "program_closed")

_WHAT = {
    "action_completed": {"id": "selesai dikerjakan", "en": "was completed"},
    "action_reopened": {"id": "dibuka kembali", "en": "was reopened"},
    "action_cancelled": {"id": "dibatalkan", "en": "was cancelled"},
}
_TEXT = {
    "id": {
        "hello": "Halo {name},",
        "action": "Tugas {code} ({title}) di {kelurahan} {what}.",
        "action_sms": "Sinergi: tugas {code} di {kelurahan} {what}.",
        "closed_subject": "Program ditutup: {program}",
        "closed": "Program {program} telah ditutup. Tugas Anda berikut dibatalkan dan tidak perlu "
                  "dikerjakan lagi:",
        "closed_sms": "Sinergi: program ditutup, tugas Anda dibatalkan: {codes}. Tidak perlu "
                      "dikerjakan lagi.",
    },
    "en": {
        "hello": "Hello {name},",
        "action": "Task {code} ({title}) in {kelurahan} {what}.",
        "action_sms": "Sinergi: task {code} in {kelurahan} {what}.",
        "closed_subject": "Program closed: {program}",
        "closed": "The program {program} has been closed. These tasks of yours are cancelled and "
                  "need no more work:",
        "closed_sms": "Sinergi: program closed, your tasks are cancelled: {codes}. No more work "
                      "needed.",
    },
}


@dataclass(frozen=True)
class Notice:
    subject: str
    text: str
    html: str
    sms: str


def compose(kind: str, person: Person, **context: Any) -> Notice:
    """Render a notice for ``person`` in their language."""
    from markupsafe import escape

    words = _TEXT.get(person.language, _TEXT["id"])
    if kind == "program_closed":
        subject, text, sms = _program_closed(words, context["program"], context["actions"])
    else:
        subject, text, sms = _action_notice(words, kind, person.language, context["action"])
    body = "\n\n".join([words["hello"].format(name=person.name), text])
    html = "".join(f"<p>{escape(part)}</p>" for part in body.split("\n\n"))
    return Notice(subject=subject, text=body, html=html, sms=sms)


def _action_notice(words: dict[str, str], kind: str, language: str,
                   action: Action) -> tuple[str, str, str]:
    what = _WHAT[kind]["id" if language != "en" else "en"]
    kelurahan = action.kelurahan.name if action.kelurahan is not None else action.kelurahan_code
    text = words["action"].format(code=action.public_code, title=action.title,
                                  kelurahan=kelurahan, what=what)
    sms = words["action_sms"].format(code=action.public_code, kelurahan=kelurahan, what=what)
    return text, text, sms


def _program_closed(words: dict[str, str], program: Program,
                    actions: list[Action]) -> tuple[str, str, str]:
    lines = "\n".join(f"- {a.public_code}: {a.title}" for a in actions)
    text = words["closed"].format(program=program.title) + "\n" + lines
    codes = ", ".join(a.public_code for a in actions[:10]) + (" ..." if len(actions) > 10 else "")
    return (words["closed_subject"].format(program=program.title), text,
            words["closed_sms"].format(codes=codes))
