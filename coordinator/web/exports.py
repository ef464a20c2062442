"""The filtered action list as CSV or Excel, due dates in WIB."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from flask_babel import gettext as _
from openpyxl import Workbook

from coordinator.domain.overdue import action_is_overdue
from coordinator.models import Action, utcnow
from coordinator.web.jinja import to_wib

# A cell starting with one of these is a formula to a spreadsheet: neutralise it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def headers() -> list[str]:
    return [_("Code"), _("Title"), _("Program"), _("Kecamatan"), _("Kelurahan"), _("Network"),
            _("Assignee"), _("Due (WIB)"), _("Status"), _("Overdue"), _("Done at (WIB)"),
            _("People reached"), _("Note")]


def _local(value: datetime | None) -> datetime | None:
    local = to_wib(value)
    return local.replace(tzinfo=None, microsecond=0) if local else None


def rows(actions: Iterable[Action]) -> Iterator[list[object]]:
    now = utcnow()
    for a in actions:
        kecamatan = a.kelurahan.parent.name if a.kelurahan.parent else ""
        yield [
            a.public_code, a.title, a.program.title, kecamatan, a.kelurahan.name,
            a.network.name if a.network else "", a.assignee.name if a.assignee else "",
            _local(a.due_at), a.status, _("yes") if action_is_overdue(a, now) else _("no"),
            _local(a.completed_at), a.people_reached, a.note or "",
        ]


def _safe_text(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(actions: Iterable[Action]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers())
    for row in rows(actions):
        writer.writerow([
            v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else
            ("" if v is None else _safe_text(v)) for v in row
        ])
    return "\ufeff" + buffer.getvalue()  # BOM: Excel then reads the file as UTF-8


def to_xlsx(actions: Iterable[Action]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Actions"))
    sheet.append(headers())
    for row in rows(actions):
        sheet.append([_safe_text(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
