"""Empties the database after a test, deleting regions leaves first.

``regions.parent_code`` is ``ON DELETE RESTRICT``, which SQLite enforces row by row, so the
shared ``clean_tables`` (one ``DELETE FROM regions``) fails once a seeded test has run.
"""
from __future__ import annotations

import pytest
from sqlalchemy import delete, text

from coordinator.extensions import db
from coordinator.models import Base, Region
from coordinator.models.regions import REGION_LEVELS


def clean_after_test(request: pytest.FixtureRequest) -> None:
    if "app" not in request.fixturenames:
        return
    db.session.rollback()
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL: the shared TRUNCATE ... CASCADE copes
    for table in reversed(Base.metadata.sorted_tables):
        if table.name == "regions":
            for level in reversed(REGION_LEVELS):
                db.session.execute(delete(Region).where(Region.level == level))
        else:
            db.session.execute(text(f"DELETE FROM {table.name}"))
    db.session.commit()
