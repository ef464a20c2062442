"""``compose(kind, person, **context)``: one message kind rendered in the person's language.

Context each kind takes (objects or dicts; missing optional values render empty):

- ``assigned``, ``unassigned`` (to the kelurahan's coordinators: choose a cadre),
  ``reminder_24h``, ``reminder_due_today``, ``reminder_now`` (staff pressed "remind again"),
  ``overdue``, ``link_resent``: ``action``.
- ``escalation``: ``action``, ``days_overdue`` (default: whole days since due), optional ``now``.
- ``action_completed``, ``action_reopened``, ``action_cancelled``: ``action``.
- ``program_closed``: ``program``, ``actions`` (the recipient's actions its closing cancelled).
- ``program_reopened``: ``program``, ``actions`` (the recipient's actions its reopening restored).
- ``digest``: ``actions`` (a list of actions of the recipient).
- ``undeliverable``: ``about`` (the person who could not be reached), optional ``action``.
- ``weekly_digest``: ``programs`` (items with title, done, total, overdue), ``overdue_by_kecamatan``
  (name, count), ``case_stats`` (label, actual, target, optional period), optional ``week_label``, ``link``.
- ``daily_summary``: ``kelurahan`` (a Region or its name), ``actions`` (its overdue actions).
- ``case_stats_late``: ``kelurahan`` (a Region or its name), ``month`` (a date in the month whose
  statistics are late), ``link`` (the grid page), ``due_day``.
- ``sms_reply_*``: optional ``code``, ``people_reached``, ``open_codes``; ``person`` may be None
  (unknown number), then ``language`` picks the language.

The SMS section never carries a sensitive word (``coordinator.domain.discretion``); it is kept to
one GSM-7 part where a readable title allows it (a task SMS with its link: see ``sms_text.fit``),
else within two.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.dates import format_date
from flask import current_app

from coordinator.domain.overdue import days_overdue
from coordinator.messages import sms_text
from coordinator.messages.links import action_link
from coordinator.messages.template_env import render_layout, render_section
from coordinator.models import Action, Person, Region, utcnow
from coordinator.policy.actions import link_purpose_for

ACTION_KINDS = ("assigned", "unassigned", "reminder_24h", "reminder_due_today", "reminder_now",
                "overdue", "escalation", "link_resent")
# Told to a kelurahan's coordinators when the program's reminder policy asks for it.
NOTICE_KINDS = ("action_completed", "action_reopened", "action_cancelled")
SMS_REPLY_KINDS = tuple(
    f"sms_reply_{name}" for name in (
        "done", "already_done", "unknown_number", "unknown_code", "not_yours", "cancelled",
        "garbage", "choose", "no_open", "invalid_count", "error",
    )
)
KINDS = (*ACTION_KINDS, *NOTICE_KINDS, "program_closed", "program_reopened", "digest", "undeliverable", "weekly_digest",
         "daily_summary", "case_stats_late", *SMS_REPLY_KINDS)
FOOTERS = {
    # No case word in the footer either: it ends every e-mail a cadre receives.
    "id": "Pesan otomatis dari Sinergi, gugus tugas Kota Administrasi Jakarta Barat.",
    "en": "Automatic message from Sinergi, the task force of West Jakarta.",
}


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    sms: str


def compose(kind: str, person: Person | None, **context: Any) -> Message:
    """Render ``kind`` for ``person`` in their language (``language=`` when there is no person)."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}; known: {', '.join(KINDS)}")
    config = current_app.extensions["sinergi"]
    language = person.language if person is not None else context.pop("language", None)
    language = language if language in ("id", "en") else config.default_language
    values = _context(kind, person, language, context)
    values.update(lang=language, tz=config.timezone)
    subject = " ".join(render_section(kind, language, "subject", values).split())[:200]
    text = render_section(kind, language, "text", values)
    body = render_section(kind, language, "html", values)
    html = render_layout(language, subject, body, FOOTERS[language])
    sms = sms_text.fit(lambda extra: render_section(kind, language, "sms", {**values, **extra}),
                       values, language)
    return Message(subject=subject, text=text, html=html, sms=sms)


