"""Empties the database after a test, deleting regions leaves first.

``regions.parent_code`` is ``ON DELETE RESTRICT``, which SQLite enforces row by row, so the
shared ``clean_tables`` (one ``DELETE FROM regions``) fails after a seeded test.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, text

from coordinator.extensions import db
from coordinator.models import Base, Region
from coordinator.models.regions import REGION_LEVELS


@pytest.fixture(autouse=True)
def clean_regions_bottom_up(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("app")  # set up before us, so torn down after our cleanup
    yield
    db.session.rollback()
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL's TRUNCATE ... CASCADE in clean_tables copes on its own
    for table in reversed(Base.metadata.sorted_tables):
        if table.name == "regions":
            for level in reversed(REGION_LEVELS):
                db.session.execute(delete(Region).where(Region.level == level))
        else:
            db.session.execute(text(f"DELETE FROM {table.name}"))
    db.session.commit()
