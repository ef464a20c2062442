"""Test helpers shared by every area: emptying the database, putting a seeded PostgreSQL
database back as it was, a production-like test client, running a test on SQLite only, the
PostgreSQL server's admin connection."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection, MetaData, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from coordinator.domain.calendar import local_datetime, local_now
from coordinator.extensions import db
from coordinator.models import Base

# For a test whose subject does not depend on the database (rendering, the embedded default):
# it runs once, on SQLite, instead of once per backend.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@contextmanager
def server_admin(database_url: str) -> Iterator[Connection]:
    """An AUTOCOMMIT connection to the ``postgres`` database of ``database_url``'s server, for
    what no transaction may hold: CREATE / DROP DATABASE, ``pg_terminate_backend``."""
    url = make_url(database_url)
    if url.drivername == "postgresql":  # the benchmarks' and fault scenarios' plain URLs
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                           poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def daytime() -> datetime:
    """Today 10:00 WIB, in UTC, for a test that plans and sends an SMS: one planned at the wall
    clock's time waits out the quiet hours (21:00-07:00 WIB), and such tests failed from 21:00
    WIB on. Needs an app context (the app's time zone)."""
    return local_datetime(local_now().date(), time(10)).astimezone(UTC)


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


class Snapshot:
    """Every row of a seeded PostgreSQL database, to put it back as it was between the tests
    (or benchmarks) that each need it freshly seeded: TRUNCATE, INSERT, and each sequence set
    past its table's largest id. A database copy per test would cost a DROP DATABASE each,
    which waits for a checkpoint of the whole server: seconds to tens of seconds on a busy one.
    Without ``metadata`` the tables are read from the database itself."""

    def __init__(self, database_url: str, metadata: MetaData | None = None) -> None:
        engine = create_engine(database_url, poolclass=NullPool)
        if metadata is None:
            metadata = MetaData()
            metadata.reflect(engine)
        self.tables = list(metadata.sorted_tables)
        with engine.connect() as conn:
            # In key order: a table that refers to itself (regions to their parents) gets its
            # rows back parents first; the heap's order changes after updates and vacuums.
            self.rows = {table.name: [dict(row._mapping) for row in conn.execute(
                table.select().order_by(*table.primary_key.columns))] for table in self.tables}
        engine.dispose()

    def restore(self, database_url: str) -> None:
        engine = create_engine(database_url, poolclass=NullPool)
        with engine.begin() as conn:
            names = ", ".join(f'"{table.name}"' for table in self.tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for table in self.tables:
                if self.rows[table.name]:
                    conn.execute(table.insert(), self.rows[table.name])
            for table in self.tables:
                for column in table.primary_key.columns:
                    sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                            {"t": f'"{table.name}"', "c": column.name}).scalar()
                    if sequence:
                        conn.execute(text(
                            f'SELECT setval(:s, COALESCE(MAX("{column.name}"), 0) + 1, false) '
                            f'FROM "{table.name}"'), {"s": sequence})
        engine.dispose()


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
