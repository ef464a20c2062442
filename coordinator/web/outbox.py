"""The outbox page: every notification, filterable, with the text of the messages kept by the
outbox channel (the embedded default), so a newcomer sees exactly what would have been sent.

Admins see everything; leads and coordinators the messages to people in their region.
Where messages really leave (``channels.messages_leave``), the links in them are masked and the
search does not look into message texts (it could spell a key out letter by letter): a link
works for its recipient only, and staff must not act as a cadre by copying one. Where the outbox
is the only channel (the embedded demo), links stay usable and are marked as such.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from coordinator.channels import messages_leave
from coordinator.extensions import db
from coordinator.messages import KINDS
from coordinator.messages.links import mask_links
from coordinator.models import Notification, Person
from coordinator.models.notifications import CHANNELS, NOTIFICATION_STATUSES
from coordinator.notifications.budget import month_bounds
from coordinator.policy import region_filter, scope_code
from coordinator.web import errors
from coordinator.web.staff import staff_required

blp = errors.install(Blueprint("outbox", __name__, url_prefix="/outbox"))
PAGE_SIZE = 50
STATUS_LABELS = {
    "pending": _l("waiting"), "sent": _l("sent"), "failed": _l("failed, will retry"),
    "dead": _l("failed"), "undeliverable": _l("undeliverable"), "folded": _l("in a digest"),
}


KIND_LABELS = {
    "assigned": _l("new task"), "unassigned": _l("task without a cadre"),
    "reminder_now": _l("reminder from a coordinator"), "reminder_24h": _l("reminder before the due time"),
    "reminder_due_today": _l("reminder on the due day"), "overdue": _l("overdue"),
    "escalation": _l("escalation"), "digest": _l("digest of several tasks"),
    "undeliverable": _l("could not reach someone"), "weekly_digest": _l("weekly summary"),
    "daily_summary": _l("daily overdue summary"), "action_completed": _l("task completed"),
    "action_reopened": _l("task reopened"), "action_cancelled": _l("task cancelled"),
    "program_closed": _l("program closed"), "program_reopened": _l("program reopened"),
    "link_resent": _l("task link sent again"),
    "case_stats_late": _l("monthly case statistics late"),
}


def kind_code(value: str) -> str | None:
    """The stored kind code for a filter value: a code itself, or a label in the reader's
    language (a link typed or kept from before the filter became a list)."""
    if value in KIND_LABELS or value in KINDS:
        return value
    wanted = value.strip().casefold()
    return next((code for code, label in KIND_LABELS.items()
                 if str(label).casefold() == wanted), None)


@blp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "status_label": lambda status: str(STATUS_LABELS.get(status, status)),
        "kind_label": lambda kind: str(KIND_LABELS.get(kind, kind)),
    }


def scoped_notifications() -> Any:
    """Notifications the current user may read (by the recipient's home region)."""
    query = select(Notification).join(Person, Person.id == Notification.recipient_id)
    scope = scope_code(current_user)
    return query if scope is None else query.where(region_filter(Person.region_code, scope))


def _filters(args: Any) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    values: dict[str, Any] = {
        "status": args.get("status", ""), "channel": args.get("channel", ""),
        "kind": args.get("kind", "").strip()[:40], "q": args.get("q", "").strip()[:100],
        "month": args.get("month", "").strip(), "stored": args.get("stored", "") == "1",
        "page": 1,
    }
    if values["status"] and values["status"] not in NOTIFICATION_STATUSES:
        problems.append(_("Unknown status “%(value)s”.", value=values["status"][:20]))
        values["status"] = ""
    if values["channel"] and values["channel"] not in CHANNELS:
        problems.append(_("Unknown channel “%(value)s”.", value=values["channel"][:20]))
        values["channel"] = ""
    if values["kind"]:
        kind = kind_code(values["kind"])
        if kind is None:
            problems.append(_("Unknown kind “%(value)s”.", value=values["kind"][:40]))
        values["kind"] = kind or ""
    if values["month"]:
        try:
            values["month_date"] = date.fromisoformat(values["month"] + "-01")
        except ValueError:
            problems.append(_("Month must look like 2022-03."))
            values["month"] = ""
    page = args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= 100_000:
        problems.append(_("Page must be a whole number from 1."))
    else:
        values["page"] = int(page)
    return values, problems


_LINK = re.compile(r"https?://[^\s<>\"']+/t/[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*")


def openable_links(text: str) -> Markup:
    """The text with its links clickable (only where the outbox is the only channel)."""
    escaped = str(escape(text))
    return Markup(_LINK.sub(
        lambda m: f'<a href="{m.group(0)}" rel="noreferrer" target="_blank">{m.group(0)}</a>',
        escaped))


def links_masked() -> bool:
    """Whether this server's outbox hides the links of messages (they really leave)."""
    return messages_leave(current_app.extensions["sinergi"])


def _apply(query: Any, f: dict[str, Any]) -> Any:
    if f["status"]:
        query = query.where(Notification.status == f["status"])
    if f["channel"]:
        query = query.where(Notification.channel == f["channel"])
    if f["kind"]:
        query = query.where(Notification.kind == f["kind"])
    if f["stored"]:
        query = query.where(Notification.provider_status == "outbox")
    if f["q"]:
        like = f"%{f['q']}%"
        text = Notification.subject if links_masked() else Notification.body
        query = query.where(Person.name.ilike(like) | text.ilike(like))
    if f.get("month_date"):
        start, end = month_bounds(f["month_date"])
        query = query.where(Notification.created_at >= start, Notification.created_at < end)
    return query


@blp.get("/")
@staff_required
def index() -> Any:
    """All notifications, newest first, with filters (bad filters are named and ignored)."""
    f, problems = _filters(request.args)
    query = _apply(scoped_notifications(), f)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.options(joinedload(Notification.recipient))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((f["page"] - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    masked = links_masked()
    return render_template(
        "outbox/index.html", notifications=rows, total=total, filters=f, problems=problems,
        statuses=NOTIFICATION_STATUSES, channels=CHANNELS, page_size=PAGE_SIZE,
        links_masked=masked, shown_text=mask_links if masked else openable_links,
        kinds=sorted(KIND_LABELS, key=lambda code: str(KIND_LABELS[code]).casefold()),
    ), (400 if problems else 200)
