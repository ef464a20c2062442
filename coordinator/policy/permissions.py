"""Every "may this person do this, now?" by name: ``decide`` answers with a reason, ``can`` with
a bool (templates use it to show buttons), ``require`` raises the matching domain error.

``obj`` is what the permission is about: an entity (action, program, person, token) or, for
permissions about a place, a region code. ``None`` as the actor is the system: always allowed.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from coordinator.models import Action, Person, Program, utcnow
from coordinator.policy import actions, programs
from coordinator.policy.actions import Via
from coordinator.policy.decisions import ALLOW, Decision, Reason, refuse, refused
from coordinator.policy.roles import (
    ADMIN,
    CADRE,
    COORDINATOR,
    LEAD,
    Someone,
    creatable_roles,
    is_admin,
    is_staff,
    plans_programs,
)
from coordinator.policy.scope import in_scope, person_visible, program_visible

Rule = Callable[[Person, Any, datetime, Via], Decision]


def _yes(condition: bool, otherwise: Reason = Reason.NOT_ALLOWED) -> Decision:
    return ALLOW if condition else refuse(otherwise)


def _region_of(obj: Any) -> str | None:
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, Action):
        return obj.kelurahan_code
    return getattr(obj, "region_code", None)


def _staff_in(person: Someone, obj: Any, planners_only: bool = False) -> Decision:
    """Staff (or only admins and leads) of the region ``obj`` is in (anywhere, when ``obj`` is
    None); a region outside the person's scope is not found."""
    if not (plans_programs(person) if planners_only else is_staff(person)):
        return refuse(Reason.NOT_ALLOWED)
    if obj is not None and not in_scope(person, _region_of(obj)):
        return refuse(Reason.NOT_FOUND)
    return ALLOW


def _manages_person(person: Person, target: Any) -> Decision:
    if not isinstance(target, Person):  # a region code: where a new person would live
        return _staff_in(person, target)
    if person.role == COORDINATOR:
        return _yes(target.role == CADRE and target.region_code == person.region_code)
    if person.role == LEAD and target.role == ADMIN:
        return refuse(Reason.NOT_ALLOWED)
    return _staff_in(person, target, planners_only=True)


def _program_edit(person: Person, program: Any) -> Decision:
    """Admins and leads edit the programs of their region; a program covering it is read-only."""
    if isinstance(program, Program) and not program_visible(person, program):
        return refuse(Reason.NOT_FOUND)
    return _yes(plans_programs(person) and in_scope(person, _region_of(program)))


def _program_reopen(person: Person, program: Any, now: datetime) -> Decision:
    """Who may close it, while :func:`programs.reopen` (closed, within the window) allows."""
    edits = _program_edit(person, program)
    if not edits or not isinstance(program, Program):
        return edits
    return programs.reopen(program, now)


PERMISSIONS: dict[str, Rule] = {
    # Pages and areas
    "staff.area": lambda p, o, now, via: _yes(is_staff(p)),
    "tasks.own": lambda p, o, now, via: ALLOW,
    "outbox.view": lambda p, o, now, via: _yes(is_staff(p)),
    "notification.retry": lambda p, o, now, via: _yes(plans_programs(p)),
    # Failed background jobs (dead letters) belong to no region: admins and task-force leads.
    "job.view": lambda p, o, now, via: _yes(plans_programs(p)),
    "job.retry": lambda p, o, now, via: _yes(plans_programs(p)),
    # Programs
    "program.view": lambda p, o, now, via: _yes(o is None or program_visible(p, o), Reason.NOT_FOUND),
    "program.create": lambda p, o, now, via: _staff_in(p, o, planners_only=True),
    "program.edit": lambda p, o, now, via: _program_edit(p, o),
    # Closing cancels every open action (after a confirmation page); reopening restores them.
    "program.close": lambda p, o, now, via: _program_edit(p, o),
    "program.reopen": lambda p, o, now, via: _program_reopen(p, o, now),
    "outreach.save": lambda p, o, now, via: _program_edit(p, o),
    "bulk.assign": lambda p, o, now, via: _staff_in(p, o, planners_only=True),
    # Actions (the rules themselves are in coordinator.policy.actions)
    "action.view": lambda p, o, now, via: ALLOW if o is None else actions.view(p, o),
    "action.assign": lambda p, o, now, via: _staff_in(p, o),
    "action.complete": lambda p, o, now, via: actions.complete(p, o, via),
    "action.reopen": lambda p, o, now, via: actions.reopen(p, o, now),
    "action.cancel": lambda p, o, now, via: actions.cancel(p, o),
    "action.reassign": lambda p, o, now, via: actions.reassign(p, o),
    "action.reschedule": lambda p, o, now, via: actions.reschedule(p, o),
    "action.remind": lambda p, o, now, via: actions.remind(p, o),
    "action.take": lambda p, o, now, via: actions.take(p, o),
    "action.restore": lambda p, o, now, via: actions.restore(p, o, now, o.program.status),
    "action.resend_link": lambda p, o, now, via: actions.resend_link(p, o),
    # People, networks, regions, tokens
    "person.view": lambda p, o, now, via: _yes(o is None or person_visible(p, o), Reason.NOT_FOUND),
    "person.manage": lambda p, o, now, via: _manages_person(p, o),
    "person.import": lambda p, o, now, via: _staff_in(p, o),
    "person.give_role": lambda p, o, now, via: _yes(o in creatable_roles(p)),
    "network.manage": lambda p, o, now, via: _yes(is_admin(p)),
    "region.view": lambda p, o, now, via: ALLOW,
    "token.manage": lambda p, o, now, via: _yes(o is None or getattr(o, "person_id", None) == p.id),
    # End every session and API token of a person: an admin, or the person themself.
    "person.sign_out": lambda p, o, now, via: _yes(
        isinstance(o, Person) and (is_admin(p) or o.id == p.id), Reason.NOT_FOUND),
    # Targets, indicators, annotations, case statistics
    "target.save": lambda p, o, now, via: _staff_in(p, o, planners_only=True),
    "indicator.edit": lambda p, o, now, via: _yes(is_admin(p)),
    "annotation.add": lambda p, o, now, via: _staff_in(p, o, planners_only=True),
    "case_stats.record": lambda p, o, now, via: _staff_in(p, o),
    "case_stats.view": lambda p, o, now, via: _staff_in(p, o),
    "dashboard.view": lambda p, o, now, via: _staff_in(p, o),
}


def decide(person: Person | None, permission: str, obj: Any = None, *,
           now: datetime | None = None, via: Via = Via.WEB) -> Decision:
    """The answer, with a reason when it is no. ``None`` (the system) may do anything."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if person is None:
        return ALLOW
    if not person.is_authenticated or not person.active:
        return refuse(Reason.NOT_FOUND)
    return PERMISSIONS[permission](person, obj, now or utcnow(), via)


def can(person: Person | None, permission: str, obj: Any = None, *,
        now: datetime | None = None, via: Via = Via.WEB) -> bool:
    """Whether ``person`` may do ``permission`` on ``obj``; an anonymous visitor may not."""
    if person is None or not getattr(person, "is_authenticated", False):
        return False
    return bool(decide(person, permission, obj, now=now, via=via))


def require(person: Person | None, permission: str, obj: Any = None, *,
            now: datetime | None = None, via: Via = Via.WEB) -> None:
    """Raise the domain error matching the refusal (404 / 403 / 409) unless allowed."""
    decision = decide(person, permission, obj, now=now, via=via)
    if not decision:
        raise refused(decision, permission)