def _context(kind: str, person: Person | None, language: str, given: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = dict(given)
    values["person_name"] = person.name if person is not None else ""
    action = given.get("action")
    if isinstance(action, Action):
        values.update(_action_values(action, person, language))
    if kind == "escalation":
        values.setdefault("days_overdue", _days_overdue(action, given.get("now")))
    if kind == "program_closed":
        program = given.get("program")
        values["program_title"] = sms_text.program_title(
            getattr(program, "public_title", ""), language)
        values["items"] = [{"code": a.public_code,
                            "title": sms_text.subject_title(a.public_title, a.public_code, language)}
                           for a in given.get("actions", [])]
        values["sms_codes"] = sms_text.code_list([i["code"] for i in values["items"]])
    if kind == "program_reopened":
        program = given.get("program")
        values["program_title"] = sms_text.program_title(
            getattr(program, "public_title", ""), language)
        values["items"] = [_item(a, person, language) for a in given.get("actions", [])]
        values["sms_codes"] = sms_text.code_list([i["code"] for i in values["items"]])
        values["first_link"] = values["items"][0]["link"] if len(values["items"]) == 1 else ""
    if kind in ("digest", "daily_summary"):
        values["items"] = [_item(a, person, language) for a in given.get("actions", [])]
        values["sms_codes"] = sms_text.code_list([i["code"] for i in values["items"]])
        values["first_link"] = values["items"][0]["link"] if len(values["items"]) == 1 else ""
    if kind == "case_stats_late":
        values.update(_late_report_values(given, language))
    if kind == "daily_summary":
        kelurahan = given.get("kelurahan")
        name = kelurahan.name if isinstance(kelurahan, Region) else str(kelurahan or "")
        values["kelurahan_name"] = name
        values["kelurahan_sms"] = sms_text.discreet_name(name)
    if kind == "undeliverable":
        about = given.get("about")
        values["about_name"] = about.name if isinstance(about, Person) else str(about or "")
        values["about_sms"] = sms_text.discreet_name(values["about_name"])
    if kind == "weekly_digest":
        values["programs"] = [
            {"title": sms_text.program_title(str(_get(p, "title", "")), language),
             "done": _get(p, "done", 0), "total": _get(p, "total", 0),
             "overdue": _get(p, "overdue", 0)}
            for p in given.get("programs", [])]
        # Case statistics stay behind the login: an e-mail says how many indicators are above
        # target, never an indicator's name (they name victims) or its figures.
        stats = list(given.get("case_stats", []))
        values["over_target"] = sum(1 for st in stats
                                    if (_get(st, "actual", 0) or 0) > (_get(st, "target", 0) or 0))
        values["stats_period"] = next((_get(st, "period", "") for st in stats if _get(st, "period", "")), "")
        values["overdue_total"] = sum(_get(k, "count", 0) for k in given.get("overdue_by_kecamatan", []))
    if kind == "sms_reply_choose":
        values["open_count"] = len(given.get("open_codes", []))
        values["sms_codes"] = sms_text.code_list(list(given.get("open_codes", [])))
    return values


def _late_report_values(given: dict[str, Any], language: str) -> dict[str, Any]:
    kelurahan = given.get("kelurahan")
    name = kelurahan.name if isinstance(kelurahan, Region) else str(kelurahan or "")
    month = given.get("month")
    return {
        "kelurahan_name": name, "kelurahan_sms": sms_text.discreet_name(name),
        "month_label": format_date(month, "MMMM yyyy", locale=language) if month else "",
        "month_sms": format_date(month, "MMM yyyy", locale=language) if month else "",
    }


def _action_values(action: Action, person: Person | None, language: str) -> dict[str, Any]:
    assignee = action.assignee
    kelurahan_name = action.kelurahan.name if action.kelurahan is not None else action.kelurahan_code
    return {
        # Only public titles leave the system; the guard below is a second line of defence
        # for rows written before public titles were checked.
        "title": sms_text.subject_title(action.public_title, action.public_code, language),
        "sms_title": sms_text.discreet_title(action.public_title, action.public_code, language),
        # Subjects show on lock screens and in notification previews: as discreet as SMS.
        "subject_title": sms_text.subject_title(action.public_title, action.public_code, language),
        "code": action.public_code,
        "due": action.due_at,
        "program_title": (sms_text.program_title(action.program.public_title, language)
                          if action.program is not None else ""),
        "kelurahan_name": kelurahan_name,
        "kelurahan_sms": sms_text.discreet_name(kelurahan_name),
        "assignee_name": assignee.name if assignee is not None else "-",
        "assignee_sms": sms_text.discreet_name(assignee.name) if assignee is not None else "",
        "has_assignee": assignee is not None,
        "link": _link(person, action),
    }


def _item(action: Action, person: Person | None, language: str) -> dict[str, Any]:
    return {
        "title": sms_text.subject_title(action.public_title, action.public_code, language),
        "code": action.public_code, "due": action.due_at,
        "assignee_name": action.assignee.name if action.assignee is not None else "-",
        "link": _link(person, action),
    }


def _link(person: Person | None, action: Action) -> str:
    if person is None:
        return ""
    return action_link(person.id, action.id, link_purpose_for(person, action))


def _days_overdue(action: Any, now: datetime | None) -> int:
    if not isinstance(action, Action):
        return 0
    # An escalation is about an open action; a later read (the page of a sent message) still
    # says how late it was then, whatever became of it.
    return max(0, days_overdue("open", action.due_at, now or utcnow()))


def _get(item: Any, name: str, default: Any) -> Any:
    return item.get(name, default) if isinstance(item, dict) else getattr(item, name, default)
