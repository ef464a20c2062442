"""Test helpers shared by every area: emptying the database, a production-like test client."""
from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import text

from coordinator.extensions import db
from coordinator.models import Base


def clean_tables() -> None:
    """Empty every table a test wrote to, and restart their ids (as a fresh database would).

    One query finds the tables that hold rows; only those are emptied, leaves first (SQLite
    checks RESTRICT row by row). Much cheaper than TRUNCATE-ing every table after each test.
    """
    db.session.rollback()
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    serial = {t.name for t in Base.metadata.sorted_tables if "id" in t.c and t.c.id.primary_key}
    probe = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in tables)
    used = set(db.session.execute(text(probe)).scalars())
    postgres = db.engine.dialect.name == "postgresql"
    for name in (t for t in tables if t in used):
        if name == "regions" and not postgres:
            for level in ("kelurahan", "kecamatan", "city", "province"):
                db.session.execute(text("DELETE FROM regions WHERE level = :l"), {"l": level})
            continue
        db.session.execute(text(f"DELETE FROM {name}"))
        if postgres and name in serial:
            db.session.execute(text(
                "SELECT setval(s, 1, false) FROM pg_get_serial_sequence(:t, 'id') AS s "
                "WHERE s IS NOT NULL"), {"t": name})
    db.session.commit()


class FreshGClient(FlaskClient):
    """A test client whose every request starts with an empty ``g``, as in production.

    The ``app`` fixture keeps one app context pushed for the whole test and Flask reuses it
    for each request, so ``g`` (Flask-Login's cached user, Flask-WTF's CSRF token) would
    otherwise leak from one request, or one logged-in person, to the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        from flask import g

        for name in list(vars(g)):
            delattr(g, name)
        return super().open(*args, **kwargs)


def logged_in_session(person: Any) -> dict[str, Any]:
    """The session cookie's contents of ``person`` logged in (a live server-side session)."""
    from coordinator.auth_loader import SESSION_KEY
    from coordinator.domain.sessions import start_session

    return {"_user_id": str(person.id), "_fresh": True, SESSION_KEY: start_session(person)}
