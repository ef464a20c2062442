"""The action list's filters, read from the query string and applied to the scoped query.

Shared by the list page and the CSV/Excel exports so both always show the same rows.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_

from coordinator.domain.overdue import overdue_clause
from coordinator.models import Action, Person, utcnow
from coordinator.policy import region_filter, scoped_actions

STATUSES = ("open", "overdue", "done", "cancelled")
MAX_ID = 2**31 - 1  # larger numbers name nothing (and overflow PostgreSQL's integer)
MAX_PAGE = 100_000


def page_number(raw: str | None) -> int:
    """A page number from the query string: 1 for anything that is not a sensible page."""
    raw = (raw or "").strip()
    return min(int(raw), MAX_PAGE) if raw.isdigit() and int(raw) > 0 else 1


@dataclass
class ActionFilter:
    status: str | None = None
    program_id: int | None = None
    region: str | None = None  # a kecamatan or kelurahan code
    network_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    q: str | None = None
    errors: list[str] = field(default_factory=list)

    def args(self) -> dict[str, str]:
        """The filters as query-string values (for pagination and export links)."""
        values = {
            "status": self.status, "program": self.program_id, "region": self.region,
            "network": self.network_id, "q": self.q,
            "assignee": "none" if self.unassigned else self.assignee_id,
        }
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def _int_arg(args: Mapping[str, str], name: str, label: str, errors: list[str]) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > MAX_ID:
        errors.append(_("Filter %(name)s must be a number; %(value)s was ignored.",
                        name=label, value=raw[:40]))
        return None
    return int(raw)


def parse_filters(args: Mapping[str, str]) -> ActionFilter:
    errors: list[str] = []
    status = (args.get("status") or "").strip() or None
    if status is not None and status not in STATUSES:
        errors.append(_("Unknown status %(value)s was ignored.", value=status[:40]))
        status = None
    region = (args.get("region") or "").strip() or None
    if region is not None and not all(part.isdigit() for part in region.split(".")):
        errors.append(_("Unknown region code %(value)s was ignored.", value=region[:40]))
        region = None
    unassigned = (args.get("assignee") or "").strip() == "none"
    assignee = None if unassigned else _int_arg(args, "assignee", _("assignee"), errors)
    return ActionFilter(
        status=status, region=region, unassigned=unassigned, assignee_id=assignee,
        program_id=_int_arg(args, "program", _("program"), errors),
        network_id=_int_arg(args, "network", _("network"), errors),
        q=((args.get("q") or "").strip()[:100] or None), errors=errors,
    )


def filtered_actions(person: Person, f: ActionFilter) -> Select[Any]:
    """The actions ``person`` may see that match ``f``, soonest due first."""
    query = scoped_actions(person)
    now = utcnow()
    if f.status == "overdue":
        query = query.where(overdue_clause(now))
    elif f.status:
        query = query.where(Action.status == f.status)
    if f.program_id is not None:
        query = query.where(Action.program_id == f.program_id)
    if f.region:
        query = query.where(region_filter(Action.kelurahan_code, f.region))
    if f.network_id is not None:
        query = query.where(Action.network_id == f.network_id)
    if f.unassigned:
        query = query.where(Action.assignee_id.is_(None))
    elif f.assignee_id is not None:
        query = query.where(Action.assignee_id == f.assignee_id)
    if f.q:
        pattern = f"%{f.q}%"
        query = query.where(or_(Action.title.ilike(pattern), Action.public_code == f.q.upper()))
    return query.order_by(Action.due_at, Action.id)
