"""Roles and region scope: the one place that says who may see or do what.

admin: everything. lead: its region subtree. coordinator: the actions and cadres of its
kelurahan (may assign and reassign there). cadre: only its own actions. Whatever lies
outside a person's scope does not exist for them: ``NotFound`` (404), never 403.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, or_, select, true

from coordinator.domain.errors import Forbidden, NotFound
from coordinator.extensions import db
from coordinator.models import Action, Person, Program
from coordinator.models.regions import ancestor_codes

STAFF = ("admin", "lead", "coordinator")


def scope_code(person: Person) -> str | None:
    """The root of the region subtree ``person`` sees; None means everything (admin)."""
    return None if person.role == "admin" else person.region_code


def in_scope(person: Person, region_code: str | None) -> bool:
    """Whether ``region_code`` lies in ``person``'s region subtree."""
    scope = scope_code(person)
    if scope is None:
        return True
    if region_code is None:
        return False
    return region_code == scope or region_code.startswith(scope + ".")


def region_filter(column: Any, scope: str) -> ColumnElement[bool]:
    """SQL for ``column`` inside the subtree rooted at ``scope``."""
    return or_(column == scope, column.like(scope + ".%"))


def _action_filter(person: Person) -> ColumnElement[bool]:
    if not person.active:
        return false()
    if person.role == "admin":
        return true()
    if person.role == "cadre":
        return Action.assignee_id == person.id
    return region_filter(Action.kelurahan_code, person.region_code)


def scoped_actions(person: Person) -> Select[Action]:
    """The actions ``person`` may see."""
    return select(Action).where(_action_filter(person))


def _program_filter(person: Person) -> ColumnElement[bool]:
    if not person.active:
        return false()
    if person.role == "admin":
        return true()
    if person.role == "cadre":
        own = exists().where(Action.program_id == Program.id, Action.assignee_id == person.id)
        return own
    # Leads and coordinators see programs inside their subtree and those covering it.
    return or_(
        region_filter(Program.region_code, person.region_code),
        Program.region_code.in_(ancestor_codes(person.region_code)),
    )


def scoped_programs(person: Person) -> Select[Program]:
    """The programs ``person`` may see."""
    return select(Program).where(_program_filter(person))


def _people_filter(person: Person) -> ColumnElement[bool]:
    if not person.active:
        return false()
    if person.role == "admin":
        return true()
    if person.role == "lead":
        return region_filter(Person.region_code, person.region_code)
    if person.role == "coordinator":
        cadres_here = (Person.region_code == person.region_code) & (Person.role == "cadre")
        return or_(Person.id == person.id, cadres_here)
    return Person.id == person.id


def scoped_people(person: Person) -> Select[Person]:
    """The people ``person`` may see."""
    return select(Person).where(_people_filter(person))


def _get_or_404(query: Select[Any], what: str) -> Any:
    found = db.session.scalars(query).first()
    if found is None:
        raise NotFound(f"{what} not found")
    return found


def get_action_or_404(person: Person, action_id: int) -> Action:
    """The action if ``person`` may see it, else ``NotFound``."""
    return _get_or_404(scoped_actions(person).where(Action.id == action_id), "action")  # type: ignore[no-any-return]


def get_program_or_404(person: Person, program_id: int) -> Program:
    """The program if ``person`` may see it, else ``NotFound``."""
    return _get_or_404(scoped_programs(person).where(Program.id == program_id), "program")  # type: ignore[no-any-return]


def get_person_or_404(person: Person, person_id: int) -> Person:
    """The person if ``person`` may see them, else ``NotFound``."""
    return _get_or_404(scoped_people(person).where(Person.id == person_id), "person")  # type: ignore[no-any-return]


def _region_of(obj: Any) -> str | None:
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, Action):
        return obj.kelurahan_code
    return getattr(obj, "region_code", None)


def _is_staff_in_scope(person: Person, obj: Any, roles: tuple[str, ...]) -> bool:
    return person.role in roles and in_scope(person, _region_of(obj))


def _manages_person(person: Person, target: Any) -> bool:
    if isinstance(target, Person):
        if person.role == "coordinator":
            return target.role == "cadre" and target.region_code == person.region_code
        if person.role == "lead" and target.role == "admin":
            return False
        return _is_staff_in_scope(person, target, ("admin", "lead"))
    # A region code: where a new person would live.
    return _is_staff_in_scope(person, target, STAFF)


def _acts_on_action(person: Person, action: Any, roles: tuple[str, ...]) -> bool:
    if isinstance(action, Action) and person.role == "cadre":
        return "cadre" in roles and action.assignee_id == person.id
    return _is_staff_in_scope(person, action, tuple(r for r in roles if r != "cadre"))


PERMISSIONS: dict[str, Any] = {
    "program.view": lambda p, o: o is None or _program_visible(p, o),
    "program.create": lambda p, o: _is_staff_in_scope(p, o, ("admin", "lead")),
    "program.edit": lambda p, o: _is_staff_in_scope(p, o, ("admin", "lead")),
    "bulk.assign": lambda p, o: _is_staff_in_scope(p, o, ("admin", "lead")),
    "action.view": lambda p, o: o is None or _action_visible(p, o),
    "action.assign": lambda p, o: _is_staff_in_scope(p, o, STAFF),
    "action.reassign": lambda p, o: _is_staff_in_scope(p, o, STAFF),
    "action.cancel": lambda p, o: _is_staff_in_scope(p, o, STAFF),
    "action.complete": lambda p, o: _acts_on_action(p, o, STAFF + ("cadre",)),
    "action.reopen": lambda p, o: _acts_on_action(p, o, STAFF + ("cadre",)),
    "person.view": lambda p, o: o is None or _person_visible(p, o),
    "person.manage": _manages_person,
    "person.import": lambda p, o: _is_staff_in_scope(p, o, STAFF),
    "network.manage": lambda p, o: p.role == "admin",
    "region.view": lambda p, o: True,
    "token.manage": lambda p, o: o is None or getattr(o, "person_id", None) == p.id,
}


def _action_visible(person: Person, action: Action) -> bool:
    if person.role == "cadre":
        return action.assignee_id == person.id
    return in_scope(person, action.kelurahan_code)


def _program_visible(person: Person, program: Program) -> bool:
    query = scoped_programs(person).where(Program.id == program.id)
    return db.session.scalars(query).first() is not None


def _person_visible(person: Person, other: Person) -> bool:
    query = scoped_people(person).where(Person.id == other.id)
    return db.session.scalars(query).first() is not None


def can(person: Person | None, permission: str, obj: Any = None) -> bool:
    """Whether ``person`` may do ``permission`` on ``obj`` (an entity or a region code)."""
    if person is None or not person.is_authenticated or not person.active:
        return False
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if person.role == "admin":
        return True
    return bool(PERMISSIONS[permission](person, obj))


def require(actor: Person | None, permission: str, obj: Any = None) -> None:
    """Raise ``Forbidden`` unless ``actor`` may do it; ``None`` is the system and may."""
    if actor is None:
        return
    if not can(actor, permission, obj):
        raise Forbidden(f"not allowed: {permission}", permission=permission)


def in_scope_of_code(scope: str, region_code: str) -> bool:
    """Whether ``region_code`` lies in the subtree rooted at the region ``scope``."""
    return region_code == scope or region_code.startswith(scope + ".")
