"""Human labels for stored codes (roles, statuses, categories), translated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    "role": {"admin": _l("admin"), "lead": _l("task-force lead"),
             "coordinator": _l("coordinator"), "cadre": _l("cadre")},
    "action_status": {"open": _l("open"), "done": _l("done"), "cancelled": _l("cancelled"),
                      "overdue": _l("overdue")},
    "program_status": {"draft": _l("draft"), "active": _l("active"), "closed": _l("closed")},
    "category": {"prevention": _l("prevention / socialisation"), "handling": _l("handling"),
                 "coordination": _l("coordination"), "sop": _l("SOP")},
    "channel": {"sms": _l("SMS"), "email": _l("email"), "both": _l("SMS and email")},
    "language": {"id": "Bahasa Indonesia", "en": "English"},
    # How a completion was recorded (coordinator.policy.Via, and the demo loader's own).
    "via": {"link": _l("by link"), "sms": _l("by SMS reply"), "web": _l("on the web"),
            "api": _l("through the API"), "demo": _l("demo data")},
    "message_channel": {"sms": _l("SMS"), "email": _l("email"), "outbox": _l("outbox only")},
    "level": {"country": _l("country"), "province": _l("province"), "city": _l("city"),
              "kecamatan": "kecamatan", "kelurahan": "kelurahan"},
    "recurrence": {"none": _l("once"), "weekly": _l("every week"), "monthly": _l("every month")},
}


def label(kind: str, value: str | None) -> str:
    """The translated label of ``value``, or the value itself when it has none."""
    if value is None:
        return ""
    return str(LABELS.get(kind, {}).get(value, value))


def choices(kind: str) -> list[tuple[str, str]]:
    return [(key, str(text)) for key, text in LABELS[kind].items()]
