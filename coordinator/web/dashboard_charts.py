"""The dashboard's chart data as JSON-ready dicts (Chart.js draws them; tables show the same)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coordinator.rollups.report import Report
from coordinator.web.jinja import current_language

STATUS_LABELS = {
    "on_track": _l("on track"), "at_risk": _l("at risk"), "off_track": _l("off target"),
    "incomplete": _l("data incomplete"), "no_data": _l("no data yet"),
}
CHANGE_LABELS = {
    "up": _l("increase beyond chance"), "down": _l("decrease beyond chance"),
    "chance": _l("within chance"), "incomplete": _l("reports missing"),
    "too_few": _l("too few to judge"),
    "no_baseline": _l("no baseline data"),
}
MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


MONTHS_FULL = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


def full_month_names() -> tuple[str, ...]:
    return MONTHS_FULL.get(current_language(), MONTHS_FULL["id"])


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def change_label(change: str) -> str:
    return str(CHANGE_LABELS.get(change, change))


def month_names() -> tuple[str, ...]:
    return MONTHS.get(current_language(), MONTHS["id"])


def _indicator_chart(report: Report, item: Any) -> dict[str, Any]:
    notes = [
        {"month": a.on_date.month, "year": a.on_date.year, "text": a.text}
        for a in report.annotations if a.indicator_id == item.indicator.id
    ]
    return {
        "id": f"chart-indicator-{item.indicator.id}",
        "months": list(month_names()),
        "baseline_label": str(item.baseline_year),
        "baseline": [item.baseline_monthly.get(m) for m in range(1, 13)],
        "current_label": str(item.year),
        "current": [item.monthly.get(m) if m <= item.through_month else None
                    for m in range(1, 13)],
        "target_label": _("Target (per month)"),
        "target": [item.monthly_target] * 12 if item.monthly_target is not None else None,
        "notes": [n for n in notes if n["year"] == item.year],
        "notes_label": _("Notes"),
    }


def chart_data(report: Report) -> dict[str, Any]:
    """Everything the charts draw, from the report (so charts and tables agree)."""
    return {
        "indicators": [_indicator_chart(report, item) for item in report.indicators],
        "regions": {
            "labels": [row.place.name for row in report.children],
            "done": [row.progress.done for row in report.children],
            "open": [row.progress.open - row.progress.overdue for row in report.children],
            "overdue": [row.progress.overdue for row in report.children],
            "names": {"done": _("done"), "open": _("open"), "overdue": _("overdue")},
        },
    }
