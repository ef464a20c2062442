"""Region scope: what part of the wilayah tree a person sees, in Python and in SQL.

Whatever lies outside a person's scope does not exist for them: ``NotFound`` (404), never 403.
admin: everything; lead and coordinator: their home region's subtree; cadre: own actions only.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, or_, select, true

from coordinator.errors import NotFound
from coordinator.extensions import db
from coordinator.models import Action, Person, Program
from coordinator.models.regions import ancestor_codes
from coordinator.policy.roles import ADMIN, CADRE, COORDINATOR, LEAD, Someone, is_admin


def in_subtree(root: str, region_code: str) -> bool:
    """Whether ``region_code`` is ``root`` or lies below it (codes nest: 31 > 31.73 > ...)."""
    return region_code == root or region_code.startswith(root + ".")


def scope_code(person: Someone) -> str | None:
    """The root of the region subtree ``person`` sees; None means everything (admin)."""
    return None if is_admin(person) else person.region_code


def in_scope(person: Someone, region_code: str | None) -> bool:
    """Whether ``region_code`` lies in ``person``'s region subtree."""
    scope = scope_code(person)
    if scope is None:
        return True
    return region_code is not None and in_subtree(scope, region_code)


def region_filter(column: Any, scope: str) -> ColumnElement[bool]:
    """SQL for ``column`` inside the subtree rooted at ``scope``."""
    return or_(column == scope, column.like(scope + ".%"))


def _action_filter(person: Person) -> ColumnElement[bool]:
    if not person.active:
        return false()
    if person.role == ADMIN:
        return true()
    if person.role == CADRE:
        return Action.assignee_id == person.id
    return region_filter(Action.kelurahan_code, person.region_code)


def scoped_actions(person: Person) -> Select[Any]:
    """The actions ``person`` may see."""
    return select(Action).where(_action_filter(person))


def _program_filter(person: Person) -> ColumnElement[bool]:
    if not person.active:
        return false()
    if person.role == ADMIN:
        return true()
    if person.role == CADRE:
        return exists().where(Action.program_id == Program.id, Action.assignee_id == person.id)
    # Leads and coordinators see programs inside their subtree and those covering it.
    return or_(
        region_filter(Program.region_code, person.region_code),
        Program.region_code.in_(ancestor_codes(person.region_code)),
    )


def scoped_programs(person: Person) -> Select[Any]:
    """The programs ``person`` may see."""
    return select(Program).where(_program_filter(person))


def _people_filter(person: Person) -> ColumnElement[bool]:
    if not person.active:
        return false()
    if person.role == ADMIN:
        return true()
    if person.role == LEAD:
        return region_filter(Person.region_code, person.region_code)
    if person.role == COORDINATOR:
        cadres_here = (Person.region_code == person.region_code) & (Person.role == CADRE)
        return or_(Person.id == person.id, cadres_here)
    return Person.id == person.id


def scoped_people(person: Person) -> Select[Any]:
    """The people ``person`` may see."""
    return select(Person).where(_people_filter(person))


def _first_or_404(query: Select[Any], what: str) -> Any:
    found = db.session.scalars(query).first()
    if found is None:
        raise NotFound(f"{what} not found")
    return found


def get_action_or_404(person: Person, action_id: int) -> Action:
    """The action if ``person`` may see it, else ``NotFound``."""
    return _first_or_404(scoped_actions(person).where(Action.id == action_id), "action")  # type: ignore[no-any-return]


def get_program_or_404(person: Person, program_id: int) -> Program:
    """The program if ``person`` may see it, else ``NotFound``."""
    return _first_or_404(scoped_programs(person).where(Program.id == program_id), "program")  # type: ignore[no-any-return]


def get_person_or_404(person: Person, person_id: int) -> Person:
    """The person if ``person`` may see them, else ``NotFound``."""
    return _first_or_404(scoped_people(person).where(Person.id == person_id), "person")  # type: ignore[no-any-return]


def program_visible(person: Person, program: Program) -> bool:
    return db.session.scalars(
        scoped_programs(person).where(Program.id == program.id)
    ).first() is not None


def person_visible(person: Person, other: Person) -> bool:
    return db.session.scalars(scoped_people(person).where(Person.id == other.id)).first() is not None
