"""Dialect-aware ``INSERT ... ON CONFLICT`` helpers (SQLite and PostgreSQL speak the same form)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from coordinator.extensions import db


def _insert(table: Any) -> Any:
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def add_to_rows(table: Any, keys: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, or add their values to the existing rows with the same key."""
    if not rows:
        return
    stmt = _insert(table).values(rows)
    values = [c for c in rows[0] if c not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + stmt.excluded[c] for c in values}
    )
    db.session.execute(stmt)


def insert_ignoring_duplicate(table: Any, row: dict[str, Any]) -> bool:
    """Insert ``row`` unless its key exists; True when this call inserted it."""
    first_key = next(iter(table.primary_key.columns))
    stmt = _insert(table).values(row).on_conflict_do_nothing().returning(first_key)
    return db.session.execute(stmt).first() is not None
