"""Staff login with lockout: after ``login_max_failures`` wrong passwords in a row the account
is locked for 15 minutes (persisted on ``Person.failed_logins`` / ``locked_until``)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from coordinator.domain.changes import record_audit
from coordinator.domain.people import check_password, set_password
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.models import Person, utcnow

LOCK_DURATION = timedelta(minutes=15)


class LoginFailed(DomainError):
    """Unknown email, wrong password or inactive account: deliberately indistinguishable."""

    code = "login_failed"


class AccountLocked(DomainError):
    """Too many failures: no password is checked until ``until``."""

    code = "account_locked"

    def __init__(self, until: datetime) -> None:
        super().__init__("account locked", until=until.isoformat())
        self.until = until


def find_login(email: str) -> Person | None:
    """The active person with this email (case-insensitive), if any."""
    email = (email or "").strip().lower()
    if not email:
        return None
    return db.session.scalar(
        select(Person).where(func.lower(Person.email) == email, Person.active.is_(True))
    )


def authenticate(email: str, password: str, *, now: datetime | None = None) -> Person:
    """The person if the password is right; counts failures and locks. One transaction."""
    now = now or utcnow()
    person = find_login(email)
    if person is None or not person.password_hash:
        raise LoginFailed("wrong email or password")
    if person.locked_until is not None and person.locked_until > now:
        raise AccountLocked(person.locked_until)
    if not check_password(person, password):
        _count_failure(person, now)
        raise LoginFailed("wrong email or password")
    if person.failed_logins or person.locked_until:
        person.failed_logins = 0
        person.locked_until = None
        db.session.commit()
    return person


def _count_failure(person: Person, now: datetime) -> None:
    person.failed_logins = (person.failed_logins or 0) + 1
    limit = current_app.extensions["sinergi"].login_max_failures
    if person.failed_logins >= limit:
        person.locked_until = now + LOCK_DURATION
        person.failed_logins = 0
        record_audit(
            None, "lock", "person", person.id, None, {"locked_until": person.locked_until.isoformat()}
        )
    db.session.commit()


def change_password(person: Person, current: str, new: str) -> None:
    """Replace the password after checking the current one; raises ``LoginFailed`` if wrong."""
    if not check_password(person, current):
        raise LoginFailed("current password is wrong")
    set_password(person, new)  # validates the length, audits and commits
