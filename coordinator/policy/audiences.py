"""Who hears of what and who may be given an action: the role-based selections, in SQL.

- A kelurahan's coordinators (kepala seksi) get its unassigned actions, escalations and
  completion notices, and the reminder when its monthly case statistics are late; a kecamatan's leads the later escalation steps; leads the weekly digest.
- Bulk assignment gives actions to the active cadres of a network living in the kelurahan.
- One action may be given to an active cadre or coordinator of its kelurahan.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_

from coordinator.models import Person
from coordinator.models.regions import ancestor_codes
from coordinator.policy.roles import CADRE, COORDINATOR, LEAD, Someone

ASSIGNABLE_ROLES = (CADRE, COORDINATOR)


def _active_with_role(role: str) -> ColumnElement[bool]:
    return and_(Person.role == role, Person.active.is_(True))


def coordinators_in(kelurahan_codes: Iterable[str]) -> ColumnElement[bool]:
    """SQL: the active coordinators whose kelurahan is one of ``kelurahan_codes``."""
    return and_(_active_with_role(COORDINATOR), Person.region_code.in_(list(kelurahan_codes)))


def leads_in(region_codes: Iterable[str]) -> ColumnElement[bool]:
    """SQL: the active leads whose home region is one of ``region_codes`` (e.g. kecamatan)."""
    return and_(_active_with_role(LEAD), Person.region_code.in_(list(region_codes)))


def case_stats_reporters() -> ColumnElement[bool]:
    """SQL: who reports a kelurahan's monthly case statistics and hears when they are late
    (its active coordinators, the kepala seksi)."""
    return _active_with_role(COORDINATOR)


def digest_readers() -> ColumnElement[bool]:
    """SQL: who gets the weekly digest (every active lead)."""
    return _active_with_role(LEAD)


def cadres_in(kelurahan_codes: Iterable[str]) -> ColumnElement[bool]:
    """SQL: the active cadres living in one of ``kelurahan_codes`` (bulk assignment)."""
    return and_(_active_with_role(CADRE), Person.region_code.in_(list(kelurahan_codes)))


def may_be_assigned(person: Someone, kelurahan_code: str) -> bool:
    """An action goes to an active cadre or coordinator of its kelurahan."""
    return (person.active and person.role in ASSIGNABLE_ROLES
            and person.region_code in ancestor_codes(kelurahan_code))


def assignable_in(kelurahan_code: str) -> ColumnElement[bool]:
    """SQL for :func:`may_be_assigned`."""
    return and_(Person.active.is_(True), Person.role.in_(ASSIGNABLE_ROLES),
                Person.region_code.in_(ancestor_codes(kelurahan_code)))


def assignable_anywhere() -> ColumnElement[bool]:
    """SQL: people who can be given actions at all (the assignee filter of action lists)."""
    return and_(Person.active.is_(True), Person.role.in_(ASSIGNABLE_ROLES))


def with_role(role: str) -> ColumnElement[bool]:
    """SQL filter for a role chosen in a list filter (people pages, API)."""
    return Person.role == role
