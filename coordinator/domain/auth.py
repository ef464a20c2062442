"""Staff login, throttled without letting a stranger lock anyone out.

Wrong passwords are counted per (client address, account) in the rate-limit storage (Redis when
configured): after ``LOGIN_MAX_FAILURES`` in ``FAILURE_WINDOW`` that address may not try that
account again until the window has slid past, while the owner, from any other address, still
can. ``LOGIN_ATTEMPTS_PER_IP_PER_HOUR`` (the login view's limit) bounds guessing across
accounts. An unknown e-mail costs the same password hash as a known one, so timing tells
nothing.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import UTC, datetime

from flask import current_app
from limits import RateLimitItem, parse
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from coordinator.domain.people import check_password, set_password
from coordinator.errors import DomainError
from coordinator.extensions import db, limiter
from coordinator.models import Person

FAILURE_WINDOW = "15 minutes"
NAMESPACE = "sinergi/login-failures"


class LoginFailed(DomainError):
    """Unknown email, wrong password or inactive account: deliberately indistinguishable."""

    code = "login_failed"


class LoginThrottled(DomainError):
    """Too many wrong passwords for this account from this address: try again at ``until``."""

    code = "login_throttled"

    def __init__(self, until: datetime) -> None:
        super().__init__("too many failed logins", until=until.isoformat())
        self.until = until


def find_login(email: str) -> Person | None:
    """The active person with this email (case-insensitive), if any."""
    email = (email or "").strip().lower()
    if not email or len(email) > 254:
        return None
    return db.session.scalar(
        select(Person).where(func.lower(Person.email) == email, Person.active.is_(True))
    )


@functools.cache
def _decoy_hash() -> str:
    """A hash checked for unknown accounts, so both answers take one scrypt."""
    return generate_password_hash(secrets.token_hex(16), method="scrypt")


def _failure_limit() -> RateLimitItem:
    failures = current_app.extensions["sinergi"].login_max_failures
    return parse(f"{failures} per {FAILURE_WINDOW}")


def _failure_key(email: str, client: str) -> str:
    return hashlib.sha256(f"{client}|{email.strip().lower()}".encode()).hexdigest()[:40]


def _throttled_until(key: str) -> datetime | None:
    try:
        if limiter.limiter.test(_failure_limit(), NAMESPACE, key):
            return None
        reset = limiter.limiter.get_window_stats(_failure_limit(), NAMESPACE, key).reset_time
    except Exception:  # noqa: BLE001 - an unreachable Redis must not stop every login
        current_app.logger.warning("login throttle storage unavailable; not throttling")
        return None
    return datetime.fromtimestamp(reset, UTC)


def _count_failure(key: str) -> None:
    try:
        limiter.limiter.hit(_failure_limit(), NAMESPACE, key)
    except Exception:  # noqa: BLE001 - see _throttled_until
        current_app.logger.warning("login throttle storage unavailable; failure not counted")


def authenticate(email: str, password: str, *, client: str = "unknown") -> Person:
    """The person if the password is right; raises ``LoginFailed`` or ``LoginThrottled``.

    Writes nothing to the database."""
    key = _failure_key(email or "", client)
    until = _throttled_until(key)
    if until is not None:
        raise LoginThrottled(until)
    person = find_login(email)
    if person is None or not person.password_hash:
        check_password_hash(_decoy_hash(), password or "")
        _count_failure(key)
        raise LoginFailed("wrong email or password")
    if not check_password(person, password):
        _count_failure(key)
        raise LoginFailed("wrong email or password")
    return person


def change_password(person: Person, current: str, new: str) -> None:
    """Replace the password after checking the current one; raises ``LoginFailed`` if wrong.

    Every session and API token of the person ends: whoever knew the old password is out."""
    if not check_password(person, current):
        raise LoginFailed("current password is wrong")
    set_password(person, new)  # validates, ends every session and token, audits, commits
