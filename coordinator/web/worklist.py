"""A person's worklist: for staff, the open actions of their area nobody has yet (to assign) and
those overdue with someone else (to follow up); for everyone, their own open actions.

The counts in the navigation are one query over the person's scope
(:func:`coordinator.policy.scope.scoped_actions`), open actions of active programs only, by the
one meaning of overdue (:func:`coordinator.domain.overdue.overdue_clause`), computed at most
once per request. Each count stops at ``CAP`` ("100+"): a lead of a whole province does not
count a hundred thousand rows on every page. It is the one read of the actions table on the
dashboard's pages (tagged ``/* worklist */``): a personal to-do count, not a dashboard figure.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, g
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import selectinload

from coordinator import policy, read_cache
from coordinator.domain.overdue import overdue_clause
from coordinator.extensions import db
from coordinator.models import Action, Person, Program, utcnow

SHOWN = 50  # per section; the action list has the rest
CAP = 100  # counts stop here: "100+"
TAG = "/* worklist */"


@dataclass(frozen=True)
class WorkCounts:
    to_assign: int = 0
    to_follow_up: int = 0
    mine: int = 0
    cap: int = CAP

    @property
    def total(self) -> int:
        return self.to_assign + self.to_follow_up + self.mine

    def shown(self, count: int) -> str:
        return f"{self.cap}+" if count >= self.cap else str(count)

    @property
    def shown_total(self) -> str:
        """The nav badge: empty when there is nothing to do."""
        if not self.total:
            return ""
        capped = max(self.to_assign, self.to_follow_up, self.mine) >= self.cap
        return f"{self.cap}+" if capped else str(self.total)


def _open_in_scope(person: Person) -> Select[Any]:
    return (policy.scoped_actions(person).join(Program, Program.id == Action.program_id)
            .where(Action.status == "open", Program.status == "active"))


def _to_assign() -> ColumnElement[bool]:
    return Action.assignee_id.is_(None)


def _to_follow_up(person: Person, now: datetime) -> ColumnElement[bool]:
    # Someone else's (NULL != id is not true: unassigned ones are "to assign" only).
    return (Action.assignee_id != person.id) & overdue_clause(now)


def _capped(person: Person, condition: ColumnElement[bool], cap: int) -> Any:
    found = _open_in_scope(person).where(condition).with_only_columns(Action.id).limit(cap)
    return select(func.count()).select_from(found.subquery()).scalar_subquery()


def counts(person: Person, now: datetime, cap: int = CAP) -> WorkCounts:
    """The three counts in one statement, each at most ``CAP`` (a cadre's scope is their own
    actions: only ``mine`` can be non-zero)."""
    row = db.session.execute(select(
        _capped(person, _to_assign(), cap),
        _capped(person, _to_follow_up(person, now), cap),
        _capped(person, Action.assignee_id == person.id, cap),
    ).prefix_with(TAG)).one()
    return WorkCounts(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), cap)


def _listed(person: Person, condition: ColumnElement[bool]) -> list[Action]:
    query = (_open_in_scope(person).where(condition)
             .options(selectinload(Action.kelurahan), selectinload(Action.assignee))
             .order_by(Action.due_at, Action.id).limit(SHOWN))
    return list(db.session.scalars(query))


def to_assign(person: Person) -> list[Action]:
    return _listed(person, _to_assign())


def to_follow_up(person: Person, now: datetime) -> list[Action]:
    return _listed(person, _to_follow_up(person, now))


def current_counts() -> WorkCounts:
    """The logged-in person's counts, once per request (the nav asks on every page), kept
    between requests while nothing is written (``read_cache``; overdue ones may show up to
    ``READ_CACHE_SECONDS`` late)."""
    if not getattr(current_user, "is_authenticated", False):
        return WorkCounts()
    if "worklist_counts" not in g:
        person = current_user._get_current_object()  # type: ignore[attr-defined]
        g.worklist_counts = read_cache.remember(("worklist", person.id),
                                                lambda: counts(person, utcnow()))
    return g.worklist_counts  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    app.add_template_global(current_counts, "worklist_counts")
