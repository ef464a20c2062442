"""Template helpers shared by every page: the ``wib`` date filter, the number and date filters
of :mod:`coordinator.web.formats`, the nav links, the language,
``can`` (the policy, for the person logged in) and ``is_overdue`` (the one meaning of overdue)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from coordinator import policy
from coordinator.config import LANGUAGES
from coordinator.domain import calendar
from coordinator.domain.overdue import action_is_overdue
from coordinator.models import Action
from coordinator.web import formats
from coordinator.web.labels import label


def to_wib(value: datetime | None) -> datetime | None:
    """A stored UTC datetime in the configured zone (Asia/Jakarta by default)."""
    if value is None:
        return None
    return value.astimezone(current_app.extensions["sinergi"].tz)


def wib(value: datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """Format a UTC datetime in WIB, e.g. ``15-03-2022 09:00 WIB``; empty for ``None``."""
    local = to_wib(value)
    if local is None:
        return ""
    suffix = " WIB" if current_app.extensions["sinergi"].timezone == "Asia/Jakarta" else ""
    return local.strftime(fmt) + ("" if fmt == "%d-%m-%Y" else suffix)


def current_language() -> str:
    locale = get_locale()
    language = locale.language if locale is not None else "id"
    return language if language in LANGUAGES else "id"


def nav_link(endpoint: str, label: str, count: int | str = "") -> Markup:
    """A nav link to ``endpoint`` (with a count badge when ``count``), or nothing when no area
    registered that endpoint."""
    if endpoint not in current_app.view_functions:
        return Markup("")
    url = url_for(endpoint)
    active = ' class="active"' if request and request.endpoint == endpoint else ""
    badge = f' <span class="count">{escape(count)}</span>' if count else ""
    return Markup(f'<a href="{escape(url)}"{active}>{escape(label)}{badge}</a>')


def can(permission: str, obj: Any = None) -> bool:
    """Whether the person logged in may do ``permission`` (on ``obj``): buttons follow the policy."""
    return policy.can(current_user, permission, obj)


def is_overdue(action: Action, now: datetime) -> bool:
    return action_is_overdue(action, now)


def holiday_name(day: date) -> str | None:
    """The public holiday on ``day`` in the reader's language ("Hari Raya Natal")."""
    return calendar.holiday_name(day, current_language())


def init_app(app: Flask) -> None:
    app.add_template_filter(wib, "wib")
    # Numbers and dates in the reader's locale (Babel): 1.051 · 34,1% · 01-12-2026.
    app.add_template_filter(formats.number, "number")
    app.add_template_filter(formats.signed_number, "signed_number")
    app.add_template_filter(formats.percent, "percent")
    app.add_template_filter(formats.signed_percent, "signed_percent")
    app.add_template_filter(formats.share, "share")
    app.add_template_filter(formats.day, "day")
    app.add_template_global(nav_link, "nav_link")
    app.add_template_global(current_language, "current_language")
    app.add_template_global(current_app, "current_app")
    app.add_template_global(label, "label")
    app.add_template_global(can, "can")
    app.add_template_global(is_overdue, "is_overdue")
    app.add_template_global(holiday_name, "holiday_name")
