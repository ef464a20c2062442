"""Fixtures of the workers area: seeded regions, small factories, a clock, a real worker."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, text

from coordinator.extensions import db
from coordinator.models import Base, Region
from coordinator.models.regions import REGION_LEVELS


@pytest.fixture(autouse=True)
def _clean_after(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty the database after each test, regions leaves first (SQLite enforces RESTRICT)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app")
    yield
    if "app" in request.fixturenames:
        empty_database()


def empty_database() -> None:
    db.session.rollback()
    for table in reversed(Base.metadata.sorted_tables):
        if table.name == "regions":
            for level in reversed(REGION_LEVELS):
                db.session.execute(delete(Region).where(Region.level == level))
        else:
            db.session.execute(text(f"DELETE FROM {table.name}"))
    db.session.commit()
