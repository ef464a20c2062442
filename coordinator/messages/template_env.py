"""The Jinja environments of the message templates (``channels/templates/<language>/<kind>.txt``).

One template per kind and language holds every section (subject, text, html, sms); the base
``_message.txt`` outputs only the section asked for. HTML is rendered with autoescaping, the
other sections without (they are plain text).
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=4)
def environment(html: bool, strict: bool = False) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=html,
        undefined=StrictUndefined if strict else Undefined,
        keep_trailing_newline=False,
    )
    env.filters["wib"] = _wib
    env.filters["wib_short"] = _wib_short
    return env


@pass_context
def _wib(context: Context, value: datetime | None) -> str:
    return format_long(value, context.get("lang", "id"), context.get("tz", "Asia/Jakarta"))


@pass_context
def _wib_short(context: Context, value: datetime | None) -> str:
    return format_short(value, context.get("tz", "Asia/Jakarta"))


def format_long(value: datetime | None, language: str = "id", tz: str = "Asia/Jakarta") -> str:
    """``Selasa, 15 Maret 2022 17.00 WIB`` / ``Tuesday, 15 March 2022 17:00 WIB``."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(tz))
    text = format_datetime(local, "EEEE, d MMMM y HH:mm", tzinfo=ZoneInfo(tz), locale=language)
    return f"{text} WIB" if tz == "Asia/Jakarta" else f"{text} {local.tzname()}"


def format_short(value: datetime | None, tz: str = "Asia/Jakarta") -> str:
    """``15/03 17:00``: dates in SMS are short and language-neutral."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime("%d/%m %H:%M")


def render_section(kind: str, language: str, section: str, context: dict[str, Any]) -> str:
    """Render one section of ``<language>/<kind>.txt``, stripped."""
    env = environment(section == "html")
    template = env.get_template(f"{language}/{kind}.txt")
    return template.render({**context, "section": section, "lang": language}).strip()


def render_layout(language: str, subject: str, body: str, footer: str) -> str:
    """Wrap an HTML body in the email layout."""
    template = environment(True).get_template("_layout.html")
    return template.render(language=language, subject=subject, body=Markup(body), footer=footer)
