"""Dialect-aware ``INSERT ... ON CONFLICT`` helpers (SQLite and PostgreSQL speak the same form).

Each statement has one shape per table whatever the number of rows, so SQLAlchemy compiles it
once: on PostgreSQL the rows travel as one array per column (``unnest``), one round trip; on
SQLite one single-row statement is executed for each row.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite

from coordinator.database import dialect_insert
from coordinator.extensions import db


def _dialect() -> str:
    return db.session.get_bind().dialect.name


@cache
def _unnest_upsert(table: Table, keys: tuple[str, ...], columns: tuple[str, ...],
                   add: bool) -> Any:
    dialect = postgresql.dialect()
    arrays = ", ".join(f"CAST(:{c} AS {table.c[c].type.compile(dialect)}[])" for c in columns)
    names = ", ".join(columns)
    values = [c for c in columns if c not in keys]
    update = ", ".join(
        f"{c} = {table.name}.{c} + EXCLUDED.{c}" if add else f"{c} = EXCLUDED.{c}" for c in values)
    return text(f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays}) "
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {update}")


@cache
def _sqlite_upsert(table: Table, keys: tuple[str, ...], columns: tuple[str, ...],
                   add: bool) -> Any:
    stmt = sqlite.insert(table)
    values = [c for c in columns if c not in keys]
    return stmt.on_conflict_do_update(index_elements=list(keys), set_={
        c: table.c[c] + stmt.excluded[c] if add else stmt.excluded[c] for c in values})


def _upsert(table: Any, keys: tuple[str, ...], rows: list[dict[str, Any]], add: bool) -> None:
    if not rows:
        return
    columns = tuple(rows[0])
    if _dialect() == "postgresql":
        stmt = _unnest_upsert(table, keys, columns, add)
        db.session.execute(stmt, {c: [row[c] for row in rows] for c in columns})
    else:
        db.session.execute(_sqlite_upsert(table, keys, columns, add), rows)


def add_to_rows(table: Any, keys: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, or add their values to the existing rows with the same key (each key
    once; every row with the same columns)."""
    _upsert(table, keys, rows, add=True)


def put_rows(table: Any, keys: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, or replace the values of the existing rows with the same key."""
    _upsert(table, keys, rows, add=False)


def insert_ignoring_duplicate(table: Any, row: dict[str, Any]) -> bool:
    """Insert ``row`` unless its key exists; True when this call inserted it."""
    first_key = next(iter(table.primary_key.columns))
    stmt = dialect_insert(table).values(row).on_conflict_do_nothing().returning(first_key)
    return db.session.execute(stmt).first() is not None
