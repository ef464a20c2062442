"""Connection settings that make several processes share one SQLite file safely."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from coordinator.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000
_installed = False


def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    # WAL lets the web read while the worker writes; the busy timeout makes a writer wait
    # for the lock instead of failing with "database is locked".
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def without_waiting_for_disk(session: Session | scoped_session[Any]) -> None:
    """Let the current transaction's commit return before its WAL reaches the disk (PostgreSQL;
    a commit that waits costs 2-8 ms here). Only for a transaction whose loss in a server crash
    something else makes good (say what at the call); any later commit that waits flushes it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def install_sqlite_pragmas() -> None:
    """Apply the pragmas to every SQLite connection any engine opens (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _on_connect)
        _installed = True


def engine_options(database_url: str, pool_size: int = 5) -> dict[str, Any]:
    """Engine options for Flask-SQLAlchemy by database kind."""
    if database_url.startswith("sqlite"):
        # isolation_level=None is not used: we keep pysqlite's transactions but begin them
        # IMMEDIATE-free; the busy timeout above covers writer contention.
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    return {"pool_pre_ping": True, "pool_size": pool_size, "max_overflow": pool_size * 2}


def dialect_insert(table: Any) -> Any:
    """The ``INSERT`` construct with ``on_conflict_do_*`` of the session's database (PostgreSQL
    or SQLite speak the same form)."""
    name = db.session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)
