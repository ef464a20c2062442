"""Dashboard fixtures: the hand-built world of the rollup tests, applied, and logged-in clients."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from coordinator.domain.case_stats import CaseStatEntry, record_case_stats
from coordinator.extensions import db
from coordinator.models import Indicator, Person
from tests.rollups.conftest import (
    CENGKARENG_BARAT,
    DURI_KOSAMBI,
    GROGOL,
    World,
    apply_pending_events,
    make_world,
    utc,
)
from tests.rollups.test_program_rollups import build_march
from tests.support import FreshGClient, logged_in_session

NOW = utc(2022, 11, 20)


def indicator_id(code: str) -> int:
    return db.session.scalars(select(Indicator.id).where(Indicator.code == code)).one()


def record_demo_stats(world: World) -> None:
    """TPPO: 2021 Jan 6, Feb 4 (in two kelurahan); 2022 Jan 3, Feb 2, Mar 1."""
    tppo = indicator_id("tppo_victims")
    for month, entries in (
        (date(2021, 1, 1), [(CENGKARENG_BARAT, 4), (GROGOL, 2)]),
        (date(2021, 2, 1), [(DURI_KOSAMBI, 4)]),
        (date(2022, 1, 1), [(CENGKARENG_BARAT, 3)]),
        (date(2022, 2, 1), [(GROGOL, 2)]),
        (date(2022, 3, 1), [(DURI_KOSAMBI, 1)]),
    ):
        record_case_stats(actor=world.lead, month=month, now=NOW,
                          entries=[CaseStatEntry(code, tppo, n) for code, n in entries])


@pytest.fixture
def dash_world(seeded: Flask) -> World:
    world = make_world()
    build_march(world)
    record_demo_stats(world)
    apply_pending_events()
    return world


@pytest.fixture
def login_as(app: Flask) -> Callable[[Person], FlaskClient]:
    """A client whose session belongs to ``person`` (the login page is another area's)."""
    app.test_client_class = FreshGClient

    def make(person: Person, language: str = "en") -> FlaskClient:
        person.language = language  # the assertions read the English texts
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session.update(logged_in_session(person))
        return client

    return make
